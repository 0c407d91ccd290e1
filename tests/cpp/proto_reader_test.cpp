// The wire-format reader: IR mapping, name resolution, unknown fields and
// presence, all checked through exact round trips.

#include <gtest/gtest.h>

#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"
#include "proto_test_util.h"

namespace onnxkit {
namespace {

using testing::Msg;
using testing::TempDir;

// Read → write gives back the same bytes (inputs are built in protobuf's
// field order, unknown fields last, as libprotobuf writes them).
void expect_exact_round_trip(const Msg& m) {
  const ir::Model model = proto::read_model(m.buffer());
  EXPECT_EQ(proto::write_model(model), m.bytes());
}

Msg relu_graph() {
  return Msg()
      .msg(1, testing::node({"x"}, {"y"}, "Relu", "relu"))
      .str(2, "main")
      .msg(11, testing::value_info("x", testing::tensor_type(1, {2, 3})))
      .msg(12, testing::value_info("y", testing::tensor_type(1, {2, 3})));
}

TEST(ProtoReader, ReadsModelGraphAndWiring) {
  const Msg m = testing::model(relu_graph());
  const ir::Model model = proto::read_model(m.buffer());
  EXPECT_EQ(model.ir_version, 8);
  ASSERT_EQ(model.opset_import.size(), 1u);
  EXPECT_EQ(model.opset_import[0].version, 13);
  ASSERT_NE(model.graph, nullptr);
  const ir::Graph& g = *model.graph;
  EXPECT_EQ(g.name(), "main");
  ASSERT_EQ(g.node_count(), 1u);
  const ir::Node& relu = *g.nodes()[0];
  EXPECT_EQ(relu.op_type(), "Relu");
  ASSERT_EQ(g.inputs().size(), 1u);
  ASSERT_EQ(relu.inputs().size(), 1u);
  EXPECT_EQ(relu.inputs()[0], g.inputs()[0]);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(relu.outputs()[0], g.outputs()[0]);
  ASSERT_EQ(g.outputs()[0]->producers().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->producers()[0], &relu);
  const auto shape = g.inputs()[0]->shape();
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(shape_to_string(*shape), "2,3");
  expect_exact_round_trip(m);
}

TEST(ProtoReader, UnknownFieldsSurviveByteForByte) {
  Msg unknown_model_fields = Msg().varint(999, 42).str(1000, "future model data");
  Msg unknown_node_fields = Msg().varint(999, 7).str(1000, "future node data");
  Msg unknown_tensor_fields = Msg().str(1000, "future tensor data");
  Msg node = testing::node({"x", "w"}, {"y"}, "Add").raw(unknown_node_fields.bytes());
  Msg init =
      testing::float_tensor("w", {1}, std::string(4, '\0')).raw(unknown_tensor_fields.bytes());
  Msg graph = Msg()
                  .msg(1, node)
                  .str(2, "g")
                  .msg(5, init)
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  Msg m = testing::model(graph).raw(unknown_model_fields.bytes());

  const ir::Model model = proto::read_model(m.buffer());
  EXPECT_EQ(model.extras.unknown(), unknown_model_fields.bytes());
  EXPECT_EQ(model.graph->nodes()[0]->extras().unknown(), unknown_node_fields.bytes());
  EXPECT_EQ(model.graph->initializers()[0]->data()->extras.unknown(),
            unknown_tensor_fields.bytes());
  const std::string out = proto::write_model(model);
  EXPECT_NE(out.find(unknown_model_fields.bytes()), std::string::npos);
  EXPECT_NE(out.find(unknown_node_fields.bytes()), std::string::npos);
  EXPECT_NE(out.find(unknown_tensor_fields.bytes()), std::string::npos);
  EXPECT_EQ(out, m.bytes());
}

TEST(ProtoReader, KnownFieldWithWrongWireTypeIsKeptAsUnknown) {
  // ir_version as a length-delimited field, producer_name as a varint.
  Msg m = Msg().str(1, "not a varint").varint(2, 5).msg(7, relu_graph());
  const ir::Model model = proto::read_model(m.buffer());
  EXPECT_EQ(model.ir_version, 0);
  EXPECT_TRUE(model.producer_name.empty());
  const std::string out = proto::write_model(model);
  EXPECT_NE(out.find(Msg().str(1, "not a varint").bytes()), std::string::npos);
  EXPECT_EQ(proto::write_model(proto::read_model(Buffer::owned(out))), out);
}

TEST(ProtoReader, PresentDefaultsSurvive) {
  Msg attr = Msg().str(1, "alpha").f32(2, 0.0f).varint(20, 1);  // f present with 0
  Msg iattr = Msg().str(1, "axis").varint(3, 0).varint(20, 2);  // i present with 0
  Msg node = testing::node({"x"}, {"y"}, "LeakyRelu").msg(5, attr).msg(5, iattr).str(6, "");
  Msg graph =
      Msg().msg(1, node).str(2, "").msg(11, testing::value_info("x", testing::tensor_type(1, {1})));
  // ir_version 0, producer_name "", model_version 0: present with default values.
  Msg m = Msg().varint(1, 0).str(2, "").varint(5, 0).msg(7, graph);
  const ir::Model model = proto::read_model(m.buffer());
  EXPECT_TRUE(model.extras.has_default(1));
  EXPECT_TRUE(model.extras.has_default(2));
  EXPECT_FALSE(model.extras.has_default(3));
  expect_exact_round_trip(m);
  // And absent stays absent.
  expect_exact_round_trip(Msg().msg(7, graph));
}

TEST(ProtoReader, AcceptsPackedAndUnpackedRepeatedScalars) {
  // dims packed (onnx declares them unpacked); float_data unpacked (declared packed).
  Msg t = Msg().packed(1, {2, 2}).varint(2, 1);
  for (float v : {1.0f, 2.0f, 3.0f, 4.0f}) t.f32(4, v);
  t.str(8, "c");
  const ir::TensorData data = proto::read_tensor(t.buffer());
  EXPECT_EQ(data.dims, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(data.float_data, (std::vector<float>{1, 2, 3, 4}));
  // Written as onnx.proto declares: dims unpacked, float_data packed.
  const ir::TensorData again = proto::read_tensor(Buffer::owned(proto::write_tensor(data)));
  EXPECT_EQ(again.dims, data.dims);
  EXPECT_EQ(again.float_data, data.float_data);
}

TEST(ProtoReader, LastOccurrenceOfSingularFieldWins) {
  Msg m = Msg().varint(1, 3).str(2, "first").varint(1, 9).str(2, "second").msg(7, relu_graph());
  const ir::Model model = proto::read_model(m.buffer());
  EXPECT_EQ(model.ir_version, 9);
  EXPECT_EQ(model.producer_name, "second");
}

TEST(ProtoReader, NodeOrderNeedNotBeTopological) {
  Msg graph = Msg()
                  .msg(1, testing::node({"t"}, {"y"}, "Relu", "second"))
                  .msg(1, testing::node({"x"}, {"t"}, "Relu", "first"))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const ir::Graph& g = *model.graph;
  const ir::Tensor* t = g.nodes()[0]->inputs()[0];
  ASSERT_EQ(t->producers().size(), 1u);
  EXPECT_EQ(t->producers()[0], g.nodes()[1].get());
  EXPECT_EQ(g.nodes()[1]->outputs()[0], t);
  expect_exact_round_trip(m);
}

TEST(ProtoReader, SubgraphsSeeOuterTensorsButLocalNamesShadow) {
  // then_branch reads the outer "x"; else_branch defines its own "x" (after
  // using it, in file order) and must bind to that one.
  Msg then_branch = Msg()
                        .msg(1, testing::node({"x"}, {"a"}, "Identity"))
                        .str(2, "then")
                        .msg(12, testing::value_info("a", testing::tensor_type(1, {1})));
  Msg else_branch = Msg()
                        .msg(1, testing::node({"x"}, {"b"}, "Identity"))
                        .msg(1, testing::node({"c"}, {"x"}, "Identity"))
                        .str(2, "else")
                        .msg(11, testing::value_info("c", testing::tensor_type(1, {1})))
                        .msg(12, testing::value_info("b", testing::tensor_type(1, {1})));
  Msg if_node = testing::node({"cond"}, {"y"}, "If")
                    .msg(5, Msg().str(1, "then_branch").msg(6, then_branch).varint(20, 5))
                    .msg(5, Msg().str(1, "else_branch").msg(6, else_branch).varint(20, 5));
  Msg graph = Msg()
                  .msg(1, if_node)
                  .msg(1, testing::node({"cond"}, {"x"}, "Cast"))
                  .msg(11, testing::value_info("cond", testing::tensor_type(9, {})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const ir::Graph& g = *model.graph;
  const ir::Node& if_n = *g.nodes()[0];
  const ir::Graph& then_g = *if_n.attribute("then_branch")->g;
  const ir::Graph& else_g = *if_n.attribute("else_branch")->g;
  EXPECT_EQ(then_g.parent(), &g);
  const ir::Tensor* outer_x = g.nodes()[1]->outputs()[0];
  EXPECT_EQ(then_g.nodes()[0]->inputs()[0], outer_x);
  const ir::Tensor* inner_x = else_g.nodes()[0]->inputs()[0];
  EXPECT_NE(inner_x, outer_x);
  EXPECT_EQ(inner_x->graph(), &else_g);
  EXPECT_EQ(inner_x, else_g.nodes()[1]->outputs()[0]);
  expect_exact_round_trip(m);
}

TEST(ProtoReader, InitializersBecomeConstantsAndShareInputTensors) {
  Msg graph = Msg()
                  .msg(1, testing::node({"x", "w"}, {"y"}, "Add"))
                  .msg(5, testing::float_tensor("w", {1}, std::string("\0\0\x80\x3f", 4)))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1})))
                  .msg(11, testing::value_info("w", testing::tensor_type(1, {1})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const ir::Graph& g = *model.graph;
  ASSERT_EQ(g.initializers().size(), 1u);
  const ir::Tensor* w = g.initializers()[0];
  EXPECT_TRUE(w->is_constant());
  EXPECT_EQ(g.inputs()[1], w);
  EXPECT_EQ(g.nodes()[0]->inputs()[1], w);
  EXPECT_EQ(w->data()->raw_data.size(), 4u);
  expect_exact_round_trip(m);
}

TEST(ProtoReader, EmptyNamesAreSeparatePlaceholders) {
  Msg graph = Msg()
                  .msg(1, testing::node({"x", "", ""}, {"y", ""}, "Clip"))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const ir::Node& n = *model.graph->nodes()[0];
  EXPECT_TRUE(n.inputs()[1]->is_empty());
  EXPECT_TRUE(n.inputs()[2]->is_empty());
  EXPECT_NE(n.inputs()[1], n.inputs()[2]);
  EXPECT_TRUE(n.outputs()[1]->is_empty());
  expect_exact_round_trip(m);
}

TEST(ProtoReader, DifferingRedeclarationIsKept) {
  Msg graph = Msg()
                  .msg(1, testing::node({"x"}, {"y"}, "Relu"))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})))
                  .msg(13, testing::value_info("x", testing::tensor_type(1, {7})))
                  .msg(13, testing::value_info("y", testing::tensor_type(1, {1})));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const auto& overrides = model.graph->declaration_overrides();
  ASSERT_EQ(overrides.size(), 1u);
  EXPECT_EQ(overrides[0].list, ir::Graph::DeclarationOverride::List::kValueInfo);
  EXPECT_EQ(overrides[0].index, 0u);
  expect_exact_round_trip(m);
}

