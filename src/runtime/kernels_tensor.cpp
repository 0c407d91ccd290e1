// Ops that move or convert elements: Transpose, Concat, Split, Gather,
// GatherElements, Slice, Tile, Pad, Cast, CastLike, Dropout.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"
#include "runtime/reference/minifloat.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kData = 0;
constexpr std::size_t kOutput = 0;

std::unique_ptr<Kernel> transpose_prepare(const KernelInfo& info) {
  const auto perm_attr = info.attr_ints("perm");
  return make_kernel([perm_attr](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    std::vector<std::int64_t> perm = perm_attr;
    if (perm.empty()) {
      for (std::size_t i = x.rank(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
    }
    if (perm.size() != x.rank())
      fail("", "perm has " + std::to_string(perm.size()) + " entries for " + x.describe());
    const Dims in_strides = strides_of(x.dims());
    Dims out(perm.size()), strides(perm.size());
    for (std::size_t i = 0; i < perm.size(); ++i) {
      const auto p =
          static_cast<std::size_t>(normalize_axis(perm[i], static_cast<std::int64_t>(x.rank())));
      out[i] = x.dims()[p];
      strides[i] = in_strides[p];
    }
    ctx.set_output(kOutput, strided_copy(x, out, 0, strides));
  });
}

std::unique_ptr<Kernel> concat_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  return make_kernel([axis_attr](KernelContext& ctx) {
    const Value& first = ctx.required_input(0);
    const auto rank = static_cast<std::int64_t>(first.rank());
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
    Dims out = first.dims();
    out[axis] = 0;
    for (std::size_t i = 0; i < ctx.input_count(); ++i) {
      const Value& v = ctx.required_input(i);
      if (v.rank() != first.rank() || v.dtype() != first.dtype()) {
        fail("", "input " + std::to_string(i) + " " + v.describe() + " does not match " +
                     first.describe());
      }
      for (std::size_t d = 0; d < v.rank(); ++d) {
        if (d != axis && v.dims()[d] != first.dims()[d]) {
          fail("", "input " + std::to_string(i) + " " + v.describe() + " does not match " +
                       first.describe());
        }
      }
      out[axis] += v.dims()[axis];
    }
    Value& y = ctx.output(kOutput, first.dtype(), out);
    const Dims ys = strides_of(out);
    std::int64_t at = 0;
    for (std::size_t i = 0; i < ctx.input_count(); ++i) {
      const Value& v = ctx.required_input(i);
      strided_store(v, y, at * ys[axis], ys);
      at += v.dims()[axis];
    }
  });
}

std::unique_ptr<Kernel> split_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  const auto split_attr = info.attr_ints("split");
  const std::int64_t num_outputs = info.attr_int("num_outputs", 0);
  const std::int64_t version = info.since_version();
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    const std::int64_t len = x.dims()[axis];
    std::vector<std::int64_t> split = split_attr;
    if (version >= 13) {
      const Value* s = ctx.input(1);
      split = s ? to_int64_vector(*s) : std::vector<std::int64_t>{};
    }
    const auto n = static_cast<std::int64_t>(ctx.output_count());
    if (split.empty()) {
      const std::int64_t parts = num_outputs > 0 ? num_outputs : n;
      const std::int64_t chunk = (len + parts - 1) / parts;
      for (std::int64_t i = 0; i < parts; ++i)
        split.push_back(std::max<std::int64_t>(0, std::min(chunk, len - i * chunk)));
    }
    if (static_cast<std::int64_t>(split.size()) != n)
      fail("", "split has " + std::to_string(split.size()) + " parts for " + std::to_string(n) +
                   " outputs");
    const Dims xs = strides_of(x.dims());
    std::int64_t at = 0;
    for (std::size_t i = 0; i < split.size(); ++i) {
      Dims out = x.dims();
      out[axis] = split[i];
      if (ctx.output_wanted(i)) ctx.set_output(i, strided_copy(x, out, at * xs[axis], xs));
      at += split[i];
    }
    if (at != len)
      fail("",
           "split sizes add up to " + std::to_string(at) + ", the axis has " + std::to_string(len));
  });
}

