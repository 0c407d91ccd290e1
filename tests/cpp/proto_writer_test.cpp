// The writer: models built in memory, files written safely, big payloads.

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"
#include "proto_test_util.h"

namespace onnxkit {
namespace {

namespace fs = std::filesystem;
using testing::Msg;
using testing::TempDir;

// Conv(x, w) → Relu, built with the IR API.
ir::Model built_model(std::size_t weight_bytes) {
  ir::Model m;
  m.ir_version = 8;
  m.producer_name = "onnxkit-test";
  m.opset_import.push_back({"", 13, {}});
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("built");
  ir::Tensor* x = g.add_variable("x");
  x->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::named("N"), Dim::of(3)});
  g.inputs().push_back(x);
  ir::TensorData w;
  w.data_type = DataType::kUint8;
  w.dims = {static_cast<std::int64_t>(weight_bytes)};
  std::vector<std::byte> bytes(weight_bytes);
  for (std::size_t i = 0; i < weight_bytes; ++i) bytes[i] = static_cast<std::byte>(i * 7);
  w.set_raw(Buffer::owned(std::move(bytes)));
  ir::Tensor* wt = g.add_constant("w", std::move(w));
  g.initializers().push_back(wt);
  ir::Node* conv = g.add_node("Conv", "", "conv");
  conv->add_input(x);
  conv->add_input(wt);
  ir::Tensor* c = g.add_variable("c");
  conv->add_output(c);
  conv->set_attribute(ir::Attribute::of_ints("strides", {1, 1}));
  ir::Node* relu = g.add_node("Relu", "", "relu");
  relu->add_input(c);
  ir::Tensor* y = g.add_variable("y");
  relu->add_output(y);
  g.outputs().push_back(y);
  return m;
}

TEST(ProtoWriter, ModelBuiltInMemoryReadsBack) {
  const ir::Model m = built_model(64);
  const std::string bytes = proto::write_model(m);
  const ir::Model back = proto::read_model(Buffer::owned(bytes));
  EXPECT_EQ(back.producer_name, "onnxkit-test");
  const ir::Graph& g = *back.graph;
  ASSERT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.nodes()[0]->op_type(), "Conv");
  EXPECT_EQ(g.nodes()[0]->attribute("strides")->ints, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(g.nodes()[1]->inputs()[0], g.nodes()[0]->outputs()[0]);
  EXPECT_EQ(shape_to_string(*g.inputs()[0]->shape()), "N,3");
  EXPECT_EQ(g.initializers()[0]->data()->raw_data.size(), 64u);
  EXPECT_EQ(proto::write_model(back), bytes);
}

TEST(ProtoWriter, FileEqualsStringAndLeavesNoTemporaries) {
  TempDir dir;
  // 1 MiB of weights: written straight from their buffer, past the encoder's.
  const ir::Model m = built_model(1 << 20);
  proto::write_model_file(m, dir / "m.onnx");
  EXPECT_EQ(testing::read_file(dir / "m.onnx"), proto::write_model(m));
  // Overwrite an existing file.
  proto::write_model_file(m, dir / "m.onnx");
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "m.onnx");
  }
  EXPECT_EQ(files, 1u);
}

TEST(ProtoWriter, OverwritingTheSourceFileIsSafe) {
  TempDir dir;
  proto::write_model_file(built_model(100000), dir / "m.onnx");
  const std::string before = testing::read_file(dir / "m.onnx");
  // The model's weights are views into the file being replaced.
  const ir::Model m = proto::read_model_file(dir / "m.onnx");
  ASSERT_TRUE(m.graph->initializers()[0]->data()->raw_data.is_view());
  proto::write_model_file(m, dir / "m.onnx");
  EXPECT_EQ(testing::read_file(dir / "m.onnx"), before);
}

