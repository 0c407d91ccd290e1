// runtime: string kernels (StringNormalizer, StringConcat, StringSplit,
// RegexFullMatch) and TfIdfVectorizer, on small hand-computed cases.

#include <gtest/gtest.h>

#include "runtime_op_test_util.h"

namespace onnxkit::runtime {
namespace {

using testing::run_op;
using testing::strings;
using testing::values;

TEST(RuntimeStringKernels, NormalizerDropsStopwordsIgnoringCaseThenUppercases) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_string("case_change_action", "UPPER"));
  attrs.push_back(ir::Attribute::of_strings("stopwords", {"monday"}));
  auto y = run_op("StringNormalizer", {Value::strings({1, 3}, {"Monday", "tue", "MONDAY"})},
                  std::move(attrs), 10);
  EXPECT_EQ(y[0].dims(), (Dims{1, 1}));
  EXPECT_EQ(strings(y[0]), (std::vector<std::string>{"TUE"}));
}

TEST(RuntimeStringKernels, NormalizerLeavesOneEmptyStringWhenAllAreStopwords) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("is_case_sensitive", 1));
  attrs.push_back(ir::Attribute::of_strings("stopwords", {"a"}));
  auto y = run_op("StringNormalizer", {Value::strings({2}, {"a", "a"})}, std::move(attrs), 10);
  EXPECT_EQ(y[0].dims(), (Dims{1}));
  EXPECT_EQ(strings(y[0]), (std::vector<std::string>{""}));
}

TEST(RuntimeStringKernels, ConcatBroadcasts) {
  auto y =
      run_op("StringConcat", {Value::strings({2}, {"a", "b"}), Value::strings({}, {"!"})}, {}, 20);
  EXPECT_EQ(strings(y[0]), (std::vector<std::string>{"a!", "b!"}));
}

TEST(RuntimeStringKernels, SplitPadsToTheLongestAndCountsParts) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_string("delimiter", ","));
  auto y = run_op("StringSplit", {Value::strings({2}, {"a,,b", "c"})}, std::move(attrs), 20, 2);
  EXPECT_EQ(y[0].dims(), (Dims{2, 3}));
  EXPECT_EQ(strings(y[0]), (std::vector<std::string>{"a", "", "b", "c", "", ""}));
  EXPECT_EQ(values<std::int64_t>(y[1]), (std::vector<std::int64_t>{3, 1}));
}

TEST(RuntimeStringKernels, SplitOnWhitespaceWithMaxsplit) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("maxsplit", 1));
  auto y = run_op("StringSplit", {Value::strings({1}, {"  x  y z "})}, std::move(attrs), 20, 2);
  EXPECT_EQ(strings(y[0]), (std::vector<std::string>{"x", "y z"}));
}

TEST(RuntimeStringKernels, RegexFullMatchMatchesTheWholeString) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_string("pattern", "a+b"));
  auto y =
      run_op("RegexFullMatch", {Value::strings({3}, {"aab", "aabc", "b"})}, std::move(attrs), 20);
  EXPECT_EQ(values<bool>(y[0]), (std::vector<bool>{true, false, false}));
}

TEST(RuntimeStringKernels, RegexFullMatchRejectsABadPattern) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_string("pattern", "(a"));
  EXPECT_THROW(run_op("RegexFullMatch", {Value::strings({1}, {"a"})}, std::move(attrs), 20), Error);
}

TEST(RuntimeStringKernels, TfIdfCountsSkipGrams) {
  // Pool: unigram 7 (column 1), bigram (1, 2) (column 0), at most one item skipped.
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("min_gram_length", 1));
  attrs.push_back(ir::Attribute::of_int("max_gram_length", 2));
  attrs.push_back(ir::Attribute::of_int("max_skip_count", 1));
  attrs.push_back(ir::Attribute::of_string("mode", "TFIDF"));
  attrs.push_back(ir::Attribute::of_ints("ngram_counts", {0, 1}));
  attrs.push_back(ir::Attribute::of_ints("ngram_indexes", {1, 0}));
  attrs.push_back(ir::Attribute::of_ints("pool_int64s", {7, 1, 2}));
  attrs.push_back(ir::Attribute::of_floats("weights", {0.5f, 2.0f}));
  auto y = run_op("TfIdfVectorizer", {testing::int64s({5}, {1, 2, 1, 7, 2})}, std::move(attrs), 9);
  // Column 0: bigram (1,2): at 0-1 (skip 0), 2-4 (skip 1) -> 2 * 0.5. Column 1: unigram 7 once -> 1
  // * 2.
  EXPECT_EQ(values<float>(y[0]), (std::vector<float>{1.0f, 2.0f}));
}

}  // namespace
}  // namespace onnxkit::runtime
