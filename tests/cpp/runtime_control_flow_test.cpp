// runtime: sequence and optional values, and the ops that run subgraphs
// (If, Loop, Scan, SequenceMap): outer-scope reads, zero-trip loops, early
// exit, nesting, malformed bodies.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "onnxkit/core/error.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"
#include "onnxkit/text/parser.h"

namespace onnxkit::runtime {
namespace {

Value floats(Dims dims, std::vector<float> v) {
  Value x = Value::tensor(DataType::kFloat, std::move(dims));
  std::copy(v.begin(), v.end(), x.mutable_span<float>().begin());
  return x;
}

Value int64s(Dims dims, std::vector<std::int64_t> v) {
  Value x = Value::tensor(DataType::kInt64, std::move(dims));
  std::copy(v.begin(), v.end(), x.mutable_span<std::int64_t>().begin());
  return x;
}

Value boolean(bool b) {
  Value x = Value::tensor(DataType::kBool, {});
  x.mutable_span<bool>()[0] = b;
  return x;
}

std::vector<float> as_vector(const Value& v) {
  auto s = v.span<float>();
  return {s.begin(), s.end()};
}

/// "location: message" of the Error `fn` throws ("" when none).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.location() + ": " + e.message();
  }
  return {};
}

// ---- Value kinds

TEST(RuntimeValueKinds, SequenceSharesItemsAndKnowsItsElementType) {
  const Value a = floats({2}, {1, 2});
  const Value seq = Value::sequence(DataType::kUndefined, {a, floats({3}, {3, 4, 5})});
  EXPECT_TRUE(seq.is_sequence());
  EXPECT_FALSE(seq.is_tensor());
  EXPECT_EQ(seq.dtype(), DataType::kFloat);
  ASSERT_EQ(seq.item_count(), 2u);
  EXPECT_EQ(seq.item(1).dims(), (Dims{3}));
  EXPECT_EQ(seq.item(0).raw_data(), a.raw_data());  // no element copied
  const Value copy = seq;                           // a copy shares the item list
  EXPECT_EQ(copy.items().data(), seq.items().data());
  EXPECT_EQ(seq.describe(), "seq(float) of 2");
  EXPECT_NE(error_of([&] { (void)seq.item(2); }).find("item 2 of a sequence of 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Value::sequence(DataType::kInt64, {a}); }).find("cannot hold"),
            std::string::npos);
  const Value empty = Value::sequence(DataType::kInt32, {});
  EXPECT_EQ(empty.item_count(), 0u);
  EXPECT_EQ(empty.dtype(), DataType::kInt32);
}

TEST(RuntimeValueKinds, OptionalHoldsNoneOrOneValue) {
  const Value some = Value::optional(floats({1}, {7}));
  EXPECT_TRUE(some.is_optional());
  EXPECT_TRUE(some.has_element());
  EXPECT_EQ(some.element_kind(), Value::Kind::kTensor);
  EXPECT_EQ(as_vector(some.element()), (std::vector<float>{7}));
  EXPECT_EQ(some.describe(), "optional(float[1])");

  const Value none = Value::empty_optional(Value::Kind::kSequence, DataType::kInt64);
  EXPECT_TRUE(static_cast<bool>(none));  // present, though empty
  EXPECT_FALSE(none.has_element());
  EXPECT_EQ(none.describe(), "optional(seq(int64)) empty");
  EXPECT_NE(error_of([&] { (void)none.element(); }).find("holds no value"), std::string::npos);
  EXPECT_NE(error_of([&] { Value::optional(none); }).find("holds a tensor or a sequence"),
            std::string::npos);
  // The tensor API is unchanged for tensors.
  EXPECT_TRUE(floats({2}, {1, 2}).items().empty());
}

TEST(RuntimeValueKinds, SequenceAndOptionalFilesRoundTrip) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("onnxkit_cf_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const Value seq = Value::sequence(DataType::kUndefined, {floats({2}, {1, 2}), floats({1}, {3})});
  write_value_file(dir / "seq.pb", seq);
  const Value back = read_value_file(dir / "seq.pb", Value::Kind::kSequence);
  ASSERT_TRUE(back.is_sequence());
  ASSERT_EQ(back.item_count(), 2u);
  EXPECT_EQ(as_vector(back.item(1)), (std::vector<float>{3}));

  write_value_file(dir / "opt.pb", Value::optional(seq));
  const Value opt = read_value_file(dir / "opt.pb", Value::Kind::kOptional);
  ASSERT_TRUE(opt.has_element());
  EXPECT_EQ(opt.element().item_count(), 2u);

  write_value_file(dir / "none.pb",
                   Value::empty_optional(Value::Kind::kSequence, DataType::kFloat));
  const Value none = read_value_file(dir / "none.pb", Value::Kind::kOptional, DataType::kFloat);
  EXPECT_FALSE(none.has_element());
  EXPECT_EQ(none.element_kind(), Value::Kind::kSequence);
  std::filesystem::remove_all(dir);
}

// ---- If

constexpr const char* kIfModel = R"(<ir_version: 8, opset_import: ["" : 17]>
main (bool c, float[2] x) => (float[2] y) {
  y = If <
    then_branch = then_g () => (float[2] t) { t = Add (x, x) },
    else_branch = else_g () => (float[2] x) {}
  > (c)
})";

