// Index-driven ops: Trilu, CumSum, CumProd, OneHot, EyeLike, Compress,
// TopK, ScatterElements (and the older Scatter), ScatterND, GatherND,
// DepthToSpace, SpaceToDepth, NonZero, ReverseSequence.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kData = 0;
constexpr std::size_t kOutput = 0;

template <typename T>
std::span<const T> elements(const Value& v) {
  if constexpr (std::is_same_v<T, std::string>)
    return v.string_data();
  else
    return v.span<T>();
}

template <typename T>
std::span<T> mutable_elements(Value& v) {
  if constexpr (std::is_same_v<T, std::string>)
    return v.mutable_string_data();
  else
    return v.mutable_span<T>();
}

// ---- Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of
// the last two dims.

std::unique_ptr<Kernel> trilu_prepare(const KernelInfo& info) {
  const bool upper = info.attr_int("upper", 1) != 0;
  return make_kernel([upper](KernelContext& ctx) {
    constexpr std::size_t kK = 1;
    const Value& x = ctx.required_input(kData);
    if (x.rank() < 2) fail("", "Trilu needs rank >= 2, got " + x.describe());
    const std::int64_t k =
        ctx.input(kK) != nullptr ? static_cast<std::int64_t>(scalar_as_double(*ctx.input(kK))) : 0;
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    const std::int64_t rows = x.dims()[x.rank() - 2];
    const std::int64_t cols = x.dims()[x.rank() - 1];
    const std::int64_t mats = rows * cols == 0 ? 0 : x.size() / (rows * cols);
    visit_storage(x.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      const auto src = elements<S>(x);
      auto dst = mutable_elements<S>(y);
      for (std::int64_t m = 0; m < mats; ++m) {
        for (std::int64_t i = 0; i < rows; ++i) {
          for (std::int64_t j = 0; j < cols; ++j) {
            const bool keep = upper ? j - i >= k : j - i <= k;
            const auto at = static_cast<std::size_t>((m * rows + i) * cols + j);
            if (keep) dst[at] = src[at];
          }
        }
      }
    });
  });
}

// ---- CumSum / CumProd along one axis (a scalar input), optionally exclusive
// and reversed.

template <bool kProduct>
std::unique_ptr<Kernel> cumulative_prepare(const KernelInfo& info) {
  const bool exclusive = info.attr_int("exclusive", 0) != 0;
  const bool reverse = info.attr_int("reverse", 0) != 0;
  return make_kernel([=](KernelContext& ctx) {
    constexpr std::size_t kAxis = 1;
    const Value& x = ctx.required_input(kData);
    const auto rank = static_cast<std::int64_t>(x.rank());
    const auto axis = static_cast<std::size_t>(normalize_axis(
        static_cast<std::int64_t>(scalar_as_double(ctx.required_input(kAxis))), rank));
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    const std::int64_t len = x.dims()[axis];
    visit_numeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t in = 0; in < inner; ++in) {
          C acc = kProduct ? C(1) : C(0);
          for (std::int64_t s = 0; s < len; ++s) {
            const std::int64_t pos = reverse ? len - 1 - s : s;
            const auto at = static_cast<std::size_t>((o * len + pos) * inner + in);
            const C v = static_cast<C>(src[at]);
            if (!exclusive) acc = kProduct ? static_cast<C>(acc * v) : static_cast<C>(acc + v);
            dst[at] = static_cast<T>(acc);
            if (exclusive) acc = kProduct ? static_cast<C>(acc * v) : static_cast<C>(acc + v);
          }
        }
      }
    });
  });
}

// ---- OneHot(indices, depth, values): output[..., i, ...] = values[1] where
// i == index (negative indices count from depth), else values[0].

