// runtime: the fast CPU kernels (src/runtime/fast/) against the reference
// kernels on randomized shapes and attributes. Each case builds a one-node
// model, runs it once with SessionOptions::reference_kernels and once with
// the fast provider (1 and 2 threads), and compares within a tolerance
// scaled by the reduction length. The plan description tells which kernel
// ran, so a case that silently fell back to the reference would not count.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"

namespace onnxkit::runtime {
namespace {

Value random_floats(const Dims& dims, std::mt19937& rng) {
  Value v = Value::tensor(DataType::kFloat, dims);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& x : v.mutable_span<float>()) x = u(rng);
  return v;
}

/// One node `op` with variable inputs (fed) and constant inputs (initializers).
struct Case {
  std::string op;
  std::vector<ir::Attribute> attrs;
  std::vector<std::pair<Dims, bool>> inputs;  ///< dims, constant?
  std::int64_t opset = 13;
  bool symbolic_batch = false;  ///< declare input 0's first dim as "N"
};

ir::Model build(const Case& c, const std::vector<Value>& values) {
  ir::Model m;
  m.ir_version = 8;
  ir::OpsetId onnx;
  onnx.version = c.opset;
  m.opset_import.push_back(onnx);
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("main");
  std::vector<ir::Tensor*> ins;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    const std::string name = "x" + std::to_string(i);
    if (c.inputs[i].second) {
      ir::Tensor* t = g.add_constant(name, value_to_tensor_data(values[i], name));
      g.initializers().push_back(t);
      ins.push_back(t);
      continue;
    }
    ir::Tensor* t = g.add_variable(name);
    Shape s;
    for (std::size_t d = 0; d < c.inputs[i].first.size(); ++d) {
      s.push_back(d == 0 && i == 0 && c.symbolic_batch ? Dim::named("N")
                                                       : Dim::of(c.inputs[i].first[d]));
    }
    t->info().type = ir::Type::tensor(DataType::kFloat, s);
    g.inputs().push_back(t);
    ins.push_back(t);
  }
  ir::Tensor* y = g.add_variable("y");
  g.outputs().push_back(y);
  std::vector<ir::Attribute> node_attrs;
  for (const ir::Attribute& a : c.attrs) node_attrs.push_back(a.clone());
  g.layer(c.op, ins, {y}, std::move(node_attrs), {}, "the_node");
  return m;
}

/// Runs `c` on both kernel sets and compares; returns the fast plan line.
std::string check(const Case& c, std::mt19937& rng, std::int64_t reduction) {
  std::vector<Value> values;
  for (const auto& [dims, constant] : c.inputs) values.push_back(random_floats(dims, rng));
  const ir::Model model = build(c, values);
  NamedValues feeds;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    if (!c.inputs[i].second) feeds.emplace_back("x" + std::to_string(i), values[i]);
  }
  SessionOptions ref_options;
  ref_options.reference_kernels = true;
  const Session ref(model, ref_options);
  const Value want = ref.run(feeds)[0].second;
  std::string plan;
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.threads = threads;
    const Session fast(model, options);
    plan = fast.describe_plan()[0];
    const Value got = fast.run(feeds)[0].second;
    EXPECT_EQ(got.dims(), want.dims()) << plan;
    if (got.dims() != want.dims()) return plan;
    const auto g = got.span<float>(), w = want.span<float>();
    // float32 sums of `reduction` products of values in [-1, 1], in another order.
    const double tol =
        1e-5 * std::sqrt(static_cast<double>(std::max<std::int64_t>(reduction, 1))) + 1e-6;
    double worst = 0;
    for (std::size_t i = 0; i < g.size(); ++i)
      worst = std::max(worst, std::abs(double(g[i]) - double(w[i])));
    EXPECT_LE(worst, tol) << plan << " threads " << threads;
  }
  return plan;
}

template <typename... A>
std::vector<ir::Attribute> attrs(A&&... a) {
  std::vector<ir::Attribute> v;
  (v.push_back(std::forward<A>(a)), ...);
  return v;
}

bool ran_fast(const std::string& plan) { return plan.find("(cpu-fast)") != std::string::npos; }

