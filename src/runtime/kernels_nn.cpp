// Neural-network ops: Conv, MaxPool, AveragePool, GlobalAveragePool,
// GlobalMaxPool, BatchNormalization (inference), InstanceNormalization,
// LayerNormalization, RMSNormalization, LpNormalization, ConvTranspose, Swish.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"
#include "runtime/reference/conv.h"
#include "runtime/reference/window.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kX = 0;
constexpr std::size_t kW = 1;
constexpr std::size_t kBias = 2;
constexpr std::size_t kOutput = 0;

reference::Window window_from(const KernelInfo& info) {
  reference::Window w;
  w.kernel = info.attr_ints("kernel_shape");
  w.strides = info.attr_ints("strides");
  w.dilations = info.attr_ints("dilations");
  w.pads = info.attr_ints("pads");
  w.auto_pad = info.attr_string("auto_pad", "NOTSET");
  w.ceil_mode = info.attr_int("ceil_mode", 0) != 0;
  return w;
}

std::unique_ptr<Kernel> conv_prepare(const KernelInfo& info) {
  const reference::Window base = window_from(info);
  const std::int64_t group = info.attr_int("group", 1);
  return make_kernel([base, group](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    const Value& w = ctx.required_input(kW);
    const Value* b = ctx.input(kBias);
    if (x.rank() < 3 || w.rank() != x.rank())
      fail("", "Conv needs X (N,C,...) and W of the same rank, got " + x.describe() + " and " +
                   w.describe());
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
      fail("", "channels do not fit group " + std::to_string(group) + ": X " + x.describe() +
                   ", W " + w.describe());
    }
    s.out = win.resolve(s.in);
    Dims out{s.batch, s.out_channels};
    out.insert(out.end(), s.out.begin(), s.out.end());
    Value& y = ctx.output(kOutput, x.dtype(), out);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto xv = widen<T>(x);
      const auto wv = widen<T>(w);
      std::vector<C> bv;
      if (b != nullptr) bv = widen<T>(*b);
      if constexpr (std::is_same_v<T, C>) {
        reference::conv<C>(s, win, xv.data(), wv.data(), b ? bv.data() : nullptr,
                           y.mutable_span<T>().data());
      } else {
        std::vector<C> yv(static_cast<std::size_t>(y.size()));
        reference::conv<C>(s, win, xv.data(), wv.data(), b ? bv.data() : nullptr, yv.data());
        auto dst = y.mutable_span<T>();
        for (std::size_t i = 0; i < yv.size(); ++i) dst[i] = static_cast<T>(yv[i]);
      }
    });
  });
}

enum class PoolKind { kMax, kAverage, kLp };