std::unique_ptr<Kernel> onehot_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", -1);
  return make_kernel([axis_attr](KernelContext& ctx) {
    const Value& indices = ctx.required_input(0);
    const auto depth = static_cast<std::int64_t>(scalar_as_double(ctx.required_input(1)));
    const Value& values = ctx.required_input(2);
    if (values.size() != 2) fail("", "values must have two elements, got " + values.describe());
    if (depth < 1) fail("", "depth must be positive, got " + std::to_string(depth));
    const auto out_rank = static_cast<std::int64_t>(indices.rank()) + 1;
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, out_rank));
    Dims out = indices.dims();
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), depth);
    Value& y = ctx.output(kOutput, values.dtype(), out);
    std::vector<double> idx(static_cast<std::size_t>(indices.size()));
    visit_numeric(indices.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto s = indices.span<T>();
      for (std::size_t i = 0; i < idx.size(); ++i)
        idx[i] = static_cast<double>(static_cast<compute_t<T>>(s[i]));
    });
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= indices.dims()[i];
    for (std::size_t i = axis; i < indices.rank(); ++i) inner *= indices.dims()[i];
    visit_storage(values.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      if constexpr (std::is_same_v<S, std::string>) {
        fail("", "OneHot with string values is not supported");
      } else {
        const auto v = values.span<S>();
        auto dst = y.mutable_span<S>();
        std::fill(dst.begin(), dst.end(), v[0]);
        for (std::int64_t o = 0; o < outer; ++o) {
          for (std::int64_t in = 0; in < inner; ++in) {
            auto cls = static_cast<std::int64_t>(idx[static_cast<std::size_t>(o * inner + in)]);
            if (cls < 0) cls += depth;
            if (cls < 0 || cls >= depth) continue;
            dst[static_cast<std::size_t>((o * depth + cls) * inner + in)] = v[1];
          }
        }
      }
    });
  });
}

// ---- EyeLike: ones on the k-th diagonal of a 2-D tensor.

std::unique_ptr<Kernel> eyelike_prepare(const KernelInfo& info) {
  const std::int64_t k = info.attr_int("k", 0);
  const std::int64_t dtype_attr = info.attr_int("dtype", -1);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    if (x.rank() != 2) fail("", "EyeLike needs a 2-D input, got " + x.describe());
    const DataType dt = dtype_attr < 0 ? x.dtype() : static_cast<DataType>(dtype_attr);
    Value& y = ctx.output(kOutput, dt, x.dims());
    visit_numeric_or_bool(dt, [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto dst = y.mutable_span<T>();
      for (std::int64_t i = 0; i < x.dims()[0]; ++i) {
        const std::int64_t j = i + k;
        if (j >= 0 && j < x.dims()[1])
          dst[static_cast<std::size_t>(i * x.dims()[1] + j)] = static_cast<T>(1.0f);
      }
    });
  });
}

// ---- Compress(input, condition): keeps the slices along `axis` (or of the
// flattened input) where condition is true.

std::unique_ptr<Kernel> compress_prepare(const KernelInfo& info) {
  const bool has_axis = info.has_attr("axis");
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x0 = ctx.required_input(kData);
    const Value& cond = ctx.required_input(1);
    const Value x = has_axis ? x0 : x0.reshaped({x0.size()});
    const auto axis = static_cast<std::size_t>(
        has_axis ? normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())) : 0);
    const auto c = cond.span<bool>();
    std::vector<std::int64_t> keep;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(cond.size(), x.dims()[axis]); ++i) {
      if (c[static_cast<std::size_t>(i)]) keep.push_back(i);
    }
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    Dims out = x.dims();
    out[axis] = static_cast<std::int64_t>(keep.size());
    Value& y = ctx.output(kOutput, x.dtype(), out);
    const std::int64_t len = x.dims()[axis];
    visit_storage(x.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      auto copy = [&](const S* src, S* dst) {
        std::size_t w = 0;
        for (std::int64_t o = 0; o < outer; ++o) {
          for (const std::int64_t k : keep) {
            for (std::int64_t in = 0; in < inner; ++in)
              dst[w++] = src[static_cast<std::size_t>((o * len + k) * inner + in)];
          }
        }
      };
      if constexpr (std::is_same_v<S, std::string>)
        copy(x.string_data().data(), y.mutable_string_data().data());
      else
        copy(x.span<S>().data(), y.mutable_span<S>().data());
    });
  });
}

// ---- TopK(X, K): the k largest (or smallest) along `axis`, ties broken by
// the lower index.