TEST(RuntimeFastKernels, ConvMatchesReferenceOnRandomShapes) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 40; ++iter) {
    const int nd = iter % 5 == 0 ? 1 : (iter % 7 == 0 ? 3 : 2);
    const std::int64_t group =
        iter % 4 == 0 ? 1 : (iter % 4 == 1 ? pick(1, 3) : (iter % 4 == 2 ? 4 : 1));
    const bool depthwise = iter % 6 == 3;
    const std::int64_t cg = depthwise ? 1 : pick(1, 5), mg = depthwise ? 1 : pick(1, 6);
    const std::int64_t g = depthwise ? pick(2, 8) : group;
    Dims x{pick(1, 3), cg * g}, w{mg * g, cg};
    std::vector<std::int64_t> kernel, strides, dilations, pads(2 * nd);
    for (int d = 0; d < nd; ++d) {
      kernel.push_back(pick(1, 4));
      strides.push_back(pick(1, 3));
      dilations.push_back(pick(1, 2));
      pads[d] = pick(0, kernel.back() - 1);
      pads[nd + d] = pick(0, kernel.back() - 1);
      x.push_back((kernel.back() - 1) * dilations.back() + 1 + pick(0, nd == 3 ? 4 : 9));
      w.push_back(kernel.back());
    }
    Case c;
    c.op = "Conv";
    c.symbolic_batch = iter % 2 == 0;
    c.inputs = {{x, false}, {w, true}};
    if (iter % 3 != 0) c.inputs.push_back({{w[0]}, true});
    c.attrs = attrs(ir::Attribute::of_int("group", g), ir::Attribute::of_ints("strides", strides),
                    ir::Attribute::of_ints("dilations", dilations));
    if (iter % 5 == 4) {
      c.attrs.push_back(
          ir::Attribute::of_string("auto_pad", iter % 10 == 4 ? "SAME_UPPER" : "SAME_LOWER"));
    } else {
      c.attrs.push_back(ir::Attribute::of_ints("pads", pads));
    }
    if (iter % 2) c.attrs.push_back(ir::Attribute::of_ints("kernel_shape", kernel));
    std::int64_t k = cg;
    for (auto kk : kernel) k *= kk;
    SCOPED_TRACE("iteration " + std::to_string(iter));
    EXPECT_TRUE(ran_fast(check(c, rng, k)));
  }
}

TEST(RuntimeFastKernels, MatMulMatchesReferenceWithBatchesAndBroadcasting) {
  std::mt19937 rng(11);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::pair<Dims, Dims>> shapes = {{{5, 7}, {7, 3}},
                                                     {{2, 3, 5, 7}, {7, 4}},
                                                     {{2, 1, 4, 6}, {3, 6, 5}},
                                                     {{6}, {6, 4}},
                                                     {{3, 6}, {6}},
                                                     {{6}, {2, 6, 3}},
                                                     {{4, 1, 5}, {1, 5, 2}},
                                                     {{1, 64, 96}, {96, 130}},
                                                     {{2, 12, 16, 8}, {2, 12, 8, 16}},
                                                     {{3, 0, 4}, {4, 5}},
                                                     {{7}, {7}}};
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    for (bool constant_b : {false, true}) {
      Case c;
      c.op = "MatMul";
      c.inputs = {{shapes[i].first, false}, {shapes[i].second, constant_b}};
      SCOPED_TRACE("shape " + std::to_string(i) + (constant_b ? " constant B" : ""));
      EXPECT_TRUE(ran_fast(check(c, rng, shapes[i].first.back())));
    }
  }
  for (int iter = 0; iter < 10; ++iter) {  // random batched shapes with broadcast dims
    const std::int64_t m = pick(1, 20), k = pick(1, 40), n = pick(1, 20);
    Dims a{pick(1, 3), m, k}, b{k, n};
    if (iter % 2) b.insert(b.begin(), a[0] == 1 ? pick(1, 3) : (iter % 4 == 1 ? 1 : a[0]));
    Case c;
    c.op = "MatMul";
    c.inputs = {{a, false}, {b, iter % 3 == 0}};
    EXPECT_TRUE(ran_fast(check(c, rng, k)));
  }
}

