// passes: each rewrite on small graphs written in the ONNX text syntax, and
// optimized sessions giving the unoptimized answers.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/passes/constant_folding.h"
#include "onnxkit/passes/graph_rewrites.h"
#include "onnxkit/passes/pass_manager.h"
#include "onnxkit/passes/session_factory.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"
#include "onnxkit/text/parser.h"

namespace onnxkit::passes {
namespace {

namespace fs = std::filesystem;
using runtime::Dims;
using runtime::Value;

std::vector<std::string> ops_of(const ir::Model& m) {
  std::vector<std::string> out;
  for (const auto& n : m.graph->nodes()) out.push_back(n->op_type());
  return out;
}

std::vector<std::string> output_names(const ir::Model& m) {
  std::vector<std::string> out;
  for (const ir::Tensor* t : m.graph->outputs()) out.push_back(t->name());
  return out;
}

Value random_floats(Dims dims, std::uint64_t seed) {
  Value v = Value::tensor(DataType::kFloat, std::move(dims));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& x : v.mutable_span<float>()) x = u(rng);
  return v;
}

std::vector<float> floats_of(const Value& v) {
  auto s = v.span<float>();
  return {s.begin(), s.end()};
}

/// Runs `m` unoptimized and at level 1 on `feeds`; expects the same outputs
/// (names, dims, values within tolerance).
void expect_same_answers(const ir::Model& m, const runtime::NamedValues& feeds, double tol = 1e-5) {
  runtime::SessionOptions none;
  none.optimization_level = 0;
  const runtime::Session plain(m, none);
  const auto optimized = make_session(m);
  const auto want = plain.run(feeds);
  const auto got = optimized->run(feeds);
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].first, got[i].first);
    const Value& a = want[i].second;
    const Value& b = got[i].second;
    ASSERT_EQ(a.dims(), b.dims()) << want[i].first;
    ASSERT_EQ(a.dtype(), b.dtype()) << want[i].first;
    if (a.dtype() != DataType::kFloat) {
      EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()))
          << want[i].first;
      continue;
    }
    const auto x = a.span<float>(), y = b.span<float>();
    for (std::size_t k = 0; k < x.size(); ++k) {
      ASSERT_NEAR(x[k], y[k], tol * (1 + std::abs(x[k]))) << want[i].first << " element " << k;
    }
  }
}

// ---- constant folding

// onnx-graphsurgeon's folding example: output = input + ((a + b) + d).
constexpr const char* kGsFoldingExample = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1,3] input) => (float[1,3] output)
<float[1,3] a = {1,1,1}, float[1,3] b = {1,1,1}, float[1,3] d = {1,1,1}> {
  c = Add(a, b)
  e = Add(c, d)
  output = Add(input, e)
})";

TEST(ConstantFolding, FoldsTheGraphSurgeonExample) {
  ir::Model m = text::parse_model(kGsFoldingExample);
  const FoldReport r = fold_constants(m, *m.graph);
  EXPECT_EQ(r.nodes_evaluated, 2u);
  ASSERT_EQ(r.folded.size(), 1u);
  EXPECT_EQ(r.folded[0]->name(), "e");  // c is read only by a folded node
  m.graph->cleanup();
  EXPECT_EQ(ops_of(m), (std::vector<std::string>{"Add"}));
  const ir::Tensor* e = m.graph->find_tensor("e");
  ASSERT_TRUE(e && e->is_constant());
  const Value v = runtime::value_from_tensor_data(*e->data());
  EXPECT_EQ(floats_of(v), (std::vector<float>{3, 3, 3}));
  EXPECT_EQ(output_names(m), (std::vector<std::string>{"output"}));
}

