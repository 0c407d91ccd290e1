// onnx-graphsurgeon's documented examples (examples/01..10 of its repository),
// written fresh against the onnxkit IR and edit layer: the same behaviours,
// checked on the graph structure instead of on exported files.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "edit_test_util.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/apply.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {
namespace {

using namespace ir::testing;
using ir::Attribute;
using ir::Graph;
using ir::Node;
using ir::Tensor;

std::vector<std::int64_t> int64_values(const Tensor& t) {
  const Buffer bytes = t.data()->bytes();
  std::vector<std::int64_t> out(bytes.size() / sizeof(std::int64_t));
  std::memcpy(out.data(), bytes.bytes().data(), bytes.size());
  return out;
}

// 01: a model with one node, built from tensors and a node.
TEST(GsExamples, CreatingAModel) {
  Graph g;
  Tensor* x = add_input(g, "X", float_type(dims_of({1, 3, 224, 224})));
  Tensor* y = typed(g, "Y", float_type(dims_of({1, 3, 1, 1})));
  g.outputs().push_back(y);
  std::vector<Attribute> attrs;
  attrs.push_back(Attribute::of_int("p", 2));
  Node* pool = g.layer("GlobalLpPool", {x}, {y}, std::move(attrs));
  EXPECT_EQ(pool->attribute("p")->i, 2);
  EXPECT_EQ(y->producers(), std::vector<Node*>{pool});
  EXPECT_EQ(g.cleanup(), 0u);
  EXPECT_NO_THROW(g.tensors(true));
}

// 02: a Conv whose weights are a Constant (an initializer).
TEST(GsExamples, CreatingAModelWithAnInitializer) {
  Graph g;
  Tensor* x = add_input(g, "X", float_type(dims_of({1, 3, 224, 224})));
  Tensor* w = add_initializer(g, "W", floats({5, 3, 3, 3}, std::vector<float>(135, 1.f)));
  Tensor* y = typed(g, "Y", float_type(dims_of({1, 5, 222, 222})));
  g.outputs().push_back(y);
  g.layer("Conv", {x, w}, {y});
  EXPECT_TRUE(w->is_constant());
  EXPECT_EQ(w->dtype(), DataType::kFloat);
  EXPECT_EQ(shape_to_string(*w->shape()), "5,3,3,3");
  g.cleanup();
  EXPECT_EQ(g.initializers().size(), 1u);
}

// 03: isolating a subgraph by setting inputs and outputs, then cleaning up.
TEST(GsExamples, IsolatingASubgraph) {
  // out = (x0 + x1) * (x1 + x2) + x0; isolate x1 -> add_out (= x1 + x2, with x2 fixed).
  auto build = [](Graph& g) {
    Tensor* x0 = add_input(g, "x0", float_type(dims_of({1, 3})));
    Tensor* x1 = add_input(g, "x1", float_type(dims_of({1, 3})));
    Tensor* x2 = add_initializer(g, "x2", floats({1, 3}, {1, 2, 3}));
    Tensor* a = g.add_variable("a");
    Tensor* add_out = typed(g, "add_out", float_type(dims_of({1, 3})));
    g.value_info().push_back(add_out);
    Tensor* m = g.add_variable("m");
    Tensor* out = g.add_variable("out");
    g.outputs().push_back(out);
    g.layer("Add", {x0, x1}, {a}, {}, "", "add0");
    g.layer("Add", {x1, x2}, {add_out}, {}, "", "add1");
    g.layer("Mul", {a, add_out}, {m}, {}, "", "mul");
    g.layer("Add", {m, x0}, {out}, {}, "", "add2");
  };
  // The GraphSurgeon way: set the lists, clean up.
  Graph by_hand;
  build(by_hand);
  by_hand.inputs() = {by_hand.tensors().at("x1")};
  by_hand.outputs() = {by_hand.tensors().at("add_out")};
  by_hand.cleanup();
  EXPECT_EQ(node_names(by_hand), std::vector<std::string>{"add1"});
  // One edit call does the same, and the kept tensors keep their declared types.
  Graph g;
  build(g);
  const std::vector<std::string> ins{"x1"}, outs{"add_out"};
  extract(g, ins, outs);
  EXPECT_EQ(node_names(g), std::vector<std::string>{"add1"});
  EXPECT_EQ(names(g.inputs()), std::vector<std::string>{"x1"});
  EXPECT_EQ(names(g.outputs()), std::vector<std::string>{"add_out"});
  EXPECT_EQ(names(g.initializers()), std::vector<std::string>{"x2"});
  EXPECT_EQ(shape_to_string(*g.outputs()[0]->shape()), "1,3");
}

// 04: modifying a model: drop an input of a node, change its op, append a node, new outputs.
TEST(GsExamples, ModifyingAModel) {
  Graph g;
  Tensor* x = add_input(g, "x", float_type(dims_of({1, 3})));
  Tensor* b = add_input(g, "b", float_type(dims_of({1, 3})));
  Tensor* add_out = g.add_variable("add_out");
  Tensor* out = g.add_variable("out");
  g.outputs().push_back(out);
  Node* first_add = g.layer("Add", {x, b}, {add_out});
  g.layer("Neg", {add_out}, {out});

  // 1. Remove the `b` input of the add node.
  std::vector<Tensor*> kept;
  for (Tensor* t : first_add->inputs()) {
    if (t->name() != "b") kept.push_back(t);
  }
  first_add->set_inputs(kept);
  // 2. Change the Add to a LeakyRelu.
  first_add->set_op_type("LeakyRelu");
  first_add->set_attribute(Attribute::of_float("alpha", 0.02f));
  // 3. Add an Identity after it.
  Tensor* identity_out = typed(g, "identity_out", float_type(dims_of({1, 3})));
  g.layer("Identity", std::vector<Tensor*>(first_add->outputs()), {identity_out});
  // 4. The identity's output is the graph output.
  g.outputs() = {identity_out};
  // 5. Clean up (dropping unused inputs) and sort.
  ir::CleanupOptions opts;
  opts.remove_unused_graph_inputs = true;
  g.cleanup(opts);
  g.toposort();
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"LeakyRelu", "Identity"}));
  EXPECT_EQ(names(g.inputs()), std::vector<std::string>{"x"});
  EXPECT_EQ(g.find_tensor("b"), nullptr);  // an unused input is dropped with its tensor
  EXPECT_FLOAT_EQ(g.nodes()[0]->attribute("alpha")->f, 0.02f);
}