std::unique_ptr<Kernel> gather_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  return make_kernel([axis_attr](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const auto indices = to_int64_vector(ctx.required_input(1));
    const Value& ind = ctx.required_input(1);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    Dims out(x.dims().begin(), x.dims().begin() + static_cast<std::ptrdiff_t>(axis));
    out.insert(out.end(), ind.dims().begin(), ind.dims().end());
    out.insert(out.end(), x.dims().begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.dims().end());
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    const std::int64_t len = x.dims()[axis];
    Value& y = ctx.output(kOutput, x.dtype(), out);
    visit_storage(x.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* src = static_cast<const S*>(x.raw_data());
      S* dst = static_cast<S*>(const_cast<void*>(y.raw_data()));
      const auto n = static_cast<std::int64_t>(indices.size());
      for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t j = 0; j < n; ++j) {
          std::int64_t k = indices[static_cast<std::size_t>(j)];
          if (k < 0) k += len;
          if (k < 0 || k >= len)
            fail("", "index " + std::to_string(indices[static_cast<std::size_t>(j)]) +
                         " is out of range for axis of " + std::to_string(len));
          std::copy_n(src + (o * len + k) * inner, inner, dst + (o * n + j) * inner);
        }
      }
    });
  });
}

std::unique_ptr<Kernel> gather_elements_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  return make_kernel([axis_attr](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const Value& ind = ctx.required_input(1);
    const auto indices = to_int64_vector(ind);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    if (ind.rank() != x.rank()) fail("", "indices and data ranks differ");
    Value& y = ctx.output(kOutput, x.dtype(), ind.dims());
    const Dims xs = strides_of(x.dims());
    Dims walk = xs;
    walk[axis] = 0;  // the axis coordinate comes from the index
    const Dims is = strides_of(ind.dims());
    const std::int64_t len = x.dims()[axis];
    visit_storage(x.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* src = static_cast<const S*>(x.raw_data());
      S* dst = static_cast<S*>(const_cast<void*>(y.raw_data()));
      reference::for_each_index<1>(ind.dims(), {walk}, {0},
                                   [&](std::int64_t i, const std::array<std::int64_t, 1>& p) {
                                     std::int64_t k = indices[static_cast<std::size_t>(i)];
                                     if (k < 0) k += len;
                                     if (k < 0 || k >= len) fail("", "index out of range");
                                     dst[i] = src[p[0] + k * xs[axis]];
                                   });
    });
    (void)is;
  });
}

std::unique_ptr<Kernel> slice_prepare(const KernelInfo& info) {
  const std::int64_t version = info.since_version();
  const auto starts_attr = info.attr_ints("starts");
  const auto ends_attr = info.attr_ints("ends");
  const auto axes_attr = info.attr_ints("axes");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    std::vector<std::int64_t> starts = starts_attr, ends = ends_attr, axes = axes_attr, steps;
    if (version >= 10) {
      starts = to_int64_vector(ctx.required_input(1));
      ends = to_int64_vector(ctx.required_input(2));
      axes = ctx.input(3) ? to_int64_vector(*ctx.input(3)) : std::vector<std::int64_t>{};
      if (ctx.input(4)) steps = to_int64_vector(*ctx.input(4));
    }
    const auto rank = static_cast<std::int64_t>(x.rank());
    if (axes.empty()) {
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size()) {
      fail("", "starts, ends, axes and steps differ in length");
    }
    Dims out = x.dims();
    const Dims xs = strides_of(x.dims());
    Dims strides = xs;
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const auto a = static_cast<std::size_t>(normalize_axis(axes[i], rank));
      const std::int64_t dim = x.dims()[a];
      const std::int64_t step = steps[i];
      if (step == 0) fail("", "step 0");
      std::int64_t s = starts[i], e = ends[i];
      if (s < 0) s += dim;
      if (e < 0) e += dim;
      if (step > 0) {
        s = std::clamp<std::int64_t>(s, 0, dim);
        e = std::clamp<std::int64_t>(e, 0, dim);
        out[a] = e > s ? (e - s + step - 1) / step : 0;
      } else {
        s = std::clamp<std::int64_t>(s, 0, dim - 1);
        e = std::clamp<std::int64_t>(e, -1, dim - 1);
        out[a] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
      }
      offset += s * xs[a];
      strides[a] = xs[a] * step;
    }
    if (element_count(out) == 0) offset = 0;
    ctx.set_output(kOutput, strided_copy(x, out, offset, strides));
  });
}

