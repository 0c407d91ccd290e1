// Small-value propagation beyond integer shapes: float scalars through Cast,
// arithmetic, Ceil/Floor, Max/Min (Range's expanded body), bools through
// comparisons into If, Split of a tracked vector, and a Loop's trip count.

#include <gtest/gtest.h>

#include "infer_test_util.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/text/parser.h"

namespace onnxkit {
namespace {

using test::type_of;

// Range's function body as ONNX expands it: the count is
// ceil((limit - start) / delta) in floats, clamped at 0, cast to int64 as
// the Loop's trip count; each iteration emits one element.
std::string expanded_range(std::string_view type, std::string_view start, std::string_view limit,
                           std::string_view delta) {
  return std::string(R"(<ir_version: 9, opset_import: ["" : 19]>
main () => ()") +
         std::string(type) + R"([?] out) <)" + std::string(type) + " start = {" +
         std::string(start) + "}, " + std::string(type) + " limit = {" + std::string(limit) +
         "}, " + std::string(type) + " delta = {" + std::string(delta) + R"(}> {
  diff = Sub (limit, start)
  diff_f = Cast <to = 1> (diff)
  delta_f = Cast <to = 1> (delta)
  q = Div (diff_f, delta_f)
  c = Ceil (q)
  n = Relu (c)
  trips = Cast <to = 7> (n)
  go = Cast <to = 9> (n)
  last, out = Loop (trips, go, start) <body = body (int64 i, bool cond, )" +
         std::string(type) + R"( prev) => (bool cond_out, )" + std::string(type) + " current, " +
         std::string(type) + R"( range) {
    cond_out = Identity (cond)
    current = Add (prev, delta)
    range = Identity (prev)
  }>
})";
}

TEST(InferValues, ExpandedRangeFloat) {
  ir::Model m = text::parse_model(expanded_range("float", "1.0", "5.5", "2.0"));
  const auto report = infer::infer_shapes(m);
  EXPECT_TRUE(report.issues.empty());
  // ceil(4.5 / 2) = 3 iterations.
  EXPECT_EQ(type_of(m, "trips"), "int64[]");
  EXPECT_EQ(type_of(m, "out"), "float[3]");
}

TEST(InferValues, ExpandedRangeIntegersThroughFloats) {
  ir::Model m = text::parse_model(expanded_range("int32", "10", "6", "-3"));
  infer::infer_shapes(m);
  // ceil(-4 / -3) = ceil(1.33) = 2.
  EXPECT_EQ(type_of(m, "out"), "int32[2]");
}

TEST(InferValues, ExpandedRangeEmpty) {
  ir::Model m = text::parse_model(expanded_range("float", "3.0", "1.0", "1.0"));
  infer::infer_shapes(m);
  // ceil(-2) = -2, Relu gives 0: no iteration.
  EXPECT_EQ(type_of(m, "out"), "float[0]");
}

TEST(InferValues, LoopThatMayStopEarlyHasUnknownLength) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main () => (float[?] out) <int64 trips = {4}, bool go = {1}, float x = {0.0}, int64 two = {2}> {
  last, out = Loop (trips, go, x) <body = body (int64 i, bool cond, float prev) => (bool cond_out, float current, float range) {
    cond_out = Less (i, two)
    current = Identity (prev)
    range = Identity (prev)
  }>
})");
  infer::infer_shapes(m);
  const std::string t = type_of(m, "out");
  EXPECT_EQ(t.substr(0, 6), "float[") << t;
  EXPECT_EQ(t.find("4"), std::string::npos) << t;
}

TEST(InferValues, RangeOfComputedFloats) {
  // Range's own rule reads tracked reals, not just constants.
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main () => (float[?] r) <float a = {0.25}, float b = {2.0}, float half = {0.5}> {
  lim = Mul (b, b)
  st = Add (a, a)
  d = Sqrt (half)
  r = Range (st, lim, d)
})");
  infer::infer_shapes(m);
  // ceil((4 - 0.5) / 0.7071) = ceil(4.95) = 5.
  EXPECT_EQ(type_of(m, "r"), "float[5]");
}

TEST(InferValues, CastTruncatesAndRefusesWrapping) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main () => (float[?,?,?] a, float[?,?,?] b, float[?] c) <float[3] v = {2.9, -2.9, 3.5}, int64 big = {300}, int64[1] axis0 = {0}> {
  iv = Cast <to = 7> (v)
  sizes = Abs (iv)
  a = ConstantOfShape (sizes)
  fl = Floor (v)
  fi = Cast <to = 7> (fl)
  fa = Abs (fi)
  b = ConstantOfShape (fa)
  u8 = Cast <to = 2> (big)
  back = Cast <to = 7> (u8)
  bu = Unsqueeze (back, axis0)
  c = ConstantOfShape (bu)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "a"), "float[2,2,3]");  // toward zero: 2, -2, 3
  EXPECT_EQ(type_of(m, "b"), "float[2,3,3]");  // floor: 2, -3, 3
  const std::string c = type_of(m, "c");       // 300 does not fit uint8
  EXPECT_EQ(c.find("300"), std::string::npos) << c;
  EXPECT_EQ(c.find("44"), std::string::npos) << c;
}

