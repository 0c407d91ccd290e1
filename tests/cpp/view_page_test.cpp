// The viewer's page data and page: escaping of every model string, folded
// Constant nodes, FLOPs and parameters, weight statistics, subgraphs, and the
// model diff of the example against its FooOp-bypassed version.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "onnxkit/edit/operations.h"
#include "onnxkit/example/seed_model.h"
#include "onnxkit/text/parser.h"
#include "onnxkit/view/model_diff.h"
#include "onnxkit/view/node_facts.h"
#include "onnxkit/view/page.h"

namespace onnxkit::view {
namespace {

nlohmann::json data_of(const ir::Model& m) { return nlohmann::json::parse(model_view_json(m)); }

const nlohmann::json* node_named(const nlohmann::json& graph, std::string_view name) {
  for (const auto& n : graph["nodes"]) {
    if (n.value("n", "") == name) return &n;
  }
  return nullptr;
}

TEST(ViewPage, SeedModelBoxesShapesFlopsAndWeights) {
  const ir::Model m = example::make_seed_model();
  const nlohmann::json d = data_of(m);
  const auto& g = d["graphs"][0];
  // input, 6 nodes, output
  ASSERT_EQ(g["nodes"].size(), 8u);
  EXPECT_EQ(g["nodes"][0]["k"], 1);
  EXPECT_EQ(d["types"][g["ty"][g["nodes"][0]["ti"].get<int>()].get<int>()], "float[N,3,128,128]");
  const nlohmann::json* conv = node_named(g, "Conv_0");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(d["ops"][(*conv)["o"].get<int>()]["c"], "conv");
  EXPECT_EQ((*conv)["ln"][0], "W \u27e816\u00d73\u00d73\u00d73\u27e9");
  // Conv 3→16, 3x3, output 16x63x63 per item: 2*63*63*16*27 + bias 63*63*16.
  EXPECT_EQ((*conv)["f"], 2 * 63 * 63 * 16 * 27 + 63 * 63 * 16);
  EXPECT_EQ((*conv)["p"], 16 * 27 + 16);
  // Every edge has an inferred shape label.
  for (const auto& t : g["et"]) {
    EXPECT_FALSE(d["labels"][g["ty"][t.get<int>()].get<int>()].get<std::string>().empty());
  }
  // Weight statistics of conv1.weight are within PyTorch's init bound 1/sqrt(27).
  const int wi = (*conv)["w"][1];
  const auto& w = d["weights"][wi];
  EXPECT_EQ(w["n"], "conv1.weight");
  EXPECT_GE(w["s"][0].get<double>(), -1 / std::sqrt(27.0));
  EXPECT_LE(w["s"][1].get<double>(), 1 / std::sqrt(27.0));
  EXPECT_EQ(w["pv"].size(), 8u);
  EXPECT_EQ(d["model"]["params"], 16 * 27 + 16 + 4 * 16 + 64 * 16 * 9 + 64 + 4 * 64);
  // Both layouts, one position per box.
  EXPECT_EQ(g["lv"]["x"].size(), 8u);
  EXPECT_EQ(g["lh"]["y"].size(), 8u);
}

TEST(ViewPage, ConstantNodesFoldIntoTheirReaders) {
  const ir::Model m = text::parse_model(R"(
<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  c = Constant <value = float[2] {1.0, 2.0}> ()
  y = Add (x, c)
}
)");
  const nlohmann::json d = data_of(m);
  const auto& g = d["graphs"][0];
  ASSERT_EQ(g["nodes"].size(), 3u);  // x, Add, y: no Constant box
  EXPECT_EQ(d["ops"][g["nodes"][1]["o"].get<int>()]["t"], "Add");
  EXPECT_EQ(g["nodes"][1]["ln"][0], "B \u27e82\u27e9");
  const int wi = g["nodes"][1]["w"][1];
  EXPECT_EQ(d["weights"][wi]["s"][1], 2.0);
}

TEST(ViewPage, HostileNamesCannotLeaveTheDataElement) {
  ir::Model m = example::make_seed_model();
  const std::string evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\u2028&";
  m.graph->nodes()[0]->set_name(evil);
  m.doc_string = evil;
  m.metadata_props.push_back({"<b>key</b>", evil, {}});
  const std::string page = render_page(model_view_json(m), evil);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  // Inside the data element, U+2028 is escaped too (a line break to older JavaScript).
  const std::size_t data_start = page.find("id=\"model-data\">");
  const std::size_t data_end = page.find("</script>", data_start);
  ASSERT_NE(data_start, std::string::npos);
  EXPECT_EQ(page.substr(data_start, data_end - data_start).find("\u2028"), std::string::npos);
  // The names come back intact once parsed.
  const std::string json = model_view_json(m);
  const nlohmann::json d = nlohmann::json::parse(json);
  EXPECT_NE(node_named(d["graphs"][0], evil), nullptr);
  EXPECT_EQ(d["model"]["doc"], evil);
  // Exactly two script elements: the data and the viewer.
  std::size_t scripts = 0;
  for (std::size_t p = page.find("<script"); p != std::string::npos;
       p = page.find("<script", p + 1))
    ++scripts;
  EXPECT_EQ(scripts, 2u);
}

TEST(ViewPage, SubgraphsAreReachableFromTheirNode) {
  const ir::Model m = text::parse_model(R"(
<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] a) { a = Relu (x) },
              else_branch = e () => (float[2] b) { b = Neg (x) }>
}
)");
  const nlohmann::json d = data_of(m);
  ASSERT_EQ(d["graphs"].size(), 3u);
  const auto& if_box = d["graphs"][0]["nodes"][2];
  ASSERT_EQ(d["ops"][if_box["o"].get<int>()]["t"], "If");
  ASSERT_EQ(if_box["sg"].size(), 2u);
  const int then_index = if_box["sg"][0][1];
  const auto& then_graph = d["graphs"][then_index];
  EXPECT_EQ(then_graph["parent"], 0);
  bool has_relu = false;
  for (const auto& n : then_graph["nodes"]) {
    has_relu |= n.contains("o") && d["ops"][n["o"].get<int>()]["t"] == "Relu";
  }
  EXPECT_TRUE(has_relu);
}