void tile(KernelContext& ctx) {
  const Value& x = ctx.required_input(kData);
  const auto repeats = to_int64_vector(ctx.required_input(1));
  if (repeats.size() != x.rank())
    fail("", "repeats has " + std::to_string(repeats.size()) + " entries for " + x.describe());
  Dims out = x.dims();
  for (std::size_t i = 0; i < out.size(); ++i) out[i] *= repeats[i];
  Value& y = ctx.output(kOutput, x.dtype(), out);
  // Each tile is x stored at a shifted offset of y.
  const Dims ys = strides_of(out);
  const Dims reps(repeats.begin(), repeats.end());
  Dims tile_strides(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) tile_strides[i] = ys[i] * x.dims()[i];
  if (element_count(out) == 0) return;
  reference::for_each_index<1>(
      reps, {tile_strides}, {0},
      [&](std::int64_t, const std::array<std::int64_t, 1>& p) { strided_store(x, y, p[0], ys); });
}

std::unique_ptr<Kernel> pad_prepare(const KernelInfo& info) {
  const std::int64_t version = info.since_version();
  const std::string mode = info.attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    info.fail("unknown mode '" + mode + "'");
  const auto pads_attr = info.attr_ints("pads");
  const float value_attr = info.attr_float("value", 0.0f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const auto rank = static_cast<std::int64_t>(x.rank());
    std::vector<std::int64_t> pads = pads_attr;
    double value = value_attr;
    std::vector<std::int64_t> axes;
    if (version >= 11) {
      pads = to_int64_vector(ctx.required_input(1));
      if (const Value* v = ctx.input(2); v && v->size() > 0) value = scalar_as_double(*v);
      if (const Value* a = ctx.input(3)) axes = to_int64_vector(*a);
    }
    if (axes.empty()) {
      for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    if (pads.size() != 2 * axes.size())
      fail("", "pads has " + std::to_string(pads.size()) + " entries");
    std::vector<std::int64_t> begin(x.rank(), 0), end(x.rank(), 0);
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const auto a = static_cast<std::size_t>(normalize_axis(axes[i], rank));
      begin[a] = pads[i];
      end[a] = pads[i + axes.size()];
    }
    Dims out = x.dims();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += begin[i] + end[i];
    Value& y = ctx.output(kOutput, x.dtype(), out);
    const Dims xs = strides_of(x.dims());
    const std::int64_t n = element_count(out);
    std::vector<std::int64_t> idx(out.size(), 0);
    visit_numeric_or_bool(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      const T fill = static_cast<T>(static_cast<compute_t<T>>(value));
      for (std::int64_t o = 0; o < n; ++o) {
        std::int64_t off = 0;
        bool inside = true;
        for (std::size_t d = 0; d < out.size() && inside; ++d) {
          const std::int64_t dim = x.dims()[d];
          std::int64_t c = idx[d] - begin[d];
          if (c < 0 || c >= dim) {
            if (mode == "constant" || dim == 0) {
              inside = false;
              break;
            }
            if (mode == "edge") {
              c = c < 0 ? 0 : dim - 1;
            } else if (mode == "wrap") {
              c = ((c % dim) + dim) % dim;
            } else {  // reflect
              if (dim == 1) {
                c = 0;
              } else {
                const std::int64_t period = 2 * (dim - 1);
                c = ((c % period) + period) % period;
                if (c >= dim) c = period - c;
              }
            }
          }
          off += c * xs[d];
        }
        dst[static_cast<std::size_t>(o)] = inside ? src[static_cast<std::size_t>(off)] : fill;
        for (std::size_t d = out.size(); d-- > 0;) {
          if (++idx[d] < out[d]) break;
          idx[d] = 0;
        }
      }
    });
  });
}