TEST(InferValues, ConditionKnownPicksTheBranchAndSilencesTheOther) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main (float[2,3] X) => (float[?,?] Y) <int64[2] size = {2, 3}, int64 four = {4}> {
  n = Size (size)
  is4 = Equal (n, four)
  Y = If <
    then_branch = t () => (float[?,?] a) { a = Squeeze (X) },
    else_branch = e () => (float[?,?] b) { b = Relu (X) }
  > (is4)
})");
  const auto report = infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "is4"), "bool[]");
  EXPECT_EQ(type_of(m, "Y"), "float[2,3]");
  // Squeeze of a [2,3] input is fine; a contradiction in the branch not taken
  // would be dropped (see the next test).
  EXPECT_TRUE(report.issues.empty());
}

TEST(InferValues, UntakenBranchContradictionIsNotReported) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main (float[2,3] X, float[4] Z) => (float[?,?] Y) <float one = {1.0}, float two = {2.0}> {
  gt = Greater (one, two)
  Y = If <
    then_branch = t () => (float[?,?] a) { a = Add (X, Z) },
    else_branch = e () => (float[?,?] b) { b = Relu (X) }
  > (gt)
})");
  const auto report = infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "Y"), "float[2,3]");
  EXPECT_TRUE(report.issues.empty()) << report.issues[0].message;

  // The same contradiction in a branch that may run is reported.
  ir::Model open = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main (float[2,3] X, float[4] Z, bool c) => (float[?,?] Y) {
  Y = If <
    then_branch = t () => (float[?,?] a) { a = Add (X, Z) },
    else_branch = e () => (float[?,?] b) { b = Relu (X) }
  > (c)
})");
  EXPECT_EQ(infer::infer_shapes(open).issues.size(), 1u);
}

TEST(InferValues, SplitOfATrackedVectorFeedsAShape) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main (float[24] X) => (float[?,?,?] Y) <int64[3] dims = {2, 3, 4}> {
  a, b, c = Split <num_outputs = 3> (dims)
  s = Concat <axis = 0> (c, b, a)
  Y = Reshape (X, s)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "Y"), "float[4,3,2]");
}

TEST(InferValues, MaxMinOfRealsAndSymbols) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main (float[N,8] X) => (float[?] Y, float[?,?] Z) <float lo = {1.5}, float hi = {-4.0}, float zero = {0.0}> {
  m = Max (lo, hi, zero)
  mi = Min (lo, hi)
  neg = Neg (mi)
  s = Add (m, neg)
  n = Cast <to = 7> (s)
  axis0 = Constant <value_ints = [0]> ()
  nu = Unsqueeze (n, axis0)
  Y = ConstantOfShape (nu)
  sh = Shape (X)
  Z = ConstantOfShape (sh)
})");
  const auto report = infer::infer_shapes(m);
  for (const auto& i : report.issues) ADD_FAILURE() << i.location << ": " << i.message;
  EXPECT_EQ(type_of(m, "Y"), "float[5]");  // 1.5 + 4.0 = 5.5, truncated
  EXPECT_EQ(type_of(m, "Z"), "float[N,8]");
}

TEST(InferValues, GreaterOrEqualBroadcastsAtOpset16) {
  // A function op without an inference function of its own (python3-onnx
  // infers it through the body).
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main (int64[1,1,4,1] q, int64[1,1,1,4] k) => (bool[?,?,?,?] mask) {
  mask = GreaterOrEqual (q, k)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "mask"), "bool[1,1,4,4]");
}

TEST(InferValues, ConstantFloatAttributes) {
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main () => (float[?] r) {
  s = Constant <value_float = 1.5> ()
  ld = Constant <value_floats = [7.0, 0.5]> ()
  zero = Constant <value_ints = [0]> ()
  one = Constant <value_ints = [1]> ()
  two = Constant <value_ints = [2]> ()
  l = Slice (ld, zero, one)
  dv = Slice (ld, one, two)
  ls = Squeeze (l, zero)
  ds = Squeeze (dv, zero)
  r = Range (s, ls, ds)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "r"), "float[11]");  // ceil((7 - 1.5) / 0.5)
}

TEST(InferValues, LargeFloatConstantsAreNotRead) {
  // Floats beyond a few elements are weights: not tracked, so no shape
  // follows from them (and a big graph's biases cost nothing).
  ir::Model m = text::parse_model(R"(<ir_version: 9, opset_import: ["" : 19]>
main () => (float[?] y) <float[9] w = {1, 1, 1, 1, 1, 1, 1, 1, 3.0}, int64[1] eight = {8}, int64[1] nine = {9}> {
  last = Slice (w, eight, nine)
  n = Cast <to = 7> (last)
  y = ConstantOfShape (n)
})");
  infer::infer_shapes(m);
  EXPECT_NE(type_of(m, "y"), "float[3]");
}

TEST(InferValues, WithoutDataPropagationFloatsAreNotFollowed) {
  ir::Model m = text::parse_model(expanded_range("float", "1.0", "5.5", "2.0"));
  infer::InferOptions o;
  o.data_propagation = false;
  infer::infer_shapes(m, o);
  EXPECT_NE(type_of(m, "out"), "float[3]");
}

}  // namespace
}  // namespace onnxkit