TEST(ViewPage, CustomOpsShowTheirDeclaredSchema) {
  const ir::Model m = example::make_seed_model(example::SeedVariant::kFoo);
  schema::SchemaRegistry registry = schema::SchemaRegistry::with_onnx();
  registry.add_json(R"j({"format": "onnxkit-op-schemas", "format_version": 1, "schemas": [
    {"domain": "devtech", "name": "FooOp", "since_version": 1,
     "inputs": [{"name": "X", "type": "T"}], "outputs": [{"name": "Y", "type": "T"}],
     "type_constraints": [{"param": "T", "types": ["tensor(float)"]}]}]})j",
                    "test");
  ViewOptions options;
  options.registry = &registry;
  const nlohmann::json with = nlohmann::json::parse(model_view_json(m, options));
  const nlohmann::json* foo = node_named(with["graphs"][0], "FooOp_3");
  ASSERT_NE(foo, nullptr);
  const auto& op = with["ops"][(*foo)["o"].get<int>()];
  EXPECT_EQ(op["c"], "custom");
  EXPECT_NE(op["sc"].get<std::string>().find("FooOp-1"), std::string::npos);
  const nlohmann::json without = data_of(m);
  EXPECT_EQ(without["ops"][(*node_named(without["graphs"][0], "FooOp_3"))["o"].get<int>()]["sc"],
            "");
}

TEST(ViewDiff, BypassedFooOpReadsAsOneRemovedNode) {
  const ir::Model a = example::make_seed_model(example::SeedVariant::kFoo);
  ir::Model b = a.copy();
  edit::bypass(*b.graph, edit::NodeSelector::parse("op=devtech::FooOp"));
  const ModelDiff diff = diff_models(a, b);
  ASSERT_EQ(diff.nodes.size(), 1u);
  EXPECT_EQ(diff.nodes[0].kind, NodeDiff::Kind::kRemoved);
  EXPECT_EQ(diff.nodes[0].a->op_type(), "FooOp");
  EXPECT_EQ(diff.unchanged, 3u);
  const std::string summary = diff_summary(diff, "a", "b");
  EXPECT_NE(summary.find("- removed node 'FooOp_3' (devtech::FooOp)"), std::string::npos);
  const nlohmann::json d = nlohmann::json::parse(diff_view_json(a, b, diff, summary));
  const nlohmann::json* foo = node_named(d["graphs"][0], "FooOp_3");
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ((*foo)["st"], 2);
}

TEST(ViewDiff, ChangedAttributesAndWeightsAreNamed) {
  const ir::Model a = example::make_seed_model(example::SeedVariant::kSeed, 1);
  const ir::Model b = example::make_seed_model(example::SeedVariant::kSeed, 2);
  ir::Model c = a.copy();
  c.graph->nodes()[0]->attribute("strides")->ints = {1, 1};
  const ModelDiff weights = diff_models(a, b);
  EXPECT_EQ(weights.unchanged, 2u);  // the two Relus
  bool saw_max = false;
  for (const auto& d : weights.nodes) {
    for (const auto& line : d.details) saw_max |= line.find("max |a-b|") != std::string::npos;
  }
  EXPECT_TRUE(saw_max);
  const ModelDiff attrs = diff_models(a, c);
  ASSERT_EQ(attrs.nodes.size(), 1u);
  EXPECT_EQ(attrs.nodes[0].details[0], "attribute strides: [2, 2] \u2192 [1, 1]");
  EXPECT_TRUE(diff_models(a, a.copy()).identical());
}