TEST(RuntimeFastKernels, GemmMatchesReferenceWithTransposesAndBias) {
  std::mt19937 rng(13);
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      for (int bias = 0; bias < 4; ++bias) {
        const std::int64_t m = 3 + ta + bias, k = 17, n = 9 + tb;
        Case c;
        c.op = "Gemm";
        c.inputs = {{ta ? Dims{k, m} : Dims{m, k}, false},
                    {tb ? Dims{n, k} : Dims{k, n}, bias % 2 == 0}};
        if (bias == 1) c.inputs.push_back({{n}, true});
        if (bias == 2) c.inputs.push_back({{m, n}, true});
        if (bias == 3) c.inputs.push_back({{m, 1}, true});
        c.attrs = attrs(ir::Attribute::of_int("transA", ta), ir::Attribute::of_int("transB", tb));
        if (bias == 2) c.attrs.push_back(ir::Attribute::of_float("beta", 0.5f));
        SCOPED_TRACE("transA " + std::to_string(ta) + " transB " + std::to_string(tb) + " bias " +
                     std::to_string(bias));
        EXPECT_TRUE(ran_fast(check(c, rng, k)));
      }
    }
  }
}

TEST(RuntimeFastKernels, PoolsMatchReference) {
  std::mt19937 rng(17);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int fast_runs = 0;
  for (int iter = 0; iter < 30; ++iter) {
    const int nd = iter % 6 == 5 ? 1 : 2;
    Dims x{pick(1, 2), pick(1, 5)};
    std::vector<std::int64_t> kernel, strides, pads(2 * nd);
    for (int d = 0; d < nd; ++d) {
      kernel.push_back(pick(1, 4));
      strides.push_back(pick(1, 3));
      pads[d] = pick(0, kernel.back() - 1);
      pads[nd + d] = pick(0, kernel.back() - 1);
      x.push_back(kernel.back() + pick(0, 9));
    }
    Case c;
    c.op = iter % 2 ? "MaxPool" : "AveragePool";
    c.inputs = {{x, false}};
    c.attrs = attrs(
        ir::Attribute::of_ints("kernel_shape", kernel), ir::Attribute::of_ints("strides", strides),
        ir::Attribute::of_ints("pads", pads), ir::Attribute::of_int("ceil_mode", iter % 3 == 0));
    if (c.op == "AveragePool")
      c.attrs.push_back(ir::Attribute::of_int("count_include_pad", iter % 4 == 0));
    SCOPED_TRACE(c.op + " iteration " + std::to_string(iter));
    fast_runs += ran_fast(check(c, rng, 16)) ? 1 : 0;
  }
  // Some ceil_mode windows are left to the reference; most cases must be fast.
  EXPECT_GE(fast_runs, 20);
  Case gap;
  gap.op = "GlobalAveragePool";
  gap.inputs = {{{2, 3, 7, 9}, false}};
  EXPECT_TRUE(ran_fast(check(gap, rng, 63)));
}

TEST(RuntimeFastKernels, ReferenceFlagAndEnvironmentSelectTheReferenceKernels) {
  std::mt19937 rng(19);
  Case c;
  c.op = "MatMul";
  c.inputs = {{{2, 3}, false}, {{3, 4}, true}};
  std::vector<Value> values{random_floats({2, 3}, rng), random_floats({3, 4}, rng)};
  const ir::Model model = build(c, values);
  EXPECT_TRUE(ran_fast(Session(model).describe_plan()[0]));
  SessionOptions options;
  options.reference_kernels = true;
  EXPECT_NE(Session(model, options).describe_plan()[0].find("(cpu)"), std::string::npos);
  ::setenv("ONNXKIT_KERNELS", "reference", 1);
  const std::string plan = Session(model).describe_plan()[0];
  ::unsetenv("ONNXKIT_KERNELS");
  EXPECT_NE(plan.find("(cpu)"), std::string::npos) << plan;
}

