// Resize (opset 11+): nearest, linear and cubic interpolation with every
// coordinate_transformation_mode, antialiasing, exclude_outside, axes and
// keep_aspect_ratio_policy. The interpolation is separable: each axis is
// resampled in turn, innermost first (so tf_crop_and_resize extrapolation
// combines as the operator's N-D definition does), in double.

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
constexpr std::size_t kRoi = 1;
constexpr std::size_t kScales = 2;
constexpr std::size_t kSizes = 3;
constexpr std::size_t kY = 0;

enum class Mode { kNearest, kLinear, kCubic };

struct ResizeAttrs {
  Mode mode = Mode::kNearest;
  std::string coordinate_mode = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation_value = 0.0;
  bool antialias = false;
  std::vector<std::int64_t> axes;
  std::string aspect_policy = "stretch";
};

/// The input coordinate of output index `o` along one axis.
double source_coordinate(const ResizeAttrs& a, std::int64_t o, std::int64_t in_len,
                         std::int64_t out_len, double scale, double roi_start, double roi_end) {
  const auto od = static_cast<double>(o);
  const auto in = static_cast<double>(in_len);
  const auto out = static_cast<double>(out_len);
  const std::string& m = a.coordinate_mode;
  if (m == "half_pixel") return (od + 0.5) / scale - 0.5;
  if (m == "half_pixel_symmetric") {
    const double adjustment = out / (scale * in);
    const double center = in / 2;
    return center * (1 - adjustment) + (od + 0.5) / scale - 0.5;
  }
  if (m == "pytorch_half_pixel") return out_len > 1 ? (od + 0.5) / scale - 0.5 : 0.0;
  // The scaled length, not the floored one (they differ when scales are given).
  if (m == "align_corners") return out_len == 1 ? 0.0 : od * (in - 1) / (in * scale - 1);
  if (m == "asymmetric") return od / scale;
  if (m == "tf_crop_and_resize") {
    return out_len > 1 ? roi_start * (in - 1) + od * (roi_end - roi_start) * (in - 1) / (out - 1)
                       : 0.5 * (roi_start + roi_end) * (in - 1);
  }
  fail("", "unknown coordinate_transformation_mode '" + m + "'");
}

double cubic_weight(double x, double a) {
  x = std::fabs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/// One output position along an axis: input indices and their weights, or
/// "outside" (tf_crop_and_resize extrapolation).
struct Taps {
  bool outside = false;
  std::vector<std::int64_t> index;
  std::vector<double> weight;
};

Taps taps_for(const ResizeAttrs& a, double x, std::int64_t in_len, double scale) {
  Taps t;
  if (a.coordinate_mode == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in_len - 1))) {
    t.outside = true;
    return t;
  }
  // i0 and ratio in (0, 1]: an exact integer x counts as ratio 1 from x - 1.
  const double i0 = std::ceil(x) - 1;
  const double ratio = x - i0;
  auto clamp_index = [&](double i) {
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(i), 0, in_len - 1);
  };
  if (a.mode == Mode::kNearest) {
    bool up = false;
    const std::string& nm = a.nearest_mode;
    if (nm == "round_prefer_floor")
      up = ratio > 0.5;
    else if (nm == "round_prefer_ceil")
      up = ratio >= 0.5;
    else if (nm == "floor")
      up = ratio == 1.0;
    else if (nm == "ceil")
      up = true;
    else
      fail("", "unknown nearest_mode '" + nm + "'");
    t.index.push_back(clamp_index(up ? i0 + 1 : i0));
    t.weight.push_back(1.0);
    return t;
  }
  const double s = a.antialias ? std::min(scale, 1.0) : 1.0;
  const double reach = a.mode == Mode::kLinear ? 1.0 : 2.0;
  const auto start = static_cast<std::int64_t>(std::floor(-reach / s) + 1);  // first offset from i0
  const std::int64_t end = 2 - start;  // one past the last offset
  double sum = 0;
  for (std::int64_t k = start; k < end; ++k) {
    const double d = (static_cast<double>(k) - ratio) * s;
    const double w = a.mode == Mode::kLinear ? std::clamp(1 - std::fabs(d), 0.0, 1.0)
                                             : cubic_weight(d, a.cubic_a);
    const double raw = i0 + static_cast<double>(k);
    if (a.exclude_outside && (raw < 0 || raw > static_cast<double>(in_len - 1))) continue;
    t.index.push_back(clamp_index(raw));
    t.weight.push_back(w);
    sum += w;
  }
  if (a.antialias || a.exclude_outside) {
    if (sum != 0) {
      for (double& w : t.weight) w /= sum;
    }
  }
  return t;
}