TEST(ConstantFolding, FoldsConstantNodesAndGraphOutputs) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] x) => (float[2] y, float[2] k)
{
  k = Constant <value = float[2] {2, 4}> ()
  y = Mul(x, k)
})");
  const FoldReport r = fold_constants(m, *m.graph);
  ASSERT_EQ(r.folded.size(), 1u);
  m.graph->cleanup();
  EXPECT_EQ(ops_of(m), (std::vector<std::string>{"Mul"}));
  EXPECT_EQ(output_names(m), (std::vector<std::string>{"y", "k"}));
  const runtime::Session s(m);
  Value x = Value::tensor(DataType::kFloat, {2});
  x.mutable_span<float>()[0] = 1;
  x.mutable_span<float>()[1] = 3;
  const auto out = s.run({{"x", x}});
  EXPECT_EQ(floats_of(out[0].second), (std::vector<float>{2, 12}));
  EXPECT_EQ(floats_of(out[1].second), (std::vector<float>{2, 4}));
}

TEST(ConstantFolding, LeavesRandomOpsDropoutAndOverridableInitializers) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] x, float[2] w) => (float[2] y, float[2] r, float[2] z)
<float[2] w = {1, 2}, float[2] c = {3, 4}> {
  r = RandomNormalLike(c)
  d = Dropout(c)
  z = Neg(w)
  y = Add(x, d)
})");
  const FoldReport r = fold_constants(m, *m.graph);
  EXPECT_EQ(r.nodes_evaluated, 0u);
  EXPECT_TRUE(r.folded.empty());
}

TEST(ConstantFolding, SizeThresholdAndGrowthLimitKeepBigOutputsAsNodes) {
  constexpr const char* kText = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1000,1000] x) => (float[1000,1000] y)
<int64[2] shape = {1000, 1000}> {
  big = ConstantOfShape <value = float[1] {1}> (shape)
  y = Add(x, big)
})";
  ir::Model m = text::parse_model(kText);
  FoldOptions growth;
  growth.limit_growth = true;
  EXPECT_TRUE(fold_constants(m, *m.graph, growth).folded.empty());
  FoldOptions threshold;
  threshold.size_threshold = 1024;
  EXPECT_TRUE(fold_constants(m, *m.graph, threshold).folded.empty());
  threshold.size_threshold = 4'000'000;
  EXPECT_EQ(fold_constants(m, *m.graph, threshold).folded.size(), 1u);
}

TEST(ConstantFolding, FoldsStaticShapesThroughGatherIntoReshape) {
  // Shape -> Gather -> Unsqueeze -> Concat -> Reshape: dim 1 is static, N is not.
  constexpr const char* kText = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,4,6] x) => (float[N,24] y)
<int64 one = {1}, int64 zero = {0}, int64[1] axes = {0}, int64[1] minus1 = {-1}> {
  s = Shape(x)
  d1 = Gather(s, one)
  d0 = Gather(s, zero)
  u = Unsqueeze(d0, axes)
  six = Constant <value = int64[1] {6}> ()
  d1u = Unsqueeze(d1, axes)
  inner = Mul(d1u, six)
  shape = Concat <axis = 0> (u, inner)
  y = Reshape(x, shape)
})";
  ir::Model m = text::parse_model(kText);
  const FoldReport r = fold_constants(m, *m.graph);
  std::vector<std::string> names;
  for (const ir::Tensor* t : r.folded) names.push_back(t->name());
  EXPECT_EQ(names, (std::vector<std::string>{"inner"}))
      << "d1 folds from the static dim, then d1u and inner";
  m.graph->cleanup();
  EXPECT_EQ(ops_of(m),
            (std::vector<std::string>{"Shape", "Gather", "Unsqueeze", "Concat", "Reshape"}));
  const ir::Tensor* inner = m.graph->find_tensor("inner");
  ASSERT_TRUE(inner && inner->is_constant());
  EXPECT_EQ(runtime::value_from_tensor_data(*inner->data()).span<std::int64_t>()[0], 24);
  expect_same_answers(text::parse_model(kText), {{"x", random_floats({3, 4, 6}, 1)}});

  FoldOptions no_shapes;
  no_shapes.fold_shapes = false;
  ir::Model m2 = text::parse_model(kText);
  const FoldReport r2 = fold_constants(m2, *m2.graph, no_shapes);
  ASSERT_EQ(r2.folded.size(), 1u);
  EXPECT_EQ(r2.folded[0]->name(), "six");  // only the Constant node: the Shape stays unknown
}