TEST(RuntimeIf, RunsTheChosenBranchReadingOuterValues) {
  Session s(text::parse_model(kIfModel));
  const Value x = floats({2}, {1, 2});
  EXPECT_EQ(as_vector(s.run({{"c", boolean(true)}, {"x", x}})[0].second),
            (std::vector<float>{2, 4}));
  // The else branch returns the enclosing graph's value itself.
  EXPECT_EQ(as_vector(s.run({{"c", boolean(false)}, {"x", x}})[0].second),
            (std::vector<float>{1, 2}));
  const auto plan = s.describe_plan();
  ASSERT_GE(plan.size(), 3u);
  EXPECT_NE(plan[0].find("If"), std::string::npos);
}

TEST(RuntimeIf, ConditionMustBeABoolScalar) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (bool[2] c, float[2] x) => (float[2] y) {
  y = If <then_branch = a () => (float[2] x) {}, else_branch = b () => (float[2] x) {}> (c)
})"));
  Value c = Value::tensor(DataType::kBool, {2});
  const std::string what = error_of([&] { s.run({{"c", c}, {"x", floats({2}, {1, 2})}}); });
  EXPECT_NE(what.find("must be a bool scalar"), std::string::npos) << what;
}

// ---- Loop

constexpr const char* kLoopModel = R"(<ir_version: 8, opset_import: ["" : 17]>
main (int64 m, bool c, float[2] x, float[2] step) => (float[2] y, float[N,2] ys) {
  limit = Constant <value = int64 {2}> ()
  y, ys = Loop <body = body (int64 i, bool cin, float[2] s) => (bool cout, float[2] s2, float[2] sc) {
    s2 = Add (s, step)
    sc = Identity (s2)
    cout = Less (i, limit)
  }> (m, c, x)
})";

TEST(RuntimeLoop, CarriesStateAndStacksScanOutputs) {
  Session s(text::parse_model(kLoopModel));
  const auto out = s.run({{"m", int64s({}, {2})},
                          {"c", boolean(true)},
                          {"x", floats({2}, {0, 1})},
                          {"step", floats({2}, {10, 100})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{20, 201}));
  EXPECT_EQ(out[1].second.dims(), (Dims{2, 2}));
  EXPECT_EQ(as_vector(out[1].second), (std::vector<float>{10, 101, 20, 201}));
}

TEST(RuntimeLoop, ConditionEndsTheLoopEarly) {
  Session s(text::parse_model(kLoopModel));
  // Trip count 100, but the body's condition (i < 2) turns false after iteration 2.
  const auto out = s.run({{"m", int64s({}, {100})},
                          {"c", boolean(true)},
                          {"x", floats({2}, {0, 0})},
                          {"step", floats({2}, {1, 1})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{3, 3}));
  EXPECT_EQ(out[1].second.dims(), (Dims{3, 2}));
}

TEST(RuntimeLoop, ZeroTripsKeepTheInitialValues) {
  Session s(text::parse_model(kLoopModel));
  for (const auto& [m, c] : {std::pair<std::int64_t, bool>{0, true}, {5, false}}) {
    const auto out = s.run({{"m", int64s({}, {m})},
                            {"c", boolean(c)},
                            {"x", floats({2}, {4, 5})},
                            {"step", floats({2}, {1, 1})}});
    EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{4, 5}));
    EXPECT_EQ(out[1].second.dims(), (Dims{0, 2}));  // from the body's declared float[2]
  }
}

TEST(RuntimeLoop, CarriesASequence) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (int64 m, float[2] x) => (seq(float[2]) out) {
  empty = SequenceEmpty <dtype = 1> ()
  out = Loop <body = body (int64 i, bool cin, seq(float[2]) s) => (bool cout, seq(float[2]) s2) {
    cout = Identity (cin)
    s2 = SequenceInsert (s, x)
  }> (m, , empty)
})"));
  EXPECT_EQ(s.outputs()[0].kind, Value::Kind::kSequence);
  EXPECT_EQ(s.outputs()[0].type, "seq(float[2])");
  const auto out = s.run({{"m", int64s({}, {3})}, {"x", floats({2}, {1, 2})}});
  ASSERT_TRUE(out[0].second.is_sequence());
  EXPECT_EQ(out[0].second.item_count(), 3u);
}

