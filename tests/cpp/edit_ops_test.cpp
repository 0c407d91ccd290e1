// The edit operations one by one: bypass, remove, extract, renames, shapes,
// outputs, and the apply_edits runner.

#include <gtest/gtest.h>

#include "edit_test_util.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/apply.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {
namespace {

using namespace ir::testing;
using ir::Graph;
using ir::Node;
using ir::Tensor;

NodeSelector S(std::string_view text) { return NodeSelector::parse(text); }

bool has(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// The DESIGN.md journey: input -> Conv(W, B) -> Relu -> devtech::FooOp -> "output".
struct Recipe {
  Graph g;
  Tensor *input, *conv_out, *relu_out, *output;
  Node *conv, *relu, *foo;
  Recipe() {
    g.set_name("main");
    input =
        add_input(g, "input", float_type({Dim::named("N"), Dim::of(3), Dim::of(8), Dim::of(8)}));
    Tensor* w = add_initializer(g, "W", floats({2, 3, 1, 1}, {1, 2, 3, 4, 5, 6}));
    Tensor* b = add_initializer(g, "B", floats({2}, {0, 0}));
    conv_out = g.add_variable("conv_out");
    relu_out =
        typed(g, "relu_out", float_type({Dim::named("N"), Dim::of(2), Dim::of(8), Dim::of(8)}));
    g.value_info().push_back(relu_out);
    output = typed(g, "output", float_type({Dim::named("N"), Dim::of(2), Dim::of(8), Dim::of(8)}));
    g.outputs().push_back(output);
    conv = g.layer("Conv", {input, w, b}, {conv_out}, {}, "", "conv");
    relu = g.layer("Relu", {conv_out}, {relu_out}, {}, "", "relu");
    foo = g.layer("FooOp", {relu_out}, {output}, {}, "devtech", "foo");
  }
};

TEST(EditBypass, TheRecipe) {
  Recipe m;
  EXPECT_EQ(bypass(m.g, S("op=devtech::FooOp")), 1u);
  EXPECT_EQ(node_names(m.g), (std::vector<std::string>{"conv", "relu"}));
  // The Relu now writes "output": the graph output keeps its name and type.
  EXPECT_EQ(m.relu->outputs(), std::vector<Tensor*>{m.output});
  EXPECT_EQ(m.output->producers(), std::vector<Node*>{m.relu});
  EXPECT_EQ(names(m.g.outputs()), std::vector<std::string>{"output"});
  EXPECT_EQ(m.output->shape()->size(), 4u);
  // relu_out is gone, from value_info too; the weights stay.
  EXPECT_EQ(m.g.find_tensor("relu_out"), nullptr);
  EXPECT_TRUE(m.g.value_info().empty());
  EXPECT_EQ(names(m.g.initializers()), (std::vector<std::string>{"W", "B"}));
}

TEST(EditBypass, SameAsTheGraphSurgeonRecipeByHand) {
  Recipe by_hand;
  // inp_node = node.i(); inp_node.outputs = node.outputs; node.outputs.clear(); cleanup()
  Node* inp_node = by_hand.foo->i();
  inp_node->set_outputs(by_hand.foo->outputs());
  by_hand.foo->clear_outputs();
  by_hand.g.cleanup();

  Recipe edited;
  bypass(edited.g, S("foo"));
  ASSERT_EQ(node_names(edited.g), node_names(by_hand.g));
  for (std::size_t i = 0; i < edited.g.node_count(); ++i) {
    EXPECT_EQ(names(edited.g.nodes()[i]->inputs()), names(by_hand.g.nodes()[i]->inputs()));
    EXPECT_EQ(names(edited.g.nodes()[i]->outputs()), names(by_hand.g.nodes()[i]->outputs()));
  }
  EXPECT_EQ(names(edited.g.outputs()), names(by_hand.g.outputs()));
}

TEST(EditBypass, OtherReadersOfTheInputFollow) {
  Recipe m;
  // relu_out is also read by a second branch: after the bypass it reads "output".
  Tensor* side = m.g.add_variable("side");
  m.g.outputs().push_back(side);
  Node* neg = m.g.layer("Neg", {m.relu_out}, {side}, {}, "", "neg");
  bypass(m.g, S("foo"));
  EXPECT_EQ(neg->inputs(), std::vector<Tensor*>{m.output});
  EXPECT_EQ(m.output->producers(), std::vector<Node*>{m.relu});
  EXPECT_EQ(m.output->consumers(), std::vector<Node*>{neg});
}

TEST(EditBypass, InputIsAGraphInput) {
  Graph g;
  Tensor* x = add_input(g, "x", float_type(dims_of({4})));
  Tensor* y = typed(g, "y", float_type(dims_of({4})));
  Tensor* z = g.add_variable("z");
  g.outputs() = {y, z};
  g.layer("FooOp", {x}, {y}, {}, "devtech", "foo");
  Node* neg = g.layer("Neg", {y}, {z}, {}, "", "neg");
  Notes notes;
  bypass(g, S("foo"), &notes);
  // Readers of y read x; the graph output y becomes x (a graph input cannot be renamed).
  EXPECT_EQ(neg->inputs(), std::vector<Tensor*>{x});
  EXPECT_EQ(names(g.outputs()), (std::vector<std::string>{"x", "z"}));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(has(notes[0], "graph output 'y' is now 'x'")) << notes[0];
}

TEST(EditBypass, ConstantExtraInputs) {
  Recipe m;
  // Replace FooOp by Mul(relu_out, scale) with scale an initializer, and a Constant-node input.
  m.g.remove_node(m.foo);
  Tensor* scale = add_initializer(m.g, "scale", floats({1}, {2.f}));
  Tensor* k = m.g.add_variable("k");
  Node* cst = m.g.layer("Constant", {}, {k}, {}, "", "const");
  cst->set_attribute(ir::Attribute::of_tensor("value", floats({1}, {1.f})));
  m.g.layer("Mul", {m.relu_out, scale, k}, {m.output}, {}, "", "mul");
  bypass(m.g, S("op=Mul"));
  EXPECT_EQ(node_names(m.g),
            (std::vector<std::string>{"conv", "relu"}));  // Constant node cleaned up
  EXPECT_EQ(m.g.find_tensor("scale"), nullptr);
  EXPECT_EQ(names(m.g.initializers()), (std::vector<std::string>{"W", "B"}));
}

TEST(EditBypass, Refusals) {
  Graph g;
  g.set_name("main");
  Tensor* a = add_input(g, "a", float_type(dims_of({1})));
  Tensor* b = add_input(g, "b", float_type(dims_of({1})));
  Tensor* s = g.add_variable("s");
  Tensor* y = g.add_variable("y");
  Tensor* mask = g.add_variable("mask");
  g.outputs() = {y, mask};
  g.layer("Add", {a, b}, {s}, {}, "", "add");
  g.layer("Dropout", {s}, {y, mask}, {}, "", "drop");
  std::string msg = error_of([&] { bypass(g, S("add")); });
  EXPECT_TRUE(has(msg,
                  "node 'add' (Add): has 2 non-constant inputs ('a', 'b'); bypass needs "
                  "exactly one data input"))
      << msg;
  msg = error_of([&] { bypass(g, S("drop")); });
  EXPECT_TRUE(has(msg, "output 1 'mask' is used (a graph output)")) << msg;
  EXPECT_EQ(g.node_count(), 2u);  // nothing changed
  // An unused extra output is fine.
  g.outputs() = {y};
  bypass(g, S("drop"));
  EXPECT_EQ(node_names(g), std::vector<std::string>{"add"});
  EXPECT_EQ(g.nodes()[0]->outputs(), std::vector<Tensor*>{y});
  // Both sides graph outputs: merging them would lose one.
  Graph h;
  Tensor* x = add_input(h, "x", float_type(dims_of({1})));
  Tensor* r = h.add_variable("r");
  Tensor* o = h.add_variable("o");
  h.outputs() = {r, o};
  h.layer("Relu", {x}, {r}, {}, "", "relu");
  h.layer("Identity", {r}, {o}, {}, "", "id");
  msg = error_of([&] { bypass(h, S("id")); });
  EXPECT_TRUE(has(msg, "are both graph outputs")) << msg;
}

TEST(EditBypass, ChainOfCustomOps) {
  Recipe m;
  m.g.remove_node(m.foo);
  Tensor* mid = m.g.add_variable("mid");
  m.g.layer("FooOp", {m.relu_out}, {mid}, {}, "devtech", "foo1");
  m.g.layer("FooOp", {mid}, {m.output}, {}, "devtech", "foo2");
  EXPECT_EQ(bypass(m.g, S("op=FooOp")), 2u);
  EXPECT_EQ(node_names(m.g), (std::vector<std::string>{"conv", "relu"}));
  EXPECT_EQ(m.relu->outputs(), std::vector<Tensor*>{m.output});
}

TEST(EditBypass, InsideASubgraph) {
  // main: x -> Relu -> r; If(cond){ then: FooOp(r) -> t -> Neg -> t2 (output) }
  Graph g;
  Tensor* cond = add_input(g, "cond", ir::Type::tensor(DataType::kBool, Shape{}));
  Tensor* x = add_input(g, "x", float_type(dims_of({2})));
  Tensor* r = g.add_variable("r");
  g.layer("Relu", {x}, {r}, {}, "", "relu");
  auto then_branch = std::make_unique<Graph>(&g);
  Graph* tb = then_branch.get();
  Tensor* t = tb->add_variable("t");
  Tensor* t2 = tb->add_variable("t2");
  tb->layer("FooOp", {tb->tensor("r")}, {t}, {}, "devtech", "inner_foo");
  Node* neg = tb->layer("Neg", {t}, {t2}, {}, "", "inner_neg");
  tb->outputs().push_back(t2);
  auto else_branch = std::make_unique<Graph>(&g);
  Graph* eb = else_branch.get();
  Tensor* e = eb->add_variable("e");
  eb->layer("FooOp", {eb->tensor("r")}, {e}, {}, "devtech", "else_foo");
  eb->outputs().push_back(e);
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_graph("then_branch", std::move(then_branch)));
  attrs.push_back(ir::Attribute::of_graph("else_branch", std::move(else_branch)));
  Tensor* out = g.add_variable("out");
  g.outputs().push_back(out);
  g.layer("If", {cond}, {out}, std::move(attrs), "", "if");

  EXPECT_EQ(bypass(g, S("op=devtech::FooOp")), 2u);
  // The input is an outer tensor: the subgraph's readers (and outputs) take it directly.
  EXPECT_EQ(neg->inputs(), std::vector<Tensor*>{r});
  EXPECT_EQ(tb->node_count(), 1u);
  EXPECT_EQ(eb->node_count(), 0u);
  EXPECT_EQ(eb->outputs(), std::vector<Tensor*>{r});
  // The Relu still feeds the If through its branches, so cleanup kept it.
  EXPECT_EQ(node_names(g), (std::vector<std::string>{"relu", "if"}));
  EXPECT_EQ(r->consumers().size(), 1u);  // inner_neg; else's output is not a node read
}

TEST(EditRemove, CutsAndMakesInputs) {
  Recipe m;
  Notes notes;
  // Removing the Conv: the Relu's input becomes a graph input (no type known: a note).
  EXPECT_EQ(remove_nodes(m.g, S("conv"), &notes), 1u);
  EXPECT_EQ(node_names(m.g), (std::vector<std::string>{"relu", "foo"}));
  EXPECT_EQ(names(m.g.inputs()), (std::vector<std::string>{"input", "conv_out"}));
  EXPECT_TRUE(m.g.initializers().empty());  // W and B fed only the Conv
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(has(notes[0],
                  "'conv_out' (read by node 'relu' (Relu)) is now a graph input without "
                  "a known type"))
      << notes[0];
  // A node writing a graph output cannot simply go.
  const std::string msg = error_of([&] { remove_nodes(m.g, S("foo")); });
  EXPECT_TRUE(has(msg, "node 'foo' (devtech::FooOp): writes graph output 'output'")) << msg;
  EXPECT_TRUE(has(msg, "bypass")) << msg;
  EXPECT_EQ(m.g.node_count(), 2u);
}

TEST(EditRemove, SeveralSelectedNodesDoNotCreateNeedlessInputs) {
  Recipe m;
  // Removing Conv and Relu at once: only relu_out (read by FooOp) becomes an input.
  remove_nodes(m.g, S("re=^(conv|relu)$"));
  EXPECT_EQ(node_names(m.g), std::vector<std::string>{"foo"});
  EXPECT_EQ(names(m.g.inputs()), (std::vector<std::string>{"input", "relu_out"}));
  EXPECT_TRUE(m.g.value_info().empty());  // declared as an input now, type kept
  EXPECT_TRUE(m.relu_out->type().has_value());
}

// A diamond: x -> A -> a; a -> B -> b; a -> C -> c; (b, c) -> D -> d; x -> E -> e.
struct Diamond {
  Graph g;
  Tensor *x, *a, *b, *c, *d, *e, *w;
  Diamond() {
    g.set_name("main");
    x = add_input(g, "x", float_type(dims_of({1, 4})));
    w = add_initializer(g, "w", floats({1, 4}, {1, 2, 3, 4}));
    a = typed(g, "a", float_type(dims_of({1, 4})));
    g.value_info().push_back(a);
    b = g.add_variable("b");
    c = g.add_variable("c");
    d = typed(g, "d", float_type(dims_of({1, 4})));
    e = g.add_variable("e");
    g.outputs() = {d, e};
    g.layer("Relu", {x}, {a}, {}, "", "A");
    g.layer("Mul", {a, w}, {b}, {}, "", "B");
    g.layer("Neg", {a}, {c}, {}, "", "C");
    g.layer("Add", {b, c}, {d}, {}, "", "D");
    g.layer("Abs", {x}, {e}, {}, "", "E");
  }
};

TEST(EditExtract, Diamond) {
  Diamond m;
  const std::vector<std::string> ins{"a"}, outs{"d"};
  Notes notes;
  extract(m.g, ins, outs, &notes);
  EXPECT_EQ(node_names(m.g), (std::vector<std::string>{"B", "C", "D"}));
  EXPECT_EQ(m.g.inputs(), std::vector<Tensor*>{m.a});
  EXPECT_EQ(m.g.outputs(), std::vector<Tensor*>{m.d});
  EXPECT_TRUE(m.a->producers().empty());
  EXPECT_EQ(m.a->consumers().size(), 2u);
  EXPECT_EQ(m.a->shape()->size(), 2u);  // its type came from value_info
  EXPECT_TRUE(m.g.value_info().empty());
  EXPECT_EQ(names(m.g.initializers()), std::vector<std::string>{"w"});
  EXPECT_EQ(m.g.find_tensor("e"), nullptr);
  EXPECT_TRUE(notes.empty());
}

TEST(EditExtract, InputsKeptWhenNoneGivenAndErrors) {
  {
    Diamond m;
    const std::vector<std::string> outs{"d"};
    extract(m.g, {}, outs);
    EXPECT_EQ(node_names(m.g), (std::vector<std::string>{"A", "B", "C", "D"}));
    EXPECT_EQ(m.g.inputs(), std::vector<Tensor*>{m.x});
  }
  {
    Diamond m;
    const std::vector<std::string> ins{"b"}, outs{"d"};  // c still needs a, hence x
    const std::string msg = error_of([&] { extract(m.g, ins, outs); });
    EXPECT_TRUE(has(msg, "depend on graph input 'x', which is not among the inputs given")) << msg;
    EXPECT_EQ(m.g.node_count(), 5u);  // nothing changed
  }
  {
    Diamond m;
    const std::vector<std::string> ins{"A_out"}, outs{"d"};
    const std::string msg = error_of([&] { extract(m.g, ins, outs); });
    EXPECT_TRUE(has(msg, "graph 'main': no tensor named 'A_out' (given as input)")) << msg;
  }
  {
    Diamond m;
    const std::vector<std::string> ins{"x"}, outs{"dd"};
    const std::string msg = error_of([&] { extract(m.g, ins, outs); });
    EXPECT_TRUE(has(msg, "no tensor named 'dd' (given as output); similar names: 'd'")) << msg;
  }
}

TEST(EditExtract, ProducerOutputsArePositional) {
  Graph g;
  Tensor* x = add_input(g, "x", float_type(dims_of({3})));
  Tensor* s0 = typed(g, "s0", float_type(dims_of({1})));
  Tensor* s1 = g.add_variable("s1");
  Tensor* s2 = g.add_variable("s2");
  Tensor* y = g.add_variable("y");
  g.outputs() = {y};
  Node* split = g.layer("Split", {x}, {s0, s1, s2}, {}, "", "split");
  g.layer("Sum", {s0, s1, s2}, {y}, {}, "", "sum");
  const std::vector<std::string> ins{"s0", "x"}, outs{"y"};
  extract(g, ins, outs);
  // Split still computes s1 and s2 in their slots; s0 is an input now.
  ASSERT_EQ(split->outputs().size(), 3u);
  EXPECT_TRUE(split->outputs()[0]->is_empty());
  EXPECT_EQ(split->outputs()[1], s1);
  EXPECT_EQ(split->outputs()[2], s2);
  EXPECT_TRUE(s0->producers().empty());
}

TEST(EditExtract, FollowsReadsFromSubgraphs) {
  // x -> Neg -> n; If(cond){ reads n } -> out. Extracting out keeps Neg.
  Graph g;
  Tensor* cond = add_input(g, "cond", ir::Type::tensor(DataType::kBool, Shape{}));
  Tensor* x = add_input(g, "x", float_type(dims_of({2})));
  Tensor* n = g.add_variable("n");
  g.layer("Neg", {x}, {n}, {}, "", "neg");
  g.layer("Abs", {x}, {g.add_variable("dead")}, {}, "", "dead");
  auto branch = std::make_unique<Graph>(&g);
  branch->outputs().push_back(branch->tensor("n"));
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_graph("then_branch", std::move(branch)));
  g.layer("If", {cond}, {g.add_variable("out")}, std::move(attrs), "", "if");
  const std::vector<std::string> ins{"cond", "x"}, outs{"out"};
  extract(g, ins, outs);
  EXPECT_EQ(node_names(g), (std::vector<std::string>{"neg", "if"}));
  // Without x among the inputs, the read from inside the If is caught too.
  const std::vector<std::string> only_cond{"cond"};
  EXPECT_TRUE(has(error_of([&] { extract(g, only_cond, outs); }), "graph input 'x'"));
}