// 06: removing a node by handing its outputs to its producer (the recipe), and as one call.
TEST(GsExamples, RemovingNodes) {
  auto build = [](Graph& g) {
    Tensor* x = add_input(g, "x", float_type(dims_of({1, 3})));
    Tensor* i0 = g.add_variable("i0");
    Tensor* fake = g.add_variable("fake_out");
    Tensor* y = typed(g, "y", float_type(dims_of({1, 3})));
    g.outputs().push_back(y);
    g.layer("Identity", {x}, {i0}, {}, "", "id0");
    g.layer("FakeNodeToRemove", {i0}, {fake}, {}, "", "fake");
    g.layer("Identity", {fake}, {y}, {}, "", "id1");
  };
  Graph recipe;
  build(recipe);
  Node* fake_node = nullptr;
  for (const auto& n : recipe.nodes()) {
    if (n->op_type() == "FakeNodeToRemove") fake_node = n.get();
  }
  ASSERT_NE(fake_node, nullptr);
  Node* inp_node = fake_node->i();
  inp_node->set_outputs(fake_node->outputs());
  fake_node->clear_outputs();
  recipe.cleanup();
  EXPECT_EQ(node_names(recipe), (std::vector<std::string>{"id0", "id1"}));
  EXPECT_EQ(recipe.nodes()[0]->outputs()[0]->name(), "fake_out");

  Graph edited;
  build(edited);
  bypass(edited, NodeSelector::parse("op=FakeNodeToRemove"));
  EXPECT_EQ(node_names(edited), node_names(recipe));
  EXPECT_EQ(edited.nodes()[0]->outputs()[0]->name(), "fake_out");
  EXPECT_EQ(edited.nodes()[1]->i(), edited.nodes()[0].get());
}