/// Resamples `data` (dims `dims`) along `axis` to `out_len`.
std::vector<double> resample_axis(const std::vector<double>& data, Dims& dims, std::size_t axis,
                                  std::int64_t out_len, const std::vector<Taps>& taps,
                                  double extrapolation) {
  std::int64_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= dims[i];
  for (std::size_t i = axis + 1; i < dims.size(); ++i) inner *= dims[i];
  const std::int64_t in_len = dims[axis];
  std::vector<double> out(static_cast<std::size_t>(outer * out_len * inner));
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t j = 0; j < out_len; ++j) {
      const Taps& t = taps[static_cast<std::size_t>(j)];
      for (std::int64_t in = 0; in < inner; ++in) {
        double v = extrapolation;
        if (!t.outside) {
          v = 0;
          for (std::size_t k = 0; k < t.index.size(); ++k) {
            v += t.weight[k] *
                 data[static_cast<std::size_t>((o * in_len + t.index[k]) * inner + in)];
          }
        }
        out[static_cast<std::size_t>((o * out_len + j) * inner + in)] = v;
      }
    }
  }
  dims[axis] = out_len;
  return out;
}

std::vector<double> float_values(const Value* v) {
  std::vector<double> out;
  if (v == nullptr) return out;
  visit_float(v->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (const T e : v->span<T>()) out.push_back(static_cast<double>(static_cast<compute_t<T>>(e)));
  });
  return out;
}

