#include <gtest/gtest.h>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {
namespace {

// x -> A -> a -> B -> b (output); x -> C -> c (dead)
struct Chain {
  Graph g;
  Tensor *x, *a, *b, *c;
  Node *A, *B, *C;
  Chain() {
    x = g.add_variable("x");
    a = g.add_variable("a");
    b = g.add_variable("b");
    c = g.add_variable("c");
    g.inputs().push_back(x);
    g.outputs().push_back(b);
    A = g.add_node("Relu", "", "A");
    A->add_input(x);
    A->add_output(a);
    B = g.add_node("Neg", "", "B");
    B->add_input(a);
    B->add_output(b);
    C = g.add_node("Abs", "", "C");
    C->add_input(x);
    C->add_output(c);
  }
};

std::vector<std::string> names(const Graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes()) out.push_back(n->name());
  return out;
}

TEST(IrGraph, LinksStayInSync) {
  Chain ch;
  EXPECT_EQ(ch.x->consumers().size(), 2u);
  EXPECT_EQ(ch.a->producers(), std::vector<Node*>{ch.A});
  EXPECT_EQ(ch.B->i(), ch.A);
  EXPECT_EQ(ch.A->o(), ch.B);
  // Reassigning an output list copies the elements: a tensor may have two producers.
  ch.A->set_outputs(ch.B->outputs());
  EXPECT_EQ(ch.b->producers().size(), 2u);
  EXPECT_TRUE(ch.a->producers().empty());
  ch.B->clear_outputs();
  EXPECT_EQ(ch.b->producers(), std::vector<Node*>{ch.A});
}

TEST(IrGraph, SameTensorTwiceCountsTwice) {
  Graph g;
  Tensor* x = g.add_variable("x");
  Node* n = g.add_node("Add");
  n->set_inputs(std::vector<Tensor*>{x, x});
  EXPECT_EQ(x->consumers().size(), 2u);
  n->remove_input(0);
  EXPECT_EQ(x->consumers().size(), 1u);
}

TEST(IrGraph, IndexErrors) {
  Chain ch;
  EXPECT_THROW(ch.A->i(), IndexError);  // graph input has no producer
  EXPECT_THROW(ch.B->i(1), IndexError);
  EXPECT_THROW(ch.B->o(), IndexError);  // graph output has no consumer
  EXPECT_THROW(ch.A->o(0, 3), IndexError);
}