std::unique_ptr<Kernel> pool_prepare(const KernelInfo& info, PoolKind kind) {
  const reference::Window base = window_from(info);
  const bool count_pad = info.attr_int("count_include_pad", 0) != 0;
  const bool column_major = info.attr_int("storage_order", 0) != 0;
  const double p_norm = static_cast<double>(info.attr_int("p", 2));
  if (base.kernel.empty()) info.fail("kernel_shape is required");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    if (x.rank() < 3) fail("", "pooling needs X (N,C,...), got " + x.describe());
    reference::Window win = base;
    const Dims in(x.dims().begin() + 2, x.dims().end());
    const Dims sp = win.resolve(in);
    Dims out{x.dims()[0], x.dims()[1]};
    out.insert(out.end(), sp.begin(), sp.end());
    Value& y = ctx.output(kOutput, x.dtype(), out);
    const bool want_indices = kind == PoolKind::kMax && ctx.output_wanted(1);
    Value* indices = want_indices ? &ctx.output(1, DataType::kInt64, out) : nullptr;
    const std::size_t nd = in.size();
    std::int64_t in_size = 1, out_size = 1, k_size = 1;
    for (std::size_t d = 0; d < nd; ++d) {
      in_size *= in[d];
      out_size *= sp[d];
      k_size *= win.kernel[d];
    }
    const std::int64_t planes = x.dims()[0] * x.dims()[1];
    auto body = [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      std::vector<std::int64_t> oidx(nd), kidx(nd), pos(nd);
      for (std::int64_t plane = 0; plane < planes; ++plane) {
        std::fill(oidx.begin(), oidx.end(), 0);
        for (std::int64_t o = 0; o < out_size; ++o) {
          C acc = kind == PoolKind::kMax ? std::numeric_limits<C>::lowest() : C(0);
          if constexpr (std::is_floating_point_v<C>) {
            if (kind == PoolKind::kMax) acc = -std::numeric_limits<C>::infinity();
          }
          std::int64_t count = 0, padded = 0, arg = -1;
          std::fill(kidx.begin(), kidx.end(), 0);
          for (std::int64_t k = 0; k < k_size; ++k) {
            bool inside = true, in_pads = true;
            std::int64_t off = 0;
            for (std::size_t d = 0; d < nd; ++d) {
              pos[d] = oidx[d] * win.strides[d] - win.pads[d] + kidx[d] * win.dilations[d];
              if (pos[d] < 0 || pos[d] >= in[d]) inside = false;
              if (pos[d] < -win.pads[d] || pos[d] >= in[d] + win.pads[d + nd]) in_pads = false;
              off = off * in[d] + pos[d];
            }
            if (inside) {
              const C v = static_cast<C>(src[static_cast<std::size_t>(plane * in_size + off)]);
              ++count;
              if (kind == PoolKind::kMax) {
                if (v > acc || arg < 0) {
                  acc = v;
                  if (column_major) {
                    std::int64_t co = 0, mul = 1;
                    for (std::size_t d = 0; d < nd; ++d) {
                      co += pos[d] * mul;
                      mul *= in[d];
                    }
                    arg = co;
                  } else {
                    arg = off;
                  }
                }
              } else if (kind == PoolKind::kLp) {
                acc += static_cast<C>(std::pow(std::abs(static_cast<double>(v)), p_norm));
              } else {
                acc += v;
              }
            } else if (in_pads) {
              ++padded;
            }
            for (std::size_t d = nd; d-- > 0;) {
              if (++kidx[d] < win.kernel[d]) break;
              kidx[d] = 0;
            }
          }
          if (kind == PoolKind::kAverage) {
            const std::int64_t div = count_pad ? count + padded : count;
            acc = div > 0 ? static_cast<C>(acc / static_cast<C>(div)) : C(0);
          } else if (kind == PoolKind::kLp) {
            acc = static_cast<C>(std::pow(static_cast<double>(acc), 1.0 / p_norm));
          }
          dst[static_cast<std::size_t>(plane * out_size + o)] = static_cast<T>(acc);
          if (indices != nullptr) {
            indices->mutable_span<std::int64_t>()[static_cast<std::size_t>(plane * out_size + o)] =
                plane * in_size + arg;
          }
          for (std::size_t d = nd; d-- > 0;) {
            if (++oidx[d] < sp[d]) break;
            oidx[d] = 0;
          }
        }
      }
    };
    if (kind == PoolKind::kMax) {
      visit_numeric(x.dtype(), body);
    } else {
      visit_float(x.dtype(), body);
    }
  });
}

void global_pool(KernelContext& ctx, bool average) {
  const Value& x = ctx.required_input(kX);
  if (x.rank() < 2) fail("", "global pooling needs X (N,C,...), got " + x.describe());
  Dims out{x.dims()[0], x.dims()[1]};
  out.resize(x.rank(), 1);
  Value& y = ctx.output(kOutput, x.dtype(), out);
  const std::int64_t planes = x.dims()[0] * x.dims()[1];
  const std::int64_t size = planes == 0 ? 0 : x.size() / planes;
  visit_float(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const auto src = x.span<T>();
    auto dst = y.mutable_span<T>();
    for (std::int64_t p = 0; p < planes; ++p) {
      C acc = average ? C(0) : -std::numeric_limits<C>::infinity();
      for (std::int64_t i = 0; i < size; ++i) {
        const C v = static_cast<C>(src[static_cast<std::size_t>(p * size + i)]);
        acc = average ? acc + v : std::max(acc, v);
      }
      dst[static_cast<std::size_t>(p)] = static_cast<T>(average ? acc / static_cast<C>(size) : acc);
    }
  });
}

