#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "onnxkit/example/seed_model.h"
#include "onnxkit/inspect/model_summary.h"

namespace onnxkit::inspect {
namespace {

using example::SeedVariant;

constexpr std::uint64_t kSeedParameters =
    (16 * 3 * 3 * 3 + 16) + 4 * 16 + (64 * 16 * 3 * 3 + 64) + 4 * 64;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const std::string& l : lines(text)) {
    if (l == line) return true;
  }
  return false;
}

ir::TensorData float_data(std::vector<std::int64_t> dims) {
  ir::TensorData d;
  d.data_type = DataType::kFloat;
  d.dims = std::move(dims);
  d.set_raw(Buffer::owned(std::vector<std::byte>(d.byte_size().value_or(0))));
  return d;
}

TEST(Summary, SeedModelNumbers) {
  const ModelSummary s = summarize(example::make_seed_model());
  EXPECT_EQ(s.ir_version, 7);
  EXPECT_EQ(s.producer_name, "onnxkit");
  EXPECT_EQ(s.graph_name, "main_graph");
  ASSERT_EQ(s.opset_imports.size(), 1u);
  EXPECT_EQ(s.opset_imports[0], (std::pair<std::string, std::int64_t>{"", 13}));

  ASSERT_EQ(s.inputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].name, "input");
  EXPECT_TRUE(s.inputs[0].is_tensor);
  EXPECT_EQ(s.inputs[0].elem_type, DataType::kFloat);
  EXPECT_EQ(s.inputs[0].type, "float32[N,3,128,128]");
  ASSERT_TRUE(s.inputs[0].shape.has_value());
  EXPECT_EQ((*s.inputs[0].shape)[0], Dim::named("N"));
  ASSERT_EQ(s.outputs.size(), 1u);
  EXPECT_EQ(s.outputs[0].type, "float32[N,64,31,31]");

  EXPECT_EQ(kSeedParameters, 10048u);
  EXPECT_EQ(s.initializer_count, 12u);
  EXPECT_EQ(s.parameter_count, kSeedParameters);
  EXPECT_EQ(s.parameter_bytes, kSeedParameters * 4);
  EXPECT_EQ(s.node_count, 6u);
  EXPECT_EQ(s.node_count_total, 6u);
  ASSERT_EQ(s.op_histogram.size(), 3u);
  EXPECT_EQ(s.op_histogram[0].op, "Conv");
  EXPECT_EQ(s.op_histogram[1].op, "BatchNormalization");
  EXPECT_EQ(s.op_histogram[2].op, "Relu");
  for (const OpCount& c : s.op_histogram) EXPECT_EQ(c.count, 2u) << c.op;
  EXPECT_TRUE(s.custom_domains.empty());
  EXPECT_TRUE(s.subgraphs.empty());
  EXPECT_TRUE(s.functions.empty());
  EXPECT_TRUE(s.external_data_files.empty());
}

TEST(Summary, FooModelHasCustomDomain) {
  const ModelSummary s = summarize(example::make_seed_model(SeedVariant::kFoo));
  EXPECT_EQ(s.custom_domains, std::vector<std::string>{"devtech"});
  ASSERT_EQ(s.op_histogram.size(), 4u);
  EXPECT_EQ(s.op_histogram.back().op, "devtech::FooOp");
  EXPECT_EQ(s.op_histogram.back().count, 1u);
  EXPECT_EQ(s.opset_imports.size(), 2u);
  EXPECT_EQ(s.parameter_count, 16u * 27 + 16 + 4 * 16);
  EXPECT_EQ(s.outputs[0].type, "float32[N,16,63,63]");

  const std::string text = summary_to_text(s);
  EXPECT_TRUE(has_line(text, "custom_domains  devtech")) << text;
  EXPECT_TRUE(has_line(text, "opsets          ai.onnx 13, devtech 1")) << text;
  EXPECT_TRUE(has_line(text, "  devtech::FooOp      1")) << text;
}

