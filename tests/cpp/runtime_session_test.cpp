// runtime: Session planning and errors, the kernel registry, and reference
// kernels on small graphs built through the IR.

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/kernel.h"
#include "onnxkit/runtime/provider.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"
#include "onnxkit/runtime/thread_pool.h"
#include "runtime/reference/half.h"

namespace onnxkit::runtime {
namespace {

/// A model with one node `op` reading inputs x0.. (float, given dims) and writing y.
ir::Model one_node(const std::string& op, const std::vector<Dims>& input_dims,
                   std::vector<ir::Attribute> attrs = {}, std::string domain = {},
                   std::int64_t opset = 17, DataType dtype = DataType::kFloat) {
  ir::Model m;
  m.ir_version = 8;
  ir::OpsetId onnx;
  onnx.version = opset;
  m.opset_import.push_back(onnx);
  if (!domain.empty()) {
    ir::OpsetId custom;
    custom.domain = domain;
    custom.version = 1;
    m.opset_import.push_back(custom);
  }
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("main");
  std::vector<ir::Tensor*> ins;
  for (std::size_t i = 0; i < input_dims.size(); ++i) {
    ir::Tensor* t = g.add_variable("x" + std::to_string(i));
    Shape s;
    for (auto d : input_dims[i]) s.push_back(Dim::of(d));
    t->info().type = ir::Type::tensor(dtype, s);
    g.inputs().push_back(t);
    ins.push_back(t);
  }
  ir::Tensor* y = g.add_variable("y");
  g.outputs().push_back(y);
  g.layer(op, ins, {y}, std::move(attrs), domain, "the_node");
  return m;
}

Value floats(Dims dims, std::vector<float> v) {
  Value x = Value::tensor(DataType::kFloat, std::move(dims));
  std::copy(v.begin(), v.end(), x.mutable_span<float>().begin());
  return x;
}

std::vector<float> as_vector(const Value& v) {
  auto s = v.span<float>();
  return {s.begin(), s.end()};
}

TEST(RuntimeSession, AddBroadcasts) {
  Session s(one_node("Add", {{2, 3}, {3}}));
  auto out = s.run({{"x0", floats({2, 3}, {1, 2, 3, 4, 5, 6})}, {"x1", floats({3}, {10, 20, 30})}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "y");
  EXPECT_EQ(out[0].second.dims(), (Dims{2, 3}));
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(RuntimeSession, MissingKernelFailsAtCreationNamingNodeOpDomainVersion) {
  try {
    Session s(one_node("FooOp", {{2}}, {}, "devtech"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.location() + ": " + e.message();
    EXPECT_NE(what.find("node 'the_node' (devtech::FooOp)"), std::string::npos) << what;
    EXPECT_NE(what.find("no kernel for devtech::FooOp version 1"), std::string::npos) << what;
    EXPECT_NE(what.find("domain 'devtech'"), std::string::npos) << what;
    EXPECT_NE(what.find("--custom-ops"), std::string::npos) << what;
    EXPECT_NE(what.find("CustomOpRegistry::add(\"devtech\", \"FooOp\""), std::string::npos) << what;
    EXPECT_NE(what.find("onnxkit.register_op"), std::string::npos) << what;
    EXPECT_NE(what.find("--bypass op=devtech::FooOp"), std::string::npos) << what;
  }
}

TEST(RuntimeSession, CustomKernelIsUsed) {
  KernelRegistry custom;
  custom.add("devtech", "FooOp",
             [](KernelContext& ctx) { ctx.set_output(0, ctx.required_input(0)); });
  SessionOptions options;
  options.custom_kernels = &custom;
  Session s(one_node("FooOp", {{2}}, {}, "devtech"), options);
  auto out = s.run({{"x0", floats({2}, {1, 2})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{1, 2}));
}

TEST(RuntimeSession, UnsupportedTypeNamesRegisteredTypes) {
  try {
    Session s(one_node("And", {{2}, {2}}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.message()).find("registered: And"), std::string::npos) << e.message();
  }
}

TEST(RuntimeSession, InputErrorsNameTheInput) {
  Session s(one_node("Relu", {{2}}));
  EXPECT_THROW(s.run({}), Error);
  EXPECT_THROW(s.run({{"nope", floats({2}, {1, 2})}}), Error);
  try {
    s.run({{"x0", floats({3}, {1, 2, 3})}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.location(), "input 'x0'");
  }
}

TEST(RuntimeSession, ConcurrentRunsAreIndependent) {
  Session s(one_node("Mul", {{1000}, {1000}}));
  std::vector<std::thread> threads;
  std::vector<bool> ok(4, false);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        Value a = Value::tensor(DataType::kFloat, {1000});
        for (float& v : a.mutable_span<float>()) v = static_cast<float>(t + 1);
        auto out = s.run({{"x0", a}, {"x1", a}});
        for (float v : out[0].second.span<float>()) {
          if (v != static_cast<float>((t + 1) * (t + 1))) return;
        }
      }
      ok[static_cast<std::size_t>(t)] = true;
    });
  }
  for (auto& th : threads) th.join();
  for (bool b : ok) EXPECT_TRUE(b);
}

TEST(RuntimeKernels, ConvMatchesHandComputation) {
  // 1x1x3x3 input, 1x1x2x2 kernel of ones, no padding: sums of 2x2 windows.
  Session s(one_node("Conv", {{1, 1, 3, 3}, {1, 1, 2, 2}}));
  auto out = s.run({{"x0", floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})},
                    {"x1", floats({1, 1, 2, 2}, {1, 1, 1, 1})}});
  EXPECT_EQ(out[0].second.dims(), (Dims{1, 1, 2, 2}));
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{12, 16, 24, 28}));
}