TEST(EditRename, TensorEverywhereItIsNamed) {
  ir::Model model;
  model.graph = std::make_unique<Graph>();
  Graph& g = *model.graph;
  Tensor* x = add_input(g, "x", float_type(dims_of({2})));
  Tensor* w = add_initializer(g, "w", floats({2}, {1, 2}));
  Tensor* y = g.add_variable("y");
  g.outputs().push_back(y);
  g.layer("Mul", {x, w}, {y});
  auto body = std::make_unique<Graph>(&g);
  Node* inner = body->layer("Identity", {body->tensor("w")}, {body->add_variable("inner_out")});
  body->outputs().push_back(inner->outputs()[0]);
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_graph("then_branch", std::move(body)));
  g.layer("If", {x}, {g.add_variable("if_out")}, std::move(attrs), "", "if");
  g.quantization_annotation().push_back(
      ir::TensorAnnotation{"w", {ir::StringEntry{"SCALE_TENSOR", "w", {}}}, {}});
  ir::TrainingInfo info;
  info.update_binding.push_back(ir::StringEntry{"w", "w_new", {}});
  model.training_info.push_back(std::move(info));

  rename_tensor(model, "w", "weight");
  EXPECT_EQ(w->name(), "weight");
  EXPECT_EQ(w->data()->name, "weight");
  EXPECT_EQ(g.find_tensor("weight"), w);
  EXPECT_EQ(g.find_tensor("w"), nullptr);
  EXPECT_EQ(inner->inputs()[0]->name(), "weight");  // the subgraph reads the same tensor
  EXPECT_EQ(g.quantization_annotation()[0].tensor_name, "weight");
  EXPECT_EQ(g.quantization_annotation()[0].quant_parameter_tensor_names[0].value, "weight");
  EXPECT_EQ(model.training_info[0].update_binding[0].key, "weight");

  // Errors: missing (with a hint), taken here, taken inside a subgraph, empty.
  EXPECT_TRUE(has(error_of([&] { rename_tensor(g, "wieght", "v"); }), "no tensor named 'wieght'"));
  EXPECT_TRUE(has(error_of([&] { rename_tensor(g, "weigh", "v"); }), "similar names: 'weight'"));
  EXPECT_TRUE(has(error_of([&] { rename_tensor(g, "x", "y"); }), "the name is taken"));
  EXPECT_TRUE(has(error_of([&] { rename_tensor(g, "x", "inner_out"); }), "the name is taken"));
  EXPECT_TRUE(has(error_of([&] { rename_tensor(g, "x", ""); }), "empty name"));
  // A tensor only a subgraph defines can be renamed by its name.
  rename_tensor(g, "inner_out", "branch_out");
  EXPECT_EQ(inner->outputs()[0]->name(), "branch_out");
}