// y = (x - mean) / sqrt(var + eps) * scale + bias, per channel (dim 1).
std::unique_ptr<Kernel> batchnorm_prepare(const KernelInfo& info) {
  const float eps = info.attr_float("epsilon", 1e-5f);
  if (info.attr_int("training_mode", 0) != 0)
    info.fail("training_mode=1 is not supported yet (inference only)");
  if (info.since_version() < 9 && info.attr_int("spatial", 1) == 0)
    info.fail("spatial=0 is not supported");
  return make_kernel([eps](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const Value& scale = ctx.required_input(1);
    const Value& bias = ctx.required_input(2);
    const Value& mean = ctx.required_input(3);
    const Value& var = ctx.required_input(4);
    if (x.rank() < 2) fail("", "X must have rank >= 2, got " + x.describe());
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    const std::int64_t n = x.dims()[0], c = x.dims()[1];
    const std::int64_t inner = n * c == 0 ? 0 : x.size() / (n * c);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      auto param = [&](const Value& v) {
        std::vector<C> out;
        visit_float(v.dtype(), [&](auto ptag) {
          using P = typename decltype(ptag)::type;
          for (P e : v.span<P>()) out.push_back(static_cast<C>(static_cast<compute_t<P>>(e)));
        });
        if (static_cast<std::int64_t>(out.size()) != c)
          fail("", "a parameter has " + std::to_string(out.size()) + " values for " +
                       std::to_string(c) + " channels");
        return out;
      };
      const auto s = param(scale), b = param(bias), m = param(mean), v = param(var);
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t ch = 0; ch < c; ++ch) {
          const auto k = static_cast<std::size_t>(ch);
          const C mul = s[k] / std::sqrt(v[k] + static_cast<C>(eps));
          const C add = b[k] - m[k] * mul;
          const std::int64_t base = (i * c + ch) * inner;
          for (std::int64_t j = 0; j < inner; ++j) {
            const auto at = static_cast<std::size_t>(base + j);
            dst[at] = static_cast<T>(static_cast<C>(src[at]) * mul + add);
          }
        }
      }
    });
  });
}

std::unique_ptr<Kernel> instancenorm_prepare(const KernelInfo& info) {
  const float eps = info.attr_float("epsilon", 1e-5f);
  return make_kernel([eps](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const Value& scale = ctx.required_input(1);
    const Value& bias = ctx.required_input(2);
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    const std::int64_t n = x.dims()[0], c = x.dims()[1];
    const std::int64_t inner = n * c == 0 ? 0 : x.size() / (n * c);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      const auto s = scale.span<T>(), b = bias.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::int64_t p = 0; p < n * c; ++p) {
        double sum = 0, sq = 0;
        for (std::int64_t j = 0; j < inner; ++j)
          sum += static_cast<double>(static_cast<C>(src[static_cast<std::size_t>(p * inner + j)]));
        const double mean = sum / static_cast<double>(inner);
        for (std::int64_t j = 0; j < inner; ++j) {
          const double d =
              static_cast<double>(static_cast<C>(src[static_cast<std::size_t>(p * inner + j)])) -
              mean;
          sq += d * d;
        }
        const double inv = 1.0 / std::sqrt(sq / static_cast<double>(inner) + eps);
        const auto ch = static_cast<std::size_t>(p % c);
        for (std::int64_t j = 0; j < inner; ++j) {
          const auto at = static_cast<std::size_t>(p * inner + j);
          const double v = (static_cast<double>(static_cast<C>(src[at])) - mean) * inv;
          dst[at] = static_cast<T>(static_cast<C>(v * static_cast<double>(static_cast<C>(s[ch])) +
                                                  static_cast<double>(static_cast<C>(b[ch]))));
        }
      }
    });
  });
}