std::unique_ptr<Kernel> topk_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", -1);
  const bool largest = info.attr_int("largest", 1) != 0;
  const std::int64_t k_attr = info.attr_int("k", -1);  // opset 1
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const std::int64_t k = ctx.input(1) != nullptr ? to_int64_vector(*ctx.input(1)).at(0) : k_attr;
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    const std::int64_t len = x.dims()[axis];
    if (k < 0 || k > len)
      fail("",
           "k=" + std::to_string(k) + " is out of range for axis of size " + std::to_string(len));
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    Dims out = x.dims();
    out[axis] = k;
    Value& values = ctx.output(0, x.dtype(), out);
    Value& indices = ctx.output(1, DataType::kInt64, out);
    visit_numeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto vdst = values.mutable_span<T>();
      auto idst = indices.mutable_span<std::int64_t>();
      std::vector<std::int64_t> order(static_cast<std::size_t>(len));
      for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t in = 0; in < inner; ++in) {
          auto at = [&](std::int64_t p) {
            return static_cast<std::size_t>((o * len + p) * inner + in);
          };
          std::iota(order.begin(), order.end(), 0);
          auto before = [&](std::int64_t a, std::int64_t b) {
            const C va = static_cast<C>(src[at(a)]);
            const C vb = static_cast<C>(src[at(b)]);
            if (va == vb) return a < b;
            return largest ? va > vb : va < vb;
          };
          std::stable_sort(order.begin(), order.end(), before);
          for (std::int64_t j = 0; j < k; ++j) {
            const auto w = static_cast<std::size_t>((o * k + j) * inner + in);
            vdst[w] = src[at(order[static_cast<std::size_t>(j)])];
            idst[w] = order[static_cast<std::size_t>(j)];
          }
        }
      }
    });
  });
}

// ---- Scatter reductions shared by ScatterElements and ScatterND.

enum class ScatterReduce { kNone, kAdd, kMul, kMax, kMin };

ScatterReduce parse_scatter_reduce(const KernelInfo& info) {
  const std::string r = info.attr_string("reduction", "none");
  if (r == "none") return ScatterReduce::kNone;
  if (r == "add") return ScatterReduce::kAdd;
  if (r == "mul") return ScatterReduce::kMul;
  if (r == "max") return ScatterReduce::kMax;
  if (r == "min") return ScatterReduce::kMin;
  info.fail("unknown reduction '" + r + "'");
}

template <typename T>
void scatter_apply(T& dst, const T& src, ScatterReduce r) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
    dst = src;
    (void)r;
  } else {
    using C = compute_t<T>;
    const C a = static_cast<C>(dst);
    const C b = static_cast<C>(src);
    switch (r) {
      case ScatterReduce::kNone:
        dst = src;
        break;
      case ScatterReduce::kAdd:
        dst = static_cast<T>(static_cast<C>(a + b));
        break;
      case ScatterReduce::kMul:
        dst = static_cast<T>(static_cast<C>(a * b));
        break;
      case ScatterReduce::kMax:
        dst = static_cast<T>(std::max(a, b));
        break;
      case ScatterReduce::kMin:
        dst = static_cast<T>(std::min(a, b));
        break;
    }
  }
}

template <typename F>
void visit_scatter(DataType t, F&& f) {
  if (t == DataType::kString)
    f(Tag<std::string>{});
  else
    visit_numeric_or_bool(t, std::forward<F>(f));
}