TEST(EditRename, Node) {
  Recipe m;
  rename_node(m.g, "foo", "custom");
  EXPECT_EQ(m.foo->name(), "custom");
  EXPECT_TRUE(has(error_of([&] { rename_node(m.g, "fo", "z"); }), "no node named 'fo'"));
  EXPECT_TRUE(
      has(error_of([&] { rename_node(m.g, "conv", "relu"); }), "node 'relu' (Relu) has that name"));
  m.g.layer("Relu", {m.relu_out}, {m.g.add_variable("r2")}, {}, "", "conv");
  EXPECT_TRUE(has(error_of([&] { rename_node(m.g, "conv", "c"); }), "2 nodes are named 'conv'"));
}

TEST(EditShapes, ParseDims) {
  const Shape s = parse_dims("N,3, 224 ,?,batch_size");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0], Dim::named("N"));
  EXPECT_EQ(s[1], Dim::of(3));
  EXPECT_EQ(s[2], Dim::of(224));
  EXPECT_TRUE(s[3].is_unknown());
  EXPECT_EQ(s[4], Dim::named("batch_size"));
  EXPECT_TRUE(parse_dims("").empty());
  EXPECT_TRUE(has(error_of([] { parse_dims("1,-1"); }), "negative"));
  EXPECT_TRUE(has(error_of([] { parse_dims("1,,2"); }), "empty"));
  EXPECT_TRUE(has(error_of([] { parse_dims("3x"); }), "not a number"));
  EXPECT_TRUE(has(error_of([] { parse_dims("a b"); }), "not a number, ? or a symbolic name"));
}

