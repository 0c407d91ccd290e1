// The ONNX text syntax writer: layout, names, weights, exact round trips.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "onnxkit/text/parser.h"
#include "onnxkit/text/printer.h"

namespace onnxkit::text {
namespace {

ir::TensorData floats(std::vector<std::int64_t> dims, std::vector<float> values) {
  ir::TensorData t;
  t.data_type = DataType::kFloat;
  t.dims = std::move(dims);
  t.float_data = std::move(values);
  return t;
}

/// A PyTorch-like model: names with "::", "/" and ".", a symbolic batch dim,
/// a custom-domain op, raw_data weights.
ir::Model torch_like_model(std::size_t weight_count) {
  ir::Model m;
  m.ir_version = 7;
  m.opset_import = {{"", 13, {}}, {"devtech", 1, {}}};
  m.producer_name = "pytorch";
  m.producer_version = "1.13.0";
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("torch_jit");
  ir::Tensor* x = g.add_variable("input");
  x->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::named("N"), Dim::of(3)});
  g.inputs().push_back(x);

  std::vector<float> w(weight_count);
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = 0.1f * static_cast<float>(k) - 1.0f;
  ir::TensorData wd;
  wd.data_type = DataType::kFloat;
  wd.dims = {static_cast<std::int64_t>(weight_count)};
  wd.set_raw(Buffer::owned(
      std::string_view(reinterpret_cast<const char*>(w.data()), w.size() * sizeof(float))));
  ir::Tensor* wt = g.add_constant("conv1.weight", std::move(wd));
  g.initializers().push_back(wt);

  ir::Node* add = g.add_node("Add", "", "/add/Add");
  ir::Tensor* sum = g.add_variable("/add/Add_output_0");
  add->set_inputs(std::vector<ir::Tensor*>{x, wt});
  add->set_outputs(std::vector<ir::Tensor*>{sum});

  ir::Node* foo = g.add_node("FooOp", "devtech", "onnx::FooOp_3");
  ir::Tensor* out = g.add_variable("output");
  out->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::named("N"), Dim::unknown()});
  foo->set_inputs(std::vector<ir::Tensor*>{sum});
  foo->set_outputs(std::vector<ir::Tensor*>{out});
  foo->set_attribute(ir::Attribute::of_float("alpha", 1.0f));
  foo->set_attribute(ir::Attribute::of_ints("axes", {0, -1}));
  foo->set_attribute(ir::Attribute::of_strings("modes", {"a", "b"}));
  g.outputs().push_back(out);
  return m;
}

TEST(TextPrinter, PrintsAReadableModel) {
  ir::Model m = torch_like_model(3);
  const std::string text = print_model(m);
  const std::string expected = R"(<
  ir_version: 7,
  opset_import: ["" : 13, "devtech" : 1],
  producer_name: "pytorch",
  producer_version: "1.13.0"
>
# names that are not identifiers in the ONNX text syntax, and what stands for them:
#@alias conv1_weight = "conv1.weight"
#@alias _add_Add_output_0 = "/add/Add_output_0"
torch_jit (float[N,3] input) => (float[N,?] output)
<
  float[3] conv1_weight = {-1.0, -0.9, -0.8}
>
{
  _add_Add_output_0 = Add (input, conv1_weight)  #@node "/add/Add"
  output            = devtech.FooOp <alpha = 1.0, axes = [0, -1], modes = ["a", "b"]> (_add_Add_output_0)  #@node "onnx::FooOp_3"
}
)";
  EXPECT_EQ(text, expected);
}

TEST(TextPrinter, PreviewsLargeWeightsAsDeclarations) {
  ir::Model m = torch_like_model(100);
  const std::string text = print_model(m);
  EXPECT_NE(text.find("  float[100] conv1_weight  # 100 values, first 8: -1.0, -0.9, -0.8, -0.7, "
                      "-0.6, -0.5, -0.39999998, -0.3, ...\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# note: 1 tensor(s) with more than 8 values"), std::string::npos) << text;
  // Still parses: the weight becomes a typed declaration.
  ir::Model back = parse_model(text);
  EXPECT_TRUE(back.graph->initializers().empty());
  ASSERT_EQ(back.graph->value_info().size(), 1u);
  EXPECT_EQ(back.graph->value_info()[0]->name(), "conv1.weight");
}