TEST(ProtoReader, RedeclarationsAmongManyDeclarations) {
  // The reader looks up a tensor's first declaration only when a second one
  // comes; first declarations that follow a repeat must be found as well.
  Msg graph;
  for (int i = 0; i < 50; ++i) {
    const std::string name = "t" + std::to_string(i);
    graph.msg(1, testing::node({"x"}, {name}, "Relu"));
  }
  graph.msg(11, testing::value_info("x", testing::tensor_type(1, {4})));
  graph.msg(12, testing::value_info("t0", testing::tensor_type(1, {4})));
  for (int i = 0; i < 25; ++i) {
    graph.msg(13, testing::value_info("t" + std::to_string(i), testing::tensor_type(1, {4})));
  }
  graph.msg(13, testing::value_info("x", testing::tensor_type(1, {4})));   // same: no override
  graph.msg(13, testing::value_info("t0", testing::tensor_type(1, {5})));  // differs
  for (int i = 25; i < 50; ++i) {
    graph.msg(13, testing::value_info("t" + std::to_string(i), testing::tensor_type(1, {4})));
  }
  graph.msg(13, testing::value_info("t40", testing::tensor_type(1, {6})));  // differs
  graph.msg(13, testing::value_info("t41", testing::tensor_type(1, {4})));  // same
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const ir::Graph& g = *model.graph;
  EXPECT_EQ(g.value_info().size(), 54u);
  const auto& overrides = g.declaration_overrides();
  ASSERT_EQ(overrides.size(), 2u);
  EXPECT_EQ(overrides[0].index, 26u);
  EXPECT_EQ(overrides[0].info.type->shape->dims[0].value, 5);
  EXPECT_EQ(overrides[1].index, 52u);
  EXPECT_EQ(overrides[1].info.type->shape->dims[0].value, 6);
  EXPECT_EQ(g.nodes()[40]->outputs()[0]->info().type->shape->dims[0].value, 4);
  expect_exact_round_trip(m);
}