TEST(EditShapes, SetInputShapeAndBatch) {
  Recipe m;
  set_input_shape(m.g, "input", parse_dims("1,3,224,224"));
  EXPECT_EQ(shape_to_string(*m.input->shape()), "1,3,224,224");
  EXPECT_EQ(m.input->dtype(), DataType::kFloat);
  EXPECT_TRUE(has(error_of([&] { set_input_shape(m.g, "inp", {}); }),
                  "no graph input named 'inp' (inputs: 'input')"));
  Tensor* untyped = m.g.add_variable("untyped");
  m.g.inputs().push_back(untyped);
  EXPECT_TRUE(has(error_of([&] { set_input_shape(m.g, "untyped", {}); }), "no declared type"));
  m.g.inputs().pop_back();

  Notes notes;
  Tensor* scalar = add_input(m.g, "scalar", float_type({}));
  EXPECT_EQ(set_batch(m.g, Dim::named("B"), &notes), 2u);  // input and output
  EXPECT_EQ(shape_to_string(*m.input->shape()), "B,3,224,224");
  EXPECT_EQ(shape_to_string(*m.output->shape()), "B,2,8,8");
  EXPECT_EQ(scalar->shape()->size(), 0u);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(has(notes[0], "input 'scalar' left as is (a scalar)")) << notes[0];
  set_batch(m.g, Dim::of(8));
  EXPECT_EQ(shape_to_string(*m.output->shape()), "8,2,8,8");
}