void resize(KernelContext& ctx, const ResizeAttrs& a) {
  const Value& x = ctx.required_input(kX);
  const auto rank = static_cast<std::int64_t>(x.rank());
  std::vector<std::size_t> axes;
  if (a.axes.empty()) {
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(static_cast<std::size_t>(i));
  } else {
    for (const std::int64_t ax : a.axes)
      axes.push_back(static_cast<std::size_t>(normalize_axis(ax, rank)));
  }
  const std::size_t n = axes.size();
  std::vector<double> roi = float_values(ctx.input(kRoi));
  std::vector<double> scales = float_values(ctx.input(kScales));
  std::vector<std::int64_t> sizes;
  if (const Value* s = ctx.input(kSizes); s != nullptr && s->size() > 0)
    sizes = to_int64_vector(*s);
  Dims out_dims = x.dims();
  std::vector<double> axis_scale(x.rank(), 1.0);
  if (!sizes.empty()) {
    if (sizes.size() != n) fail("", "sizes must have one value per resized axis");
    if (a.aspect_policy == "stretch") {
      for (std::size_t i = 0; i < n; ++i) {
        out_dims[axes[i]] = sizes[i];
        axis_scale[axes[i]] =
            static_cast<double>(sizes[i]) / static_cast<double>(x.dims()[axes[i]]);
      }
    } else {
      const bool larger = a.aspect_policy == "not_smaller";
      if (!larger && a.aspect_policy != "not_larger")
        fail("", "unknown keep_aspect_ratio_policy '" + a.aspect_policy + "'");
      double s = larger ? 0.0 : INFINITY;
      for (std::size_t i = 0; i < n; ++i) {
        const double r = static_cast<double>(sizes[i]) / static_cast<double>(x.dims()[axes[i]]);
        s = larger ? std::max(s, r) : std::min(s, r);
      }
      for (std::size_t i = 0; i < n; ++i) {
        out_dims[axes[i]] =
            static_cast<std::int64_t>(std::nearbyint(s * static_cast<double>(x.dims()[axes[i]])));
        axis_scale[axes[i]] = s;
      }
    }
  } else if (!scales.empty()) {
    if (scales.size() != n) fail("", "scales must have one value per resized axis");
    for (std::size_t i = 0; i < n; ++i) {
      axis_scale[axes[i]] = scales[i];
      out_dims[axes[i]] =
          static_cast<std::int64_t>(std::floor(static_cast<double>(x.dims()[axes[i]]) * scales[i]));
    }
  } else {
    fail("", "Resize needs scales or sizes");
  }
  std::vector<double> roi_start(x.rank(), 0.0), roi_end(x.rank(), 1.0);
  if (!roi.empty()) {
    if (roi.size() != 2 * n) fail("", "roi must have two values per resized axis");
    for (std::size_t i = 0; i < n; ++i) {
      roi_start[axes[i]] = roi[i];
      roi_end[axes[i]] = roi[n + i];
    }
  }
  std::vector<double> data;
  visit_numeric(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (const T e : x.span<T>()) data.push_back(static_cast<double>(static_cast<compute_t<T>>(e)));
  });
  Dims dims = x.dims();
  for (std::size_t d = x.rank(); d-- > 0;) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) continue;
    std::vector<Taps> taps;
    for (std::int64_t o = 0; o < out_dims[d]; ++o) {
      const double c = source_coordinate(a, o, x.dims()[d], out_dims[d], axis_scale[d],
                                         roi_start[d], roi_end[d]);
      taps.push_back(taps_for(a, c, x.dims()[d], axis_scale[d]));
    }
    data = resample_axis(data, dims, d, out_dims[d], taps, a.extrapolation_value);
  }
  Value& y = ctx.output(kY, x.dtype(), out_dims);
  visit_numeric(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    auto dst = y.mutable_span<T>();
    for (std::size_t i = 0; i < data.size(); ++i) {
      if constexpr (std::is_integral_v<C>) {
        const double lo = static_cast<double>(std::numeric_limits<C>::lowest());
        const double hi = static_cast<double>(std::numeric_limits<C>::max());
        dst[i] = static_cast<T>(std::clamp(std::nearbyint(data[i]), lo, hi));
      } else {
        dst[i] = static_cast<T>(static_cast<C>(data[i]));
      }
    }
  });
}

std::unique_ptr<Kernel> resize_prepare(const KernelInfo& info) {
  ResizeAttrs a;
  const std::string mode = info.attr_string("mode", "nearest");
  if (mode == "nearest")
    a.mode = Mode::kNearest;
  else if (mode == "linear")
    a.mode = Mode::kLinear;
  else if (mode == "cubic")
    a.mode = Mode::kCubic;
  else
    info.fail("unknown mode '" + mode + "'");
  a.coordinate_mode = info.attr_string("coordinate_transformation_mode", "half_pixel");
  a.nearest_mode = info.attr_string("nearest_mode", "round_prefer_floor");
  a.cubic_a = info.attr_float("cubic_coeff_a", -0.75f);
  a.exclude_outside = info.attr_int("exclude_outside", 0) != 0;
  a.extrapolation_value = info.attr_float("extrapolation_value", 0.0f);
  a.antialias = info.attr_int("antialias", 0) != 0;
  a.axes = info.attr_ints("axes");
  a.aspect_policy = info.attr_string("keep_aspect_ratio_policy", "stretch");
  return make_kernel([a](KernelContext& ctx) { resize(ctx, a); });
}

}  // namespace

void register_resize_kernels(KernelRegistry& r) {
  add_def(r, "Resize", 11, resize_prepare, {TypeRule{kX, numeric_types()}});
}

}  // namespace onnxkit::runtime
