// Quantized products: MatMulInteger and ConvInteger (exact int32 results),
// QLinearMatMul and QLinearConv (requantized to 8-bit). Products are exact:
// integers are accumulated in int64 (matmul) or double (conv; exact for
// 8-bit inputs far beyond any realistic kernel size).

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"
#include "runtime/reference/conv.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

/// The elements of an integer tensor as int64.
std::vector<std::int64_t> ints_of(const Value& v) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(v.size()));
  visit_int(v.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto s = v.span<T>();
    for (std::size_t i = 0; i < s.size(); ++i) out[i] = static_cast<std::int64_t>(s[i]);
  });
  return out;
}

/// A float tensor (any float type) as doubles.
std::vector<double> doubles_of(const Value& v) {
  std::vector<double> out(static_cast<std::size_t>(v.size()));
  visit_float(v.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto s = v.span<T>();
    for (std::size_t i = 0; i < s.size(); ++i)
      out[i] = static_cast<double>(static_cast<compute_t<T>>(s[i]));
  });
  return out;
}

/// Zero points: absent means 0; otherwise one value or one per index.
std::vector<std::int64_t> zero_points(const Value* zp) {
  return zp != nullptr ? ints_of(*zp) : std::vector<std::int64_t>{0};
}

std::int64_t pick(const std::vector<std::int64_t>& v, std::int64_t i) {
  return v.size() == 1 ? v[0] : v[static_cast<std::size_t>(i)];
}

/// Batched (numpy) integer matrix product of (a - a_zp) and (b - b_zp);
/// a_zp per row of A or one, b_zp per column of B or one.
struct IntMatMul {
  Dims out;
  std::int64_t m = 0, n = 0;
  std::vector<std::int64_t> acc;  ///< row-major, dims `out`
};

IntMatMul int_matmul(const Value& a, const Value& b, const std::vector<std::int64_t>& a_zp,
                     const std::vector<std::int64_t>& b_zp) {
  if (a.rank() == 0 || b.rank() == 0) fail("", "needs inputs of rank >= 1");
  Dims ad = a.dims(), bd = b.dims();
  const bool a_vec = ad.size() == 1, b_vec = bd.size() == 1;
  if (a_vec) ad.insert(ad.begin(), 1);
  if (b_vec) bd.push_back(1);
  IntMatMul r;
  r.m = ad[ad.size() - 2];
  r.n = bd.back();
  const std::int64_t k = ad.back();
  if (bd[bd.size() - 2] != k) fail("", "inner dims differ: " + a.describe() + " x " + b.describe());
  if ((a_zp.size() != 1 && static_cast<std::int64_t>(a_zp.size()) != r.m) ||
      (b_zp.size() != 1 && static_cast<std::int64_t>(b_zp.size()) != r.n)) {
    fail("", "zero points must be scalars or one per row of A / column of B");
  }
  const Dims abatch(ad.begin(), ad.end() - 2), bbatch(bd.begin(), bd.end() - 2);
  const Dims* shapes[] = {&abatch, &bbatch};
  auto batch = reference::broadcast_dims(shapes);
  if (!batch) fail("", "batch dims do not broadcast: " + a.describe() + " x " + b.describe());
  r.out = *batch;
  if (!a_vec) r.out.push_back(r.m);
  if (!b_vec) r.out.push_back(r.n);
  const auto av = ints_of(a), bv = ints_of(b);
  r.acc.assign(static_cast<std::size_t>(element_count(*batch) * r.m * r.n), 0);
  const std::array<Dims, 2> strides{reference::broadcast_strides(abatch, *batch),
                                    reference::broadcast_strides(bbatch, *batch)};
  reference::for_each_index<2>(*batch, strides, {0, 0},
                               [&](std::int64_t o, const std::array<std::int64_t, 2>& p) {
                                 const std::int64_t* pa = av.data() + p[0] * r.m * k;
                                 const std::int64_t* pb = bv.data() + p[1] * k * r.n;
                                 std::int64_t* pc = r.acc.data() + o * r.m * r.n;
                                 for (std::int64_t i = 0; i < r.m; ++i) {
                                   for (std::int64_t q = 0; q < k; ++q) {
                                     const std::int64_t x = pa[i * k + q] - pick(a_zp, i);
                                     for (std::int64_t j = 0; j < r.n; ++j)
                                       pc[i * r.n + j] += x * (pb[q * r.n + j] - pick(b_zp, j));
                                   }
                                 }
                               });
  return r;
}