TEST(ProtoReader, DimExtrasOnALaterDimOnly) {
  // Only the third dim has an unknown field; a second `shape` field adds a
  // fourth dim without extras. dim_extras then has one entry per dim.
  Msg shape = Msg()
                  .msg(1, Msg().varint(1, 2))
                  .msg(1, Msg().str(2, "N"))
                  .msg(1, Msg().varint(1, 3).varint(77, 1));
  Msg more = Msg().msg(1, Msg().varint(1, 5));
  Msg type = Msg().msg(1, Msg().varint(1, 1).msg(2, shape).msg(2, more));
  const Msg m = testing::model(Msg().msg(11, testing::value_info("x", type)));
  const ir::Model model = proto::read_model(m.buffer());
  const ir::TypeShape& s = *model.graph->inputs()[0]->info().type->shape;
  ASSERT_EQ(s.dims.size(), 4u);
  EXPECT_EQ(s.dims[1].param, "N");
  EXPECT_EQ(s.dims[3].value, 5);
  ASSERT_EQ(s.dim_extras.size(), 4u);
  EXPECT_TRUE(s.dim_extras[0].empty());
  EXPECT_FALSE(s.dim_extras[2].empty());
  EXPECT_TRUE(s.dim_extras[3].empty());
  // Written back as one shape message: the extras stay on the third dim.
  const ir::Model again = proto::read_model(Buffer::owned(proto::write_model(model)));
  const ir::TypeShape& s2 = *again.graph->inputs()[0]->info().type->shape;
  ASSERT_EQ(s2.dim_extras.size(), 4u);
  EXPECT_EQ(s2.dim_extras[2].wire.unknown(), s.dim_extras[2].wire.unknown());
  EXPECT_TRUE(s2.dim_extras[3].empty());
}