TEST(ConstantFolding, ANodeThatCannotRunIsNamedOrSkipped) {
  constexpr const char* kText = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] x) => (float[2] y)
<float[2] a = {1, 2}, int64[1] bad_shape = {5}> {
  r = Reshape(a, bad_shape)
  n = Neg(r)
  y = Add(x, n)
})";
  ir::Model m = text::parse_model(kText);
  const FoldReport r = fold_constants(m, *m.graph);
  EXPECT_TRUE(r.folded.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("(Reshape)"), std::string::npos) << r.errors[0];
  FoldOptions strict;
  strict.error_ok = false;
  try {
    fold_constants(m, *m.graph, strict);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(Reshape)"), std::string::npos) << e.what();
  }
}

// ---- If with a constant condition

constexpr const char* kConstantIf = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] x) => (float[2] y)
<float a = {2}, float b = {1}> {
  cond = Greater(a, b)
  y = If <
    then_branch = then_body () => (float[2] out)
    <
      float[2] ten = {10, 10}
    >
    {
      t = Add (x, ten)
      out = Relu (t)
    },
    else_branch = else_body () => (float[2] out2) {
      out2 = Neg (x)
    }
  > (cond)
})";

TEST(ConstantFolding, FlattensAnIfWhoseConditionFolds) {
  ir::Model m = text::parse_model(kConstantIf);
  EXPECT_EQ(fold_constants(m, *m.graph).folded.size(), 1u);  // cond
  EXPECT_EQ(flatten_constant_ifs(*m.graph), 1u);
  m.graph->cleanup();
  EXPECT_EQ(ops_of(m), (std::vector<std::string>{"Add", "Relu"}));
  EXPECT_EQ(m.graph->nodes()[1]->outputs()[0]->name(), "y");
  EXPECT_EQ(m.graph->nodes()[0]->outputs()[0]->name(), "t_subg_1_then_body");
  EXPECT_EQ(m.graph->nodes()[0]->inputs()[1]->name(), "ten_subg_1_then_body");
  runtime::SessionOptions none;
  none.optimization_level = 0;
  Value x = Value::tensor(DataType::kFloat, {2});
  x.mutable_span<float>()[0] = 1;
  x.mutable_span<float>()[1] = -20;
  const auto out = runtime::Session(m, none).run({{"x", x}});
  EXPECT_EQ(floats_of(out[0].second), (std::vector<float>{11, 0}));
}

// ---- Conv + BatchNormalization

std::string conv_bn_text(bool bias, int group) {
  // 4 output channels, 4 input channels, 3x3 kernel: weights of [4, 4/group, 3, 3].
  const int cin = 4 / group;
  std::string w = "float[4," + std::to_string(cin) + ",3,3] W = {";
  for (int i = 0; i < 4 * cin * 9; ++i)
    w += (i ? "," : "") + std::to_string(((i * 37) % 17 - 8) / 8.0);
  w += "}";
  std::string text = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,4,5,5] x) => (float[N,4,5,5] y)
<)" + w + R"(, float[4] B = {0.1, -0.2, 0.3, 0.4}, float[4] scale = {1.5, 0.5, -1, 2},
 float[4] shift = {0, 1, -1, 0.5}, float[4] mean = {0.2, -0.1, 0, 1}, float[4] var = {1, 0.25, 4, 0.5}> {
  c = Conv <pads = [1,1,1,1], group = )" +
                     std::to_string(group) + ">(x, W" + (bias ? ", B" : "") + R"()
  y = BatchNormalization <epsilon = 0.001> (c, scale, shift, mean, var)
})";
  return text;
}