TEST(ProtoWriter, FailureLeavesNothingBehind) {
  TempDir dir;
  try {
    proto::write_model_file(built_model(8), dir / "missing" / "m.onnx");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.onnx"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ProtoWriter, RefusesExternalLocationsOutsideTheFolder) {
  TempDir dir;
  proto::WriteOptions options;
  options.external_data = proto::WriteOptions::ExternalData::kOneFile;
  options.size_threshold = 0;
  options.external_file = "../escape.bin";
  EXPECT_THROW(proto::write_model_file(built_model(8), dir / "m.onnx", options), Error);
  options.external_file = "/tmp/escape.bin";
  EXPECT_THROW(proto::write_model_file(built_model(8), dir / "m.onnx", options), Error);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ProtoWriter, NegativeInt32IsSignExtended) {
  // protobuf writes a negative int32 as a 10-byte varint; so must we.
  ir::TensorData t;
  t.data_type = DataType::kInt32;
  t.dims = {1};
  t.int32_data = {-1};
  const std::string bytes = proto::write_tensor(t);
  const Msg expected = Msg().varint(1, 1).varint(2, 6).packed(5, {-1});
  EXPECT_EQ(bytes, expected.bytes());
  EXPECT_EQ(proto::read_tensor(Buffer::owned(bytes)).int32_data, std::vector<std::int32_t>{-1});
}

// A big graph's nodes are encoded once, in the size pass, and copied in the
// emit pass (proto/writer.cpp, EncodedNodes), except nodes with a subgraph or
// a large tensor attribute, which are walked in both passes. This graph mixes
// all three, has a subgraph big enough to be encoded once itself, and a node
// section longer than one encoder buffer.
ir::Model mixed_big_model() {
  ir::Model m;
  m.ir_version = 8;
  m.opset_import.push_back({"", 13, {}});
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  ir::Tensor* t = g.add_variable("x");
  g.inputs().push_back(t);
  ir::Tensor* cond = g.add_variable("cond");
  g.inputs().push_back(cond);
  const std::string pad(40, 'p');  // long names: some 600 KB of nodes
  for (int i = 0; i < 6000; ++i) {
    const std::string id = std::to_string(i);
    if (i % 7 == 3) {  // a Constant with a tensor too big to copy
      ir::TensorData big;
      big.data_type = DataType::kUint8;
      big.dims = {8192};
      big.set_raw(Buffer::owned(std::vector<std::byte>(8192, static_cast<std::byte>(i & 0xff))));
      ir::Node* c = g.add_node("Constant", "", "const_" + id);
      c->set_attribute(ir::Attribute::of_tensor("value", std::move(big)));
      c->add_output(g.add_variable("c_" + id));
      continue;
    }
    if (i == 2500) {  // an If whose branch has enough nodes to be encoded once too
      auto branch = std::make_unique<ir::Graph>(&g);
      branch->set_name("then");
      ir::Tensor* b = t;
      for (int k = 0; k < 300; ++k) {
        ir::Node* n = branch->add_node("Neg", "", "then_" + std::to_string(k) + pad);
        n->add_input(b);
        b = branch->add_variable("then_t" + std::to_string(k));
        n->add_output(b);
      }
      branch->outputs().push_back(b);
      ir::Node* n = g.add_node("If", "", "if_" + id);
      n->add_input(cond);
      ir::Attribute a;
      a.name = "then_branch";
      a.type = ir::AttributeType::kGraph;
      a.g = std::move(branch);
      n->set_attribute(std::move(a));
      t = g.add_variable("if_out_" + id);
      n->add_output(t);
      continue;
    }
    ir::Node* n = g.add_node("Relu", "", "n_" + id + pad);
    n->add_input(t);
    n->set_attribute(ir::Attribute::of_int("k", i));
    t = g.add_variable("t_" + id + pad);
    n->add_output(t);
  }
  g.outputs().push_back(t);
  return m;
}

TEST(ProtoWriter, BigGraphNodesEncodedOnceReadBack) {
  const ir::Model m = mixed_big_model();
  const std::string bytes = proto::write_model(m);
  const ir::Model back = proto::read_model(Buffer::owned(bytes));
  const ir::Graph& a = *m.graph;
  const ir::Graph& b = *back.graph;
  ASSERT_EQ(b.node_count(), a.node_count());
  for (std::size_t i = 0; i < a.node_count(); ++i) {
    const ir::Node& x = *a.nodes()[i];
    const ir::Node& y = *b.nodes()[i];
    ASSERT_EQ(y.name(), x.name()) << i;
    ASSERT_EQ(y.op_type(), x.op_type()) << i;
    ASSERT_EQ(y.inputs().size(), x.inputs().size()) << i;
    for (std::size_t k = 0; k < x.inputs().size(); ++k) {
      ASSERT_EQ(y.inputs()[k]->name(), x.inputs()[k]->name()) << i;
    }
    ASSERT_EQ(y.outputs()[0]->name(), x.outputs()[0]->name()) << i;
    if (const ir::Attribute* k = x.attribute("k")) {
      ASSERT_EQ(y.attribute("k")->i, k->i) << i;
    }
    if (const ir::Attribute* v = x.attribute("value")) {
      ASSERT_EQ(y.attribute("value")->t->raw_data.size(), 8192u) << i;
      ASSERT_EQ(y.attribute("value")->t->raw_data.bytes()[100], v->t->raw_data.bytes()[100]) << i;
    }
  }
  const ir::Graph& then = *b.nodes()[2500]->attribute("then_branch")->g;
  ASSERT_EQ(then.node_count(), 300u);
  EXPECT_EQ(then.nodes()[299]->inputs()[0], then.nodes()[298]->outputs()[0]);
  EXPECT_EQ(then.nodes()[0]->inputs()[0]->name(), b.nodes()[2499]->outputs()[0]->name());
  EXPECT_EQ(proto::write_model(back), bytes);

  const TempDir dir;
  proto::write_model_file(m, dir / "m.onnx");
  EXPECT_EQ(testing::read_file(dir / "m.onnx"), bytes);
}

TEST(ProtoWriter, WideGraph) {
  // 20k nodes in a chain, written and read back with the same wiring.
  ir::Model m;
  m.ir_version = 8;
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  ir::Tensor* t = g.add_variable("x");
  g.inputs().push_back(t);
  for (int i = 0; i < 20000; ++i) {
    ir::Node* n = g.add_node("Relu", "", "n" + std::to_string(i));
    n->add_input(t);
    t = g.add_variable("t" + std::to_string(i));
    n->add_output(t);
  }
  g.outputs().push_back(t);
  const std::string bytes = proto::write_model(m);
  const ir::Model back = proto::read_model(Buffer::owned(bytes));
  ASSERT_EQ(back.graph->node_count(), 20000u);
  EXPECT_EQ(back.graph->nodes()[19999]->inputs()[0], back.graph->nodes()[19998]->outputs()[0]);
  EXPECT_EQ(proto::write_model(back), bytes);
}

}  // namespace
}  // namespace onnxkit

