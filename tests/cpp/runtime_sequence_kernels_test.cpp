// runtime: RNN, GRU, LSTM, Einsum, DFT and NonMaxSuppression on small
// hand-computed cases.

#include <gtest/gtest.h>

#include <cmath>

#include "runtime_op_test_util.h"

namespace onnxkit::runtime {
namespace {

using testing::floats;
using testing::run_op;
using testing::values;

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << "at " << i;
}

std::vector<ir::Attribute> rnn_attrs(std::vector<std::string> activations,
                                     std::string direction = "forward") {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("hidden_size", 1));
  if (!activations.empty())
    attrs.push_back(ir::Attribute::of_strings("activations", std::move(activations)));
  attrs.push_back(ir::Attribute::of_string("direction", std::move(direction)));
  return attrs;
}

TEST(RuntimeRecurrent, RnnWithReluStepsThroughTime) {
  // h1 = relu(0.5 * 1) = 0.5; h2 = relu(0.5 * 2 + 1 * 0.5) = 1.5.
  auto y =
      run_op("RNN", {floats({2, 1, 1}, {1, 2}), floats({1, 1, 1}, {0.5}), floats({1, 1, 1}, {1})},
             rnn_attrs({"Relu"}), 22, 2);
  EXPECT_EQ(y[0].dims(), (Dims{2, 1, 1, 1}));
  expect_near(values<float>(y[0]), {0.5f, 1.5f});
  expect_near(values<float>(y[1]), {1.5f});
}

TEST(RuntimeRecurrent, RnnReverseStartsFromTheLastStep) {
  // Step x=2 first: h = 1; then x=1: h = relu(0.5 + 1) = 1.5. Y keeps time order.
  auto y =
      run_op("RNN", {floats({2, 1, 1}, {1, 2}), floats({1, 1, 1}, {0.5}), floats({1, 1, 1}, {1})},
             rnn_attrs({"Relu"}, "reverse"), 22, 2);
  expect_near(values<float>(y[0]), {1.5f, 1.0f});
  expect_near(values<float>(y[1]), {1.5f});
}

TEST(RuntimeRecurrent, RnnSequenceLensStopsEachBatchEntry) {
  // Batch 2, lengths 2 and 1: entry 1's second step is zero in Y, and its Y_h is its first step.
  Value lens = Value::tensor(DataType::kInt32, {2});
  lens.mutable_span<std::int32_t>()[0] = 2;
  lens.mutable_span<std::int32_t>()[1] = 1;
  auto y = run_op("RNN",
                  {floats({2, 2, 1}, {1, 3, 2, 5}), floats({1, 1, 1}, {0.5}),
                   floats({1, 1, 1}, {1}), Value(), lens},
                  rnn_attrs({"Relu"}), 22, 2);
  expect_near(values<float>(y[0]), {0.5f, 1.5f, 1.5f, 0.0f});
  expect_near(values<float>(y[1]), {1.5f, 1.5f});
}

TEST(RuntimeRecurrent, GruWithZeroWeightsHalvesTheState) {
  // z = r = sigmoid(0) = 0.5, candidate tanh(0) = 0: h = 0.5 * h_prev.
  auto y = run_op("GRU",
                  {floats({2, 1, 1}, {7, 9}), floats({1, 3, 1}, {0, 0, 0}),
                   floats({1, 3, 1}, {0, 0, 0}), Value(), Value(), floats({1, 1, 1}, {2})},
                  rnn_attrs({}), 22, 2);
  expect_near(values<float>(y[0]), {1.0f, 0.5f});
  expect_near(values<float>(y[1]), {0.5f});
}

TEST(RuntimeRecurrent, LstmWithZeroWeightsDecaysTheCell) {
  // i = o = f = 0.5, candidate 0: c = 0.5 * 2 = 1, h = 0.5 * tanh(1).
  auto y = run_op(
      "LSTM",
      {floats({1, 1, 1}, {3}), floats({1, 4, 1}, {0, 0, 0, 0}), floats({1, 4, 1}, {0, 0, 0, 0}),
       Value(), Value(), floats({1, 1, 1}, {0}), floats({1, 1, 1}, {2})},
      rnn_attrs({}), 22, 3);
  expect_near(values<float>(y[1]), {0.5f * std::tanh(1.0f)});
  expect_near(values<float>(y[2]), {1.0f});
}

std::vector<ir::Attribute> equation(const std::string& e) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_string("equation", e));
  return attrs;
}

