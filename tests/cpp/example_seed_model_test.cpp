#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "onnxkit/example/seed_model.h"

namespace onnxkit::example {
namespace {

using ir::Model;
using ir::Node;
using ir::Tensor;

std::vector<float> floats(const Tensor& t) {
  const ir::TensorData* d = t.data();
  EXPECT_NE(d, nullptr) << t.name();
  if (d == nullptr) return {};
  const Buffer bytes = d->bytes();
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.bytes().data(), out.size() * sizeof(float));
  return out;
}

const Tensor* initializer(const Model& m, std::string_view name) {
  for (const Tensor* t : m.graph->initializers()) {
    if (t->name() == name) return t;
  }
  return nullptr;
}

std::vector<std::string> op_types(const Model& m) {
  std::vector<std::string> out;
  for (const auto& n : m.graph->nodes()) out.push_back(n->qualified_op());
  return out;
}

/// Every initializer's name and bytes, in order: "same model bit for bit".
std::vector<std::pair<std::string, std::string>> weights(const Model& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Tensor* t : m.graph->initializers()) {
    out.emplace_back(t->name(), std::string(t->data()->bytes().chars()));
  }
  return out;
}

TEST(SeedModel, ModelFields) {
  const Model m = make_seed_model();
  EXPECT_EQ(m.ir_version, 7);
  EXPECT_EQ(m.producer_name, "onnxkit");
  EXPECT_FALSE(m.producer_version.empty());
  ASSERT_EQ(m.opset_import.size(), 1u);
  EXPECT_EQ(m.opset_import[0].domain, "");
  EXPECT_EQ(m.opset_import[0].version, 13);
  EXPECT_EQ(m.opset_version("ai.onnx"), 13);
  ASSERT_NE(m.graph, nullptr);
}

TEST(SeedModel, NodesInOrder) {
  const Model m = make_seed_model();
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "Conv",
                                                   "BatchNormalization", "Relu"}));
  std::vector<std::string> names;
  for (const auto& n : m.graph->nodes()) names.push_back(n->name());
  EXPECT_EQ(names, (std::vector<std::string>{"Conv_0", "BatchNormalization_1", "Relu_2", "Conv_3",
                                             "BatchNormalization_4", "Relu_5"}));
  // A chain: each node reads the previous node's output.
  const auto& nodes = m.graph->nodes();
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    ASSERT_FALSE(nodes[i]->inputs().empty());
    ASSERT_EQ(nodes[i - 1]->outputs().size(), 1u);
    EXPECT_EQ(nodes[i]->inputs()[0], nodes[i - 1]->outputs()[0]) << nodes[i]->name();
  }
  EXPECT_EQ(nodes.front()->inputs()[0], m.graph->inputs()[0]);
  EXPECT_EQ(nodes.back()->outputs()[0], m.graph->outputs()[0]);
}

TEST(SeedModel, InputAndOutputTypes) {
  const Model m = make_seed_model();
  ASSERT_EQ(m.graph->inputs().size(), 1u);
  ASSERT_EQ(m.graph->outputs().size(), 1u);
  const Tensor* in = m.graph->inputs()[0];
  const Tensor* out = m.graph->outputs()[0];
  EXPECT_EQ(in->name(), "input");
  EXPECT_EQ(out->name(), "output");
  EXPECT_EQ(in->dtype(), DataType::kFloat);
  EXPECT_EQ(out->dtype(), DataType::kFloat);
  ASSERT_TRUE(in->shape().has_value());
  ASSERT_TRUE(out->shape().has_value());
  EXPECT_EQ(*in->shape(), (Shape{Dim::named("N"), Dim::of(3), Dim::of(128), Dim::of(128)}));
  EXPECT_EQ(*out->shape(), (Shape{Dim::named("N"), Dim::of(64), Dim::of(31), Dim::of(31)}));
}

TEST(SeedModel, WeightShapes) {
  const Model m = make_seed_model();
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected = {
      {"conv1.weight", {16, 3, 3, 3}},
      {"conv1.bias", {16}},
      {"bn1.weight", {16}},
      {"bn1.bias", {16}},
      {"bn1.running_mean", {16}},
      {"bn1.running_var", {16}},
      {"conv2.weight", {64, 16, 3, 3}},
      {"conv2.bias", {64}},
      {"bn2.weight", {64}},
      {"bn2.bias", {64}},
      {"bn2.running_mean", {64}},
      {"bn2.running_var", {64}},
  };
  ASSERT_EQ(m.graph->initializers().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Tensor* t = m.graph->initializers()[i];
    EXPECT_EQ(t->name(), expected[i].first);
    ASSERT_TRUE(t->is_constant());
    EXPECT_EQ(t->data()->data_type, DataType::kFloat);
    EXPECT_EQ(t->data()->dims, expected[i].second) << t->name();
    EXPECT_EQ(t->data()->byte_size(), t->data()->element_count() * 4) << t->name();
    EXPECT_EQ(t->data()->name, t->name());
  }
}

