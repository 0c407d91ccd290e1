// runtime: Bernoulli / RandomUniformLike (seeded repeatability, certain
// outcomes, range) and AffineGrid on hand-computed grids.

#include <gtest/gtest.h>

#include "runtime_op_test_util.h"

namespace onnxkit::runtime {
namespace {

using testing::floats;
using testing::run_op;
using testing::values;

std::vector<ir::Attribute> seeded(float seed) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_float("seed", seed));
  return attrs;
}

TEST(RuntimeRandom, BernoulliCertainProbabilitiesAndSeededRepeats) {
  auto y = run_op("Bernoulli", {floats({4}, {0, 1, 0, 1})}, {}, 22);
  EXPECT_EQ(values<float>(y[0]), (std::vector<float>{0, 1, 0, 1}));
  const Value half = floats({64}, std::vector<float>(64, 0.5f));
  auto a = run_op("Bernoulli", {half}, seeded(3), 22);
  auto b = run_op("Bernoulli", {half}, seeded(3), 22);
  EXPECT_EQ(values<float>(a[0]), values<float>(b[0]));
}

TEST(RuntimeRandom, RandomUniformLikeStaysInRange) {
  std::vector<ir::Attribute> attrs = seeded(1);
  attrs.push_back(ir::Attribute::of_float("low", 2));
  attrs.push_back(ir::Attribute::of_float("high", 3));
  auto y = run_op("RandomUniformLike", {floats({100}, std::vector<float>(100, 0))},
                  std::move(attrs), 22);
  for (const float v : values<float>(y[0])) {
    EXPECT_GE(v, 2.0f);
    EXPECT_LT(v, 3.0f);
  }
}

TEST(RuntimeAffineGrid, IdentityThetaGivesBaseCoordinates) {
  // Identity on a 2x2 image: pixel centres at -0.5 and 0.5 (align_corners = 0).
  auto y =
      run_op("AffineGrid",
             {floats({1, 2, 3}, {1, 0, 0, 0, 1, 0}), testing::int64s({4}, {1, 1, 2, 2})}, {}, 20);
  EXPECT_EQ(y[0].dims(), (Dims{1, 2, 2, 2}));
  EXPECT_EQ(values<float>(y[0]),
            (std::vector<float>{-0.5f, -0.5f, 0.5f, -0.5f, -0.5f, 0.5f, 0.5f, 0.5f}));
  // align_corners = 1 and a translation by (1, 0): x in {0, 2}.
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("align_corners", 1));
  y = run_op("AffineGrid",
             {floats({1, 2, 3}, {1, 0, 1, 0, 1, 0}), testing::int64s({4}, {1, 1, 1, 2})},
             std::move(attrs), 20);
  EXPECT_EQ(values<float>(y[0]), (std::vector<float>{0, 0, 2, 0}));
}

}  // namespace
}  // namespace onnxkit::runtime