TEST(IrGraph, CleanupRemovesDeadNodesAndTensors) {
  Chain ch;
  EXPECT_EQ(ch.g.cleanup(), 1u);
  EXPECT_EQ(names(ch.g), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(ch.g.find_tensor("c"), nullptr);
  EXPECT_EQ(ch.x->consumers().size(), 1u);
  // Unused graph inputs stay by default.
  Tensor* unused = ch.g.add_variable("unused");
  ch.g.inputs().push_back(unused);
  ch.g.cleanup();
  EXPECT_EQ(ch.g.inputs().size(), 2u);
  CleanupOptions opts;
  opts.remove_unused_graph_inputs = true;
  ch.g.cleanup(opts);
  EXPECT_EQ(ch.g.inputs().size(), 1u);
}

TEST(IrGraph, CleanupKeepsNodesFeedingSubgraphs) {
  Graph g;
  Tensor* x = g.add_variable("x");
  Tensor* y = g.add_variable("y");
  Tensor* out = g.add_variable("out");
  g.inputs().push_back(x);
  g.outputs().push_back(out);
  Node* p = g.add_node("Neg", "", "P");
  p->add_input(x);
  p->add_output(y);
  Node* iff = g.add_node("If", "", "If");
  iff->add_input(x);
  iff->add_output(out);
  auto body = std::make_unique<Graph>(&g);
  Tensor* by = body->tensor("y");  // outer-scope reference
  EXPECT_EQ(by, y);
  Tensor* bo = body->add_variable("bo");
  Node* inner = body->add_node("Identity");
  inner->add_input(by);
  inner->add_output(bo);
  body->outputs().push_back(bo);
  iff->set_attribute(Attribute::of_graph("then_branch", std::move(body)));
  EXPECT_EQ(g.cleanup(), 0u);
  EXPECT_EQ(g.node_count(), 2u);
  // Destroying the subgraph takes its node out of the outer tensor's consumers.
  EXPECT_EQ(y->consumers().size(), 1u);
  iff->attributes().clear();
  EXPECT_TRUE(y->consumers().empty());
}

TEST(IrGraph, ToposortIsStableAndIterative) {
  Graph g;
  const int n = 200000;
  std::vector<Tensor*> t;
  for (int i = 0; i <= n; ++i) t.push_back(g.add_variable("t" + std::to_string(i)));
  g.inputs().push_back(t[0]);
  g.outputs().push_back(t[n]);
  for (int i = n; i-- > 0;) {  // stored in reverse order: the worst case for recursion
    Node* node = g.add_node("Relu", "", "n" + std::to_string(i));
    node->add_input(t[i]);
    node->add_output(t[i + 1]);
  }
  g.toposort();
  for (int i = 0; i < n; ++i) ASSERT_EQ(g.nodes()[i]->name(), "n" + std::to_string(i));
  // Sorting a sorted graph changes nothing.
  Chain ch;
  ch.g.toposort();
  EXPECT_EQ(names(ch.g), (std::vector<std::string>{"A", "B", "C"}));
}

TEST(IrGraph, ToposortNamesTheCycle) {
  Graph g;
  Tensor* a = g.add_variable("a");
  Tensor* b = g.add_variable("b");
  Node* p = g.add_node("Relu", "", "P");
  Node* q = g.add_node("Neg", "", "Q");
  p->add_input(b);
  p->add_output(a);
  q->add_input(a);
  q->add_output(b);
  try {
    g.toposort();
    FAIL() << "expected a cycle error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cycle"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'P' (Relu)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'Q' (Neg)"), std::string::npos) << msg;
  }
}

TEST(IrGraph, RenameKeepsIndex) {
  Chain ch;
  ch.a->set_name("renamed");
  EXPECT_EQ(ch.g.find_tensor("renamed"), ch.a);
  EXPECT_EQ(ch.g.find_tensor("a"), nullptr);
}

TEST(IrGraph, QualifiedOp) {
  Graph g;
  EXPECT_EQ(g.add_node("Conv")->qualified_op(), "Conv");
  EXPECT_EQ(g.add_node("FooOp", "devtech")->qualified_op(), "devtech::FooOp");
}

TEST(IrGraph, OpTypesAreSharedAndStayValid) {
  Graph g;
  Node* a = g.add_node("Relu");
  Node* b = g.add_node(std::string("Re") + "lu");
  EXPECT_EQ(&a->op_type(), &b->op_type());  // one copy for all nodes
  const std::string& before = a->op_type();
  a->set_op_type("Sigmoid");
  a->set_domain("devtech");
  EXPECT_EQ(before, "Relu");  // still valid after the node changed
  EXPECT_EQ(a->qualified_op(), "devtech::Sigmoid");
  EXPECT_EQ(b->qualified_op(), "Relu");
  EXPECT_EQ(b->domain(), "");
  g.remove_node(b);
  EXPECT_EQ(before, "Relu");  // and after it went
}

TEST(IrGraph, ExtrasAndConstantDataLiveOutOfLine) {
  Graph g;
  Node* n = g.add_node("Relu");
  const Node& cn = *n;
  EXPECT_TRUE(cn.extras().empty());  // reading makes nothing
  n->extras().mark_default(3);
  EXPECT_TRUE(cn.extras().has_default(3));
  EXPECT_EQ(cn.doc_string(), "");  // the other rare fields stay empty

  Tensor* t = g.add_variable("t");
  EXPECT_EQ(t->data(), nullptr);
  EXPECT_EQ(t->sparse_data(), nullptr);
  TensorData dense;
  dense.data_type = DataType::kFloat;
  dense.dims = {2};
  t->to_constant(std::move(dense));
  ASSERT_NE(t->data(), nullptr);
  EXPECT_EQ(t->sparse_data(), nullptr);
  EXPECT_EQ(t->data()->name, "t");
  SparseTensorData sparse;
  sparse.dims = {3};
  sparse.values.data_type = DataType::kInt64;
  t->to_constant(std::move(sparse));  // replaces the dense data
  EXPECT_EQ(t->data(), nullptr);
  ASSERT_NE(t->sparse_data(), nullptr);
  EXPECT_EQ(t->dtype(), DataType::kInt64);
  t->to_variable();
  EXPECT_EQ(t->sparse_data(), nullptr);
  EXPECT_EQ(t->dtype(), DataType::kInt64);  // the declared type stays
}

}  // namespace
}  // namespace onnxkit::ir

