// runtime: Unique on small hand-computed cases (flattened, along an axis, sorted and not).

#include <gtest/gtest.h>

#include "runtime_op_test_util.h"

namespace onnxkit::runtime {
namespace {

using testing::run_op;
using testing::values;

TEST(RuntimeUnique, SortedFlattenedGivesFirstIndicesInverseAndCounts) {
  auto y = run_op("Unique", {testing::int64s({5}, {3, 1, 3, 2, 1})}, {}, 11, 4);
  EXPECT_EQ(values<std::int64_t>(y[0]), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(values<std::int64_t>(y[1]), (std::vector<std::int64_t>{1, 3, 0}));
  EXPECT_EQ(values<std::int64_t>(y[2]), (std::vector<std::int64_t>{2, 0, 2, 1, 0}));
  EXPECT_EQ(values<std::int64_t>(y[3]), (std::vector<std::int64_t>{2, 1, 2}));
}

TEST(RuntimeUnique, UnsortedKeepsFirstOccurrenceOrder) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("sorted", 0));
  auto y = run_op("Unique", {testing::floats({4}, {5, 4, 5, 0})}, std::move(attrs), 11, 4);
  EXPECT_EQ(values<float>(y[0]), (std::vector<float>{5, 4, 0}));
  EXPECT_EQ(values<std::int64_t>(y[2]), (std::vector<std::int64_t>{0, 1, 0, 2}));
}

TEST(RuntimeUnique, AlongAnAxisComparesWholeColumns) {
  // Columns of [[1, 0, 1], [2, 9, 2]]: (1,2), (0,9), (1,2) -> sorted (0,9), (1,2).
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("axis", 1));
  auto y = run_op("Unique", {testing::floats({2, 3}, {1, 0, 1, 2, 9, 2})}, std::move(attrs), 11, 4);
  EXPECT_EQ(y[0].dims(), (Dims{2, 2}));
  EXPECT_EQ(values<float>(y[0]), (std::vector<float>{0, 1, 9, 2}));
  EXPECT_EQ(values<std::int64_t>(y[1]), (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(values<std::int64_t>(y[2]), (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(values<std::int64_t>(y[3]), (std::vector<std::int64_t>{1, 2}));
}

}  // namespace
}  // namespace onnxkit::runtime