// ScatterElements(data, indices, updates): output = data, then
// output[... idx ...] (at `axis`) = updates[...] for each updates element.
std::unique_ptr<Kernel> scatter_elements_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  const ScatterReduce red = parse_scatter_reduce(info);
  return make_kernel([=](KernelContext& ctx) {
    const Value& data = ctx.required_input(0);
    const Value& indices = ctx.required_input(1);
    const Value& updates = ctx.required_input(2);
    const auto rank = static_cast<std::int64_t>(data.rank());
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
    if (indices.dims() != updates.dims() || indices.rank() != data.rank()) {
      fail("", "indices " + indices.describe() + " and updates " + updates.describe() +
                   " must match and have data's rank");
    }
    const std::vector<std::int64_t> idx = to_int64_vector(indices);
    const Dims ds = strides_of(data.dims());
    const Dims& ud = updates.dims();
    Value out = data.clone();
    visit_scatter(data.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto dst = mutable_elements<T>(out);
      const auto src = elements<T>(updates);
      Dims pos(ud.size(), 0);
      for (std::size_t e = 0; e < idx.size(); ++e) {
        std::int64_t off = 0;
        for (std::size_t d = 0; d < ud.size(); ++d) {
          std::int64_t p = pos[d];
          if (d == axis) {
            p = idx[e];
            if (p < 0) p += data.dims()[d];
            if (p < 0 || p >= data.dims()[d])
              fail("", "index " + std::to_string(idx[e]) + " is out of range");
          }
          off += p * ds[d];
        }
        scatter_apply(dst[static_cast<std::size_t>(off)], src[e], red);
        for (std::size_t d = ud.size(); d-- > 0;) {
          if (++pos[d] < ud[d]) break;
          pos[d] = 0;
        }
      }
    });
    ctx.set_output(kOutput, std::move(out));
  });
}

// ScatterND(data, indices, updates): indices (..., q) address slices of data.
std::unique_ptr<Kernel> scatter_nd_prepare(const KernelInfo& info) {
  const ScatterReduce red = parse_scatter_reduce(info);
  return make_kernel([=](KernelContext& ctx) {
    const Value& data = ctx.required_input(0);
    const Value& indices = ctx.required_input(1);
    const Value& updates = ctx.required_input(2);
    if (indices.rank() < 1) fail("", "indices must have rank >= 1");
    const std::int64_t q = indices.dims().back();
    if (q > static_cast<std::int64_t>(data.rank()))
      fail("", "indices' last dim exceeds data's rank");
    const std::vector<std::int64_t> idx = to_int64_vector(indices);
    const Dims ds = strides_of(data.dims());
    std::int64_t slice = 1;
    for (std::size_t d = static_cast<std::size_t>(q); d < data.rank(); ++d) slice *= data.dims()[d];
    const std::int64_t count = q == 0 ? 1 : static_cast<std::int64_t>(idx.size()) / q;
    Value out = data.clone();
    visit_scatter(data.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto dst = mutable_elements<T>(out);
      const auto src = elements<T>(updates);
      for (std::int64_t n = 0; n < count; ++n) {
        std::int64_t off = 0;
        for (std::int64_t j = 0; j < q; ++j) {
          std::int64_t p = idx[static_cast<std::size_t>(n * q + j)];
          const std::int64_t dim = data.dims()[static_cast<std::size_t>(j)];
          if (p < 0) p += dim;
          if (p < 0 || p >= dim) fail("", "index out of range");
          off += p * ds[static_cast<std::size_t>(j)];
        }
        for (std::int64_t s = 0; s < slice; ++s) {
          scatter_apply(dst[static_cast<std::size_t>(off + s)],
                        src[static_cast<std::size_t>(n * slice + s)], red);
        }
      }
    });
    ctx.set_output(kOutput, std::move(out));
  });
}