/// Saturates the (already rounded) values into y's integer type.
void store_quantized(const std::vector<double>& v, Value& y) {
  visit_int(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto dst = y.mutable_span<T>();
    const double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    const double hi = static_cast<double>(std::numeric_limits<T>::max());
    for (std::size_t i = 0; i < v.size(); ++i) dst[i] = static_cast<T>(std::clamp(v[i], lo, hi));
  });
}

/// in_scale * w_scale / y_scale evaluated in the float type `t` of the
/// scales (the rounding of float16 scales matters), returned as a double.
double multiplier(DataType t, double in_scale, double w_scale, double y_scale) {
  return visit_float(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto round_t = [](double v) {
      return static_cast<double>(static_cast<compute_t<T>>(static_cast<T>(v)));
    };
    return round_t(round_t(in_scale * w_scale) / y_scale);
  });
}

double pick(const std::vector<double>& v, std::int64_t i) {
  return v.size() == 1 ? v[0] : v[static_cast<std::size_t>(i)];
}

// ---- MatMulInteger (A, B, a_zero_point?, b_zero_point?) -> int32

void matmul_integer(KernelContext& ctx) {
  const Value& a = ctx.required_input(0);
  const Value& b = ctx.required_input(1);
  const IntMatMul r = int_matmul(a, b, zero_points(ctx.input(2)), zero_points(ctx.input(3)));
  auto dst = ctx.output(0, DataType::kInt32, r.out).mutable_span<std::int32_t>();
  for (std::size_t i = 0; i < r.acc.size(); ++i) dst[i] = static_cast<std::int32_t>(r.acc[i]);
}

// ---- QLinearMatMul (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) -> y
// y = saturate(round(acc * a_scale * b_scale / y_scale) + y_zp); a_scale one
// or per row of A, b_scale one or per column of B.

void qlinear_matmul(KernelContext& ctx) {
  const Value& a = ctx.required_input(0);
  const Value& a_scale = ctx.required_input(1);
  const Value& b = ctx.required_input(3);
  const Value& b_scale = ctx.required_input(4);
  const Value& y_scale = ctx.required_input(6);
  const Value* y_zp = ctx.input(7);
  const IntMatMul r = int_matmul(a, b, zero_points(ctx.input(2)), zero_points(ctx.input(5)));
  const auto as = doubles_of(a_scale), bs = doubles_of(b_scale), ys = doubles_of(y_scale);
  if ((as.size() != 1 && static_cast<std::int64_t>(as.size()) != r.m) ||
      (bs.size() != 1 && static_cast<std::int64_t>(bs.size()) != r.n) || ys.size() != 1) {
    fail("", "QLinearMatMul scales must be scalars, or one per row of A / column of B");
  }
  const double yzp = static_cast<double>(zero_points(y_zp)[0]);
  std::vector<double> v(r.acc.size());
  for (std::size_t e = 0; e < v.size(); ++e) {
    const auto i = static_cast<std::int64_t>(e) / r.n % r.m, j = static_cast<std::int64_t>(e) % r.n;
    const double m = multiplier(y_scale.dtype(), pick(as, i), pick(bs, j), ys[0]);
    v[e] = std::nearbyint(static_cast<double>(r.acc[e]) * m) + yzp;
  }
  store_quantized(v, ctx.output(0, y_zp != nullptr ? y_zp->dtype() : a.dtype(), r.out));
}

// ---- ConvInteger and QLinearConv: a double convolution of the shifted integers.

reference::Window window_from(const KernelInfo& info) {
  reference::Window w;
  w.kernel = info.attr_ints("kernel_shape");
  w.strides = info.attr_ints("strides");
  w.dilations = info.attr_ints("dilations");
  w.pads = info.attr_ints("pads");
  w.auto_pad = info.attr_string("auto_pad", "NOTSET");
  return w;
}

struct IntConv {
  Dims out;
  std::vector<double> acc;
  std::int64_t out_channels = 0, per_channel = 0;  ///< output elements per (batch, channel)
};