namespace onnxkit {
namespace {

// A chain of 40k nodes made in a random order, then toposorted: the node list
// jumps around memory, so the writer encodes each node once (past 32k nodes,
// scattered). Read back, the list is in memory order and is written by
// walking it twice: both ways must give the same bytes.
TEST(ProtoWriter, ScatteredBigGraphEncodedOnceEqualsWalkedTwice) {
  constexpr int kNodes = 40000;
  ir::Model m;
  m.ir_version = 8;
  m.opset_import.push_back({"", 13, {}});
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  std::vector<ir::Tensor*> t(kNodes + 1);
  for (int i = 0; i <= kNodes; ++i)
    t[static_cast<std::size_t>(i)] = g.add_variable("t" + std::to_string(i));
  g.inputs().push_back(t[0]);
  g.outputs().push_back(t[kNodes]);
  std::vector<int> order(kNodes);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (int i : order) {
    ir::Node* n = g.add_node(i % 7 == 0 ? "Neg" : "Relu", "", "n" + std::to_string(i));
    n->add_input(t[static_cast<std::size_t>(i)]);
    n->add_output(t[static_cast<std::size_t>(i) + 1]);
    if (i % 5 == 0) n->set_attribute(ir::Attribute::of_int("k", i));
  }
  g.toposort();
  const std::string bytes = proto::write_model(m);
  const ir::Model back = proto::read_model(Buffer::owned(bytes));
  ASSERT_EQ(back.graph->node_count(), static_cast<std::size_t>(kNodes));
  for (std::size_t i = 0; i < static_cast<std::size_t>(kNodes); ++i) {
    const ir::Node& y = *back.graph->nodes()[i];
    ASSERT_EQ(y.name(), "n" + std::to_string(i));
    ASSERT_EQ(y.inputs()[0]->name(), "t" + std::to_string(i));
    if (i % 5 == 0) {
      ASSERT_EQ(y.attribute("k")->i, static_cast<std::int64_t>(i));
    }
  }
  EXPECT_EQ(proto::write_model(back), bytes);
}

}  // namespace
}  // namespace onnxkit