TEST(EditOutputs, AddOutput) {
  Recipe m;
  Notes notes;
  add_output(m.g, "relu_out", &notes);
  EXPECT_EQ(names(m.g.outputs()), (std::vector<std::string>{"output", "relu_out"}));
  EXPECT_TRUE(m.g.value_info().empty());  // declared as an output now, type kept
  EXPECT_TRUE(m.relu_out->type().has_value());
  EXPECT_TRUE(notes.empty());
  add_output(m.g, "conv_out", &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(has(notes[0], "'conv_out' has no known type")) << notes[0];
  add_output(m.g, "output", &notes);
  EXPECT_EQ(m.g.outputs().size(), 3u);
  EXPECT_TRUE(has(notes.back(), "already a graph output"));
  EXPECT_TRUE(has(error_of([&] { add_output(m.g, "nothing"); }), "no tensor named 'nothing'"));
  // A cleanup now keeps the nodes that feed the new outputs.
  EXPECT_EQ(cleanup(m.g), 0u);
}

TEST(EditOrder, ToposortIncludesSubgraphs) {
  Graph g;
  Tensor* x = add_input(g, "x", float_type(dims_of({1})));
  auto body = std::make_unique<Graph>(&g);
  Tensor* p = body->add_variable("p");
  Tensor* q = body->add_variable("q");
  body->layer("Neg", {p}, {q}, {}, "", "second");
  body->layer("Relu", {body->tensor("x")}, {p}, {}, "", "first");
  body->outputs().push_back(q);
  Graph* b = body.get();
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_graph("then_branch", std::move(body)));
  g.layer("If", {x}, {g.add_variable("o")}, std::move(attrs), "", "if");
  toposort(g);
  EXPECT_EQ(node_names(*b), (std::vector<std::string>{"first", "second"}));
}