// ---- Cast

template <typename To, typename From>
To convert(From v) {
  using C = compute_t<From>;
  const C x = static_cast<C>(v);
  if constexpr (std::is_same_v<To, bool>) {
    return x != C(0);
  } else if constexpr (reference::is_half_v<To>) {
    return To(static_cast<float>(x));
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<C>) {
    if (std::isnan(x)) return To(0);
    if (x >= static_cast<C>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    if (x <= static_cast<C>(std::numeric_limits<To>::lowest()))
      return std::numeric_limits<To>::lowest();
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

/// Cast where either side is a small type: through double.
void cast_small(const Value& x, Value& y, const CastOptions& o) {
  std::vector<double> v;
  if (is_small_type(x.dtype())) {
    v = small_to_doubles(x);
  } else if (x.dtype() == DataType::kString) {
    for (const std::string& s : x.string_data()) v.push_back(std::strtod(s.c_str(), nullptr));
  } else {
    visit_numeric_or_bool(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (const T e : x.span<T>()) v.push_back(static_cast<double>(static_cast<compute_t<T>>(e)));
    });
  }
  if (is_small_type(y.dtype())) {
    doubles_to_small(v, y, o);
    return;
  }
  if (y.dtype() == DataType::kString)
    fail("", "Cast from " + std::string(data_type_name(x.dtype())) + " to string is not supported");
  visit_numeric_or_bool(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto dst = y.mutable_span<T>();
    for (std::size_t i = 0; i < v.size(); ++i) dst[i] = convert<T>(v[i]);
  });
}

void cast_value(const Value& x, DataType to, KernelContext& ctx, const CastOptions& options = {}) {
  if (x.dtype() == to) {
    ctx.set_output(kOutput, x);
    return;
  }
  Value& y = ctx.output(kOutput, to, x.dims());
  if (is_small_type(x.dtype()) || is_small_type(to)) {
    cast_small(x, y, options);
    return;
  }
  if (x.dtype() == DataType::kString || to == DataType::kString) {
    if (to == DataType::kString) {
      auto dst = y.mutable_string_data();
      visit_numeric_or_bool(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        const auto src = x.span<T>();
        for (std::size_t i = 0; i < src.size(); ++i) {
          if constexpr (std::is_same_v<T, bool>) {
            dst[i] = src[i] ? "True" : "False";
          } else if constexpr (std::is_integral_v<T>) {
            dst[i] = std::to_string(src[i]);
          } else {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.9g",
                          static_cast<double>(static_cast<compute_t<T>>(src[i])));
            dst[i] = buf;
          }
        }
      });
      return;
    }
    const auto src = x.string_data();
    visit_numeric_or_bool(to, [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < src.size(); ++i) {
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          dst[i] = static_cast<T>(std::stoll(src[i]));
        } else {
          dst[i] = convert<T>(std::strtod(src[i].c_str(), nullptr));
        }
      }
    });
    return;
  }
  visit_numeric_or_bool(x.dtype(), [&](auto from_tag) {
    using F = typename decltype(from_tag)::type;
    visit_numeric_or_bool(to, [&](auto to_tag) {
      using T = typename decltype(to_tag)::type;
      const auto src = x.span<F>();
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < src.size(); ++i) dst[i] = convert<T>(src[i]);
    });
  });
}