// GatherND(data, indices) with batch_dims.
std::unique_ptr<Kernel> gather_nd_prepare(const KernelInfo& info) {
  const std::int64_t batch_dims = info.attr_int("batch_dims", 0);
  return make_kernel([=](KernelContext& ctx) {
    const Value& data = ctx.required_input(0);
    const Value& indices = ctx.required_input(1);
    const auto b = static_cast<std::size_t>(batch_dims);
    if (indices.rank() < 1 || b >= indices.rank() || b >= data.rank())
      fail("", "bad ranks for GatherND");
    const auto q = static_cast<std::size_t>(indices.dims().back());
    if (b + q > data.rank()) fail("", "indices' last dim is too large for data");
    Dims out(indices.dims().begin(), indices.dims().end() - 1);
    for (std::size_t d = b + q; d < data.rank(); ++d) out.push_back(data.dims()[d]);
    Value& y = ctx.output(kOutput, data.dtype(), out);
    const std::vector<std::int64_t> idx = to_int64_vector(indices);
    std::int64_t batch = 1;
    for (std::size_t d = 0; d < b; ++d) batch *= data.dims()[d];
    std::int64_t data_batch_size = 1;
    for (std::size_t d = b; d < data.rank(); ++d) data_batch_size *= data.dims()[d];
    std::int64_t slice = 1;
    for (std::size_t d = b + q; d < data.rank(); ++d) slice *= data.dims()[d];
    const Dims ds = strides_of(data.dims());
    const std::int64_t per_batch =
        batch == 0 ? 0
                   : static_cast<std::int64_t>(idx.size() / std::max<std::size_t>(q, 1)) / batch;
    visit_storage(data.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      const auto src = elements<S>(data);
      auto dst = mutable_elements<S>(y);
      std::size_t w = 0;
      for (std::int64_t bi = 0; bi < batch; ++bi) {
        for (std::int64_t n = 0; n < per_batch; ++n) {
          std::int64_t off = bi * data_batch_size;
          for (std::size_t j = 0; j < q; ++j) {
            std::int64_t p =
                idx[static_cast<std::size_t>((bi * per_batch + n) * static_cast<std::int64_t>(q)) +
                    j];
            const std::int64_t dim = data.dims()[b + j];
            if (p < 0) p += dim;
            if (p < 0 || p >= dim) fail("", "index out of range");
            off += p * ds[b + j];
          }
          for (std::int64_t s = 0; s < slice; ++s)
            dst[w++] = src[static_cast<std::size_t>(off + s)];
        }
      }
    });
  });
}

// ---- DepthToSpace / SpaceToDepth on (N, C, H, W) with block size b.
// DepthToSpace: y[n, c, h*b+i, w*b+j] = x[n, (i*b+j)*C' + c, h, w] (DCR) or
// x[n, c*b*b + i*b + j, h, w] (CRD). SpaceToDepth is the DCR inverse.

template <bool kToSpace>
std::unique_ptr<Kernel> depth_space_prepare(const KernelInfo& info) {
  const std::int64_t b = info.attr_int("blocksize", 0);
  const bool crd = info.attr_string("mode", "DCR") == "CRD";
  if (b <= 0) info.fail("blocksize must be positive");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    if (x.rank() != 4) fail("", "expected a 4-D input, got " + x.describe());
    const std::int64_t n = x.dims()[0], c = x.dims()[1], h = x.dims()[2], w = x.dims()[3];
    if (kToSpace && c % (b * b) != 0) fail("", "channels must be divisible by blocksize^2");
    if (!kToSpace && (h % b != 0 || w % b != 0))
      fail("", "height and width must be divisible by blocksize");
    // (small side: channels cs, spatial hs x ws) <-> (big side: channels cs*b*b)
    const std::int64_t cs = kToSpace ? c / (b * b) : c;
    const std::int64_t hs = kToSpace ? h : h / b, ws = kToSpace ? w : w / b;
    const Dims out = kToSpace ? Dims{n, cs, h * b, w * b} : Dims{n, c * b * b, hs, ws};
    Value& y = ctx.output(kOutput, x.dtype(), out);
    visit_storage(x.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      const auto src = elements<S>(x);
      auto dst = mutable_elements<S>(y);
      for (std::int64_t ni = 0; ni < n; ++ni) {
        for (std::int64_t ci = 0; ci < cs; ++ci) {
          for (std::int64_t hi = 0; hi < hs; ++hi) {
            for (std::int64_t wi = 0; wi < ws; ++wi) {
              for (std::int64_t i = 0; i < b; ++i) {
                for (std::int64_t j = 0; j < b; ++j) {
                  const std::int64_t deep = crd ? ci * b * b + i * b + j : (i * b + j) * cs + ci;
                  const auto deep_at =
                      static_cast<std::size_t>(((ni * cs * b * b + deep) * hs + hi) * ws + wi);
                  const auto flat_at = static_cast<std::size_t>(
                      ((ni * cs + ci) * hs * b + hi * b + i) * ws * b + wi * b + j);
                  if constexpr (kToSpace)
                    dst[flat_at] = src[deep_at];
                  else
                    dst[deep_at] = src[flat_at];
                }
              }
            }
          }
        }
      }
    });
  });
}