TEST(EditApply, ParseAndRunInOrder) {
  ir::Model model;
  Recipe m;  // moved into the model below through a copy
  model.graph = m.g.copy();
  std::vector<EditOp> edits{
      EditOp::parse("bypass", "op=devtech::FooOp"),
      EditOp::parse("rename-node", "relu=final\\=relu"),
      EditOp::parse("set-input-shape", "input=1,3,?,?"),
      EditOp::parse("add-output", "conv_out"),
      EditOp::parse("extract", "input:output"),
      EditOp::parse("set-batch", "N"),
      EditOp::parse("cleanup"),
      EditOp::parse("toposort"),
  };
  EXPECT_EQ(edits[0].describe(), "--bypass op=devtech::FooOp");
  const Notes notes = apply_edits(model, edits);
  Graph& g = *model.graph;
  EXPECT_EQ(node_names(g), (std::vector<std::string>{"conv", "final=relu"}));
  EXPECT_EQ(names(g.outputs()), std::vector<std::string>{"output"});
  EXPECT_EQ(shape_to_string(*g.inputs()[0]->shape()), "N,3,?,?");
  ASSERT_FALSE(notes.empty());  // conv_out had no type when it became an output
  EXPECT_TRUE(has(notes[0], "conv_out"));

  // An edit that fails names itself.
  std::vector<EditOp> bad{EditOp::parse("cleanup"), EditOp::parse("remove", "op=Softmax")};
  const std::string msg = error_of([&] { apply_edits(model, bad); });
  EXPECT_TRUE(has(msg, "edit 2 (--remove op=Softmax): no node matches op=Softmax")) << msg;
}

