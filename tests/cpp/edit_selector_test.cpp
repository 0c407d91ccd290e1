#include <gtest/gtest.h>

#include "edit_test_util.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/selector.h"

namespace onnxkit::edit {
namespace {

using namespace ir::testing;
using ir::Graph;
using ir::Node;

// x -> Conv "conv1" -> Relu "block1/relu" -> devtech::FooOp "foo" -> "output"; plus an
// If whose branch holds a Relu "inner_relu".
struct Model3 {
  Graph g;
  Node *conv, *relu, *foo, *iff, *inner;
  Model3() {
    g.set_name("main");
    ir::Tensor* x = add_input(g, "x", float_type(dims_of({1, 3, 4, 4})));
    conv = g.layer("Conv", {x}, {g.add_variable("c")}, {}, "", "conv1");
    relu = g.layer("Relu", {conv->outputs()[0]}, {g.add_variable("r")}, {}, "", "block1/relu");
    foo = g.layer("FooOp", {relu->outputs()[0]}, {g.add_variable("output")}, {}, "devtech", "foo");
    auto branch = std::make_unique<Graph>(&g);
    inner = branch->layer("Relu", {branch->tensor("r")}, {branch->add_variable("b")}, {}, "ai.onnx",
                          "inner_relu");
    std::vector<ir::Attribute> attrs;
    attrs.push_back(ir::Attribute::of_graph("then_branch", std::move(branch)));
    iff = g.layer("If", {x}, {g.add_variable("if_out")}, std::move(attrs), "", "if");
  }
};

std::vector<Node*> sel(const Graph& g, std::string_view text) {
  return NodeSelector::parse(text).find(g);
}

TEST(EditSelector, Forms) {
  Model3 m;
  EXPECT_EQ(sel(m.g, "conv1"), std::vector<Node*>{m.conv});
  EXPECT_EQ(sel(m.g, "name=block1/relu"), std::vector<Node*>{m.relu});
  EXPECT_EQ(sel(m.g, "op=FooOp"), std::vector<Node*>{m.foo});  // any domain
  EXPECT_EQ(sel(m.g, "op=devtech::FooOp"), std::vector<Node*>{m.foo});
  EXPECT_TRUE(sel(m.g, "op=other::FooOp").empty());
  EXPECT_TRUE(sel(m.g, "op=::FooOp").empty());
  // Relu in "" and in "ai.onnx" are both the default domain; subgraphs are searched.
  EXPECT_EQ(sel(m.g, "op=::Relu"), (std::vector<Node*>{m.relu, m.inner}));
  EXPECT_EQ(sel(m.g, "op=ai.onnx::Relu"), (std::vector<Node*>{m.relu, m.inner}));
  EXPECT_EQ(sel(m.g, "re=relu"), (std::vector<Node*>{m.relu, m.inner}));
  EXPECT_EQ(sel(m.g, "/^block1//"), std::vector<Node*>{m.relu});
  EXPECT_EQ(sel(m.g, "re=^(conv1|foo)$"), (std::vector<Node*>{m.conv, m.foo}));
  EXPECT_EQ(NodeSelector::parse("op=Relu").kind(), NodeSelector::Kind::kOp);
  EXPECT_EQ(NodeSelector::parse("/x/").kind(), NodeSelector::Kind::kRegex);
  EXPECT_EQ(NodeSelector::parse("x").kind(), NodeSelector::Kind::kName);
  EXPECT_EQ(NodeSelector::parse("op=Relu").text(), "op=Relu");
}

TEST(EditSelector, NoMatchSaysWhatWasSearched) {
  Model3 m;
  std::string msg = error_of([&] { NodeSelector::parse("op=devtech::BarOp").select(m.g); });
  EXPECT_NE(msg.find("no node matches op=devtech::BarOp in graph 'main' (5 nodes"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("ops present: Conv, If, Relu, devtech::FooOp"), std::string::npos) << msg;

  msg = error_of([&] { NodeSelector::parse("op=other::FooOp").select(m.g); });
  EXPECT_NE(msg.find("in another domain: 'devtech::FooOp'"), std::string::npos) << msg;

  msg = error_of([&] { NodeSelector::parse("Relu").select(m.g); });
  EXPECT_NE(msg.find("no node matches Relu"), std::string::npos) << msg;
  EXPECT_NE(msg.find("similar node names: 'block1/relu', 'inner_relu'"), std::string::npos) << msg;
}

TEST(EditSelector, BadSelectors) {
  EXPECT_NE(error_of([] { NodeSelector::parse(""); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([] { NodeSelector::parse("op="); }).find("no op type"), std::string::npos);
  EXPECT_NE(error_of([] { NodeSelector::parse("op=dev::"); }).find("no op type"),
            std::string::npos);
  const std::string msg = error_of([] { NodeSelector::parse("re=(unclosed"); });
  EXPECT_NE(msg.find("node selector 're=(unclosed': invalid regular expression"), std::string::npos)
      << msg;
  EXPECT_NE(error_of([] { NodeSelector::parse("name="); }).find("no node name"), std::string::npos);
}

}  // namespace
}  // namespace onnxkit::edit