TEST(Summary, SeedModelText) {
  ir::Model m = example::make_seed_model();
  m.path = "/some/folder/seed.onnx";
  m.producer_version = "0.1.0";  // independent of the project version
  const std::string text = summary_to_text(summarize(m));
  EXPECT_EQ(text,
            "model           seed.onnx\n"
            "ir_version      7\n"
            "producer        onnxkit 0.1.0\n"
            "graph           main_graph\n"
            "opsets          ai.onnx 13\n"
            "inputs\n"
            "  input  float32[N,3,128,128]\n"
            "outputs\n"
            "  output  float32[N,64,31,31]\n"
            "initializers    12\n"
            "parameters      10048 (40192 bytes, 39.2 KiB)\n"
            "ops (6 nodes)\n"
            "  Conv                2\n"
            "  BatchNormalization  2\n"
            "  Relu                2\n");
}

TEST(Summary, JsonHasEveryKeyInOrder) {
  ir::Model m = example::make_seed_model(SeedVariant::kFoo);
  m.path = "foo.onnx";
  const std::string text = summary_to_json(summarize(m));
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"source",
                                            "ir_version",
                                            "producer_name",
                                            "producer_version",
                                            "domain",
                                            "model_version",
                                            "doc_string",
                                            "graph_name",
                                            "opset_imports",
                                            "metadata",
                                            "inputs",
                                            "outputs",
                                            "initializer_count",
                                            "parameter_count",
                                            "parameter_bytes",
                                            "node_count",
                                            "node_count_total",
                                            "ops",
                                            "custom_domains",
                                            "functions",
                                            "subgraphs",
                                            "external_data_files",
                                            "training_info_count"}));
  EXPECT_EQ(j["source"], "foo.onnx");
  EXPECT_EQ(j["ir_version"], 7);
  EXPECT_EQ(j["opset_imports"][1]["domain"], "devtech");
  EXPECT_EQ(j["opset_imports"][1]["version"], 1);
  EXPECT_EQ(j["inputs"][0]["name"], "input");
  EXPECT_EQ(j["inputs"][0]["elem_type"], "float32");
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::ordered_json::parse(R"(["N",3,128,128])"));
  EXPECT_EQ(j["ops"]["devtech::FooOp"], 1);
  EXPECT_EQ(j["ops"].begin().key(), "Conv");
  EXPECT_EQ(j["custom_domains"], nlohmann::ordered_json::parse(R"(["devtech"])"));
  // Pretty-printed with two spaces.
  EXPECT_NE(text.find("\n  \"source\": \"foo.onnx\",\n"), std::string::npos) << text;
}