TEST(RuntimeKernels, SoftmaxRowsSumToOne) {
  Session s(one_node("Softmax", {{2, 3}}));
  auto out = s.run({{"x0", floats({2, 3}, {1, 2, 3, -1, 0, 1000})}});
  auto y = as_vector(out[0].second);
  EXPECT_NEAR(y[0] + y[1] + y[2], 1.0f, 1e-6);
  EXPECT_NEAR(y[5], 1.0f, 1e-6);
}

TEST(RuntimeKernels, TransposeAndMatMul) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_ints("perm", {1, 0}));
  Session t(one_node("Transpose", {{2, 3}}, std::move(attrs)));
  auto tr = t.run({{"x0", floats({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_EQ(as_vector(tr[0].second), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Session m(one_node("MatMul", {{2, 3}, {3, 2}}));
  auto mm = m.run({{"x0", floats({2, 3}, {1, 2, 3, 4, 5, 6})}, {"x1", tr[0].second}});
  EXPECT_EQ(as_vector(mm[0].second), (std::vector<float>{14, 32, 32, 77}));
}

TEST(RuntimeRegistry, DuplicateRegistrationIsRefused) {
  KernelRegistry r;
  KernelDef a;
  a.op = "Relu";
  a.since_version = 6;
  a.until_version = 13;
  a.prepare = [](const KernelInfo&) { return make_kernel([](KernelContext&) {}); };
  KernelDef b = a;
  b.since_version = 13;
  b.until_version = kLatestVersion;
  r.add(a);
  EXPECT_THROW(r.add(b), Error);
  b.since_version = 14;
  r.add(b);
  const DataType types[] = {DataType::kFloat};
  EXPECT_EQ(r.find("", "Relu", 13, "cpu", types)->until_version, 13);
  EXPECT_EQ(r.find("", "Relu", 14, "cpu", types)->since_version, 14);
  EXPECT_EQ(r.find("", "Relu", 5, "cpu", types), nullptr);
  EXPECT_EQ(r.find("", "Relu", 14, "cuda", types), nullptr);
}

TEST(RuntimeRegistry, CpuProviderHasTheFirstSlice) {
  const DataType f[] = {DataType::kFloat, DataType::kFloat};
  for (const char* op : {"Add", "Conv", "Relu", "MatMul", "Gemm", "Reshape", "Concat", "Softmax",
                         "BatchNormalization", "MaxPool", "ReduceMean", "LayerNormalization"}) {
    EXPECT_NE(cpu_kernels().find("", op, 17, "cpu", f), nullptr) << op;
  }
}

TEST(RuntimeValue, Float16RoundTrips) {
  using reference::Float16;
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(static_cast<float>(Float16(v)), v) << v;
  }
  EXPECT_TRUE(std::isinf(static_cast<float>(Float16(1e6f))));
  EXPECT_TRUE(std::isnan(static_cast<float>(Float16(NAN))));
}

TEST(RuntimeValue, NpyRoundTrip) {
  const auto path = std::filesystem::temp_directory_path() / "onnxkit_runtime_test.npy";
  write_npy(path, floats({2, 2}, {1, 2, 3, 4}));
  const Value v = read_npy(path);
  EXPECT_EQ(v.dtype(), DataType::kFloat);
  EXPECT_EQ(v.dims(), (Dims{2, 2}));
  EXPECT_EQ(as_vector(v), (std::vector<float>{1, 2, 3, 4}));
  std::filesystem::remove(path);
}

TEST(RuntimeThreadPool, ParallelForCoversTheRange) {
  ThreadPool pool(3);
  std::vector<int> hits(1000, 0);
  pool.parallel_for(1000, 10, [&](std::int64_t b, std::int64_t e) {
    for (auto i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
  });
  for (int h : hits) EXPECT_EQ(h, 1);
}

}  // namespace
}  // namespace onnxkit::runtime