// 07: building with the layer API: small helpers over Graph::layer(), chained.
TEST(GsExamples, CreatingAModelWithTheLayerApi) {
  Graph g;
  auto op2 = [&](const char* op, Tensor* a, Tensor* b, const char* out,
                 std::vector<Attribute> attrs = {}) {
    return g.layer(op, {a, b}, {g.add_fresh_variable(out)}, std::move(attrs))->outputs()[0];
  };
  auto constant = [&](float v) {
    return g.add_fresh_constant("onnx_graphsurgeon_constant",
                                floats({64, 64}, std::vector<float>(64 * 64, v)));
  };
  // output = ReLU((A * X^T) + B) (.) C + D
  Tensor* x = add_input(g, "X", float_type(dims_of({64, 64})));
  std::vector<Attribute> gemm_attrs;
  gemm_attrs.push_back(Attribute::of_int("transA", 0));
  gemm_attrs.push_back(Attribute::of_int("transB", 1));
  Tensor* axt = op2("Gemm", constant(1.f), x, "gemm_out_gs", std::move(gemm_attrs));
  Tensor* sum = op2("Add", axt, constant(0.5f), "add_out_gs");
  Tensor* dense = g.layer("Relu", {sum}, {g.add_fresh_variable("act_out_gs")})->outputs()[0];
  Tensor* c = g.add_constant("C", floats({64, 64}, std::vector<float>(64 * 64, 1.f)));
  Tensor* out = op2("Add", op2("Mul", dense, c, "mul_out_gs"), constant(1.f), "add_out_gs");
  out->info().type = float_type(dims_of({64, 64}));
  g.outputs().push_back(out);

  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Gemm", "Add", "Relu", "Mul", "Add"}));
  // Names are distinct even for the same prefix; tensors and nodes never clash.
  EXPECT_NO_THROW(g.tensors(true));
  EXPECT_NE(g.nodes()[1]->outputs()[0]->name(), out->name());
  std::vector<std::string> node_list = node_names(g);
  std::sort(node_list.begin(), node_list.end());
  EXPECT_EQ(std::unique(node_list.begin(), node_list.end()), node_list.end());
  EXPECT_EQ(g.nodes()[0]->attribute("transB")->i, 1);
  EXPECT_EQ(g.cleanup(), 0u);
  g.toposort();
  EXPECT_EQ(g.nodes().back()->outputs()[0], out);
}

// 08: replacing a subgraph (Min -> Max) with one node (Clip).
TEST(GsExamples, ReplacingASubgraph) {
  Graph g;
  Tensor* inp = add_input(g, "inp", float_type(dims_of({4})));
  Tensor* identity_out = g.add_variable("identity_out_0");
  Tensor* max_val = g.add_constant("MAX_VAL", floats({}, {6.f}));
  Tensor* min_val = g.add_constant("MIN_VAL", floats({}, {0.f}));
  Tensor* min_out = g.add_variable("min_out_4");
  Tensor* max_out = typed(g, "max_out_6", float_type(dims_of({4})));
  Tensor* out = g.add_variable("output");
  g.outputs().push_back(out);
  g.layer("Identity", {inp}, {identity_out}, {}, "", "id_in");
  g.layer("Min", {identity_out, max_val}, {min_out}, {}, "", "min");
  g.layer("Max", {min_out, min_val}, {max_out}, {}, "", "max");
  g.layer("Identity", {max_out}, {out}, {}, "", "id_out");

  // replace_with_clip(inputs, outputs): disconnect, then one new node.
  const auto& tmap = g.tensors();
  std::vector<Tensor*> inputs{tmap.at("identity_out_0"), tmap.at("MIN_VAL"), tmap.at("MAX_VAL")};
  std::vector<Tensor*> outputs{tmap.at("max_out_6")};
  for (Tensor* t : inputs) t->disconnect_consumers();
  for (Tensor* t : outputs) t->disconnect_producers();
  g.layer("Clip", inputs, outputs, {}, "", "clip");
  g.cleanup();
  g.toposort();
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Identity", "Clip", "Identity"}));
  EXPECT_EQ(names(g.nodes()[1]->inputs()),
            (std::vector<std::string>{"identity_out_0", "MIN_VAL", "MAX_VAL"}));
  EXPECT_EQ(g.find_tensor("min_out_4"), nullptr);
}

