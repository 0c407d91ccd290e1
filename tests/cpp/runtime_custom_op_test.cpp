// runtime: custom ops from C++ (typed functions, the struct form, schemas
// inferred from signatures, shape functions feeding check and infer) and
// plug-in libraries loaded from C++.

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "onnxkit/check/checker.h"
#include "onnxkit/core/error.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/custom_op.h"
#include "onnxkit/runtime/session.h"

namespace onnxkit::runtime {
namespace {

ir::Model custom_model(const std::string& op, std::size_t inputs,
                       std::vector<ir::Attribute> attrs = {}, DataType dtype = DataType::kFloat) {
  ir::Model m;
  m.ir_version = 8;
  m.opset_import.push_back(ir::OpsetId{});
  m.opset_import.back().version = 17;
  ir::OpsetId custom;
  custom.domain = "devtech";
  custom.version = 1;
  m.opset_import.push_back(custom);
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("main");
  std::vector<ir::Tensor*> ins;
  for (std::size_t i = 0; i < inputs; ++i) {
    ir::Tensor* t = g.add_variable("x" + std::to_string(i));
    t->info().type = ir::Type::tensor(dtype, Shape{Dim::named("N"), Dim::of(3)});
    g.inputs().push_back(t);
    ins.push_back(t);
  }
  ir::Tensor* y = g.add_variable("y");
  y->info().type =
      ir::Type::tensor(dtype, Shape{Dim::named("N"), Dim::unknown()});  // dim 1 left to inference
  g.outputs().push_back(y);
  g.layer(op, ins, {y}, std::move(attrs), "devtech", "the_node");
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

void foo(const Tensor<float>& x, Tensor<float>& y) {
  auto out = y.allocate(x.shape());
  std::copy(x.data().begin(), x.data().end(), out.begin());
}

TEST(CustomOp, PlainFunctionRunsAndDeclaresItsSchema) {
  CustomOpRegistry registry;
  registry.add("devtech", "FooOp", foo);
  const schema::OpSchema* s = registry.schemas().find("devtech", "FooOp", 1);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->inputs.size(), 1u);
  ASSERT_EQ(s->outputs.size(), 1u);
  EXPECT_EQ(s->inputs[0].type, "tensor(float)");
  EXPECT_EQ(s->outputs[0].type, "tensor(float)");

  SessionOptions options;
  registry.configure(options);
  Session session(custom_model("FooOp", 1), options);
  auto out = session.run({{"x0", floats({1, 3}, {1, 2, 3})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{1, 2, 3}));
  // The kernel is typed: an int64 model finds no kernel, and says what is registered.
  try {
    Session bad(custom_model("FooOp", 1, {}, DataType::kInt64), options);
    FAIL() << "expected no kernel";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.message()).find("input 0 in {float}"), std::string::npos)
        << e.message();
  }
}

TEST(CustomOp, SpansOptionalInputsAndAnyTypeValues) {
  CustomOpRegistry registry;
  // y = x + (bias or 0), with x as a span.
  registry.add(
      "devtech", "AddMaybe",
      [](std::span<const float> x, const std::optional<Tensor<float>>& bias, Tensor<float>& y) {
        auto out = y.allocate({static_cast<std::int64_t>(x.size())});
        for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] + (bias ? (*bias)[i] : 0.0f);
      });
  const schema::OpSchema* s = registry.schemas().find("devtech", "AddMaybe", 1);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->inputs[1].option, schema::FormalOption::kOptional);
  // Identity over any type: Value in, Value out, sharing one type parameter.
  registry.add("devtech", "Pass", [](const Value& x, Value& y) { y = x; });
  const schema::OpSchema* p = registry.schemas().find("devtech", "Pass", 1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->inputs[0].type, p->outputs[0].type);

  SessionOptions options;
  registry.configure(options);
  Session two(custom_model("AddMaybe", 2), options);
  auto out = two.run({{"x0", floats({1, 3}, {1, 2, 3})}, {"x1", floats({1, 3}, {10, 20, 30})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{11, 22, 33}));
  Session one(custom_model("AddMaybe", 1), options);
  out = one.run({{"x0", floats({1, 3}, {1, 2, 3})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{1, 2, 3}));

  Session pass(custom_model("Pass", 1, {}, DataType::kInt64), options);
  Value ints = Value::tensor(DataType::kInt64, {1, 3});
  ints.mutable_span<std::int64_t>()[2] = 7;
  out = pass.run({{"x0", ints}});
  EXPECT_EQ(out[0].second.span<std::int64_t>()[2], 7);
}

struct ScaledGelu {
  float alpha;
  explicit ScaledGelu(const KernelInfo& info) : alpha(info.attr_float("alpha", 1.0f)) {}
  void compute(const Tensor<float>& x, Tensor<float>& y) const {
    auto out = y.allocate(x.shape());
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double v = x[i];
      out[i] = static_cast<float>(alpha * 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
    }
  }
};

TEST(CustomOp, StructFormReadsAttributesAndShapeFunctionFeedsInferAndCheck) {
  CustomOpRegistry registry;
  OpOptions options;
  options.attributes.push_back({"alpha", ir::AttributeType::kFloat, false, 1.0f});
  int shape_calls = 0;
  options.shape_function = [&shape_calls](const ir::Node&, const std::vector<ir::Type>& inputs) {
    ++shape_calls;
    return std::vector<ir::Type>{inputs.at(0)};
  };
  registry.add<ScaledGelu>("devtech", "ScaledGelu", options);

  ir::Attribute alpha;
  alpha.name = "alpha";
  alpha.type = ir::AttributeType::kFloat;
  alpha.f = 2.0f;
  std::vector<ir::Attribute> attrs;
  attrs.push_back(std::move(alpha));
  ir::Model model = custom_model("ScaledGelu", 1, std::move(attrs));

  infer::InferOptions io;
  io.registry = &registry.schemas();
  const infer::Analysis a = infer::analyze(model, io);
  EXPECT_GT(shape_calls, 0);
  const ir::Type* t = a.type(model.graph->outputs()[0]);
  ASSERT_NE(t, nullptr);
  ASSERT_NE(t->dims(), nullptr);
  EXPECT_EQ(shape_to_string(*t->dims()), shape_to_string(Shape{Dim::named("N"), Dim::of(3)}));

  check::CheckOptions co;
  co.registry = &registry.schemas();
  co.strict = true;
  const auto problems = check::check_model(model, co);
  for (const check::Problem& p : problems) ADD_FAILURE() << check::problem_to_string(p);

  SessionOptions so;
  registry.configure(so);
  Session session(model, so);
  auto out = session.run({{"x0", floats({1, 3}, {-1, 0, 1})}});
  const auto y = as_vector(out[0].second);
  EXPECT_NEAR(y[0], 2.0 * -0.15865525, 1e-6);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_NEAR(y[2], 2.0 * 0.84134475, 1e-6);
}

TEST(CustomOp, ThrowingKernelNamesTheNodeAndDuplicatesAreRefused) {
  CustomOpRegistry registry;
  registry.add("devtech", "FooOp",
               [](const Tensor<float>&, Tensor<float>&) { throw std::runtime_error("boom"); });
  EXPECT_THROW(registry.add("devtech", "FooOp", foo), Error);
  SessionOptions options;
  registry.configure(options);
  Session session(custom_model("FooOp", 1), options);
  try {
    session.run({{"x0", floats({1, 3}, {1, 2, 3})}});
    FAIL() << "expected the kernel's error";
  } catch (const Error& e) {
    EXPECT_NE(e.location().find("node 'the_node' (devtech::FooOp)"), std::string::npos)
        << e.location();
    EXPECT_EQ(e.message(), "boom");
  }
}

TEST(CustomOp, ProviderIsPartOfTheKey) {
  CustomOpRegistry registry;
  OpOptions cuda;
  cuda.provider = "cuda";
  registry.add("devtech", "FooOp", foo, cuda);
  OpOptions cpu;
  cpu.declare_schema = false;
  registry.add("devtech", "FooOp", foo, cpu);  // same op, another provider: fine
  EXPECT_EQ(registry.kernels().size(), 2u);
  EXPECT_EQ(registry.origin("devtech", "FooOp", "cuda"), "C++");
}

#ifdef ONNXKIT_BINARY_DIR
TEST(CustomOp, LoadsThePluginFromCpp) {
  CustomOpRegistry registry;
  registry.load_library(std::string(ONNXKIT_BINARY_DIR) + "/libdevtech_ops.so");
  ASSERT_EQ(registry.libraries().size(), 1u);
  EXPECT_NE(registry.schemas().find("devtech", "ScaledGelu", 1), nullptr);
  SessionOptions options;
  registry.configure(options);
  Session session(custom_model("FooOp", 1), options);
  auto out = session.run({{"x0", floats({1, 3}, {4, 5, 6})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{4, 5, 6}));
  try {
    registry.load_library(std::string(ONNXKIT_BINARY_DIR) + "/test_plugins/libabi_999.so");
    FAIL() << "expected an ABI mismatch";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("ABI version 999"), std::string::npos) << e.message();
  }
}
#endif

}  // namespace
}  // namespace onnxkit::runtime