TEST(ConvBatchNormFolding, FoldsWithAndWithoutBiasForAnyGroup) {
  for (bool bias : {false, true}) {
    for (int group : {1, 2, 4}) {
      SCOPED_TRACE("bias " + std::to_string(bias) + " group " + std::to_string(group));
      const std::string text = conv_bn_text(bias, group);
      ir::Model m = text::parse_model(text);
      ConvBatchNormFolding pass;
      EXPECT_TRUE(pass.run(m));
      m.graph->cleanup();
      EXPECT_EQ(ops_of(m), (std::vector<std::string>{"Conv"}));
      EXPECT_EQ(m.graph->nodes()[0]->outputs()[0]->name(), "y");
      EXPECT_EQ(m.graph->nodes()[0]->inputs().size(), 3u);
      expect_same_answers(text::parse_model(text), {{"x", random_floats({2, 4, 5, 5}, 7)}});
      // The folded model on its own also gives the unfolded answers.
      runtime::SessionOptions none;
      none.optimization_level = 0;
      const Value x = random_floats({1, 4, 5, 5}, 3);
      const auto want = runtime::Session(text::parse_model(text), none).run({{"x", x}});
      const auto got = runtime::Session(m, none).run({{"x", x}});
      const auto a = want[0].second.span<float>(), b = got[0].second.span<float>();
      for (std::size_t k = 0; k < a.size(); ++k)
        ASSERT_NEAR(a[k], b[k], 1e-4 * (1 + std::abs(a[k])));
    }
  }
}

TEST(ConvBatchNormFolding, LeavesAConvOutputReadElsewhere) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1,1,3,3] x) => (float[1,1,3,3] y, float[1,1,3,3] c)
<float[1,1,1,1] W = {2}, float[1] s = {1}, float[1] b = {0}, float[1] m = {0}, float[1] v = {1}> {
  c = Conv(x, W)
  y = BatchNormalization(c, s, b, m, v)
})");
  ConvBatchNormFolding pass;
  EXPECT_FALSE(pass.run(m));
}

// ---- Identity and Dropout

TEST(IdentityElimination, RemovesIdentitiesAndInferenceDropoutKeepingOutputNames) {
  constexpr const char* kText = R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] x) => (float[2] y, float[2] z)
{
  a = Relu(x)
  b = Identity(a)
  c = Dropout(b)
  d = Neg(c)
  y = Identity(d)
  z = Identity(x)
})";
  ir::Model m = text::parse_model(kText);
  IdentityElimination pass;
  EXPECT_TRUE(pass.run(m));
  m.graph->cleanup();
  // z = Identity(x) stays: x is a graph input and z a graph output.
  EXPECT_EQ(ops_of(m), (std::vector<std::string>{"Relu", "Neg", "Identity"}));
  EXPECT_EQ(output_names(m), (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(m.graph->nodes()[1]->outputs()[0]->name(), "y");
  expect_same_answers(text::parse_model(kText), {{"x", random_floats({2}, 5)}});
}

TEST(IdentityElimination, KeepsTrainingDropoutAndUsedMasks) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] x, bool t) => (float[2] y, bool[2] mask, float[2] w)
<float r = {0.5}> {
  y = Dropout(x, r, t)
  w, mask = Dropout(x)
})");
  IdentityElimination pass;
  EXPECT_FALSE(pass.run(m));
}

// ---- the pass manager and sessions