/// A model with every kind of fact summarize() collects.
ir::Model everything_model() {
  ir::Model m;
  m.ir_version = 8;
  m.producer_name = "hand";
  m.domain = "com.example";
  m.model_version = 3;
  m.doc_string = "two\nlines";
  m.metadata_props.push_back({"author", "me", {}});
  m.opset_import.push_back({"", 17, {}});
  m.opset_import.push_back({"com.example.custom", 1, {}});
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("g");

  ir::Tensor* x = g.add_variable("x");
  x->info().type = ir::Type::tensor(DataType::kInt64, Shape{Dim::unknown(), Dim::of(4)});
  ir::Tensor* y = g.add_variable("y");  // no type
  ir::Tensor* w = g.add_constant("w", float_data({4}));
  g.inputs() = {x, y, w};  // an initializer listed as input, as old exporters do
  g.initializers().push_back(w);

  ir::TensorData ext;
  ext.data_type = DataType::kFloat;
  ext.dims = {8};
  ext.data_location = ir::TensorData::Location::kExternal;
  ext.external_data = {{"location", "weights.bin", {}}, {"offset", "0", {}}, {"length", "32", {}}};
  g.initializers().push_back(g.add_constant("e", std::move(ext)));

  ir::SparseTensorData sparse;
  sparse.values = float_data({2});
  sparse.indices.data_type = DataType::kInt64;
  sparse.indices.dims = {2};
  sparse.dims = {10};
  ir::Tensor* sp = g.add_variable("sp");
  sp->to_constant(std::move(sparse));
  g.sparse_initializers().push_back(sp);

  ir::Node* add = g.add_node("Add", "", "Add_0");
  add->add_input(x);
  add->add_input(w);
  ir::Tensor* a = g.add_variable("a");
  add->add_output(a);

  ir::Node* iff = g.add_node("If", "", "If_1");
  iff->add_input(y);
  auto then_branch = std::make_unique<ir::Graph>(&g);
  then_branch->add_node("Identity", "", "then_id")->add_input(a);
  auto else_branch = std::make_unique<ir::Graph>(&g);
  else_branch->add_node("Relu")->add_input(a);
  else_branch->add_node("Neg")->add_input(a);
  iff->set_attribute(ir::Attribute::of_graph("then_branch", std::move(then_branch)));
  iff->set_attribute(ir::Attribute::of_graph("else_branch", std::move(else_branch)));
  ir::Tensor* s = g.add_variable("s");
  iff->add_output(s);

  g.add_node("Thing", "com.example.custom", "Thing_2")->add_input(a);
  g.add_node("F", "local", "F_3")->add_input(a);
  g.add_node("Relu", "ai.onnx", "Relu_4")->add_input(a);

  a->info().type = ir::Type::tensor(DataType::kFloat, std::nullopt);
  ir::Type seq;
  seq.kind = ir::Type::Kind::kSequence;
  seq.elem =
      std::make_unique<ir::Type>(ir::Type::tensor(DataType::kFloat16, Shape{Dim::unknown()}));
  s->info().type = seq;
  g.outputs() = {a, s};

  ir::Function f;
  f.name = "F";
  f.domain = "local";
  f.body->add_node("Mul");
  m.functions.push_back(std::move(f));
  return m;
}

