// runtime: kernels whose definitions have sharp edges (float8 rounding and
// saturation, packed 4-bit integers, ConvTranspose geometry, losses, Resize
// coordinate modes), checked against hand-computed values.

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/session.h"
#include "runtime/reference/minifloat.h"

namespace onnxkit::runtime {
namespace {

namespace ref = reference;

/// A model with one node `op` reading float inputs x0.. (given dims) and writing y.
ir::Model one_node(const std::string& op, const std::vector<Dims>& input_dims,
                   std::vector<ir::Attribute> attrs, std::int64_t opset) {
  ir::Model m;
  m.ir_version = 9;
  ir::OpsetId onnx;
  onnx.version = opset;
  m.opset_import.push_back(onnx);
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("main");
  std::vector<ir::Tensor*> ins;
  for (std::size_t i = 0; i < input_dims.size(); ++i) {
    ir::Tensor* t = g.add_variable("x" + std::to_string(i));
    Shape s;
    for (auto d : input_dims[i]) s.push_back(Dim::of(d));
    t->info().type = ir::Type::tensor(DataType::kFloat, s);
    g.inputs().push_back(t);
    ins.push_back(t);
  }
  ir::Tensor* y = g.add_variable("y");
  g.outputs().push_back(y);
  g.layer(op, ins, {y}, std::move(attrs), {}, "the_node");
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

TEST(RuntimeMinifloat, E4M3FNRoundsToNearestEvenAndSaturates) {
  EXPECT_EQ(ref::double_to_minifloat(1.0, ref::kE4M3FN, true), 0x38);
  EXPECT_EQ(ref::double_to_minifloat(448.0, ref::kE4M3FN, true), 0x7E);
  EXPECT_EQ(ref::double_to_minifloat(1e6, ref::kE4M3FN, true), 0x7E);   // clamps
  EXPECT_EQ(ref::double_to_minifloat(1e6, ref::kE4M3FN, false), 0x7F);  // NaN: no Inf in FN
  EXPECT_EQ(ref::double_to_minifloat(-INFINITY, ref::kE4M3FN, true), 0xFE);
  EXPECT_EQ(ref::double_to_minifloat(NAN, ref::kE4M3FN, true), 0x7F);
  // 1.0625 lies halfway between 1.0 (mantissa 000) and 1.125 (001): even wins.
  EXPECT_EQ(ref::double_to_minifloat(1.0625, ref::kE4M3FN, true), 0x38);
  EXPECT_EQ(ref::minifloat_to_double(0x7E, ref::kE4M3FN), 448.0);
  EXPECT_TRUE(std::isnan(ref::minifloat_to_double(0xFF, ref::kE4M3FN)));
  EXPECT_EQ(ref::minifloat_to_double(0x01, ref::kE4M3FN),
            std::ldexp(1.0, -9));  // smallest subnormal
}

TEST(RuntimeMinifloat, E5M2AndFnuzSpecialValues) {
  EXPECT_EQ(ref::double_to_minifloat(INFINITY, ref::kE5M2, false), 0x7C);
  EXPECT_EQ(ref::double_to_minifloat(INFINITY, ref::kE5M2, true), 0x7B);
  EXPECT_EQ(ref::double_to_minifloat(NAN, ref::kE5M2, true), 0x7E);
  EXPECT_EQ(ref::double_to_minifloat(-0.0, ref::kE4M3FNUZ, true), 0x00);  // FNUZ has no -0
  EXPECT_EQ(ref::double_to_minifloat(-1e-9, ref::kE5M2FNUZ, true), 0x00);
  EXPECT_EQ(ref::double_to_minifloat(NAN, ref::kE5M2FNUZ, true), 0x80);
  EXPECT_EQ(ref::minifloat_to_double(0x7F, ref::kE4M3FNUZ), 240.0);
}

TEST(RuntimeMinifloat, Float4AndSmallIntegers) {
  EXPECT_EQ(ref::double_to_minifloat(3.5, ref::kE2M1, true), 0x6);   // tie to even: 4
  EXPECT_EQ(ref::double_to_minifloat(-8.0, ref::kE2M1, true), 0xF);  // -6
  EXPECT_EQ(ref::double_to_minifloat(NAN, ref::kE2M1, true), 0x8);
  EXPECT_EQ(ref::double_to_small_int(-9.0, 4), 7);  // wraps like an int8 cast
  EXPECT_EQ(ref::double_to_small_int(-1.0, 2), 3);
  std::vector<std::byte> packed(2);
  ref::pack_small(packed, 0, 4, 7);
  ref::pack_small(packed, 1, 4, 8);
  ref::pack_small(packed, 2, 4, 1);
  EXPECT_EQ(std::to_integer<int>(packed[0]), 0x87);
  EXPECT_EQ(ref::unpack_small(packed, 1, 4, true), -8);
  EXPECT_EQ(ref::unpack_small(packed, 1, 4, false), 8);
  EXPECT_EQ(ref::unpack_small(packed, 2, 4, true), 1);
}

TEST(RuntimeKernels, ConvTransposeScattersTheKernel) {
  // y[o] = sum_i x[i] * w[o - i * stride + pad].
  Session s(one_node("ConvTranspose", {{1, 1, 3}, {1, 1, 2}}, std::vector<ir::Attribute>{}, 22));
  auto out = s.run({{"x0", floats({1, 1, 3}, {1, 2, 3})}, {"x1", floats({1, 1, 2}, {1, 10})}});
  EXPECT_EQ(out[0].second.dims(), (Dims{1, 1, 4}));
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{1, 12, 23, 30}));

  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_ints("strides", {2}));
  attrs.push_back(ir::Attribute::of_ints("pads", {1, 0}));
  Session strided(one_node("ConvTranspose", {{1, 1, 2}, {1, 1, 2}}, std::move(attrs), 22));
  out = strided.run({{"x0", floats({1, 1, 2}, {1, 2})}, {"x1", floats({1, 1, 2}, {1, 10})}});
  // Full output [1, 10, 2, 20], minus one leading pad.
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{10, 2, 20}));
}

TEST(RuntimeKernels, TriluKeepsATriangle) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_int("upper", 0));
  Session s(one_node("Trilu", {{2, 3}}, std::move(attrs), 14));
  auto out = s.run({{"x0", floats({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{1, 0, 0, 4, 5, 0}));
}

TEST(RuntimeKernels, ResizeNearestAsymmetricUpsamples) {
  std::vector<ir::Attribute> attrs;
  attrs.push_back(ir::Attribute::of_string("coordinate_transformation_mode", "asymmetric"));
  attrs.push_back(ir::Attribute::of_string("nearest_mode", "floor"));
  Session s(one_node("Resize", {{1, 2}, {0}, {2}}, std::move(attrs), 19));
  auto out =
      s.run({{"x0", floats({1, 2}, {1, 2})}, {"x1", floats({0}, {})}, {"x2", floats({2}, {1, 2})}});
  EXPECT_EQ(out[0].second.dims(), (Dims{1, 4}));
  EXPECT_EQ(as_vector(out[0].second), (std::vector<float>{1, 1, 2, 2}));
}

}  // namespace
}  // namespace onnxkit::runtime
