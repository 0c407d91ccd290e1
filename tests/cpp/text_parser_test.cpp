// The ONNX text syntax reader: every attribute kind, subgraphs, wiring, errors.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "onnxkit/core/error.h"
#include "onnxkit/text/parser.h"
#include "onnxkit/text/printer.h"

namespace onnxkit::text {
namespace {

// Every attribute kind the syntax has, an If with subgraphs that use an outer
// tensor, a custom-domain node, initializers and value_info, and a function.
constexpr const char* kEverything = R"(<
  ir_version: 8,
  opset_import: ["" : 13, "devtech" : 1],
  producer_name: "onnxkit-test",
  producer_version: "0.1",
  domain: "org.test",
  model_version: 3,
  doc_string: "a model",
  metadata_props: ["author" : "me", "k" : "v"]
>
main (float[N,3] X, bool cond, int64[] shape_in) => (float[N,3] Y, float[?,3] Z)
<
  float[3] bias = {0.5, -1.25, 3.0},
  int64[2] shape = {-1, 3},
  string[2] words = {"a b", "c"},
  double d = {0.1},
  float[N,3] T
>
{
  T = Add (X, bias)
  Y = If <
    then_branch = then_body () => (float[N,3] then_out) {
      then_out = Relu (T)
    },
    else_branch = else_body () => (float[N,3] else_out)
    <
      float two = {2.0}
    >
    {
      else_out = Mul (T, two)
    }
  > (cond)
  Z = devtech.FooOp <f = 1.5, i = -7, s = "text", t = float[2] {1.0, 2.0}, fs = [1.0, 2.5], is = [1, 2, 3],
                     ss = ["x", "y"], ef: floats = [], ei: ints = [], fi: float = 2> (Y, , shape)
}

<
  domain: "devtech",
  opset_import: ["" : 13]
>
Scale <alpha> (A) => (B)
{
  B = Mul (A, A)
}
)";

TEST(TextParser, ReadsEveryConstruct) {
  ir::Model m = parse_model(kEverything, "everything.txt");
  EXPECT_EQ(m.ir_version, 8);
  ASSERT_EQ(m.opset_import.size(), 2u);
  EXPECT_EQ(m.opset_import[1].domain, "devtech");
  EXPECT_EQ(m.producer_name, "onnxkit-test");
  EXPECT_EQ(m.model_version, 3);
  ASSERT_EQ(m.metadata_props.size(), 2u);
  EXPECT_EQ(m.metadata_props[0].value, "me");

  ir::Graph& g = *m.graph;
  EXPECT_EQ(g.name(), "main");
  ASSERT_EQ(g.inputs().size(), 3u);
  const Shape& xs = g.inputs()[0]->info().type->shape->dims;
  ASSERT_EQ(xs.size(), 2u);
  EXPECT_TRUE(xs[0].is_param());
  EXPECT_EQ(xs[0].param, "N");
  EXPECT_EQ(xs[1].value, 3);
  EXPECT_TRUE(g.inputs()[1]->info().type->shape->dims.empty());  // "bool": a scalar
  EXPECT_FALSE(g.inputs()[2]->info().type->shape.has_value());   // "int64[]": unknown rank
  EXPECT_TRUE(g.outputs()[1]->info().type->shape->dims[0].is_unknown());

  ASSERT_EQ(g.initializers().size(), 4u);
  EXPECT_EQ(g.initializers()[0]->name(), "bias");
  EXPECT_EQ(g.initializers()[0]->data()->float_data, (std::vector<float>{0.5f, -1.25f, 3.0f}));
  EXPECT_EQ(g.initializers()[1]->data()->int64_data, (std::vector<std::int64_t>{-1, 3}));
  EXPECT_EQ(g.initializers()[2]->data()->string_data, (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(g.initializers()[3]->data()->double_data, (std::vector<double>{0.1}));
  ASSERT_EQ(g.value_info().size(), 1u);
  EXPECT_EQ(g.value_info()[0]->name(), "T");

  ASSERT_EQ(g.node_count(), 3u);
  const ir::Node& iff = *g.nodes()[1];
  ASSERT_EQ(iff.subgraphs().size(), 2u);
  ir::Graph* then_body = iff.subgraphs()[0];
  EXPECT_EQ(then_body->parent(), &g);
  // The subgraph's Relu reads the outer graph's T.
  EXPECT_EQ(then_body->nodes()[0]->inputs()[0], g.nodes()[0]->outputs()[0]);
  EXPECT_EQ(iff.subgraphs()[1]->initializers().size(), 1u);

  const ir::Node& foo = *g.nodes()[2];
  EXPECT_EQ(foo.domain(), "devtech");
  EXPECT_EQ(foo.op_type(), "FooOp");
  ASSERT_EQ(foo.inputs().size(), 3u);
  EXPECT_TRUE(foo.inputs()[1]->is_empty());
  EXPECT_EQ(foo.attribute("f")->type, ir::AttributeType::kFloat);
  EXPECT_EQ(foo.attribute("f")->f, 1.5f);
  EXPECT_EQ(foo.attribute("i")->i, -7);
  EXPECT_EQ(foo.attribute("s")->s, "text");
  EXPECT_EQ(foo.attribute("t")->t->float_data, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(foo.attribute("fs")->floats, (std::vector<float>{1.0f, 2.5f}));
  EXPECT_EQ(foo.attribute("is")->ints, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(foo.attribute("ss")->strings, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(foo.attribute("ef")->type, ir::AttributeType::kFloats);
  EXPECT_EQ(foo.attribute("ei")->type, ir::AttributeType::kInts);
  EXPECT_EQ(foo.attribute("fi")->type, ir::AttributeType::kFloat);  // annotated: 2 is a float
  EXPECT_EQ(foo.attribute("fi")->f, 2.0f);

  ASSERT_EQ(m.functions.size(), 1u);
  EXPECT_EQ(m.functions[0].name, "Scale");
  EXPECT_EQ(m.functions[0].domain, "devtech");
  EXPECT_EQ(m.functions[0].attribute, (std::vector<std::string>{"alpha"}));
  EXPECT_EQ(m.functions[0].body->inputs().size(), 1u);
  EXPECT_EQ(m.functions[0].body->node_count(), 1u);
}

TEST(TextParser, PrintParsePrintIsStable) {
  ir::Model m = parse_model(kEverything);
  PrintOptions full;
  full.full_weights = true;
  const std::string once = print_model(m, full);
  const std::string twice = print_model(parse_model(once, "printed.txt"), full);
  EXPECT_EQ(once, twice);
}

TEST(TextParser, WiresNodesInAnyOrder) {
  ir::Model m = parse_model(R"(
    <ir_version: 7, opset_import: ["" : 13]>
    g (float[2] X) => (float[2] Y) {
      Y = Relu (T)
      T = Neg (X)
    })");
  const ir::Graph& g = *m.graph;
  ASSERT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.nodes()[0]->inputs()[0], g.nodes()[1]->outputs()[0]);
  EXPECT_EQ(g.outputs()[0], g.nodes()[0]->outputs()[0]);
  ASSERT_EQ(g.nodes()[0]->inputs()[0]->producers().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->inputs()[0]->producers()[0], g.nodes()[1].get());
}

TEST(TextParser, EmptyNamesAreAbsentOptionals) {
  ir::Model m = parse_model(R"(
    <ir_version: 7, opset_import: ["" : 13]>
    g (float[2] X) => (float[2] Y) {
      Y, = Dropout (X, , )
      "", H = LSTM (X)
    })");
  const ir::Node& d = *m.graph->nodes()[0];
  ASSERT_EQ(d.outputs().size(), 2u);
  EXPECT_TRUE(d.outputs()[1]->is_empty());
  ASSERT_EQ(d.inputs().size(), 3u);  // onnx 1.12: a trailing comma adds an empty name
  EXPECT_TRUE(d.inputs()[1]->is_empty());
  const ir::Node& l = *m.graph->nodes()[1];
  ASSERT_EQ(l.outputs().size(), 2u);
  EXPECT_TRUE(l.outputs()[0]->is_empty());
  EXPECT_EQ(l.outputs()[1]->name(), "H");
}

TEST(TextParser, AliasesAndNodeNamesRestoreOriginalNames) {
  ir::Model m = parse_model(R"(<ir_version: 7, opset_import: ["" : 13]>
#@alias onnx__Relu_1 = "onnx::Relu_1"
#@alias _relu_out = "/relu/out\x21"
g (float[2] onnx__Relu_1) => (float[2] _relu_out) {
  _relu_out = Relu (onnx__Relu_1)  #@node "/relu/Relu"
  Z = Relu (_relu_out)
})");
  const ir::Graph& g = *m.graph;
  EXPECT_EQ(g.inputs()[0]->name(), "onnx::Relu_1");
  EXPECT_EQ(g.outputs()[0]->name(), "/relu/out!");
  EXPECT_EQ(g.nodes()[0]->name(), "/relu/Relu");
  EXPECT_EQ(g.nodes()[1]->name(), "");
  EXPECT_NE(g.find_tensor("/relu/out!"), nullptr);
}

TEST(TextParser, ReadsNewerOnnxQuotedNamesAndLabels) {
  ir::Model m = parse_model(R"(<ir_version: 7, opset_import: ["" : 13]>
g (float["batch size"] "in put") => (float[2] Y) {
  ["my node"] Y = Relu ("in put")
})");
  EXPECT_EQ(m.graph->inputs()[0]->name(), "in put");
  EXPECT_EQ(m.graph->inputs()[0]->info().type->shape->dims[0].param, "batch size");
  EXPECT_EQ(m.graph->nodes()[0]->name(), "my node");
}

TEST(TextParser, ReadsTheOnnxDocsExample) {
  ir::Model m = parse_model(R"ONNX(
<
  ir_version: 7,
  opset_import: [ "" : 10 ]
>
agraph (float[N, 128] X, float[128, 10] W, float[10] B) => (float[N, 10] C)
{
    T = MatMul(X, W)
    S = Add(T, B)
    C = Softmax(S)
}
)ONNX");
  EXPECT_EQ(m.graph->node_count(), 3u);
  EXPECT_EQ(m.graph->nodes()[2]->op_type(), "Softmax");
}

TEST(TextParser, AttributesAfterInputs) {
  ir::Model m = parse_model(R"(<ir_version: 7, opset_import: ["" : 13]>
g (float[2] X) => (float[2] Y) { Y = LeakyRelu (X) <alpha = 0.25> })");
  EXPECT_EQ(m.graph->nodes()[0]->attribute("alpha")->f, 0.25f);
}

TEST(TextParser, NonFiniteAndSubnormalFloats) {
  ir::Model m = parse_model(R"(<ir_version: 7, opset_import: ["" : 13]>
g () => () < float[4] w = {inf, -inf, nan, 1e-45} > { })");
  const auto& v = m.graph->initializers()[0]->data()->float_data;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_TRUE(std::isinf(v[0]) && v[0] > 0);
  EXPECT_TRUE(std::isinf(v[1]) && v[1] < 0);
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_EQ(v[3], std::numeric_limits<float>::denorm_min());
}

// ---- errors say where and what

std::string error_of(const std::string& text) {
  try {
    parse_model(text, "bad.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TextParserErrors, MissingParenthesis) {
  std::string msg = error_of("<ir_version: 7>\ng (float[2] X) => (float[2] Y) {\n  Y = Relu (X\n}");
  EXPECT_NE(msg.find("bad.txt:4:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected ')'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("found '}'"), std::string::npos) << msg;
}

TEST(TextParserErrors, UnknownModelField) {
  std::string msg = error_of("<\n  ir_version: 7,\n  opset: []\n>\ng () => () {}");
  EXPECT_NE(msg.find("bad.txt:3:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown model field 'opset'"), std::string::npos) << msg;
}

TEST(TextParserErrors, MissingArrow) {
  std::string msg = error_of("g (float[2] X) (float[2] Y) {}");
  EXPECT_NE(msg.find("bad.txt:1:16"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'=>'"), std::string::npos) << msg;
}

TEST(TextParserErrors, WrongValueCount) {
  std::string msg = error_of("g () => () < float[2,2] w = {1.0, 2.0} > {}");
  EXPECT_NE(msg.find("bad.txt:1:29"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tensor 'w' has 2 values but its shape needs 4"), std::string::npos) << msg;
}

TEST(TextParserErrors, AttributeTypeMismatch) {
  std::string msg = error_of("g (X) => (Y) {\n Y = Foo <a: ints = [\"s\"]> (X)\n}");
  EXPECT_NE(msg.find("bad.txt:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("declared ints but its value is strings"), std::string::npos) << msg;
}

TEST(TextParserErrors, EmptyListNeedsType) {
  std::string msg = error_of("g (X) => (Y) { Y = Foo <a = []> (X) }");
  EXPECT_NE(msg.find("bad.txt:1:25"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs a type"), std::string::npos) << msg;
}

TEST(TextParserErrors, UnclosedStringAndBadCharacter) {
  EXPECT_NE(error_of("<producer_name: \"abc>").find("bad.txt:1:17: string literal is not closed"),
            std::string::npos);
  EXPECT_NE(
      error_of("g (X) => (Y) { Y = Relu (X) ; }").find("bad.txt:1:29: unexpected character ';'"),
      std::string::npos);
}

TEST(TextParserErrors, UnterminatedNodeList) {
  std::string msg = error_of("g (X) => (Y) {\n  Y = Relu (X)\n");
  EXPECT_NE(msg.find("bad.txt:3:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("end of input"), std::string::npos) << msg;
}

}  // namespace
}  // namespace onnxkit::text