TEST(RuntimeFastKernels, DeclinedCasesFallBackToTheReference) {
  // Double inputs and a non-constant weight are not the fast Conv's: the
  // reference kernel takes the node at creation.
  std::mt19937 rng(23);
  Case c;
  c.op = "Conv";
  c.inputs = {{{1, 2, 5, 5}, false}, {{3, 2, 3, 3}, false}};
  std::vector<Value> values{random_floats({1, 2, 5, 5}, rng), random_floats({3, 2, 3, 3}, rng)};
  const ir::Model model = build(c, values);
  const Session s(model);
  EXPECT_NE(s.describe_plan()[0].find("(cpu)"), std::string::npos) << s.describe_plan()[0];
  // A shape the fast kernel cannot take (W's channels do not fit X) reaches
  // the reference kernel at run time, whose error names the problem.
  Case bad;
  bad.op = "Conv";
  bad.inputs = {{{1, 2, 5, 5}, false}, {{3, 4, 3, 3}, true}};
  std::vector<Value> bad_values{random_floats({1, 2, 5, 5}, rng), random_floats({3, 4, 3, 3}, rng)};
  const Session bs(build(bad, bad_values));
  EXPECT_THROW(bs.run({{"x0", bad_values[0]}}), Error);
}

}  // namespace
}  // namespace onnxkit::runtime

namespace onnxkit::runtime {
namespace {

/// Conv (3x3, pad 1) -> [Add residual] -> activation, on a symbolic batch:
/// the fast provider fuses it into one onnxkit.fast::FusedConv.
ir::Model conv_block(const std::string& activation, bool residual, std::mt19937& rng,
                     std::int64_t opset = 13) {
  ir::Model m;
  m.ir_version = 8;
  ir::OpsetId onnx;
  onnx.version = opset;
  m.opset_import.push_back(onnx);
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("main");
  ir::Tensor* x = g.add_variable("x");
  x->info().type = ir::Type::tensor(DataType::kFloat,
                                    Shape{Dim::named("N"), Dim::of(4), Dim::of(6), Dim::of(5)});
  g.inputs().push_back(x);
  auto constant = [&](const std::string& name, const Dims& dims) {
    ir::Tensor* t = g.add_constant(name, value_to_tensor_data(random_floats(dims, rng), name));
    g.initializers().push_back(t);
    return t;
  };
  ir::Tensor* conv_out = g.add_variable("conv_out");
  g.layer("Conv", {x, constant("w", {4, 4, 3, 3}), constant("b", {4})}, {conv_out},
          attrs(ir::Attribute::of_ints("pads", {1, 1, 1, 1})), {}, "conv");
  ir::Tensor* cur = conv_out;
  if (residual) {
    ir::Tensor* sum = g.add_variable("sum");
    g.layer("Add", {x, cur}, {sum}, {}, {}, "add");  // the residual is the first input
    cur = sum;
  }
  ir::Tensor* y = g.add_variable("y");
  if (activation == "Relu") {
    g.layer("Relu", {cur}, {y}, {}, {}, "act");
  } else if (activation == "Clip") {
    auto scalar = [&](const std::string& name, float v) {
      Value s = Value::tensor(DataType::kFloat, {});
      s.mutable_span<float>()[0] = v;
      ir::Tensor* t = g.add_constant(name, value_to_tensor_data(s, name));
      g.initializers().push_back(t);
      return t;
    };
    g.layer("Clip", {cur, scalar("lo", -0.5f), scalar("hi", 0.75f)}, {y}, {}, {}, "act");
  } else {
    g.layer("Identity", {cur}, {y}, {}, {}, "act");
  }
  g.outputs().push_back(y);
  return m;
}

TEST(RuntimeFastKernels, ConvActivationAndResidualFuseAndMatchReference) {
  std::mt19937 rng(29);
  const std::tuple<std::string, bool, std::size_t> cases[] = {
      {"Relu", false, 1}, {"Clip", false, 1}, {"Relu", true, 1}, {"", true, 2}};
  for (const auto& [activation, residual, steps] : cases) {
    SCOPED_TRACE(activation + (residual ? " with residual" : ""));
    const ir::Model model = conv_block(activation, residual, rng);
    SessionOptions ref_options;
    ref_options.reference_kernels = true;
    const Session ref(model, ref_options);
    const Session fast(model);
    const auto plan = fast.describe_plan();
    ASSERT_EQ(plan.size(), steps) << plan[0];
    EXPECT_NE(plan[0].find("onnxkit.fast::FusedConv"), std::string::npos) << plan[0];
    for (std::int64_t batch : {1, 3}) {
      const Value x = random_floats({batch, 4, 6, 5}, rng);
      const Value want = ref.run({{"x", x}})[0].second;
      const Value got = fast.run({{"x", x}})[0].second;
      ASSERT_EQ(got.dims(), want.dims());
      const auto g = got.span<float>(), w = want.span<float>();
      for (std::size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], w[i], 1e-4) << i;
    }
  }
}

TEST(RuntimeFastKernels, AValueReadTwiceIsNotFusedAway) {
  // The Conv output is also a graph output: the Relu must stay a node.
  std::mt19937 rng(31);
  ir::Model model = conv_block("Relu", false, rng);
  model.graph->outputs().push_back(model.graph->find_tensor("conv_out"));
  const Session fast(model);
  EXPECT_EQ(fast.describe_plan().size(), 2u);
  const auto out = fast.run({{"x", random_floats({2, 4, 6, 5}, rng)}});
  ASSERT_EQ(out.size(), 2u);
  const auto pre = out[1].second.span<float>(), post = out[0].second.span<float>();
  for (std::size_t i = 0; i < pre.size(); ++i) EXPECT_EQ(post[i], std::max(pre[i], 0.0f));
}

}  // namespace
}  // namespace onnxkit::runtime