// Normalizes over the dims from `axis` on; Mean and InvStdDev have those dims set to 1.
std::unique_ptr<Kernel> layernorm_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", -1);
  const float eps = info.attr_float("epsilon", 1e-5f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const Value& scale = ctx.required_input(1);
    const Value* bias = ctx.input(2);
    const auto rank = static_cast<std::int64_t>(x.rank());
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis; i < x.rank(); ++i) inner *= x.dims()[i];
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    Dims stat_dims = x.dims();
    for (std::size_t i = axis; i < stat_dims.size(); ++i) stat_dims[i] = 1;
    Value* mean_out = ctx.output_wanted(1) ? &ctx.output(1, DataType::kFloat, stat_dims) : nullptr;
    Value* inv_out = ctx.output_wanted(2) ? &ctx.output(2, DataType::kFloat, stat_dims) : nullptr;
    const Dims norm_dims(x.dims().begin() + static_cast<std::ptrdiff_t>(axis), x.dims().end());
    const Dims ss = reference::broadcast_strides(scale.dims(), norm_dims);
    const Dims bs = bias ? reference::broadcast_strides(bias->dims(), norm_dims) : Dims{};
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      const auto sv = scale.span<T>();
      auto dst = y.mutable_span<T>();
      // Offsets of scale and bias for each position of the normalized block.
      std::vector<std::int64_t> soff, boff;
      reference::for_each_index<1>(
          norm_dims, {ss}, {0},
          [&](std::int64_t, const std::array<std::int64_t, 1>& p) { soff.push_back(p[0]); });
      if (bias)
        reference::for_each_index<1>(
            norm_dims, {bs}, {0},
            [&](std::int64_t, const std::array<std::int64_t, 1>& p) { boff.push_back(p[0]); });
      for (std::int64_t o = 0; o < outer; ++o) {
        double sum = 0, sq = 0;
        for (std::int64_t j = 0; j < inner; ++j)
          sum += static_cast<double>(static_cast<C>(src[static_cast<std::size_t>(o * inner + j)]));
        const double mean = sum / static_cast<double>(inner);
        for (std::int64_t j = 0; j < inner; ++j) {
          const double d =
              static_cast<double>(static_cast<C>(src[static_cast<std::size_t>(o * inner + j)])) -
              mean;
          sq += d * d;
        }
        const double inv =
            1.0 / std::sqrt(sq / static_cast<double>(inner) + static_cast<double>(eps));
        for (std::int64_t j = 0; j < inner; ++j) {
          const auto at = static_cast<std::size_t>(o * inner + j);
          double v = (static_cast<double>(static_cast<C>(src[at])) - mean) * inv;
          v *= static_cast<double>(
              static_cast<C>(sv[static_cast<std::size_t>(soff[static_cast<std::size_t>(j)])]));
          if (bias)
            v += static_cast<double>(static_cast<C>(
                bias->span<T>()[static_cast<std::size_t>(boff[static_cast<std::size_t>(j)])]));
          dst[at] = static_cast<T>(static_cast<C>(v));
        }
        if (mean_out)
          mean_out->mutable_span<float>()[static_cast<std::size_t>(o)] = static_cast<float>(mean);
        if (inv_out)
          inv_out->mutable_span<float>()[static_cast<std::size_t>(o)] = static_cast<float>(inv);
      }
    });
  });
}

// RMSNormalization: Y = X / sqrt(mean(X^2 over axes [axis, rank)) + epsilon) * scale.
std::unique_ptr<Kernel> rmsnorm_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", -1);
  const float eps = info.attr_float("epsilon", 1e-5f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const Value& scale = ctx.required_input(1);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis; i < x.rank(); ++i) inner *= x.dims()[i];
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    const Dims norm_dims(x.dims().begin() + static_cast<std::ptrdiff_t>(axis), x.dims().end());
    const Dims ss = reference::broadcast_strides(scale.dims(), norm_dims);
    std::vector<std::int64_t> soff;
    reference::for_each_index<1>(
        norm_dims, {ss}, {0},
        [&](std::int64_t, const std::array<std::int64_t, 1>& p) { soff.push_back(p[0]); });
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      const auto sv = scale.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::int64_t o = 0; o < outer; ++o) {
        double sq = 0;
        for (std::int64_t j = 0; j < inner; ++j) {
          const double v =
              static_cast<double>(static_cast<C>(src[static_cast<std::size_t>(o * inner + j)]));
          sq += v * v;
        }
        const double inv =
            1.0 / std::sqrt(sq / static_cast<double>(inner) + static_cast<double>(eps));
        for (std::int64_t j = 0; j < inner; ++j) {
          const auto at = static_cast<std::size_t>(o * inner + j);
          const double s = static_cast<double>(
              static_cast<C>(sv[static_cast<std::size_t>(soff[static_cast<std::size_t>(j)])]));
          dst[at] = static_cast<T>(
              static_cast<C>(static_cast<double>(static_cast<C>(src[at])) * inv * s));
        }
      }
    });
  });
}

