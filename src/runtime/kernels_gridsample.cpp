// GridSample (opset 16, N-D since 22): samples X at the normalized
// coordinates of `grid` with nearest, linear or cubic interpolation and
// zeros, border or reflection padding. Each output point is a tensor product
// of per-axis taps (1, 2 or 4 of them), in double.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kX = 0;
constexpr std::size_t kGrid = 1;
constexpr std::size_t kY = 0;

enum class Interp { kNearest, kLinear, kCubic };
enum class Padding { kZeros, kBorder, kReflection };

struct GridAttrs {
  Interp mode = Interp::kLinear;
  Padding padding = Padding::kZeros;
  bool align_corners = false;
};

/// Reflects `x` into [lo, hi] (repeatedly, as a mirror).
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const double dx = lo - x;
    const auto n = static_cast<std::int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double dx = x - hi;
    const auto n = static_cast<std::int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

double cubic_coeff(double x, double a) {
  x = std::fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

struct AxisTaps {
  std::vector<std::int64_t> index;  // may lie outside [0, len): resolved by padding
  std::vector<double> weight;
};

AxisTaps taps_for(const GridAttrs& a, double normalized, std::int64_t len) {
  const auto l = static_cast<double>(len);
  double x = a.align_corners ? (normalized + 1) / 2 * (l - 1) : ((normalized + 1) * l - 1) / 2;
  const double lo = a.align_corners ? 0.0 : -0.5;
  const double hi = a.align_corners ? l - 1 : l - 0.5;
  if (a.padding == Padding::kBorder)
    x = std::clamp(x, 0.0, l - 1);
  else if (a.padding == Padding::kReflection)
    x = reflect(x, lo, hi);
  AxisTaps t;
  if (a.mode == Interp::kNearest) {
    t.index.push_back(static_cast<std::int64_t>(std::nearbyint(x)));
    t.weight.push_back(1.0);
  } else if (a.mode == Interp::kLinear) {
    const double f = std::floor(x);
    t.index = {static_cast<std::int64_t>(f), static_cast<std::int64_t>(f) + 1};
    t.weight = {1 - (x - f), x - f};
  } else {
    const double f = std::floor(x);
    const double r = x - f;
    for (int k = -1; k <= 2; ++k) {
      t.index.push_back(static_cast<std::int64_t>(f) + k);
      t.weight.push_back(cubic_coeff(static_cast<double>(k) - r, -0.75));
    }
  }
  return t;
}

/// The pixel index to read for tap index `i`, or -1 for a zero.
std::int64_t resolve(const GridAttrs& a, std::int64_t i, std::int64_t len) {
  if (i >= 0 && i < len) return i;
  if (a.padding == Padding::kZeros) return -1;
  if (a.padding == Padding::kBorder) return std::clamp<std::int64_t>(i, 0, len - 1);
  const auto l = static_cast<double>(len);
  const double r = a.align_corners ? reflect(static_cast<double>(i), 0, l - 1)
                                   : reflect(static_cast<double>(i), -0.5, l - 0.5);
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(r), 0, len - 1);
}

void grid_sample(KernelContext& ctx, const GridAttrs& a) {
  const Value& x = ctx.required_input(kX);
  const Value& grid = ctx.required_input(kGrid);
  if (x.rank() < 3) fail("", "X must be (N, C, spatial...), got " + x.describe());
  const std::size_t nd = x.rank() - 2;
  if (grid.rank() != nd + 2 || grid.dims()[0] != x.dims()[0] ||
      grid.dims().back() != static_cast<std::int64_t>(nd)) {
    fail("", "grid " + grid.describe() + " does not fit X " + x.describe());
  }
  const std::int64_t n_batch = x.dims()[0], channels = x.dims()[1];
  Dims in(x.dims().begin() + 2, x.dims().end());
  Dims out(grid.dims().begin() + 1, grid.dims().end() - 1);
  std::int64_t in_size = 1, out_size = 1;
  for (const auto d : in) in_size *= d;
  for (const auto d : out) out_size *= d;
  Dims out_dims{n_batch, channels};
  out_dims.insert(out_dims.end(), out.begin(), out.end());
  Value& y = ctx.output(kY, x.dtype(), out_dims);
  std::vector<double> gv;
  visit_float(grid.dtype(), [&](auto tag) {
    using G = typename decltype(tag)::type;
    for (const G e : grid.span<G>())
      gv.push_back(static_cast<double>(static_cast<compute_t<G>>(e)));
  });
  const Dims in_strides = strides_of(in);
  visit_float(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const auto src = x.span<T>();
    auto dst = y.mutable_span<T>();
    std::vector<AxisTaps> taps(nd);
    std::vector<std::size_t> pick(nd);
    for (std::int64_t n = 0; n < n_batch; ++n) {
      for (std::int64_t o = 0; o < out_size; ++o) {
        // Grid coordinates are (x, y, ...): the last spatial axis first.
        for (std::size_t d = 0; d < nd; ++d) {
          const double c =
              gv[static_cast<std::size_t>((n * out_size + o) * static_cast<std::int64_t>(nd)) +
                 (nd - 1 - d)];
          taps[d] = taps_for(a, c, in[d]);
        }
        for (std::int64_t ch = 0; ch < channels; ++ch) {
          const std::int64_t base = (n * channels + ch) * in_size;
          double acc = 0;
          std::fill(pick.begin(), pick.end(), 0);
          while (true) {
            double w = 1;
            std::int64_t off = 0;
            bool zero = false;
            for (std::size_t d = 0; d < nd; ++d) {
              w *= taps[d].weight[pick[d]];
              const std::int64_t i = resolve(a, taps[d].index[pick[d]], in[d]);
              if (i < 0) zero = true;
              off += i * in_strides[d];
            }
            if (!zero)
              acc += w *
                     static_cast<double>(static_cast<C>(src[static_cast<std::size_t>(base + off)]));
            std::size_t d = nd;
            while (d-- > 0) {
              if (++pick[d] < taps[d].index.size()) break;
              pick[d] = 0;
            }
            if (d == static_cast<std::size_t>(-1)) break;
          }
          dst[static_cast<std::size_t>((n * channels + ch) * out_size + o)] =
              static_cast<T>(static_cast<C>(acc));
        }
      }
    }
  });
}

std::unique_ptr<Kernel> grid_sample_prepare(const KernelInfo& info) {
  GridAttrs a;
  const std::string mode =
      info.attr_string("mode", info.since_version() >= 20 ? "linear" : "bilinear");
  if (mode == "nearest")
    a.mode = Interp::kNearest;
  else if (mode == "linear" || mode == "bilinear")
    a.mode = Interp::kLinear;
  else if (mode == "cubic" || mode == "bicubic")
    a.mode = Interp::kCubic;
  else
    info.fail("unknown mode '" + mode + "'");
  const std::string padding = info.attr_string("padding_mode", "zeros");
  if (padding == "zeros")
    a.padding = Padding::kZeros;
  else if (padding == "border")
    a.padding = Padding::kBorder;
  else if (padding == "reflection")
    a.padding = Padding::kReflection;
  else
    info.fail("unknown padding_mode '" + padding + "'");
  a.align_corners = info.attr_int("align_corners", 0) != 0;
  return make_kernel([a](KernelContext& ctx) { grid_sample(ctx, a); });
}

}  // namespace

void register_gridsample_kernels(KernelRegistry& r) {
  add_def(r, "GridSample", 16, grid_sample_prepare, {TypeRule{kX, kFloatTypes}});
}

}  // namespace onnxkit::runtime