TEST(PassManager, RunsToAFixedPointAndReportsEachRun) {
  ir::Model m = text::parse_model(kGsFoldingExample);
  PassManager pm = passes_for_level(kOptimizeBasic);
  std::vector<std::string> seen;
  pm.after_pass = [&](const PassRecord& r, const ir::Model&) { seen.push_back(r.pass); };
  const auto records = pm.run(m);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.size(), seen.size());
  EXPECT_EQ(records.size() % pm.size(), 0u);
  EXPECT_FALSE(records.back().changed);
  EXPECT_EQ(ops_of(m), (std::vector<std::string>{"Add"}));
  EXPECT_TRUE(passes_for_level(0).size() == 0);
  EXPECT_THROW(passes_for_level(-1), Error);
}

TEST(SessionOptimization, LevelZeroAndNoOptimizerPlanTheModelAsGiven) {
  const ir::Model m = text::parse_model(kGsFoldingExample);
  EXPECT_EQ(runtime::Session(m).describe_plan().size(), 3u);  // no optimizer set
  runtime::SessionOptions none;
  none.optimization_level = 0;
  EXPECT_EQ(make_session(m, none)->describe_plan().size(), 3u);
  EXPECT_EQ(make_session(m)->describe_plan().size(), 1u);
  expect_same_answers(m, {{"input", random_floats({1, 3}, 2)}});
}

TEST(SessionOptimization, ProfileTimesEveryNode) {
  const auto s = make_session(text::parse_model(conv_bn_text(true, 1)));
  runtime::RunProfile profile;
  const Value x = random_floats({1, 4, 5, 5}, 1);
  s->run({{"x", x}}, {}, &profile);
  s->run({{"x", x}}, {}, &profile);
  EXPECT_EQ(profile.runs, 2u);
  ASSERT_EQ(profile.nodes.size(), 1u);
  EXPECT_EQ(profile.nodes[0].op, "Conv");
  EXPECT_GE(profile.nodes[0].seconds, 0.0);
}

// ---- conformance models (when ../shared is there)

fs::path shared_dir() {
  if (const char* env = std::getenv("ONNXKIT_SHARED")) return env;
  return fs::path(ONNXKIT_SOURCE_DIR).parent_path() / "shared";
}

TEST(SessionOptimization, ConformanceModelsGiveTheSameAnswers) {
  const fs::path root = shared_dir() / "onnx-tests";
  if (!fs::exists(root)) GTEST_SKIP() << "no " << root;
  const std::vector<std::string> cases = {"node/test_batchnorm_example",
                                          "node/test_conv_with_strides_padding",
                                          "node/test_reshape_extended_dims",
                                          "node/test_dropout_default",
                                          "node/test_identity",
                                          "pytorch-converted/test_ConvTranspose2d",
                                          "pytorch-operator/test_operator_view",
                                          "simple/test_shrink",
                                          "pytorch-converted/test_BatchNorm2d_eval",
                                          "pytorch-converted/test_Conv2d_groups",
                                          "node/test_constant",
                                          "node/test_shape_example",
                                          "simple/test_expand_shape_model1",
                                          "pytorch-converted/test_BatchNorm3d_eval"};
  int ran = 0;
  for (const std::string& c : cases) {
    const fs::path dir = root / c;
    if (!fs::exists(dir / "model.onnx") || !fs::exists(dir / "test_data_set_0")) continue;
    SCOPED_TRACE(c);
    const ir::Model m = proto::read_model_file(dir / "model.onnx");
    runtime::SessionOptions none;
    none.optimization_level = 0;
    std::unique_ptr<runtime::Session> plain;
    try {
      plain = std::make_unique<runtime::Session>(m, none);
    } catch (const Error&) {
      continue;  // no kernel yet: nothing to compare
    }
    runtime::NamedValues feeds;
    for (std::size_t i = 0; i < plain->inputs().size(); ++i) {
      const fs::path pb = dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb");
      feeds.emplace_back(plain->inputs()[i].name, runtime::read_value_file(pb));
    }
    expect_same_answers(m, feeds, 1e-4);
    ++ran;
  }
  EXPECT_GE(ran, 6);
}

}  // namespace
}  // namespace onnxkit::passes