TEST(RuntimeEinsum, MatrixProduct) {
  auto y = run_op("Einsum", {floats({2, 2}, {1, 2, 3, 4}), floats({2, 1}, {5, 6})},
                  equation("ij,jk->ik"), 12);
  EXPECT_EQ(y[0].dims(), (Dims{2, 1}));
  expect_near(values<float>(y[0]), {17, 39});
}

TEST(RuntimeEinsum, ImplicitOutputSortsTheFreeLabels) {
  // "ji" alone means "ji->ij": a transpose.
  auto y = run_op("Einsum", {floats({2, 3}, {1, 2, 3, 4, 5, 6})}, equation("ji"), 12);
  EXPECT_EQ(y[0].dims(), (Dims{3, 2}));
  expect_near(values<float>(y[0]), {1, 4, 2, 5, 3, 6});
}

TEST(RuntimeEinsum, BatchDiagonalWithEllipsis) {
  auto y =
      run_op("Einsum", {floats({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})}, equation("...ii->...i"), 12);
  EXPECT_EQ(y[0].dims(), (Dims{2, 2}));
  expect_near(values<float>(y[0]), {1, 4, 5, 8});
}

TEST(RuntimeEinsum, SumOfEverything) {
  auto y = run_op("Einsum", {floats({2, 2}, {1, 2, 3, 4})}, equation("ij->"), 12);
  EXPECT_EQ(y[0].dims(), (Dims{}));
  expect_near(values<float>(y[0]), {10});
}

TEST(RuntimeDft, RealSignalFullAndOnesided) {
  // DFT of [1, 2, 3, 4]: 10, -2+2i, -2, -2-2i.
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("axis", 1));
  auto y = run_op("DFT", {floats({1, 4, 1}, {1, 2, 3, 4})}, std::move(attrs), 17);
  EXPECT_EQ(y[0].dims(), (Dims{1, 4, 2}));
  expect_near(values<float>(y[0]), {10, 0, -2, 2, -2, 0, -2, -2});

  std::vector<ir::Attribute> one;
  one.push_back(ir::Attribute::of_int("onesided", 1));
  y = run_op("DFT", {floats({1, 4, 1}, {1, 2, 3, 4})}, std::move(one),
             20);  // axis input absent: -2
  EXPECT_EQ(y[0].dims(), (Dims{1, 3, 2}));
  expect_near(values<float>(y[0]), {10, 0, -2, 2, -2, 0});
}

TEST(RuntimeDft, InverseOnesidedRebuildsTheRealSignal) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("inverse", 1));
  attrs.push_back(ir::Attribute::of_int("onesided", 1));
  auto y = run_op("DFT", {floats({1, 3, 2}, {10, 0, -2, 2, -2, 0})}, std::move(attrs), 20);
  EXPECT_EQ(y[0].dims(), (Dims{1, 4, 1}));
  expect_near(values<float>(y[0]), {1, 2, 3, 4});
}

TEST(RuntimeNms, KeepsTheBestAndDropsOverlaps) {
  // Box 1 overlaps box 0 (IoU 0.82); box 2 is apart.
  const Value boxes = floats({1, 3, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3});
  const Value scores = floats({1, 1, 3}, {0.9f, 0.8f, 0.7f});
  auto y =
      run_op("NonMaxSuppression",
             {boxes, scores, testing::int64s({1}, {10}), floats({1}, {0.5f}), floats({1}, {0.0f})},
             {}, 11);
  EXPECT_EQ(y[0].dims(), (Dims{2, 3}));
  EXPECT_EQ(values<std::int64_t>(y[0]), (std::vector<std::int64_t>{0, 0, 0, 0, 0, 2}));
  // A score threshold of 0.75 leaves boxes 0 and 1; only 0 survives.
  y = run_op("NonMaxSuppression",
             {boxes, scores, testing::int64s({1}, {10}), floats({1}, {0.5f}), floats({1}, {0.75f})},
             {}, 11);
  EXPECT_EQ(values<std::int64_t>(y[0]), (std::vector<std::int64_t>{0, 0, 0}));
  // At most one box per class.
  y = run_op("NonMaxSuppression", {boxes, scores, testing::int64s({1}, {1}), floats({1}, {0.5f})},
             {}, 11);
  EXPECT_EQ(values<std::int64_t>(y[0]), (std::vector<std::int64_t>{0, 0, 0}));
}

}  // namespace
}  // namespace onnxkit::runtime