CastOptions cast_options(const KernelInfo& info) {
  CastOptions o;
  o.saturate = info.attr_int("saturate", 1) != 0;
  const std::string mode = info.attr_string("round_mode", "up");
  if (mode == "up")
    o.e8m0_rounding = reference::E8M0Rounding::kUp;
  else if (mode == "down")
    o.e8m0_rounding = reference::E8M0Rounding::kDown;
  else if (mode == "nearest")
    o.e8m0_rounding = reference::E8M0Rounding::kNearest;
  else
    info.fail("round_mode must be 'up', 'down' or 'nearest', got '" + mode + "'");
  return o;
}

std::unique_ptr<Kernel> cast_prepare(const KernelInfo& info) {
  const auto to = static_cast<DataType>(info.attr_int("to", 0));
  const auto& ok = all_plain_types();
  if (std::find(ok.begin(), ok.end(), to) == ok.end() && !is_small_type(to)) {
    info.fail("Cast to " + std::string(data_type_name(to)) + " is not supported yet");
  }
  const CastOptions o = cast_options(info);
  return make_kernel(
      [to, o](KernelContext& ctx) { cast_value(ctx.required_input(kData), to, ctx, o); });
}

std::unique_ptr<Kernel> castlike_prepare(const KernelInfo& info) {
  const CastOptions o = cast_options(info);
  return make_kernel([o](KernelContext& ctx) {
    cast_value(ctx.required_input(kData), ctx.required_input(1).dtype(), ctx, o);
  });
}

std::unique_ptr<Kernel> dropout_prepare(const KernelInfo& info) {
  const std::int64_t version = info.since_version();
  const float ratio_attr = info.attr_float("ratio", 0.5f);
  const bool has_seed = info.has_attr("seed");
  const std::int64_t seed = info.attr_int("seed", 0);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    double ratio = version >= 12 ? 0.5 : ratio_attr;
    bool training = false;
    if (version >= 12) {
      if (const Value* r = ctx.input(1)) ratio = scalar_as_double(*r);
      if (const Value* t = ctx.input(2)) training = t->span<bool>()[0];
    }
    if (!training || ratio == 0.0) {
      ctx.set_output(kOutput, x);
      if (ctx.output_wanted(1)) {
        Value& mask = ctx.output(1, DataType::kBool, x.dims());
        for (bool& b : mask.mutable_span<bool>()) b = true;
      }
      return;
    }
    std::mt19937_64 rng(has_seed ? static_cast<std::uint64_t>(seed) : std::random_device{}());
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    Value mask = Value::tensor(DataType::kBool, x.dims());
    auto m = mask.mutable_span<bool>();
    const double scale = 1.0 / (1.0 - ratio);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < src.size(); ++i) {
        m[i] = u(rng) >= ratio;
        dst[i] =
            m[i] ? static_cast<T>(static_cast<C>(static_cast<C>(src[i]) * static_cast<C>(scale)))
                 : T(C(0));
      }
    });
    if (ctx.output_wanted(1)) ctx.set_output(1, mask);
  });
}

}  // namespace

void register_tensor_kernels(KernelRegistry& r) {
  add_def(r, "Transpose", 1, transpose_prepare);
  add_def(r, "Concat", 4, concat_prepare);
  add_def(r, "Split", 2, split_prepare);
  add_def(r, "Gather", 1, gather_prepare);
  add_def(r, "GatherElements", 11, gather_elements_prepare);
  add_def(r, "Slice", 1, slice_prepare);
  add_def(r, "Pad", 2, pad_prepare);
  add_def(r, "Cast", 6, cast_prepare);
  add_def(r, "Dropout", 7, dropout_prepare);
  add_simple(r, "Tile", 6, kLatestVersion, tile);
  add_def(r, "CastLike", 15, castlike_prepare);
}

}  // namespace onnxkit::runtime