TEST(RuntimeLoop, WithoutTripCountOrConditionIsAnErrorNotAHang) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (float[2] x) => (float[2] y) {
  y = Loop <body = body (int64 i, bool cin, float[2] s) => (bool cout, float[2] s) { cout = Identity (cin) }> (, , x)
})"));
  const std::string what = error_of([&] { s.run({{"x", floats({2}, {1, 2})}}); });
  EXPECT_NE(what.find("never ends"), std::string::npos) << what;
}

TEST(RuntimeLoop, ConcurrentRunsAreIndependent) {
  Session s(text::parse_model(kLoopModel));
  std::vector<std::thread> threads;
  std::vector<float> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        const auto out = s.run({{"m", int64s({}, {t})},
                                {"c", boolean(true)},
                                {"x", floats({2}, {0, 0})},
                                {"step", floats({2}, {1, 1})}});
        results[static_cast<std::size_t>(t)] = out[0].second.span<float>()[0];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(results, (std::vector<float>{0, 1, 2, 3}));
}

// ---- Scan

TEST(RuntimeScan, DirectionsAndAxes) {
  // Running sum over axis 1 of x, read backwards, written along axis 1.
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (float[2] init, float[2,3] x) => (float[2] total, float[2,3] sums) {
  total, sums = Scan <num_scan_inputs = 1, scan_input_axes = [1], scan_input_directions = [1],
                      scan_output_axes = [1],
                      body = body (float[2] acc, float[2] col) => (float[2] next, float[2] out) {
    next = Add (acc, col)
    out = Identity (next)
  }> (init, x)
})"));
  const auto out =
      s.run({{"init", floats({2}, {0, 0})}, {"x", floats({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{6, 15}));
  // Iterations see columns 2, 1, 0; forward output direction keeps iteration order.
  EXPECT_EQ(as_vector(out[1].second), (std::vector<float>{3, 5, 6, 6, 11, 15}));
}

TEST(RuntimeScan, Version8ScansEachBatchEntryUpToItsLength) {
  Session s(text::parse_model(R"(<ir_version: 3, opset_import: ["" : 8]>
main (int64[2] lens, float[2,1] init, float[2,3,1] x) => (float[2,1] total, float[2,3,1] sums) {
  total, sums = Scan <num_scan_inputs = 1,
                      body = body (float[1] acc, float[1] v) => (float[1] next, float[1] out) {
    next = Add (acc, v)
    out = Identity (next)
  }> (lens, init, x)
})"));
  const auto out = s.run({{"lens", int64s({2}, {3, 2})},
                          {"init", floats({2, 1}, {0, 0})},
                          {"x", floats({2, 3, 1}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{6, 9}));
  // The second entry stops after 2 steps; its last output is zeros.
  EXPECT_EQ(as_vector(out[1].second), (std::vector<float>{1, 3, 6, 4, 9, 0}));
  const std::string what = error_of([&] {
    s.run({{"lens", int64s({2}, {3, 4})},
           {"init", floats({2, 1}, {0, 0})},
           {"x", floats({2, 3, 1}, {})}});
  });
  EXPECT_NE(what.find("sequence_lens[1] = 4"), std::string::npos) << what;
}

// ---- nesting, sequences, optionals

TEST(RuntimeNesting, ALoopInsideAnIfReadsTheMainGraph) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (bool c, int64 m, float[1] x) => (float[1] y) {
  y = If <
    then_branch = t () => (float[1] r) {
      r = Loop <body = b (int64 i, bool ci, float[1] a) => (bool co, float[1] a2) {
        co = Identity (ci)
        a2 = Add (a, x)
      }> (m, , x)
    },
    else_branch = e () => (float[1] x) {}
  > (c)
})"));
  const auto out = s.run({{"c", boolean(true)}, {"m", int64s({}, {3})}, {"x", floats({1}, {2})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{8}));
}

TEST(RuntimeSequenceOps, SplitEditAndConcat) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (float[4,2] x) => (int64 n, float[2] second, float[3,2] joined, float[3,1,2] stacked) {
  seq = SplitToSequence (x)
  n = SequenceLength (seq)
  one = Constant <value = int64 {1}> ()
  second_k = SequenceAt (seq, one)
  second = Squeeze (second_k)
  shorter = SequenceErase (seq, one)
  joined = ConcatFromSequence <axis = 0> (shorter)
  stacked = ConcatFromSequence <axis = 0, new_axis = 1> (shorter)
})"));
  const auto out = s.run({{"x", floats({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8})}});
  EXPECT_EQ(out[0].second.span<std::int64_t>()[0], 4);
  EXPECT_EQ(as_vector(out[1].second), (std::vector<float>{3, 4}));
  EXPECT_EQ(as_vector(out[2].second), (std::vector<float>{1, 2, 5, 6, 7, 8}));
  EXPECT_EQ(out[3].second.dims(), (Dims{3, 1, 2}));
}

TEST(RuntimeSequenceOps, SequenceMapAppliesTheBodyPerItem) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (seq(float[N]) xs, float[1] k) => (seq(float[N]) ys) {
  ys = SequenceMap <body = b (float[N] x, float[1] kk) => (float[N] y) { y = Mul (x, kk) }> (xs, k)
})"));
  EXPECT_EQ(s.inputs()[0].kind, Value::Kind::kSequence);
  const Value xs = Value::sequence(DataType::kUndefined, {floats({2}, {1, 2}), floats({1}, {3})});
  const auto out = s.run({{"xs", xs}, {"k", floats({1}, {10})}});
  ASSERT_EQ(out[0].second.item_count(), 2u);
  EXPECT_EQ(as_vector(out[0].second.item(1)), (std::vector<float>{30}));
  // A tensor fed where a sequence is declared is refused, naming the input.
  const std::string what = error_of([&] {
    s.run({{"xs", floats({1}, {1})}, {"k", floats({1}, {10})}});
  });
  EXPECT_NE(what.find("input 'xs'"), std::string::npos) << what;
}