namespace onnxkit::ir {
namespace {

// Link lists keep their first elements inline and move to the heap past
// them: every operation must give the same answers on both sides.
TEST(LinkList, InlineThenHeap) {
  int v[6] = {0, 1, 2, 3, 4, 5};
  LinkList<int*, 2> l;
  EXPECT_TRUE(l.empty());
  l.push_back(&v[0]);
  l.push_back(&v[1]);
  EXPECT_EQ(l.capacity(), 2u);  // still inline
  l.push_back(&v[2]);
  l.push_back(&v[3]);
  l.push_back(&v[4]);
  ASSERT_EQ(l.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l[static_cast<std::size_t>(i)], &v[i]);
  l.insert(l.begin() + 1, &v[5]);
  EXPECT_EQ((std::vector<int*>(l)), (std::vector<int*>{&v[0], &v[5], &v[1], &v[2], &v[3], &v[4]}));
  l.erase(l.begin());
  EXPECT_TRUE(erase_one(l, &v[3]));
  EXPECT_FALSE(erase_one(l, &v[3]));
  EXPECT_EQ((std::vector<int*>(l)), (std::vector<int*>{&v[5], &v[1], &v[2], &v[4]}));

  LinkList<int*, 2> copied = l;  // heap copy
  LinkList<int*, 2> moved = std::move(l);
  EXPECT_TRUE(l.empty());
  EXPECT_TRUE(copied == moved);
  moved.clear();
  moved.push_back(&v[0]);
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved.front(), &v[0]);

  LinkList<int*, 2> small;  // inline move and copy
  small.push_back(&v[1]);
  LinkList<int*, 2> small_moved = std::move(small);
  EXPECT_EQ(small_moved.size(), 1u);
  EXPECT_EQ(small_moved[0], &v[1]);
  small_moved = copied;  // inline <- heap
  EXPECT_TRUE(small_moved == std::vector<int*>({&v[5], &v[1], &v[2], &v[4]}));
  copied = LinkList<int*, 2>();  // heap <- empty inline
  EXPECT_TRUE(copied.empty());
}

// A node with more inputs than fit inline, and a tensor read by more nodes
// than fit inline, through the Node API (links kept in sync both ways).
TEST(LinkList, NodesAndTensorsPastTheInlineCapacity) {
  Graph g;
  Tensor* x = g.add_variable("x");
  std::vector<Node*> readers;
  for (int i = 0; i < 5; ++i) {
    Node* n = g.add_node("Sum");
    for (int k = 0; k < 4; ++k) n->add_input(x);
    n->add_output(g.add_variable("y" + std::to_string(i)));
    n->add_output(g.add_variable("z" + std::to_string(i)));
    readers.push_back(n);
  }
  EXPECT_EQ(x->consumers().size(), 20u);
  EXPECT_EQ(readers[0]->inputs().size(), 4u);
  readers[0]->remove_input(1);
  EXPECT_EQ(x->consumers().size(), 19u);
  readers[0]->clear_inputs();
  EXPECT_EQ(x->consumers().size(), 16u);
  x->disconnect_consumers();
  EXPECT_TRUE(x->consumers().empty());
  for (Node* n : readers) EXPECT_TRUE(n->inputs().empty());
  EXPECT_EQ(readers[4]->outputs()[1]->producers().front(), readers[4]);
}

}  // namespace
}  // namespace onnxkit::ir
