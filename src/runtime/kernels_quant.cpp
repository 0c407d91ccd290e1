// Quantization: QuantizeLinear, DequantizeLinear (per-tensor, per-axis and
// blocked scales; integer, 4-/2-bit and float8 quantized types) and
// DynamicQuantizeLinear.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kX = 0;
constexpr std::size_t kScale = 1;
constexpr std::size_t kZeroPoint = 2;
constexpr std::size_t kY = 0;

/// Any numeric, bool or small-type tensor as doubles.
std::vector<double> to_doubles(const Value& v) {
  if (is_small_type(v.dtype())) return small_to_doubles(v);
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(v.size()));
  visit_numeric_or_bool(v.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (const T e : v.span<T>()) out.push_back(static_cast<double>(static_cast<compute_t<T>>(e)));
  });
  return out;
}

/// Writes doubles (already in range for integer types) into `y`.
void from_doubles(const std::vector<double>& v, Value& y, const CastOptions& o) {
  if (is_small_type(y.dtype())) {
    doubles_to_small(v, y, o);
    return;
  }
  visit_numeric(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto dst = y.mutable_span<T>();
    for (std::size_t i = 0; i < v.size(); ++i)
      dst[i] = static_cast<T>(static_cast<compute_t<T>>(v[i]));
  });
}

bool is_float8_or_4(DataType t) {
  return t == DataType::kFloat8E4M3FN || t == DataType::kFloat8E4M3FNUZ ||
         t == DataType::kFloat8E5M2 || t == DataType::kFloat8E5M2FNUZ ||
         t == DataType::kFloat4E2M1 || t == DataType::kFloat8E8M0;
}

/// The integer range of a quantized integer type.
std::pair<double, double> int_range(DataType t) {
  switch (t) {
    case DataType::kInt4:
      return {-8, 7};
    case DataType::kUint4:
      return {0, 15};
    case DataType::kInt2:
      return {-2, 1};
    case DataType::kUint2:
      return {0, 3};
    default:
      break;
  }
  return visit_int(t, [](auto tag) -> std::pair<double, double> {
    using T = typename decltype(tag)::type;
    return {static_cast<double>(std::numeric_limits<T>::lowest()),
            static_cast<double>(std::numeric_limits<T>::max())};
  });
}

/// For each element of x, the index of its scale (and zero point): one
/// scale, one per slice along `axis`, or one per block of `block_size`
/// along `axis`.
std::vector<std::size_t> scale_index(const Value& x, const Value& scale, std::int64_t axis_attr,
                                     std::int64_t block_size) {
  std::vector<std::size_t> idx(static_cast<std::size_t>(x.size()), 0);
  if (scale.size() == 1 && block_size == 0) return idx;
  const auto axis =
      static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
  std::int64_t inner = 1;
  for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
  const std::int64_t len = x.dims()[axis];
  if (block_size <= 0) {
    if (scale.size() != len)
      fail("", "per-axis scale " + scale.describe() + " must have " + std::to_string(len) +
                   " elements");
    for (std::size_t e = 0; e < idx.size(); ++e)
      idx[e] = static_cast<std::size_t>((static_cast<std::int64_t>(e) / inner) % len);
    return idx;
  }
  if (scale.rank() != x.rank())
    fail("", "blocked scale " + scale.describe() + " must have the rank of " + x.describe());
  const std::int64_t blocks = scale.dims()[axis];
  if (blocks * block_size < len)
    fail("", "blocked scale " + scale.describe() + " does not cover " + x.describe());
  for (std::size_t e = 0; e < idx.size(); ++e) {
    const auto ei = static_cast<std::int64_t>(e);
    const std::int64_t outer = ei / (len * inner);
    const std::int64_t a = (ei / inner) % len;
    const std::int64_t in = ei % inner;
    idx[e] = static_cast<std::size_t>((outer * blocks + a / block_size) * inner + in);
  }
  return idx;
}