TEST(RuntimeOptionalOps, WrapTestAndUnwrap) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 18]>
main (optional(float[2]) o) => (bool has, float[2] v) {
  has = OptionalHasElement (o)
  v = OptionalGetElement (o)
})"));
  const auto out = s.run({{"o", Value::optional(floats({2}, {5, 6}))}});
  EXPECT_TRUE(out[0].second.span<bool>()[0]);
  EXPECT_EQ(as_vector(out[1].second), (std::vector<float>{5, 6}));
  const std::string what = error_of([&] {
    s.run({{"o", Value::empty_optional(Value::Kind::kTensor, DataType::kFloat)}});
  });
  EXPECT_NE(what.find("holds no value"), std::string::npos) << what;
}

TEST(RuntimeOptionalOps, ASequenceReachingATensorOpIsAnError) {
  Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (float[2] x) => (float[2] y) {
  seq = SequenceConstruct (x, x)
  y = Relu (seq)
})"));
  const std::string what = error_of([&] { s.run({{"x", floats({2}, {1, 2})}}); });
  EXPECT_NE(what.find("takes a tensor"), std::string::npos) << what;
}

// ---- malformed bodies

TEST(RuntimeControlFlowErrors, BranchOutputCountMismatchFailsAtCreation) {
  const std::string what = error_of([] {
    Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (bool c, float[2] x) => (float[2] y) {
  y = If <then_branch = a () => (float[2] x, float[2] x) {}, else_branch = b () => (float[2] x) {}> (c)
})"));
  });
  EXPECT_NE(what.find("(If)"), std::string::npos) << what;
  EXPECT_NE(what.find("then_branch"), std::string::npos) << what;
}

TEST(RuntimeControlFlowErrors, BodyReadingAnUndefinedNameFailsAtCreation) {
  const std::string what = error_of([] {
    Session s(text::parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
main (bool c, float[2] x) => (float[2] y) {
  y = If <then_branch = a () => (float[2] t) { t = Add (x, nowhere) }, else_branch = b () => (float[2] x) {}> (c)
})"));
  });
  EXPECT_NE(what.find("nowhere"), std::string::npos) << what;
  EXPECT_NE(what.find("then_branch"), std::string::npos) << what;
}

TEST(RuntimeControlFlowErrors, NestingDepthIsBounded) {
  // 80 Ifs, each in the then_branch of the one before.
  std::string body = "r = Identity (x)";
  for (int i = 0; i < 80; ++i) {
    body = "r = If <then_branch = t" + std::to_string(i) + " () => (float[1] r) { " + body +
           " }, else_branch = e" + std::to_string(i) + " () => (float[1] x) {}> (c)";
  }
  const std::string text = R"(<ir_version: 8, opset_import: ["" : 17]>
main (bool c, float[1] x) => (float[1] r) { )" +
                           body + " }";
  const std::string what = error_of([&] { Session s(text::parse_model(text)); });
  EXPECT_NE(what.find("nested more than 64"), std::string::npos) << what;
}

}  // namespace
}  // namespace onnxkit::runtime
