// Window functions (HannWindow, HammingWindow, BlackmanWindow), LRN,
// GroupNormalization and Det.

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

// ---- windows: w[n] = a0 - a1 cos(2 pi n / D) + a2 cos(4 pi n / D), D = N
// (periodic) or N - 1 (symmetric).

struct Cosines {
  double a0, a1, a2;
};

std::unique_ptr<Kernel> window_prepare(const KernelInfo& info, Cosines w) {
  const auto out_type = static_cast<DataType>(info.attr_int("output_datatype", 1));
  const bool periodic = info.attr_int("periodic", 1) != 0;
  return make_kernel([=](KernelContext& ctx) {
    const std::int64_t n = to_int64_vector(ctx.required_input(0)).at(0);
    if (n < 0) fail("", "window size must not be negative, got " + std::to_string(n));
    Value& y = ctx.output(0, out_type, {n});
    const double denom = periodic ? static_cast<double>(n) : static_cast<double>(n - 1);
    visit_numeric(out_type, [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto dst = y.mutable_span<T>();
      for (std::int64_t i = 0; i < n; ++i) {
        const double t = denom > 0 ? 2.0 * std::numbers::pi * static_cast<double>(i) / denom : 0.0;
        const double v = w.a0 - w.a1 * std::cos(t) + w.a2 * std::cos(2.0 * t);
        dst[static_cast<std::size_t>(i)] = static_cast<T>(static_cast<compute_t<T>>(v));
      }
    });
  });
}

// ---- LRN: y = x / (bias + alpha / size * sum of x^2 over nearby channels)^beta

std::unique_ptr<Kernel> lrn_prepare(const KernelInfo& info) {
  const std::int64_t size = info.attr_int("size", 0);
  if (size <= 0) info.fail("size must be given and positive");
  const double alpha = info.attr_float("alpha", 1e-4f), beta = info.attr_float("beta", 0.75f),
               bias = info.attr_float("bias", 1.0f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    if (x.rank() < 2) fail("", "LRN input must be [N, C, ...], got " + x.describe());
    const std::int64_t N = x.dims()[0], C = x.dims()[1],
                       inner = x.size() / std::max<std::int64_t>(N * C, 1);
    const std::int64_t before = (size - 1) / 2, after = size - 1 - before;
    Value& y = ctx.output(0, x.dtype(), x.dims());
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto src = widen<T>(x);
      auto dst = y.mutable_span<T>();
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t c = 0; c < C; ++c)
          for (std::int64_t i = 0; i < inner; ++i) {
            double sq = 0;
            for (std::int64_t k = std::max<std::int64_t>(0, c - before);
                 k <= std::min(C - 1, c + after); ++k) {
              const double v = src[static_cast<std::size_t>((n * C + k) * inner + i)];
              sq += v * v;
            }
            const std::size_t at = static_cast<std::size_t>((n * C + c) * inner + i);
            dst[at] = static_cast<T>(static_cast<compute_t<T>>(
                src[at] / std::pow(bias + alpha / static_cast<double>(size) * sq, beta)));
          }
    });
  });
}

// ---- GroupNormalization (X, scale, bias): statistics per (n, group); scale
// and bias per group (opset 18) or per channel (opset 21).

std::unique_ptr<Kernel> group_norm_prepare(const KernelInfo& info) {
  const std::int64_t groups = info.attr_int("num_groups", 0);
  const double eps = info.attr_float("epsilon", 1e-5f);
  const bool per_channel = info.since_version() >= 21;
  if (groups <= 0) info.fail("num_groups must be given and positive");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    if (x.rank() < 2 || x.dims()[1] % groups != 0)
      fail("", "X " + x.describe() + " channels are not a multiple of num_groups");
    const std::int64_t N = x.dims()[0], C = x.dims()[1],
                       inner = x.size() / std::max<std::int64_t>(N * C, 1);
    const std::int64_t per_group = C / groups;
    const Value& sv = ctx.required_input(1);
    const Value& bv = ctx.required_input(2);
    const std::int64_t want = per_channel ? C : groups;
    if (sv.size() != want || bv.size() != want)
      fail("", "scale and bias need " + std::to_string(want) + " values");
    Value& y = ctx.output(0, x.dtype(), x.dims());
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto src = widen<T>(x);
      const auto scale = widen<T>(sv), bias = widen<T>(bv);
      auto dst = y.mutable_span<T>();
      const std::int64_t span = per_group * inner;
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t g = 0; g < groups; ++g) {
          const std::int64_t base = (n * C + g * per_group) * inner;
          double mean = 0, var = 0;
          for (std::int64_t i = 0; i < span; ++i) mean += src[static_cast<std::size_t>(base + i)];
          mean /= static_cast<double>(span);
          for (std::int64_t i = 0; i < span; ++i) {
            const double d = src[static_cast<std::size_t>(base + i)] - mean;
            var += d * d;
          }
          var /= static_cast<double>(span);
          const double inv = 1.0 / std::sqrt(var + eps);
          for (std::int64_t i = 0; i < span; ++i) {
            const std::int64_t c = g * per_group + i / inner;
            const auto p = static_cast<std::size_t>(per_channel ? c : g);
            const double v =
                (src[static_cast<std::size_t>(base + i)] - mean) * inv * scale[p] + bias[p];
            dst[static_cast<std::size_t>(base + i)] = static_cast<T>(static_cast<compute_t<T>>(v));
          }
        }
    });
  });
}