std::unique_ptr<Kernel> quantize_prepare(const KernelInfo& info) {
  const std::int64_t axis = info.attr_int("axis", 1);
  const std::int64_t block_size = info.attr_int("block_size", 0);
  const auto output_dtype = static_cast<DataType>(info.attr_int("output_dtype", 0));
  CastOptions opts;
  opts.saturate = info.attr_int("saturate", 1) != 0;
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    const Value& scale = ctx.required_input(kScale);
    const Value* zp = ctx.input(kZeroPoint);
    const DataType out_type = zp != nullptr                          ? zp->dtype()
                              : output_dtype != DataType::kUndefined ? output_dtype
                                                                     : DataType::kUint8;
    const std::vector<double> xv = to_doubles(x);
    const std::vector<double> sv = to_doubles(scale);
    const std::vector<double> zv =
        zp != nullptr ? to_doubles(*zp) : std::vector<double>(sv.size(), 0.0);
    const std::vector<std::size_t> si = scale_index(x, scale, axis, block_size);
    Value& y = ctx.output(kY, out_type, x.dims());
    std::vector<double> q(xv.size());
    if (is_float8_or_4(out_type)) {
      for (std::size_t e = 0; e < q.size(); ++e) q[e] = xv[e] / sv[si[e]] + zv[si[e]];
    } else {
      const auto [lo, hi] = int_range(out_type);
      // float32 scales divide in float32, as the operator's definition does
      // (a quotient that is a tie in float32 may not be one in double).
      const bool in_float = scale.dtype() == DataType::kFloat && x.dtype() == DataType::kFloat;
      for (std::size_t e = 0; e < q.size(); ++e) {
        const double ratio =
            in_float
                ? static_cast<double>(static_cast<float>(xv[e]) / static_cast<float>(sv[si[e]]))
                : xv[e] / sv[si[e]];
        q[e] = std::clamp(std::nearbyint(ratio) + zv[si[e]], lo, hi);
      }
    }
    from_doubles(q, y, opts);
  });
}

std::unique_ptr<Kernel> dequantize_prepare(const KernelInfo& info) {
  const std::int64_t axis = info.attr_int("axis", 1);
  const std::int64_t block_size = info.attr_int("block_size", 0);
  const auto output_dtype = static_cast<DataType>(info.attr_int("output_dtype", 0));
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    const Value& scale = ctx.required_input(kScale);
    const Value* zp = ctx.input(kZeroPoint);
    const DataType out_type = output_dtype != DataType::kUndefined ? output_dtype : scale.dtype();
    const std::vector<double> xv = to_doubles(x);
    const std::vector<double> sv = to_doubles(scale);
    const std::vector<double> zv =
        zp != nullptr ? to_doubles(*zp) : std::vector<double>(sv.size(), 0.0);
    const std::vector<std::size_t> si = scale_index(x, scale, axis, block_size);
    Value& y = ctx.output(kY, out_type, x.dims());
    std::vector<double> r(xv.size());
    for (std::size_t e = 0; e < r.size(); ++e) r[e] = (xv[e] - zv[si[e]]) * sv[si[e]];
    from_doubles(r, y, CastOptions{});
  });
}

// y_scale = (max(0, max x) - min(0, min x)) / 255; y_zero_point =
// round(-min / y_scale) clamped to [0, 255]; y = saturate(round(x / y_scale) + zp).
void dynamic_quantize(KernelContext& ctx) {
  // In float32 throughout, as the operator's definition computes it.
  const Value& x = ctx.required_input(kX);
  const auto xv = x.span<float>();
  float lo = 0, hi = 0;
  for (const float v : xv) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const float scale = (hi - lo) / 255.0f;
  const float zp =
      scale == 0 ? 0.0f : std::clamp(std::nearbyint((0.0f - lo) / scale), 0.0f, 255.0f);
  Value& y = ctx.output(0, DataType::kUint8, x.dims());
  auto dst = y.mutable_span<std::uint8_t>();
  for (std::size_t i = 0; i < xv.size(); ++i) {
    const float q = scale == 0 ? zp : std::nearbyint(xv[i] / scale) + zp;
    dst[i] = static_cast<std::uint8_t>(std::clamp(q, 0.0f, 255.0f));
  }
  ctx.output(1, DataType::kFloat, {}).mutable_span<float>()[0] = scale;
  ctx.output(2, DataType::kUint8, {}).mutable_span<std::uint8_t>()[0] =
      static_cast<std::uint8_t>(zp);
}

}  // namespace

void register_quant_kernels(KernelRegistry& r) {
  add_def(r, "QuantizeLinear", 10, quantize_prepare);
  add_def(r, "DequantizeLinear", 10, dequantize_prepare);
  add_simple(r, "DynamicQuantizeLinear", 11, kLatestVersion, dynamic_quantize,
             {TypeRule{kX, {DataType::kFloat}}});
}

}  // namespace onnxkit::runtime