/// conv(x - x_zp, w - w_zp (one or per output channel)) + bias (or none).
IntConv int_conv(const reference::Window& base, std::int64_t group, const Value& x, const Value& w,
                 const Value* x_zp, const Value* w_zp, const Value* bias) {
  if (x.rank() < 3 || w.rank() != x.rank()) {
    fail("",
         "needs X (N,C,...) and W of the same rank, got " + x.describe() + " and " + w.describe());
  }
  reference::Window win = base;
  if (win.kernel.empty()) win.kernel.assign(w.dims().begin() + 2, w.dims().end());
  reference::ConvShape s;
  s.batch = x.dims()[0];
  s.in_channels = x.dims()[1];
  s.out_channels = w.dims()[0];
  s.group = group;
  s.in.assign(x.dims().begin() + 2, x.dims().end());
  if (group <= 0 || s.in_channels % group != 0 || s.out_channels % group != 0 ||
      w.dims()[1] * group != s.in_channels) {
    fail("", "channels do not fit group " + std::to_string(group) + ": X " + x.describe() + ", W " +
                 w.describe());
  }
  s.out = win.resolve(s.in);
  const auto xzp = zero_points(x_zp), wzp = zero_points(w_zp);
  if (xzp.size() != 1) fail("", "x_zero_point must be a scalar");
  if (wzp.size() != 1 && static_cast<std::int64_t>(wzp.size()) != s.out_channels) {
    fail("", "w_zero_point must be a scalar or one per output channel");
  }
  std::vector<double> xv, wv, bv;
  for (const std::int64_t e : ints_of(x)) xv.push_back(static_cast<double>(e - xzp[0]));
  const auto wi = ints_of(w);
  const std::int64_t per_filter = w.size() / std::max<std::int64_t>(s.out_channels, 1);
  for (std::size_t e = 0; e < wi.size(); ++e) {
    wv.push_back(static_cast<double>(wi[e] - pick(wzp, static_cast<std::int64_t>(e) / per_filter)));
  }
  if (bias != nullptr) {
    for (const std::int64_t e : ints_of(*bias)) bv.push_back(static_cast<double>(e));
  }
  IntConv r;
  r.out = {s.batch, s.out_channels};
  r.out.insert(r.out.end(), s.out.begin(), s.out.end());
  r.out_channels = s.out_channels;
  r.per_channel = element_count(Dims(s.out.begin(), s.out.end()));
  r.acc.assign(static_cast<std::size_t>(element_count(r.out)), 0.0);
  reference::conv<double>(s, win, xv.data(), wv.data(), bias != nullptr ? bv.data() : nullptr,
                          r.acc.data());
  return r;
}

std::unique_ptr<Kernel> conv_integer_prepare(const KernelInfo& info) {
  const reference::Window base = window_from(info);
  const std::int64_t group = info.attr_int("group", 1);
  return make_kernel([base, group](KernelContext& ctx) {
    const IntConv r = int_conv(base, group, ctx.required_input(0), ctx.required_input(1),
                               ctx.input(2), ctx.input(3), nullptr);
    auto dst = ctx.output(0, DataType::kInt32, r.out).mutable_span<std::int32_t>();
    for (std::size_t i = 0; i < r.acc.size(); ++i) dst[i] = static_cast<std::int32_t>(r.acc[i]);
  });
}

// QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?): the
// int32 bias is added to the accumulator before requantizing; w_scale is
// one or per output channel.
std::unique_ptr<Kernel> qlinear_conv_prepare(const KernelInfo& info) {
  const reference::Window base = window_from(info);
  const std::int64_t group = info.attr_int("group", 1);
  return make_kernel([base, group](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const Value& y_scale = ctx.required_input(6);
    const Value* y_zp = ctx.input(7);
    const IntConv r =
        int_conv(base, group, x, ctx.required_input(3), ctx.input(2), ctx.input(5), ctx.input(8));
    const auto xs = doubles_of(ctx.required_input(1)), ws = doubles_of(ctx.required_input(4));
    const auto ys = doubles_of(y_scale);
    if (xs.size() != 1 || ys.size() != 1 ||
        (ws.size() != 1 && static_cast<std::int64_t>(ws.size()) != r.out_channels)) {
      fail("",
           "QLinearConv scales: x_scale and y_scale scalars, w_scale one or per output channel");
    }
    const double yzp = static_cast<double>(zero_points(y_zp)[0]);
    std::vector<double> v(r.acc.size());
    for (std::size_t e = 0; e < v.size(); ++e) {
      const std::int64_t channel = static_cast<std::int64_t>(e) / r.per_channel % r.out_channels;
      v[e] =
          std::nearbyint(r.acc[e] * multiplier(y_scale.dtype(), xs[0], pick(ws, channel), ys[0])) +
          yzp;
    }
    store_quantized(v, ctx.output(0, y_zp != nullptr ? y_zp->dtype() : x.dtype(), r.out));
  });
}

}  // namespace

void register_qlinear_kernels(KernelRegistry& r) {
  add_def(r, "MatMulInteger", 10, [](const KernelInfo&) { return make_kernel(matmul_integer); });
  add_def(r, "QLinearMatMul", 10, [](const KernelInfo&) { return make_kernel(qlinear_matmul); });
  add_def(r, "ConvInteger", 10, conv_integer_prepare);
  add_def(r, "QLinearConv", 10, qlinear_conv_prepare);
}

}  // namespace onnxkit::runtime