namespace onnxkit::runtime {
namespace {

TEST(RuntimeFastKernels, ArithmeticMatchesReferenceOnItsBroadcastsAndFallsBackOnOthers) {
  std::mt19937 rng(37);
  const std::vector<std::pair<Dims, Dims>> shapes = {
      {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {}},        {{}, {2, 3, 4}},  {{2, 3, 4}, {4}},
      {{4}, {2, 3, 4}},       {{2, 3, 4}, {1, 3, 4}}, {{5, 1}, {1, 5}}, {{2, 3, 4}, {3, 1}},
      {{70000}, {70000}},     {{3, 40000}, {40000}}};
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      Case c;
      c.op = op;
      c.inputs = {{shapes[i].first, false}, {shapes[i].second, i % 2 == 1}};
      SCOPED_TRACE(std::string(op) + " shape " + std::to_string(i));
      // Division by values near zero: compare relative to a larger tolerance.
      check(c, rng, std::string(op) == "Div" ? 1000000 : 1);
    }
  }
}

TEST(RuntimeFastKernels, PowByAConstantExponentMatchesReference) {
  std::mt19937 rng(41);
  for (float e : {2.0f, 0.5f, 3.0f, 1.7f}) {
    ir::Model m;
    m.ir_version = 8;
    ir::OpsetId onnx;
    onnx.version = 13;
    m.opset_import.push_back(onnx);
    m.graph = std::make_unique<ir::Graph>();
    ir::Graph& g = *m.graph;
    g.set_name("main");
    ir::Tensor* x = g.add_variable("x");
    x->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::of(3), Dim::of(50)});
    g.inputs().push_back(x);
    Value ev = Value::tensor(DataType::kFloat, {});
    ev.mutable_span<float>()[0] = e;
    ir::Tensor* et = g.add_constant("e", value_to_tensor_data(ev, "e"));
    g.initializers().push_back(et);
    ir::Tensor* y = g.add_variable("y");
    g.outputs().push_back(y);
    g.layer("Pow", {x, et}, {y}, {}, {}, "pow");
    Value xv = random_floats({3, 50}, rng);
    for (float& v : xv.mutable_span<float>()) v = std::abs(v) + 0.1f;
    SessionOptions ref_options;
    ref_options.reference_kernels = true;
    const Value want = Session(m, ref_options).run({{"x", xv}})[0].second;
    const Session fast(m);
    EXPECT_TRUE(ran_fast(fast.describe_plan()[0]));
    const Value got = fast.run({{"x", xv}})[0].second;
    for (std::int64_t i = 0; i < got.size(); ++i) {
      EXPECT_FLOAT_EQ(got.span<float>()[i], want.span<float>()[i]) << "exponent " << e;
    }
  }
}

}  // namespace
}  // namespace onnxkit::runtime