// ---- Det: [*, M, M] -> [*], by Gaussian elimination with partial pivoting.

void det_kernel(KernelContext& ctx) {
  const Value& x = ctx.required_input(0);
  if (x.rank() < 2 || x.dims()[x.rank() - 1] != x.dims()[x.rank() - 2])
    fail("", "Det needs [*, M, M], got " + x.describe());
  const std::int64_t m = x.dims().back();
  const Dims out(x.dims().begin(), x.dims().end() - 2);
  Value& y = ctx.output(0, x.dtype(), out);
  visit_float(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto src = widen<T>(x);
    auto dst = y.mutable_span<T>();
    std::vector<double> a(static_cast<std::size_t>(m * m));
    for (std::int64_t b = 0; b < element_count(out); ++b) {
      for (std::int64_t i = 0; i < m * m; ++i)
        a[static_cast<std::size_t>(i)] = src[static_cast<std::size_t>(b * m * m + i)];
      double det = 1;
      for (std::int64_t col = 0; col < m && det != 0; ++col) {
        std::int64_t pivot = col;
        for (std::int64_t r = col + 1; r < m; ++r) {
          if (std::abs(a[static_cast<std::size_t>(r * m + col)]) >
              std::abs(a[static_cast<std::size_t>(pivot * m + col)]))
            pivot = r;
        }
        if (a[static_cast<std::size_t>(pivot * m + col)] == 0) {
          det = 0;
          break;
        }
        if (pivot != col) {
          for (std::int64_t k = 0; k < m; ++k)
            std::swap(a[static_cast<std::size_t>(pivot * m + k)],
                      a[static_cast<std::size_t>(col * m + k)]);
          det = -det;
        }
        const double p = a[static_cast<std::size_t>(col * m + col)];
        det *= p;
        for (std::int64_t r = col + 1; r < m; ++r) {
          const double f = a[static_cast<std::size_t>(r * m + col)] / p;
          for (std::int64_t k = col; k < m; ++k)
            a[static_cast<std::size_t>(r * m + k)] -= f * a[static_cast<std::size_t>(col * m + k)];
        }
      }
      dst[static_cast<std::size_t>(b)] = static_cast<T>(static_cast<compute_t<T>>(det));
    }
  });
}

}  // namespace

void register_window_kernels(KernelRegistry& r) {
  add_def(r, "HannWindow", 17, [](const KernelInfo& i) {
    return window_prepare(i, {0.5, 0.5, 0.0});
  });
  add_def(r, "HammingWindow", 17, [](const KernelInfo& i) {
    return window_prepare(i, {25.0 / 46.0, 21.0 / 46.0, 0.0});
  });
  add_def(r, "BlackmanWindow", 17, [](const KernelInfo& i) {
    return window_prepare(i, {0.42, 0.5, 0.08});
  });
  add_def(r, "LRN", 1, lrn_prepare, {TypeRule{0, kFloatTypes}});
  add_def(r, "GroupNormalization", 18, group_norm_prepare, {TypeRule{0, kFloatTypes}});
  add_def(r, "Det", 11, [](const KernelInfo&) { return make_kernel(det_kernel); },
          {TypeRule{0, kFloatTypes}});
}

}  // namespace onnxkit::runtime