// ConvTranspose: each input element scatters W's kernel into the output at
// i * stride + k * dilation - pad_begin. Output size from output_shape,
// auto_pad or pads (with output_padding).
std::unique_ptr<Kernel> convtranspose_prepare(const KernelInfo& info) {
  const std::int64_t group = info.attr_int("group", 1);
  const std::vector<std::int64_t> kernel_attr = info.attr_ints("kernel_shape");
  const std::vector<std::int64_t> strides_attr = info.attr_ints("strides");
  const std::vector<std::int64_t> dilations_attr = info.attr_ints("dilations");
  const std::vector<std::int64_t> pads_attr = info.attr_ints("pads");
  const std::vector<std::int64_t> output_padding_attr = info.attr_ints("output_padding");
  const std::vector<std::int64_t> output_shape_attr = info.attr_ints("output_shape");
  const std::string auto_pad = info.attr_string("auto_pad", "NOTSET");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    const Value& w = ctx.required_input(kW);
    const Value* b = ctx.input(kBias);
    if (x.rank() < 3 || w.rank() != x.rank())
      fail("", "ConvTranspose needs X (N,C,...) and W of the same rank, got " + x.describe() +
                   " and " + w.describe());
    const std::size_t nd = x.rank() - 2;
    const std::int64_t batch = x.dims()[0], in_ch = x.dims()[1];
    if (group <= 0 || in_ch % group != 0 || w.dims()[0] != in_ch)
      fail("", "channels do not fit group: X " + x.describe() + ", W " + w.describe());
    const std::int64_t out_per_group = w.dims()[1];
    const std::int64_t out_ch = out_per_group * group;
    const std::int64_t in_per_group = in_ch / group;
    auto pick = [](const std::vector<std::int64_t>& v, std::size_t d, std::int64_t fallback) {
      return v.size() > d ? v[d] : fallback;
    };
    Dims kernel(nd), stride(nd), dil(nd), pad_begin(nd), out(nd), in(nd);
    for (std::size_t d = 0; d < nd; ++d) {
      in[d] = x.dims()[d + 2];
      kernel[d] = pick(kernel_attr, d, w.dims()[d + 2]);
      stride[d] = pick(strides_attr, d, 1);
      dil[d] = pick(dilations_attr, d, 1);
      const std::int64_t out_pad = pick(output_padding_attr, d, 0);
      const std::int64_t full = stride[d] * (in[d] - 1) + out_pad + (kernel[d] - 1) * dil[d] + 1;
      const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
      if (!output_shape_attr.empty() || same) {
        out[d] = !output_shape_attr.empty() ? output_shape_attr[output_shape_attr.size() - nd + d]
                                            : in[d] * stride[d];
        const std::int64_t total = std::max<std::int64_t>(full - out[d], 0);
        pad_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      } else {
        pad_begin[d] = pick(pads_attr, d, 0);
        out[d] = full - pad_begin[d] - pick(pads_attr, d + nd, 0);
      }
    }
    Dims out_dims{batch, out_ch};
    out_dims.insert(out_dims.end(), out.begin(), out.end());
    Value& y = ctx.output(kOutput, x.dtype(), out_dims);
    std::int64_t in_size = 1, out_size = 1, k_size = 1;
    for (std::size_t d = 0; d < nd; ++d) {
      in_size *= in[d];
      out_size *= out[d];
      k_size *= kernel[d];
    }
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto xv = widen<T>(x);
      const auto wv = widen<T>(w);
      std::vector<double> acc(static_cast<std::size_t>(y.size()), 0.0);
      std::vector<std::int64_t> ii(nd), kk(nd);
      for (std::int64_t n = 0; n < batch; ++n) {
        for (std::int64_t ic = 0; ic < in_ch; ++ic) {
          const std::int64_t g = ic / in_per_group;
          std::fill(ii.begin(), ii.end(), 0);
          for (std::int64_t i = 0; i < in_size; ++i) {
            const double xval =
                static_cast<double>(xv[static_cast<std::size_t>((n * in_ch + ic) * in_size + i)]);
            std::fill(kk.begin(), kk.end(), 0);
            for (std::int64_t k = 0; k < k_size; ++k) {
              std::int64_t off = 0;
              bool inside = true;
              for (std::size_t d = 0; d < nd; ++d) {
                const std::int64_t o = ii[d] * stride[d] + kk[d] * dil[d] - pad_begin[d];
                if (o < 0 || o >= out[d]) inside = false;
                off = off * out[d] + o;
              }
              if (inside) {
                for (std::int64_t m = 0; m < out_per_group; ++m) {
                  const double wval = static_cast<double>(
                      wv[static_cast<std::size_t>((ic * out_per_group + m) * k_size + k)]);
                  acc[static_cast<std::size_t>((n * out_ch + g * out_per_group + m) * out_size +
                                               off)] += xval * wval;
                }
              }
              for (std::size_t d = nd; d-- > 0;) {
                if (++kk[d] < kernel[d]) break;
                kk[d] = 0;
              }
            }
            for (std::size_t d = nd; d-- > 0;) {
              if (++ii[d] < in[d]) break;
              ii[d] = 0;
            }
          }
        }
      }
      auto dst = y.mutable_span<T>();
      for (std::int64_t n = 0; n < batch; ++n) {
        for (std::int64_t oc = 0; oc < out_ch; ++oc) {
          const double bias =
              b != nullptr
                  ? static_cast<double>(static_cast<C>(b->span<T>()[static_cast<std::size_t>(oc)]))
                  : 0.0;
          for (std::int64_t o = 0; o < out_size; ++o) {
            const auto at = static_cast<std::size_t>((n * out_ch + oc) * out_size + o);
            dst[at] = static_cast<T>(static_cast<C>(acc[at] + bias));
          }
        }
      }
    });
  });
}