// 09: shape operations with the layer API, then edits that depend on shapes.
TEST(GsExamples, ShapeOperations) {
  Graph g;
  Tensor* data =
      add_input(g, "data", float_type({Dim::unknown(), Dim::of(3), Dim::unknown(), Dim::of(5)}));
  auto one = [&](const char* op, std::vector<Tensor*> ins, const char* out,
                 std::vector<Attribute> attrs = {}) {
    return g.layer(op, std::move(ins), {g.add_fresh_variable(out)}, std::move(attrs))->outputs()[0];
  };
  auto reduce_prod = [&](Tensor* a) {
    std::vector<Attribute> attrs;
    attrs.push_back(Attribute::of_ints("axes", {0}));
    attrs.push_back(Attribute::of_int("keepdims", 1));
    return one("ReduceProd", {a}, "reduce_prod_out_gs", std::move(attrs));
  };
  auto indices = [&](std::vector<std::int64_t> v) {
    const auto n = static_cast<std::int64_t>(v.size());
    return g.add_fresh_constant("onnx_graphsurgeon_lst_constant", int64s({n}, v));
  };
  Tensor* input_shape = one("Shape", {data}, "shape_out_gs");
  // Part 1: flatten by the volume.
  Tensor* flattened = one("Reshape", {data, reduce_prod(input_shape)}, "reshape_out_gs");
  // Part 2: collapse the last two dims.
  Tensor* nc = one("Gather", {input_shape, indices({0, 1})}, "gather_out_gs");
  Tensor* hw = one("Gather", {input_shape, indices({2, 3})}, "gather_out_gs");
  std::vector<Attribute> concat_attrs;
  concat_attrs.push_back(Attribute::of_int("axis", 0));
  Tensor* new_shape =
      one("Concat", {nc, reduce_prod(hw)}, "concat_out_gs", std::move(concat_attrs));
  Tensor* partially = one("Reshape", {data, new_shape}, "reshape_out_gs");
  flattened->set_name("flattened");
  flattened->info().type = float_type({Dim::unknown()});
  partially->set_name("partially_flattened");
  partially->info().type = float_type({Dim::unknown(), Dim::of(3), Dim::unknown()});
  g.outputs() = {flattened, partially};
  EXPECT_EQ(g.node_count(), 8u);
  EXPECT_EQ(input_shape->consumers().size(), 3u);
  EXPECT_EQ(g.tensors().at("flattened"), flattened);

  // Fix the dynamic dims, then keep only the flattening branch.
  ir::Model model;
  model.graph = g.copy();
  const Notes notes = apply_edits(model, {EditOp::parse("set-input-shape", "data=N,3,32,5"),
                                          EditOp::parse("extract", ":flattened")});
  const Graph& e = *model.graph;
  EXPECT_EQ(op_types(e), (std::vector<std::string>{"Shape", "ReduceProd", "Reshape"}));
  EXPECT_EQ(shape_to_string(*e.inputs()[0]->shape()), "N,3,32,5");
  EXPECT_TRUE(e.initializers().empty());
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(g.node_count(), 8u);  // the original is untouched
}

// 10: a dynamic batch size: the inputs' first dim becomes "N", Reshape constants -1.
TEST(GsExamples, DynamicBatchSize) {
  Graph g;
  Tensor* x = add_input(g, "input", float_type(dims_of({4, 3, 8, 8})));
  Tensor* shape = add_initializer(g, "shape", int64s({2}, {4, 192}));
  Tensor* flat = g.add_variable("flat");
  Tensor* y = typed(g, "output", float_type(dims_of({4, 192})));
  g.outputs().push_back(y);
  g.layer("Reshape", {x, shape}, {flat}, {}, "", "reshape");
  g.layer("Relu", {flat}, {y}, {}, "", "relu");

  EXPECT_EQ(set_batch(g, Dim::named("N")), 2u);
  for (const auto& node : g.nodes()) {
    if (node->op_type() != "Reshape") continue;
    Tensor* s = node->inputs()[1];
    std::vector<std::int64_t> v = int64_values(*s);
    v[0] = -1;
    s->data()->set_raw(int64s({2}, v).raw_data);
  }
  EXPECT_EQ(shape_to_string(*x->shape()), "N,3,8,8");
  EXPECT_EQ(shape_to_string(*y->shape()), "N,192");
  EXPECT_EQ(int64_values(*shape), (std::vector<std::int64_t>{-1, 192}));
  EXPECT_EQ(shape_to_string(*shape->shape()), "2");  // initializers keep their shape
}