TEST(EditApply, ParseErrorsAndEscapes) {
  const EditOp e = EditOp::parse("extract", "in\\:0,x:out\\,1");
  const auto& ex = std::get<ops::Extract>(e.action);
  EXPECT_EQ(ex.inputs, (std::vector<std::string>{"in:0", "x"}));
  EXPECT_EQ(ex.outputs, std::vector<std::string>{"out,1"});
  EXPECT_TRUE(std::get<ops::Extract>(EditOp::parse("extract", ":y").action).inputs.empty());
  const auto si = std::get<ops::SetInputShape>(EditOp::parse("set-input-shape", "a=b=N,3").action);
  EXPECT_EQ(si.input, "a=b");
  EXPECT_EQ(si.dims.size(), 2u);
  EXPECT_TRUE(has(error_of([] { EditOp::parse("frobnicate", "x"); }), "unknown edit 'frobnicate'"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("bypass"); }), "--bypass: needs a value (SELECTOR)"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("cleanup", "x"); }), "takes no value"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("extract", "a,b"); }), "expected ':'"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("extract", "a:"); }), "no output tensors"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("rename-tensor", "a="); }), "OLD=NEW"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("set-batch", "-1"); }),
                  "--set-batch -1 › dim '-1': negative"));
  EXPECT_TRUE(has(error_of([] { EditOp::parse("bypass", "re=("); }), "invalid regular expression"));
  EXPECT_EQ(edit_options().size(), 10u);
}

}  // namespace
}  // namespace onnxkit::edit

