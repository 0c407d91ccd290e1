// Graph::copy(), Model::copy(), Graph::layer() and fresh names, Graph::tensors().

#include <gtest/gtest.h>

#include "edit_test_util.h"
#include "onnxkit/core/error.h"
#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/model.h"

namespace onnxkit::ir {
namespace {

using namespace testing;

// x -> Conv(W) -> c -> Relu -> y (output)
struct ConvRelu {
  Graph g;
  Tensor *x, *w, *c, *y;
  Node *conv, *relu;
  ConvRelu() {
    g.set_name("main");
    x = add_input(g, "x", float_type(dims_of({1, 3, 8, 8})));
    w = add_initializer(g, "W", floats({1, 3, 1, 1}, {0.5f, 1.f, 2.f}));
    c = g.add_variable("c");
    y = typed(g, "y", float_type(dims_of({1, 1, 8, 8})));
    g.outputs().push_back(y);
    conv = g.layer("Conv", {x, w}, {c}, {}, "", "conv");
    conv->set_attribute(Attribute::of_ints("kernel_shape", {1, 1}));
    relu = g.layer("Relu", {c}, {y}, {}, "", "relu");
  }
};

TEST(IrCopy, CopyIsDeepAndIndependent) {
  ConvRelu m;
  std::unique_ptr<Graph> copy = m.g.copy();
  ASSERT_EQ(node_names(*copy), node_names(m.g));
  EXPECT_EQ(copy->name(), "main");
  EXPECT_EQ(names(copy->inputs()), std::vector<std::string>{"x"});
  EXPECT_EQ(names(copy->outputs()), std::vector<std::string>{"y"});
  EXPECT_EQ(names(copy->initializers()), std::vector<std::string>{"W"});

  // Nothing of the original is shared: the copy's links are among its own objects.
  Tensor* cx = copy->find_tensor("x");
  Tensor* cc = copy->find_tensor("c");
  ASSERT_NE(cx, nullptr);
  EXPECT_NE(cx, m.x);
  EXPECT_EQ(cx->graph(), copy.get());
  const Node* cconv = copy->nodes()[0].get();
  EXPECT_EQ(cconv->inputs()[0], cx);
  EXPECT_EQ(cconv->outputs()[0], cc);
  EXPECT_EQ(cc->consumers(), std::vector<Node*>{copy->nodes()[1].get()});
  EXPECT_EQ(copy->nodes()[1]->i(), cconv);
  EXPECT_EQ(cconv->attribute("kernel_shape")->ints, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(copy->find_tensor("y")->shape(), m.y->shape());
  // Weights are shared bytes, not re-read or duplicated.
  EXPECT_EQ(copy->find_tensor("W")->data()->raw_data.bytes().data(),
            m.w->data()->raw_data.bytes().data());

  // Editing the copy leaves the original alone.
  copy->find_tensor("c")->set_name("renamed");
  copy->nodes()[0]->set_attribute(Attribute::of_ints("kernel_shape", {3, 3}));
  copy->remove_node(copy->nodes()[1].get());
  copy->outputs().clear();
  EXPECT_EQ(m.g.node_count(), 2u);
  EXPECT_EQ(m.c->name(), "c");
  EXPECT_EQ(m.conv->attribute("kernel_shape")->ints, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(m.c->consumers(), std::vector<Node*>{m.relu});
  EXPECT_EQ(m.g.outputs().size(), 1u);
  // And the other way round.
  std::unique_ptr<Graph> copy2 = m.g.copy();
  m.g.remove_node(m.relu);
  EXPECT_EQ(copy2->node_count(), 2u);
  EXPECT_EQ(copy2->find_tensor("y")->producers().size(), 1u);
}

TEST(IrCopy, SubgraphsReadTheCopiedOuterTensors) {
  Graph g;
  Tensor* cond = add_input(g, "cond", Type::tensor(DataType::kBool, Shape{}));
  Tensor* x = add_input(g, "x", float_type(dims_of({2})));
  Tensor* y = g.add_variable("y");
  Tensor* out = g.add_variable("out");
  g.outputs().push_back(out);
  g.layer("Neg", {x}, {y}, {}, "", "neg");
  auto then_branch = std::make_unique<Graph>(&g);
  then_branch->set_name("then");
  Tensor* t_out = then_branch->add_variable("t_out");
  then_branch->layer("Identity", {then_branch->tensor("y")}, {t_out}, {}, "", "inner");
  then_branch->outputs().push_back(t_out);
  auto else_branch = std::make_unique<Graph>(&g);
  else_branch->set_name("else");
  else_branch->outputs().push_back(else_branch->tensor("x"));  // an outer tensor as output
  std::vector<Attribute> attrs;
  attrs.push_back(Attribute::of_graph("then_branch", std::move(then_branch)));
  attrs.push_back(Attribute::of_graph("else_branch", std::move(else_branch)));
  Node* iff = g.layer("If", {cond}, {out}, std::move(attrs), "", "if");
  EXPECT_EQ(y->consumers().size(), 1u);  // the inner Identity

  std::unique_ptr<Graph> copy = g.copy();
  Tensor* cy = copy->find_tensor("y");
  Node* ciff = copy->nodes()[1].get();
  ASSERT_EQ(ciff->op_type(), "If");
  Graph* cthen = ciff->attribute("then_branch")->g.get();
  Graph* celse = ciff->attribute("else_branch")->g.get();
  EXPECT_EQ(cthen->parent(), copy.get());
  EXPECT_EQ(cthen->nodes()[0]->inputs()[0], cy);  // the copy's y, not the original
  EXPECT_EQ(cy->consumers(), std::vector<Node*>{cthen->nodes()[0].get()});
  EXPECT_EQ(celse->outputs()[0], copy->find_tensor("x"));
  EXPECT_EQ(y->consumers().size(), 1u);  // the original y kept its own reader only
  EXPECT_NE(cthen, iff->attribute("then_branch")->g.get());

  // A subgraph copied alone keeps reading the same enclosing tensors.
  Graph* body = iff->attribute("then_branch")->g.get();
  std::unique_ptr<Graph> alone = body->copy();
  EXPECT_EQ(alone->parent(), &g);
  EXPECT_EQ(alone->nodes()[0]->inputs()[0], y);
  EXPECT_EQ(y->consumers().size(), 2u);
  alone.reset();  // destroying it takes its reader out of y's consumers
  EXPECT_EQ(y->consumers().size(), 1u);

  // Cleanup and toposort see through the copied subgraph.
  EXPECT_EQ(copy->cleanup(), 0u);
  copy->toposort();
  EXPECT_EQ(node_names(*copy), (std::vector<std::string>{"neg", "if"}));
}

TEST(IrCopy, NestedSubgraphsReadTheRightLevel) {
  // main: a -> Loop{ body: If{ branch reads a (main) and b (body) } }
  Graph g;
  Tensor* a = add_input(g, "a", float_type(dims_of({1})));
  Tensor* out = g.add_variable("out");
  g.outputs().push_back(out);
  auto body = std::make_unique<Graph>(&g);
  Tensor* b = body->add_variable("b");
  body->inputs().push_back(b);
  Tensor* body_out = body->add_variable("body_out");
  body->outputs().push_back(body_out);
  auto branch = std::make_unique<Graph>(body.get());
  Tensor* r = branch->add_variable("r");
  branch->layer("Add", {branch->tensor("a"), branch->tensor("b")}, {r}, {}, "", "add");
  branch->outputs().push_back(r);
  std::vector<Attribute> if_attrs;
  if_attrs.push_back(Attribute::of_graph("then_branch", std::move(branch)));
  body->layer("If", {b}, {body_out}, std::move(if_attrs), "", "inner_if");
  std::vector<Attribute> loop_attrs;
  loop_attrs.push_back(Attribute::of_graph("body", std::move(body)));
  g.layer("Loop", {a}, {out}, std::move(loop_attrs), "", "loop");

  std::unique_ptr<Graph> copy = g.copy();
  Graph* cbody = copy->nodes()[0]->attribute("body")->g.get();
  Graph* cbranch = cbody->nodes()[0]->attribute("then_branch")->g.get();
  EXPECT_EQ(cbranch->parent(), cbody);
  EXPECT_EQ(cbody->parent(), copy.get());
  const Node* add = cbranch->nodes()[0].get();
  EXPECT_EQ(add->inputs()[0], copy->find_tensor("a"));
  EXPECT_EQ(add->inputs()[1], cbody->find_local_tensor("b"));
  EXPECT_EQ(a->consumers().size(), 2u);  // Loop and the original Add only
}

TEST(IrCopy, ModelCopy) {
  Model m;
  m.ir_version = 8;
  m.opset_import.push_back(OpsetId{"", 17, {}});
  m.producer_name = "test";
  m.graph = std::make_unique<Graph>();
  Tensor* w = add_initializer(*m.graph, "w", floats({1}, {1.f}));
  Tensor* x = add_input(*m.graph, "x", float_type(dims_of({1})));
  Tensor* y = m.graph->add_variable("y");
  m.graph->outputs().push_back(y);
  m.graph->layer("Mul", {x, w}, {y});
  TrainingInfo info;
  info.algorithm = std::make_unique<Graph>(m.graph.get());
  Tensor* w2 = info.algorithm->add_variable("w2");
  info.algorithm->layer("Neg", {info.algorithm->tensor("w")}, {w2});
  info.algorithm->outputs().push_back(w2);
  info.update_binding.push_back(StringEntry{"w", "w2", {}});
  m.training_info.push_back(std::move(info));
  Function f;
  f.name = "F";
  f.domain = "local";
  Tensor* fi = f.body->add_variable("fi");
  Tensor* fo = f.body->add_variable("fo");
  f.body->inputs().push_back(fi);
  f.body->outputs().push_back(fo);
  f.body->layer("Relu", {fi}, {fo});
  m.functions.push_back(std::move(f));

  Model c = m.copy();
  EXPECT_EQ(c.ir_version, 8);
  EXPECT_EQ(c.opset_version(""), 17);
  EXPECT_EQ(c.producer_name, "test");
  ASSERT_TRUE(c.graph);
  EXPECT_NE(c.graph.get(), m.graph.get());
  ASSERT_EQ(c.training_info.size(), 1u);
  Graph* alg = c.training_info[0].algorithm.get();
  EXPECT_EQ(alg->parent(), c.graph.get());
  EXPECT_EQ(alg->nodes()[0]->inputs()[0], c.graph->find_tensor("w"));
  EXPECT_EQ(c.training_info[0].update_binding[0].value, "w2");
  ASSERT_EQ(c.functions.size(), 1u);
  EXPECT_EQ(c.functions[0].name, "F");
  EXPECT_EQ(c.functions[0].body->node_count(), 1u);
  EXPECT_NE(c.functions[0].body.get(), m.functions[0].body.get());
  EXPECT_EQ(w->consumers().size(), 2u);  // unchanged by the copy
}

TEST(IrLayer, BuildsNodesWithFreshNames) {
  Graph g;
  Tensor* x = add_input(g, "x", float_type(dims_of({4})));
  Node* a = g.layer("Relu", {x}, {g.add_fresh_variable("relu_out")});
  Node* b = g.layer("Relu", {a->outputs()[0]}, {g.add_fresh_variable("relu_out")});
  std::vector<Attribute> attrs;
  attrs.push_back(Attribute::of_float("alpha", 0.1f));
  Node* c = g.layer("FooOp", {b->outputs()[0]}, {g.add_fresh_variable("foo")}, std::move(attrs),
                    "devtech");
  EXPECT_NE(a->name(), b->name());
  EXPECT_EQ(a->name().rfind("Relu_", 0), 0u) << a->name();
  EXPECT_EQ(c->qualified_op(), "devtech::FooOp");
  EXPECT_FLOAT_EQ(c->attribute("alpha")->f, 0.1f);
  EXPECT_NE(a->outputs()[0]->name(), b->outputs()[0]->name());
  EXPECT_EQ(b->i(), a);
  EXPECT_EQ(a->o(), b);

  // Fresh names skip names already taken, here or in an enclosing graph.
  Graph h;
  h.add_variable("t_0");
  h.add_variable("t_1");
  EXPECT_EQ(h.unique_tensor_name("t"), "t_2");
  Graph sub(&h);
  EXPECT_NE(sub.unique_tensor_name("t"), "t_0");
  Graph k;
  k.add_node("Relu", "", "Relu_0");
  EXPECT_EQ(k.unique_node_name("Relu"), "Relu_1");
  EXPECT_EQ(k.layer("Relu", {}, {})->name(), "Relu_2");
  Tensor* cst = k.add_fresh_constant("c", int64s({2}, {1, 2}));
  EXPECT_TRUE(cst->is_constant());
  EXPECT_EQ(cst->data()->name, cst->name());
}

TEST(IrTensors, IndexKeptUpToDate) {
  ConvRelu m;
  const auto& index = m.g.tensors();
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.at("x"), m.x);
  m.c->set_name("conv_out");
  EXPECT_EQ(&m.g.tensors(), &index);  // the same map, not a fresh one
  EXPECT_EQ(index.count("c"), 0u);
  EXPECT_EQ(index.at("conv_out"), m.c);
  Tensor* extra = m.g.add_variable("extra");
  EXPECT_EQ(index.at("extra"), extra);
  m.g.cleanup();  // "extra" is used by nothing
  EXPECT_EQ(index.count("extra"), 0u);
  EXPECT_NO_THROW(m.g.tensors(true));
}

TEST(IrTensors, CheckDuplicates) {
  ConvRelu m;
  // A second tensor named "c", written by a new node: two tensors in use share the name.
  Tensor* dup = m.g.add_variable("c");
  EXPECT_EQ(m.g.tensors().at("c"), m.c);  // the first stays indexed
  EXPECT_NO_THROW(m.g.tensors(true));     // unused duplicates do not count
  m.g.layer("Identity", {m.x}, {dup}, {}, "", "dup_writer");
  const std::string msg = error_of([&] { m.g.tensors(true); });
  EXPECT_NE(msg.find("distinct tensors share the name 'c'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("node 'conv' (Conv)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("node 'dup_writer' (Identity)"), std::string::npos) << msg;
  // The copy keeps the same index, duplicate included.
  std::unique_ptr<Graph> copy = m.g.copy();
  EXPECT_EQ(copy->tensors().at("c"), copy->nodes()[0]->outputs()[0]);
  EXPECT_THROW(copy->tensors(true), Error);
}

TEST(IrTensorLinks, DisconnectLikeGraphSurgeonLists) {
  ConvRelu m;
  m.c->disconnect_consumers();  // gs: c.outputs.clear()
  EXPECT_TRUE(m.c->consumers().empty());
  EXPECT_TRUE(m.relu->inputs().empty());
  m.c->disconnect_producers();  // gs: c.inputs.clear()
  EXPECT_TRUE(m.c->producers().empty());
  EXPECT_EQ(m.conv->outputs().size(), 0u);
  // A tensor read twice by one node leaves both slots.
  Graph g;
  Tensor* x = g.add_variable("x");
  Tensor* k = g.add_variable("k");
  Node* add = g.layer("Add", {x, k, x}, {});
  x->disconnect_consumers();
  EXPECT_EQ(add->inputs(), std::vector<Tensor*>{k});
}

}  // namespace
}  // namespace onnxkit::ir