// LpNormalization: x / (sum |x|^p)^(1/p) along `axis` (p is 1 or 2).
std::unique_ptr<Kernel> lpnorm_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", -1);
  const std::int64_t p = info.attr_int("p", 2);
  if (p != 1 && p != 2) info.fail("p must be 1 or 2, got " + std::to_string(p));
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    const std::int64_t len = x.dims()[axis];
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t in = 0; in < inner; ++in) {
          auto at = [&](std::int64_t k) {
            return static_cast<std::size_t>((o * len + k) * inner + in);
          };
          double norm = 0;
          for (std::int64_t k = 0; k < len; ++k) {
            const double v = static_cast<double>(static_cast<C>(src[at(k)]));
            norm += p == 1 ? std::fabs(v) : v * v;
          }
          if (p == 2) norm = std::sqrt(norm);
          for (std::int64_t k = 0; k < len; ++k) {
            // A zero vector stays zero (not 0/0).
            const double v = static_cast<double>(static_cast<C>(src[at(k)]));
            dst[at(k)] = static_cast<T>(static_cast<C>(norm == 0 ? 0.0 : v / norm));
          }
        }
      }
    });
  });
}

// Swish: x * sigmoid(alpha * x).
std::unique_ptr<Kernel> swish_prepare(const KernelInfo& info) {
  const double alpha = info.attr_float("alpha", 1.0f);
  return make_kernel([alpha](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < src.size(); ++i) {
        const double v = static_cast<double>(static_cast<C>(src[i]));
        dst[i] = static_cast<T>(static_cast<C>(v / (1.0 + std::exp(-alpha * v))));
      }
    });
  });
}

}  // namespace

void register_nn_kernels(KernelRegistry& r) {
  const std::vector<TypeRule> floats{TypeRule{kX, kFloatTypes}};
  add_def(r, "Conv", 1, conv_prepare, floats);
  add_def(r, "ConvTranspose", 1, convtranspose_prepare, floats);
  add_def(r, "MaxPool", 1, [](const KernelInfo& i) { return pool_prepare(i, PoolKind::kMax); },
          {TypeRule{kX, numeric_types()}});
  add_def(
      r, "AveragePool", 1, [](const KernelInfo& i) { return pool_prepare(i, PoolKind::kAverage); },
      floats);
  add_def(
      r, "LpPool", 2, [](const KernelInfo& i) { return pool_prepare(i, PoolKind::kLp); }, floats);
  add_simple(
      r, "GlobalAveragePool", 1, kLatestVersion, [](KernelContext& c) { global_pool(c, true); },
      floats);
  add_simple(
      r, "GlobalMaxPool", 1, kLatestVersion, [](KernelContext& c) { global_pool(c, false); },
      floats);
  add_def(r, "BatchNormalization", 6, batchnorm_prepare, floats);
  add_def(r, "InstanceNormalization", 6, instancenorm_prepare, floats);
  add_def(r, "LayerNormalization", 17, layernorm_prepare, floats);
  add_def(r, "RMSNormalization", 23, rmsnorm_prepare, floats);
  add_def(r, "LpNormalization", 1, lpnorm_prepare, floats);
  add_def(r, "Swish", 24, swish_prepare, floats);
}

}  // namespace onnxkit::runtime