namespace onnxkit::edit {
namespace {

TEST(EditScale, BypassHalfOfALongChain) {
  // x -> Relu -> FooOp -> Relu -> FooOp ... : 60,000 nodes, 30,000 bypassed in one call.
  Graph g;
  Tensor* t = add_input(g, "x", float_type(dims_of({1})));
  const int n = 60000;
  for (int i = 0; i < n; ++i) {
    Tensor* next = g.add_variable("t" + std::to_string(i));
    g.layer(i % 2 ? "FooOp" : "Relu", {t}, {next}, {}, i % 2 ? "devtech" : "",
            "n" + std::to_string(i));
    t = next;
  }
  g.outputs().push_back(t);
  EXPECT_EQ(bypass(g, NodeSelector::parse("op=FooOp")), static_cast<std::size_t>(n / 2));
  ASSERT_EQ(g.node_count(), static_cast<std::size_t>(n / 2));
  EXPECT_EQ(g.nodes().back()->outputs()[0], t);  // the last Relu writes the output
  EXPECT_EQ(g.nodes()[1]->i(), g.nodes()[0].get());
  // Remove the first 25,000 Relus (n0 .. n49998): the next one reads a new graph input.
  EXPECT_EQ(remove_nodes(g, NodeSelector::parse("re=^n([0-9]{1,4}|[1-4][0-9]{4})$")), 25000u);
  EXPECT_EQ(g.node_count(), 5000u);
  EXPECT_EQ(names(g.inputs()), (std::vector<std::string>{"x", "t49999"}));
  EXPECT_EQ(g.nodes()[0]->name(), "n50000");
}

}  // namespace
}  // namespace onnxkit::edit