TEST(SeedModel, ConvAndBatchNormAttributes) {
  const Model m = make_seed_model();
  const Node& conv = *m.graph->nodes()[3];
  ASSERT_EQ(conv.inputs().size(), 3u);
  EXPECT_EQ(conv.inputs()[1]->name(), "conv2.weight");
  EXPECT_EQ(conv.inputs()[2]->name(), "conv2.bias");
  ASSERT_NE(conv.attribute("strides"), nullptr);
  EXPECT_EQ(conv.attribute("strides")->ints, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(conv.attribute("kernel_shape")->ints, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(conv.attribute("pads")->ints, (std::vector<std::int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(conv.attribute("dilations")->ints, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(conv.attribute("group")->i, 1);
  EXPECT_EQ(conv.attribute("group")->type, ir::AttributeType::kInt);

  const Node& bn = *m.graph->nodes()[1];
  ASSERT_EQ(bn.inputs().size(), 5u);
  EXPECT_EQ(bn.inputs()[3]->name(), "bn1.running_mean");
  EXPECT_EQ(bn.inputs()[4]->name(), "bn1.running_var");
  ASSERT_NE(bn.attribute("epsilon"), nullptr);
  EXPECT_FLOAT_EQ(bn.attribute("epsilon")->f, 1e-5f);
  EXPECT_FLOAT_EQ(bn.attribute("momentum")->f, 0.9f);
  EXPECT_EQ(bn.attribute("momentum")->type, ir::AttributeType::kFloat);
}

TEST(SeedModel, WeightValuesAreInTheirRanges) {
  const Model m = make_seed_model();
  const float conv1_bound = 1.0f / std::sqrt(27.0f);
  for (float v : floats(*initializer(m, "conv1.weight"))) {
    EXPECT_LE(std::fabs(v), conv1_bound);
  }
  for (float v : floats(*initializer(m, "bn2.weight"))) {
    EXPECT_GE(v, 0.25f);
    EXPECT_LE(v, 1.75f);
  }
  for (float v : floats(*initializer(m, "bn2.running_var"))) {
    EXPECT_GE(v, 0.5f);
    EXPECT_LE(v, 2.0f);
  }
  // Normal(0, 0.5): 64 draws spread on both sides of zero, none absurd.
  const auto mean = floats(*initializer(m, "bn2.running_mean"));
  int negative = 0;
  for (float v : mean) {
    negative += v < 0;
    EXPECT_LT(std::fabs(v), 4.0f);
  }
  EXPECT_GT(negative, 10);
  EXPECT_LT(negative, 54);
  // Not a constant fill.
  const auto w = floats(*initializer(m, "conv2.weight"));
  EXPECT_NE(w.front(), w.back());
}

TEST(SeedModel, SameSeedSameModelOtherSeedOtherWeights) {
  const auto a = weights(make_seed_model(SeedVariant::kSeed, 7));
  const auto b = weights(make_seed_model(SeedVariant::kSeed, 7));
  const auto c = weights(make_seed_model(SeedVariant::kSeed, 8));
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), c.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, c[i].first);
    EXPECT_NE(a[i].second, c[i].second) << a[i].first;
  }
  EXPECT_EQ(weights(make_seed_model()), weights(make_seed_model(SeedVariant::kSeed, 1234)));
}

TEST(SeedModel, FooVariant) {
  const Model m = make_seed_model(SeedVariant::kFoo);
  EXPECT_EQ(op_types(m),
            (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "devtech::FooOp"}));
  const Node& foo = *m.graph->nodes().back();
  EXPECT_EQ(foo.domain(), "devtech");
  EXPECT_EQ(foo.op_type(), "FooOp");
  EXPECT_EQ(foo.name(), "FooOp_3");
  EXPECT_EQ(foo.outputs()[0], m.graph->outputs()[0]);
  EXPECT_EQ(m.opset_version(""), 13);
  EXPECT_EQ(m.opset_version("devtech"), 1);
  EXPECT_EQ(*m.graph->outputs()[0]->shape(),
            (Shape{Dim::named("N"), Dim::of(16), Dim::of(63), Dim::of(63)}));
  EXPECT_EQ(m.graph->initializers().size(), 6u);
  // The first block's weights are the seed model's, for the same seed.
  const auto seed_weights = weights(make_seed_model(SeedVariant::kSeed, 99));
  const auto foo_weights = weights(make_seed_model(SeedVariant::kFoo, 99));
  ASSERT_EQ(foo_weights.size(), 6u);
  for (std::size_t i = 0; i < foo_weights.size(); ++i) EXPECT_EQ(foo_weights[i], seed_weights[i]);
}

TEST(SeedModel, VariantNames) {
  EXPECT_EQ(seed_variant_name(SeedVariant::kSeed), "seed");
  EXPECT_EQ(seed_variant_name(SeedVariant::kFoo), "foo");
  EXPECT_EQ(seed_variant_from_name("foo"), SeedVariant::kFoo);
  EXPECT_EQ(seed_variant_from_name("seed"), SeedVariant::kSeed);
  EXPECT_EQ(seed_variant_from_name("bar"), std::nullopt);
}

}  // namespace
}  // namespace onnxkit::example