TEST(ProtoReader, ManyInputsAndSubgraphsBetweenInputFields) {
  // More input names than a node keeps on the stack, and an attribute with a
  // subgraph (whose nodes have inputs of their own) between input fields.
  Msg body = Msg().msg(1, testing::node({"i0", "i1"}, {"s"}, "Add")).str(2, "body");
  body.msg(12, testing::value_info("s", testing::tensor_type(1, {1})));
  Msg n;
  for (int i = 0; i < 6; ++i) n.str(1, "i" + std::to_string(i));
  n.msg(5, Msg().str(1, "body").msg(6, body).varint(20, 5));
  for (int i = 6; i < 12; ++i) n.str(1, "i" + std::to_string(i));
  n.str(2, "y").str(4, "Custom");
  Msg graph = Msg().msg(1, n);
  for (int i = 0; i < 12; ++i) {
    graph.msg(11, testing::value_info("i" + std::to_string(i), testing::tensor_type(1, {1})));
  }
  const ir::Model model = proto::read_model(testing::model(graph).buffer());
  const ir::Graph& g = *model.graph;
  const ir::Node& node = *g.nodes()[0];
  ASSERT_EQ(node.inputs().size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(node.inputs()[i], g.inputs()[i]) << i;
  const ir::Node& inner = *node.attribute("body")->g->nodes()[0];
  ASSERT_EQ(inner.inputs().size(), 2u);
  EXPECT_EQ(inner.inputs()[0], g.inputs()[0]);
  EXPECT_EQ(inner.inputs()[1], g.inputs()[1]);
}

TEST(ProtoReader, LongChainsAcrossGraphsBindEveryInput) {
  // Node inputs are looked up several names ahead (prefetching); inputs of
  // nodes in subgraphs and of the graph around them interleave in that order.
  Msg body;
  for (int i = 0; i < 40; ++i) {
    body.msg(1, testing::node({i == 0 ? "x" : "b" + std::to_string(i - 1), "x"},
                              {"b" + std::to_string(i)}, "Add"));
  }
  body.msg(12, testing::value_info("b39", testing::tensor_type(1, {1})));
  Msg graph;
  for (int i = 0; i < 300; ++i) {
    Msg n = testing::node({i == 0 ? "x" : "t" + std::to_string(i - 1)}, {"t" + std::to_string(i)},
                          i % 50 == 7 ? "Loop" : "Relu");
    if (i % 50 == 7) n.msg(5, Msg().str(1, "body").msg(6, body).varint(20, 5));
    graph.msg(1, n);
  }
  graph.msg(11, testing::value_info("x", testing::tensor_type(1, {1})));
  const ir::Model model = proto::read_model(testing::model(graph).buffer());
  const ir::Graph& g = *model.graph;
  ASSERT_EQ(g.node_count(), 300u);
  for (std::size_t i = 1; i < 300; ++i) {
    ASSERT_EQ(g.nodes()[i]->inputs()[0], g.nodes()[i - 1]->outputs()[0]) << i;
  }
  const ir::Tensor* x = g.inputs()[0];
  for (std::size_t i = 7; i < 300; i += 50) {
    const ir::Graph& b = *g.nodes()[i]->attribute("body")->g;
    ASSERT_EQ(b.node_count(), 40u);
    EXPECT_EQ(b.nodes()[0]->inputs()[0], x);
    for (std::size_t k = 1; k < 40; ++k) {
      ASSERT_EQ(b.nodes()[k]->inputs()[0], b.nodes()[k - 1]->outputs()[0]) << i << " " << k;
      ASSERT_EQ(b.nodes()[k]->inputs()[1], x);
    }
  }
}

TEST(ProtoReader, TypesOfEveryKind) {
  Msg seq = Msg().msg(4, Msg().msg(1, testing::tensor_type(1, {})));
  Msg map = Msg().msg(5, Msg().varint(1, 7).msg(2, testing::tensor_type(1, {})));
  Msg opt = Msg().msg(9, Msg().msg(1, seq));
  Msg sparse =
      Msg().msg(8, Msg().varint(1, 1).msg(2, Msg().msg(1, Msg().str(2, "N").str(3, "BATCH"))));
  Msg opaque = Msg().str(6, "IMAGE").msg(7, Msg().str(1, "dom").str(2, "thing"));
  Msg unknown_rank = Msg().msg(1, Msg().varint(1, 1));
  Msg graph = Msg()
                  .msg(11, testing::value_info("a", seq))
                  .msg(11, testing::value_info("b", map))
                  .msg(11, testing::value_info("c", opt))
                  .msg(11, testing::value_info("d", sparse))
                  .msg(11, testing::value_info("e", opaque))
                  .msg(11, testing::value_info("f", unknown_rank));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const auto& in = model.graph->inputs();
  EXPECT_EQ(in[0]->info().type->kind, ir::Type::Kind::kSequence);
  EXPECT_EQ(in[1]->info().type->key_type, DataType::kInt64);
  EXPECT_EQ(in[2]->info().type->elem->kind, ir::Type::Kind::kSequence);
  EXPECT_EQ(in[3]->info().type->shape->dims[0].param, "N");
  EXPECT_EQ(in[3]->info().type->shape->dim_extras.at(0).denotation, "BATCH");
  EXPECT_EQ(in[4]->info().type->opaque_name(), "thing");
  EXPECT_FALSE(in[5]->info().type->shape.has_value());
  expect_exact_round_trip(m);
}

TEST(ProtoReader, FunctionsAndTrainingInfo) {
  Msg fn = Msg()
               .str(1, "MyRelu")
               .str(4, "X")
               .str(5, "Y")
               .str(6, "alpha")
               .msg(7, testing::node({"X"}, {"Y"}, "Relu"))
               .msg(9, Msg().str(1, "").varint(2, 18))
               .str(10, "custom")
               .msg(11, Msg().str(1, "beta").f32(2, 1.5f).varint(20, 1));
  Msg algo = Msg()
                 .msg(1, testing::node({"w"}, {"w_new"}, "Identity"))
                 .str(2, "algo")
                 .msg(12, testing::value_info("w_new", testing::tensor_type(1, {1})));
  Msg training = Msg().msg(2, algo).msg(4, Msg().str(1, "w").str(2, "w_new"));
  Msg graph = Msg()
                  .msg(1, testing::node({"x", "w"}, {"y"}, "Add"))
                  .msg(5, testing::float_tensor("w", {1}, std::string(4, '\0')))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  Msg m = testing::model(graph).msg(20, training).msg(25, fn);
  const ir::Model model = proto::read_model(m.buffer());
  ASSERT_EQ(model.functions.size(), 1u);
  const ir::Function& f = model.functions[0];
  EXPECT_EQ(f.name, "MyRelu");
  ASSERT_EQ(f.body->inputs().size(), 1u);
  EXPECT_EQ(f.body->nodes()[0]->inputs()[0], f.body->inputs()[0]);
  EXPECT_EQ(f.body->outputs()[0], f.body->nodes()[0]->outputs()[0]);
  ASSERT_EQ(model.training_info.size(), 1u);
  const ir::Graph& a = *model.training_info[0].algorithm;
  EXPECT_EQ(a.parent(), model.graph.get());
  EXPECT_EQ(a.nodes()[0]->inputs()[0], model.graph->initializers()[0]);
  expect_exact_round_trip(m);
}

TEST(ProtoReader, EveryAttributeType) {
  Msg t = testing::float_tensor("t", {1}, std::string(4, '\0'));
  Msg sparse = Msg()
                   .msg(1, testing::float_tensor("sv", {1}, std::string(4, '\0')))
                   .msg(2, Msg().varint(1, 1).varint(2, 7).str(9, std::string(8, '\0')))
                   .varint(3, 4);
  Msg g = Msg().str(2, "sub");
  Msg n = testing::node({}, {"y"}, "Custom");
  n.msg(5, Msg().str(1, "f").f32(2, 2.5f).varint(20, 1));
  n.msg(5, Msg().str(1, "i").varint(3, static_cast<std::uint64_t>(-3)).varint(20, 2));
  n.msg(5, Msg().str(1, "s").str(4, "hello").varint(20, 3));
  n.msg(5, Msg().str(1, "t").msg(5, t).varint(20, 4));
  n.msg(5, Msg().str(1, "g").msg(6, g).varint(20, 5));
  n.msg(5, Msg().str(1, "floats").f32(7, 1.0f).f32(7, -2.0f).varint(20, 6));
  n.msg(5,
        Msg().str(1, "ints").varint(8, 1).varint(8, static_cast<std::uint64_t>(-1)).varint(20, 7));
  n.msg(5, Msg().str(1, "strings").str(9, "a").str(9, "").varint(20, 8));
  n.msg(5, Msg().str(1, "tensors").msg(10, t).msg(10, t).varint(20, 9));
  n.msg(5, Msg().str(1, "graphs").msg(11, g).msg(11, g).varint(20, 10));
  n.msg(5, Msg().str(1, "sparse").varint(20, 11).msg(22, sparse));
  n.msg(5, Msg().str(1, "sparses").varint(20, 12).msg(23, sparse).msg(23, sparse));
  n.msg(5, Msg().str(1, "tp").msg(14, testing::tensor_type(1, {3})).varint(20, 13));
  n.msg(5, Msg()
               .str(1, "tps")
               .msg(15, testing::tensor_type(1, {3}))
               .msg(15, testing::tensor_type(7, {}))
               .varint(20, 14));
  n.msg(5, Msg().str(1, "ref").varint(20, 2).str(21, "outer"));
  Msg graph = Msg().msg(1, n).msg(12, testing::value_info("y", testing::tensor_type(1, {1})));
  const Msg m = testing::model(graph);
  const ir::Model model = proto::read_model(m.buffer());
  const ir::Node& node = *model.graph->nodes()[0];
  EXPECT_EQ(node.attribute("i")->i, -3);
  EXPECT_EQ(node.attribute("s")->s, "hello");
  EXPECT_EQ(node.attribute("graphs")->graphs.size(), 2u);
  EXPECT_EQ(node.attribute("sparse")->sparse_tensor->dims, std::vector<std::int64_t>{4});
  EXPECT_EQ(node.attribute("tps")->type_protos.size(), 2u);
  EXPECT_EQ(node.attribute("ref")->ref_attr_name, "outer");
  expect_exact_round_trip(m);
}

TEST(ProtoReader, TensorsOfEveryStorage) {
  // int32_data with a negative value (10-byte varint), int64, double,
  // uint64, strings, segment, external entries (not resolved here),
  // metadata, doc string.
  Msg t = Msg()
              .varint(1, 3)
              .varint(2, 6)
              .msg(3, Msg().varint(1, 0).varint(2, 3))
              .packed(5, {-1, 2, 3})
              .str(8, "ints")
              .str(12, "doc")
              .msg(16, Msg().str(1, "k").str(2, "v"));
  expect_exact_round_trip(testing::model(Msg().msg(5, t)));
  Msg s = Msg().varint(1, 2).varint(2, 8).str(6, "a").str(6, "").str(8, "strs");
  expect_exact_round_trip(testing::model(Msg().msg(5, s)));
  Msg d = Msg().varint(1, 1).varint(2, 11);
  double v = -0.5;
  std::string bits(reinterpret_cast<const char*>(&v), 8);
  d.str(8, "dbl").str(10, bits);
  expect_exact_round_trip(testing::model(Msg().msg(5, d)));
  Msg u = Msg().varint(1, 2).varint(2, 13).str(8, "u64").packed(11, {1, 1 << 20});
  expect_exact_round_trip(testing::model(Msg().msg(5, u)));
  Msg ext = Msg()
                .varint(1, 4)
                .varint(2, 1)
                .str(8, "ext")
                .msg(13, Msg().str(1, "location").str(2, "w.bin"))
                .msg(13, Msg().str(1, "offset").str(2, "0"))
                .varint(14, 1);
  expect_exact_round_trip(testing::model(Msg().msg(5, ext)));
  // Every data type code, including the sub-byte and 8-bit float ones.
  for (int dt = 1; dt <= 26; ++dt) {
    Msg one = Msg()
                  .varint(1, 1)
                  .varint(2, static_cast<std::uint64_t>(dt))
                  .str(8, "x")
                  .str(9, std::string(16, '\x01'));
    const ir::TensorData data = proto::read_tensor(one.buffer());
    EXPECT_EQ(static_cast<int>(data.data_type), dt);
    EXPECT_EQ(proto::write_tensor(data), one.bytes()) << "data type " << dt;
  }
}

TEST(ProtoReader, RawDataIsAViewIntoTheMappedFile) {
  TempDir dir;
  Msg graph = Msg().msg(5, testing::float_tensor("w", {4}, std::string(16, '\x02')));
  testing::write_file(dir / "m.onnx", testing::model(graph).bytes());
  const ir::Model model = proto::read_model_file(dir / "m.onnx");
  const ir::TensorData& w = *model.graph->initializers()[0]->data();
  EXPECT_TRUE(w.raw_data.is_view());
  EXPECT_EQ(w.raw_data.size(), 16u);
  EXPECT_EQ(model.path, dir / "m.onnx");
}

TEST(ProtoReader, ConstantNodeValueIsAViewIntoTheMappedFile) {
  TempDir dir;
  // node { output: "c" op_type: "Constant" attribute { name: "value" t {...} type: TENSOR } }
  Msg attr = Msg()
                 .str(1, "value")
                 .msg(5, testing::float_tensor("", {4}, std::string(16, '\x03')))
                 .varint(20, 4);
  Msg node = Msg().str(2, "c").str(4, "Constant").msg(5, attr);
  testing::write_file(dir / "m.onnx", testing::model(Msg().msg(1, node)).bytes());
  const ir::Model model = proto::read_model_file(dir / "m.onnx");
  const ir::Attribute* value = model.graph->nodes()[0]->attribute("value");
  ASSERT_NE(value, nullptr);
  ASSERT_NE(value->t, nullptr);
  const Buffer& raw = value->t->raw_data;
  EXPECT_TRUE(raw.is_view());
  ASSERT_NE(raw.mapped_file(), nullptr);
  const auto mapped = raw.mapped_file()->bytes();
  EXPECT_GE(raw.bytes().data(), mapped.data());
  EXPECT_LE(raw.bytes().data() + raw.size(), mapped.data() + mapped.size());
  EXPECT_EQ(raw.slice(4, 8).mapped_file(), raw.mapped_file());  // a slice stays a view
  EXPECT_EQ(std::to_integer<int>(raw.bytes()[15]), 3);
}

TEST(ProtoReader, SequenceMapAndOptionalValues) {
  Msg tensor = testing::float_tensor("t", {1}, std::string(4, '\0'));
  Msg seq = Msg().str(1, "s").varint(2, 1).msg(3, tensor).msg(3, tensor);
  const ir::ValueData sv = proto::read_value(seq.buffer(), ir::ValueData::Kind::kSequence);
  EXPECT_EQ(sv.tensor_values.size(), 2u);
  EXPECT_EQ(proto::write_value(sv), seq.bytes());

  Msg values = Msg().varint(2, 1).msg(3, tensor).msg(3, tensor);
  Msg map = Msg().str(1, "m").varint(2, 7).varint(3, 1).varint(3, 2).msg(5, values);
  const ir::ValueData mv = proto::read_value(map.buffer(), ir::ValueData::Kind::kMap);
  EXPECT_EQ(mv.keys, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(proto::write_value(mv), map.bytes());

  Msg nested = Msg().str(1, "o").varint(2, 5).msg(7, Msg().varint(2, 3).msg(5, seq));
  const ir::ValueData ov = proto::read_value(nested.buffer(), ir::ValueData::Kind::kOptional);
  ASSERT_NE(ov.optional_value, nullptr);
  EXPECT_EQ(ov.optional_value->kind, ir::ValueData::Kind::kOptional);
  EXPECT_EQ(proto::write_value(ov), nested.bytes());

  Msg empty_optional = Msg().str(1, "none").varint(2, 1);
  EXPECT_EQ(proto::write_value(
                proto::read_value(empty_optional.buffer(), ir::ValueData::Kind::kOptional)),
            empty_optional.bytes());

  Msg seq_of_maps = Msg().varint(2, 4).msg(6, map).msg(6, map);
  EXPECT_EQ(
      proto::write_value(proto::read_value(seq_of_maps.buffer(), ir::ValueData::Kind::kSequence)),
      seq_of_maps.bytes());
}

}  // namespace
}  // namespace onnxkit