// ---- NonZero: the indices (rank, count) of the non-zero elements, row-major.
void nonzero(KernelContext& ctx) {
  const Value& x = ctx.required_input(kData);
  std::vector<std::int64_t> hits;
  visit_numeric_or_bool(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto s = x.span<T>();
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (static_cast<compute_t<T>>(s[i]) != compute_t<T>(0))
        hits.push_back(static_cast<std::int64_t>(i));
    }
  });
  const auto rank = static_cast<std::int64_t>(x.rank());
  const auto count = static_cast<std::int64_t>(hits.size());
  Value& y = ctx.output(kOutput, DataType::kInt64, {rank, count});
  auto dst = y.mutable_span<std::int64_t>();
  const Dims st = strides_of(x.dims());
  for (std::int64_t k = 0; k < count; ++k) {
    std::int64_t rem = hits[static_cast<std::size_t>(k)];
    for (std::int64_t d = 0; d < rank; ++d) {
      dst[static_cast<std::size_t>(d * count + k)] = rem / st[static_cast<std::size_t>(d)];
      rem %= st[static_cast<std::size_t>(d)];
    }
  }
}

// ---- ReverseSequence: reverses the first sequence_lens[b] steps along
// time_axis, for each b along batch_axis.
std::unique_ptr<Kernel> reverse_sequence_prepare(const KernelInfo& info) {
  const std::int64_t batch_axis = info.attr_int("batch_axis", 1);
  const std::int64_t time_axis = info.attr_int("time_axis", 0);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const std::vector<std::int64_t> lens = to_int64_vector(ctx.required_input(1));
    const auto rank = static_cast<std::int64_t>(x.rank());
    const auto ba = static_cast<std::size_t>(normalize_axis(batch_axis, rank));
    const auto ta = static_cast<std::size_t>(normalize_axis(time_axis, rank));
    const Dims st = strides_of(x.dims());
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    visit_storage(x.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      const auto src = elements<S>(x);
      auto dst = mutable_elements<S>(y);
      Dims idx(x.rank(), 0);
      for (std::size_t e = 0; e < src.size(); ++e) {
        const std::int64_t len = lens.at(static_cast<std::size_t>(idx[ba]));
        std::int64_t from = static_cast<std::int64_t>(e);
        if (idx[ta] < len) from += (len - 1 - 2 * idx[ta]) * st[ta];
        dst[e] = src[static_cast<std::size_t>(from)];
        for (std::size_t d = x.rank(); d-- > 0;) {
          if (++idx[d] < x.dims()[d]) break;
          idx[d] = 0;
        }
      }
    });
  });
}

}  // namespace

void register_index_kernels(KernelRegistry& r) {
  add_def(r, "Trilu", 14, trilu_prepare);
  add_def(r, "CumSum", 11, cumulative_prepare<false>, {TypeRule{kData, numeric_types()}});
  add_def(r, "CumProd", 1, cumulative_prepare<true>, {TypeRule{kData, numeric_types()}});
  add_def(r, "OneHot", 9, onehot_prepare);
  add_def(r, "EyeLike", 9, eyelike_prepare);
  add_def(r, "Compress", 9, compress_prepare);
  add_def(r, "TopK", 1, topk_prepare, {TypeRule{kData, numeric_types()}});
  add_def(r, "Scatter", 9, scatter_elements_prepare);
  add_def(r, "ScatterElements", 11, scatter_elements_prepare);
  add_def(r, "ScatterND", 11, scatter_nd_prepare);
  add_def(r, "GatherND", 11, gather_nd_prepare);
  add_def(r, "DepthToSpace", 1, depth_space_prepare<true>);
  add_def(r, "SpaceToDepth", 1, depth_space_prepare<false>);
  add_def(r, "NonZero", 9, [](const KernelInfo&) { return make_kernel(nonzero); });
  add_def(r, "ReverseSequence", 10, reverse_sequence_prepare);
}

}  // namespace onnxkit::runtime