// Working inside If and Loop bodies: subgraphs read outer tensors by reference.
TEST(GsExamples, EditingInsideIfAndLoop) {
  // main: x -> Relu -> r; Loop(trip, cond, v0=x){ body: v = Add(v_in, r); FooOp(v) -> v_out }
  //       If(c){ then: Neg(r) } -> if_out
  ir::Model model;
  model.graph = std::make_unique<Graph>();
  Graph& g = *model.graph;
  g.set_name("main");
  Tensor* x = add_input(g, "x", float_type(dims_of({2})));
  Tensor* trip = add_initializer(g, "trip", int64s({}, {3}));
  Tensor* cond = add_input(g, "cond", ir::Type::tensor(DataType::kBool, Shape{}));
  Tensor* r = g.add_variable("r");
  g.layer("Relu", {x}, {r}, {}, "", "relu");

  auto body = std::make_unique<Graph>(&g);
  Graph* b = body.get();
  b->set_name("loop_body");
  Tensor* iter = b->add_variable("iter");
  Tensor* cond_in = b->add_variable("cond_in");
  Tensor* v_in = b->add_variable("v_in");
  b->inputs() = {iter, cond_in, v_in};
  Tensor* v = b->add_variable("v");
  Tensor* v_out = b->add_variable("v_out");
  b->layer("Add", {v_in, b->tensor("r")}, {v}, {}, "", "body_add");
  b->layer("FooOp", {v}, {v_out}, {}, "devtech", "body_foo");
  b->outputs() = {cond_in, v_out};
  std::vector<Attribute> loop_attrs;
  loop_attrs.push_back(Attribute::of_graph("body", std::move(body)));
  Tensor* loop_out = g.add_variable("loop_out");
  g.layer("Loop", {trip, cond, x}, {loop_out}, std::move(loop_attrs), "", "loop");

  auto then_branch = std::make_unique<Graph>(&g);
  Graph* t = then_branch.get();
  Tensor* neg = t->add_variable("neg");
  t->layer("Neg", {t->tensor("r")}, {neg}, {}, "", "then_neg");
  t->outputs() = {neg};
  std::vector<Attribute> if_attrs;
  if_attrs.push_back(Attribute::of_graph("then_branch", std::move(then_branch)));
  Tensor* if_out = g.add_variable("if_out");
  g.layer("If", {cond}, {if_out}, std::move(if_attrs), "", "if");
  g.outputs() = {loop_out, if_out};

  // The Relu feeds only subgraphs, yet cleanup keeps it.
  EXPECT_EQ(g.cleanup(), 0u);
  EXPECT_EQ(r->consumers().size(), 2u);

  // Bypass inside the Loop body: the Add now writes the body output.
  bypass(g, NodeSelector::parse("op=devtech::FooOp"));
  EXPECT_EQ(node_names(*b), std::vector<std::string>{"body_add"});
  EXPECT_EQ(b->outputs()[1], v_out);
  EXPECT_EQ(v_out->producers()[0]->name(), "body_add");

  // Renaming the outer tensor renames what both subgraphs read.
  rename_tensor(model, "r", "relu_out");
  EXPECT_EQ(b->nodes()[0]->inputs()[1]->name(), "relu_out");
  EXPECT_EQ(t->nodes()[0]->inputs()[0]->name(), "relu_out");

  // A copy edits independently; extracting one output follows reads from inside the If.
  ir::Model copy = model.copy();
  const Graph& c = *copy.graph;
  const Graph* cbody = c.nodes()[1]->attribute("body")->g.get();
  EXPECT_EQ(cbody->nodes()[0]->inputs()[1], c.find_tensor("relu_out"));
  apply_edits(copy, {EditOp::parse("extract", "x,cond:if_out")});
  EXPECT_EQ(node_names(c), (std::vector<std::string>{"relu", "if"}));
  EXPECT_TRUE(c.initializers().empty());  // "trip" fed only the Loop
  EXPECT_EQ(g.node_count(), 3u);
  EXPECT_EQ(names(g.initializers()), std::vector<std::string>{"trip"});
}

}  // namespace
}  // namespace onnxkit::edit