TEST(Summary, EverythingModel) {
  const ModelSummary s = summarize(everything_model());
  EXPECT_EQ(s.source, "");
  EXPECT_EQ(s.domain, "com.example");
  EXPECT_EQ(s.model_version, 3);
  ASSERT_EQ(s.metadata.size(), 1u);
  EXPECT_EQ(s.metadata[0].first, "author");

  ASSERT_EQ(s.inputs.size(), 2u);  // w is a parameter, not an input
  EXPECT_EQ(s.inputs[0].type, "int64[?,4]");
  EXPECT_EQ(s.inputs[1].type, "?");
  EXPECT_FALSE(s.inputs[1].is_tensor);
  ASSERT_EQ(s.outputs.size(), 2u);
  EXPECT_EQ(s.outputs[0].type, "float32");
  EXPECT_FALSE(s.outputs[0].shape.has_value());
  EXPECT_EQ(s.outputs[1].type, "seq(float16[?])");
  EXPECT_FALSE(s.outputs[1].is_tensor);

  EXPECT_EQ(s.initializer_count, 3u);
  EXPECT_EQ(s.parameter_count, 4u + 8 + 2);
  EXPECT_EQ(s.parameter_bytes, 16u + 32 + 8 + 16);

  EXPECT_EQ(s.node_count, 5u);
  EXPECT_EQ(s.node_count_total, 5u + 1 + 2 + 1);
  std::vector<std::string> ops;
  for (const OpCount& c : s.op_histogram) ops.push_back(c.op + "=" + std::to_string(c.count));
  EXPECT_EQ(ops, (std::vector<std::string>{"Relu=2", "Add=1", "If=1", "Identity=1", "Neg=1",
                                           "com.example.custom::Thing=1", "local::F=1", "Mul=1"}));
  EXPECT_EQ(s.custom_domains, (std::vector<std::string>{"com.example.custom", "local"}));
  EXPECT_EQ(s.subgraphs, (std::vector<std::string>{"node 'If_1' (If) \xE2\x80\xBA then_branch",
                                                   "node 'If_1' (If) \xE2\x80\xBA else_branch"}));
  EXPECT_EQ(s.functions, std::vector<std::string>{"local::F"});
  ASSERT_EQ(s.external_data_files.size(), 1u);
  EXPECT_EQ(s.external_data_files[0].location, "weights.bin");
  EXPECT_EQ(s.external_data_files[0].tensors, 1u);
  EXPECT_EQ(s.external_data_files[0].bytes, 32u);

  const std::string text = summary_to_text(s);
  EXPECT_TRUE(has_line(text, "domain          com.example")) << text;
  EXPECT_TRUE(has_line(text, "model_version   3")) << text;
  EXPECT_TRUE(has_line(text, "doc_string      two lines")) << text;
  EXPECT_TRUE(has_line(text, "  author  me")) << text;
  EXPECT_TRUE(has_line(text, "  x  int64[?,4]")) << text;
  EXPECT_TRUE(has_line(text, "  y  ?")) << text;
  EXPECT_TRUE(has_line(text, "ops (5 nodes, 9 with subgraphs and functions)")) << text;
  EXPECT_TRUE(has_line(text, "external_data")) << text;
  EXPECT_TRUE(has_line(text, "  weights.bin  1 tensor, 32 bytes")) << text;
  EXPECT_TRUE(has_line(text, "  local::F")) << text;
  EXPECT_TRUE(has_line(text, "parameters      14 (72 bytes)")) << text;

  const auto j = nlohmann::json::parse(summary_to_json(s));
  EXPECT_TRUE(j["inputs"][1]["elem_type"].is_null());
  EXPECT_TRUE(j["inputs"][1]["shape"].is_null());
  EXPECT_TRUE(j["inputs"][0]["shape"][0].is_null());
  EXPECT_EQ(j["inputs"][0]["shape"][1], 4);
  EXPECT_TRUE(j["outputs"][0]["shape"].is_null());
  EXPECT_EQ(j["external_data_files"][0]["location"], "weights.bin");
  EXPECT_EQ(j["external_data_files"][0]["tensors"], 1);
  EXPECT_EQ(j["external_data_files"][0]["bytes"], 32);
  EXPECT_EQ(j["node_count_total"], 9);
}

TEST(Summary, EmptyModelDoesNotThrow) {
  ir::Model m;
  const ModelSummary s = summarize(m);
  EXPECT_EQ(s.node_count, 0u);
  const std::string text = summary_to_text(s);
  EXPECT_TRUE(has_line(text, "producer        ?")) << text;
  EXPECT_TRUE(has_line(text, "opsets          none")) << text;
  EXPECT_NO_THROW(nlohmann::json::parse(summary_to_json(s)));
}

TEST(Summary, InvalidUtf8InNamesStillGivesJson) {
  ir::Model m = example::make_seed_model();
  m.producer_name = "bad\xff";
  EXPECT_NO_THROW(nlohmann::json::parse(summary_to_json(summarize(m))));
}

TEST(Summary, StandardDomainsAndTypeNames) {
  EXPECT_TRUE(is_standard_domain(""));
  EXPECT_TRUE(is_standard_domain("ai.onnx"));
  EXPECT_TRUE(is_standard_domain("ai.onnx.ml"));
  EXPECT_TRUE(is_standard_domain("ai.onnx.preview.training"));
  EXPECT_FALSE(is_standard_domain("devtech"));
  EXPECT_FALSE(is_standard_domain("com.microsoft"));
  EXPECT_EQ(element_type_name(DataType::kFloat), "float32");
  EXPECT_EQ(element_type_name(DataType::kDouble), "float64");
  EXPECT_EQ(element_type_name(DataType::kInt64), "int64");
  EXPECT_EQ(element_type_name(DataType::kBfloat16), "bfloat16");
  EXPECT_EQ(element_type_name(DataType::kUndefined), "?");
}

}  // namespace
}  // namespace onnxkit::inspect