TEST(TextPrinter, FullWeightsRoundTripExactly) {
  ir::Model m = torch_like_model(4);
  std::vector<float> special = {0.1f,
                                -0.0f,
                                1e-45f,
                                std::numeric_limits<float>::min(),
                                std::numeric_limits<float>::max(),
                                std::numeric_limits<float>::infinity(),
                                -std::numeric_limits<float>::infinity(),
                                std::numeric_limits<float>::quiet_NaN(),
                                3.14159274f,
                                123456792.0f};
  for (int k = 0; k < 40; ++k) special.push_back(std::sin(static_cast<float>(k)) * 1e-3f);
  ir::Tensor* s = m.graph->add_constant(
      "special", floats({static_cast<std::int64_t>(special.size())}, special));
  m.graph->initializers().push_back(s);
  ir::TensorData d;
  d.data_type = DataType::kDouble;
  d.dims = {3};
  d.double_data = {0.1, 1e-310, -2.5e300};
  m.graph->initializers().push_back(m.graph->add_constant("dbl", std::move(d)));
  ir::TensorData h;
  h.data_type = DataType::kFloat16;
  h.dims = {2};
  h.int32_data = {0x3c00, 0xfbff};
  m.graph->initializers().push_back(m.graph->add_constant("half", std::move(h)));

  PrintOptions full;
  full.full_weights = true;
  const std::string text = print_model(m, full);
  ir::Model back = parse_model(text, "full.txt");
  ASSERT_EQ(back.graph->initializers().size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    const ir::TensorData& a = *m.graph->initializers()[k]->data();
    const ir::TensorData& b = *back.graph->initializers()[k]->data();
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.dims, b.dims);
    EXPECT_EQ(a.data_type, b.data_type);
    Buffer ab = a.bytes(), bb = b.bytes();
    ASSERT_EQ(ab.size(), bb.size()) << a.name;
    EXPECT_EQ(std::memcmp(ab.bytes().data(), bb.bytes().data(), ab.size()), 0) << a.name;
  }
  // Names come back exactly, and printing again gives the same text.
  EXPECT_EQ(back.graph->nodes()[1]->name(), "onnx::FooOp_3");
  EXPECT_EQ(back.graph->nodes()[0]->outputs()[0]->name(), "/add/Add_output_0");
  EXPECT_EQ(print_model(back, full), text);
}

TEST(TextPrinter, FloatsPrintShortestAndAsFloatLiterals) {
  ir::Model m = torch_like_model(1);
  ir::Node* n = m.graph->nodes()[1].get();
  n->set_attribute(ir::Attribute::of_floats("fs", {1.0f, 0.1f, 1e-5f, 1e10f, -2.0f}));
  const std::string text = print_model(m);
  EXPECT_NE(text.find("fs = [1.0, 0.1, 1e-05, 1e+10, -2.0]"), std::string::npos) << text;
}

TEST(TextPrinter, SubgraphsAreIndentedBodies) {
  ir::Model m;
  m.ir_version = 8;
  m.opset_import = {{"", 16, {}}};
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("g");
  ir::Tensor* c = g.add_variable("cond");
  c->info().type = ir::Type::tensor(DataType::kBool, Shape{});
  g.inputs().push_back(c);
  ir::Tensor* x = g.add_variable("x");
  x->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::of(2)});
  g.inputs().push_back(x);
  ir::Node* iff = g.add_node("If");
  iff->set_inputs(std::vector<ir::Tensor*>{c});
  ir::Tensor* y = g.add_variable("y");
  iff->set_outputs(std::vector<ir::Tensor*>{y});
  g.outputs().push_back(y);
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto sub = std::make_unique<ir::Graph>(&g);
    sub->set_name(std::string(branch) + "_body");
    ir::Node* r = sub->add_node(branch[0] == 't' ? "Relu" : "Neg");
    ir::Tensor* o = sub->add_variable(std::string(branch) + "_out");
    o->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::of(2)});
    r->set_inputs(std::vector<ir::Tensor*>{x});
    r->set_outputs(std::vector<ir::Tensor*>{o});
    sub->outputs().push_back(o);
    iff->set_attribute(ir::Attribute::of_graph(branch, std::move(sub)));
  }
  const std::string text = print_graph(g);
  EXPECT_EQ(text, R"(g (bool cond, float[2] x) => (y)
{
  y = If <
    then_branch = then_branch_body () => (float[2] then_branch_out)
    {
      then_branch_out = Relu (x)
    },
    else_branch = else_branch_body () => (float[2] else_branch_out)
    {
      else_branch_out = Neg (x)
    }
  > (cond)
}
)");
  // And it reads back to the same graph.
  std::string model_text = print_model(m);
  EXPECT_EQ(print_model(parse_model(model_text)), model_text);
}

TEST(TextPrinter, ReservedAndEmptyNamesGetAliases) {
  ir::Model m;
  m.ir_version = 7;
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  ir::Tensor* f = g.add_variable("float");
  g.inputs().push_back(f);
  ir::Tensor* d = g.add_variable("9lives");
  g.outputs().push_back(d);
  ir::Node* n = g.add_node("Identity");
  n->set_inputs(std::vector<ir::Tensor*>{f});
  n->set_outputs(std::vector<ir::Tensor*>{d});
  const std::string text = print_model(m);
  EXPECT_NE(text.find("#@alias float_ = \"float\""), std::string::npos) << text;
  EXPECT_NE(text.find("#@alias _9lives = \"9lives\""), std::string::npos) << text;
  ir::Model back = parse_model(text);
  EXPECT_EQ(back.graph->inputs()[0]->name(), "float");
  EXPECT_EQ(back.graph->outputs()[0]->name(), "9lives");
}

}  // namespace
}  // namespace onnxkit::text