TEST(ViewFacts, GemmMatMulAndUnknownShapes) {
  const ir::Model m = text::parse_model(R"(
<ir_version: 8, opset_import: ["" : 17]>
g (float[N,64] x, float[64,32] w, float[32] b, float[?] u) => (float[N,32] y, float[?] v) {
  y = Gemm (x, w, b)
  v = Relu (u)
}
)");
  const nlohmann::json d = data_of(m);
  const auto& nodes = d["graphs"][0]["nodes"];
  // Inputs x, w, b, u are graph inputs here (no initializers): Gemm per item 2*32*64 + 32.
  for (const auto& n : nodes) {
    const std::string op =
        n.contains("o") ? d["ops"][n["o"].get<int>()]["t"].get<std::string>() : "";
    if (op == "Gemm") {
      EXPECT_EQ(n["f"], 2 * 32 * 64 + 32);
    }
    if (op == "Relu") {
      EXPECT_EQ(n["f"], 1);  // an unknown dim counts as 1
    }
  }
}

}  // namespace
}  // namespace onnxkit::view

namespace onnxkit::view {
namespace {

TEST(ViewDiff, UnnamedChainsMatchByStructure) {
  // A long unnamed chain, and the same chain with one node inserted in the
  // middle: everything else pairs up by structure.
  constexpr int kLength = 2000;
  auto chain = [](bool insert) {
    ir::Model m;
    m.ir_version = 8;
    m.opset_import.push_back({"", 17, {}});
    m.graph = std::make_unique<ir::Graph>();
    ir::Graph& g = *m.graph;
    ir::Tensor* x = g.add_variable("x");
    x->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::of(4)});
    g.inputs().push_back(x);
    ir::Tensor* cur = x;
    for (int i = 0; i < kLength; ++i) {
      if (insert && i == kLength / 2)
        cur = g.layer("Neg", {cur}, {g.add_fresh_variable("t")}, {}, "", "")->outputs()[0];
      cur = g.layer(i % 2 ? "Relu" : "Abs", {cur}, {g.add_fresh_variable("t")}, {}, "", "")
                ->outputs()[0];
      g.nodes().back()->set_name("");
    }
    g.outputs().push_back(cur);
    return m;
  };
  const ir::Model a = chain(false);
  for (const auto& n : a.graph->nodes()) ASSERT_TRUE(n->name().empty());
  const ir::Model b = chain(true);
  const ModelDiff diff = diff_models(a, b);
  std::size_t added = 0;
  for (const NodeDiff& d : diff.nodes) added += d.kind == NodeDiff::Kind::kAdded;
  EXPECT_GE(added, 1u);
  // The first half pairs up unchanged; after the insertion the wiring differs once.
  EXPECT_GE(diff.unchanged, static_cast<std::size_t>(kLength / 2));
}

}  // namespace
}  // namespace onnxkit::view

namespace onnxkit::view {
namespace {

TEST(ViewFacts, WeightStatsExactAndSampled) {
  ir::TensorData d;
  d.data_type = DataType::kFloat;
  constexpr int kN = 4096;
  d.dims = {kN};
  std::vector<float> v(kN);
  for (int i = 0; i < kN; ++i)
    v[static_cast<std::size_t>(i)] = i % 4 == 0 ? 0.f : static_cast<float>(i);
  d.float_data = v;
  const auto exact = weight_stats(d);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->sampled, static_cast<std::uint64_t>(kN));
  EXPECT_EQ(exact->min, 0);
  EXPECT_EQ(exact->max, kN - 1);
  EXPECT_DOUBLE_EQ(exact->sparsity, 0.25);
  ASSERT_EQ(exact->preview.size(), 16u);
  EXPECT_EQ(exact->preview[1], 1);
  // Sampled: 256 blocks of 4 elements; the last block ends at the last element.
  const auto sampled = weight_stats(d, 1024);
  ASSERT_TRUE(sampled);
  EXPECT_EQ(sampled->sampled, 1024u);
  EXPECT_EQ(sampled->count, static_cast<std::uint64_t>(kN));
  EXPECT_EQ(sampled->max, kN - 1);
  EXPECT_EQ(sampled->preview[1], 1);
}

}  // namespace
}  // namespace onnxkit::view
