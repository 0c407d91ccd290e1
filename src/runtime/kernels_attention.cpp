// Attention (opset 23, 24): scaled dot-product attention with optional
// mask, KV cache (past/present), causal masking, grouped-query heads,
// softcap and the qk_matmul_output tap. Computed in double.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kQ = 0;
constexpr std::size_t kK = 1;
constexpr std::size_t kV = 2;
constexpr std::size_t kMask = 3;
constexpr std::size_t kPastKey = 4;
constexpr std::size_t kPastValue = 5;
constexpr std::size_t kNonpadKvSeqlen = 6;
constexpr std::size_t kY = 0;
constexpr std::size_t kPresentKey = 1;
constexpr std::size_t kPresentValue = 2;
constexpr std::size_t kQkOutput = 3;

struct AttentionAttrs {
  bool is_causal = false;
  std::int64_t q_num_heads = 0;
  std::int64_t kv_num_heads = 0;
  std::int64_t qk_output_mode = 0;
  bool has_scale = false;
  double scale = 1.0;
  double softcap = 0.0;
};

template <typename T>
std::vector<double> as_doubles(const Value& v) {
  std::vector<double> out(static_cast<std::size_t>(v.size()));
  const auto s = v.span<T>();
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<double>(static_cast<compute_t<T>>(s[i]));
  return out;
}

/// A (batch, heads, seq, head_size) view of Q, K or V given in 4-D or in 3-D
/// (batch, seq, heads * head_size) form, as a dense 4-D array in double.
struct Heads {
  std::int64_t batch = 0, heads = 0, seq = 0, size = 0;
  std::vector<double> data;
  double at(std::int64_t b, std::int64_t h, std::int64_t s, std::int64_t d) const {
    return data[static_cast<std::size_t>(((b * heads + h) * seq + s) * size + d)];
  }
};

template <typename T>
Heads to_heads(const Value& x, std::int64_t heads_3d, const char* what) {
  Heads out;
  const std::vector<double> v = as_doubles<T>(x);
  if (x.rank() == 4) {
    out.batch = x.dims()[0];
    out.heads = x.dims()[1];
    out.seq = x.dims()[2];
    out.size = x.dims()[3];
    out.data = v;
    return out;
  }
  if (x.rank() != 3) fail("", std::string(what) + " must be 3-D or 4-D, got " + x.describe());
  if (heads_3d <= 0 || x.dims()[2] % heads_3d != 0) {
    fail("", std::string(what) + " " + x.describe() +
                 " is 3-D: q_num_heads and kv_num_heads must divide its hidden size");
  }
  out.batch = x.dims()[0];
  out.seq = x.dims()[1];
  out.heads = heads_3d;
  out.size = x.dims()[2] / heads_3d;
  out.data.resize(v.size());
  for (std::int64_t b = 0; b < out.batch; ++b) {
    for (std::int64_t s = 0; s < out.seq; ++s) {
      for (std::int64_t h = 0; h < out.heads; ++h) {
        for (std::int64_t d = 0; d < out.size; ++d) {
          out.data[static_cast<std::size_t>(((b * out.heads + h) * out.seq + s) * out.size + d)] =
              v[static_cast<std::size_t>(((b * out.seq + s) * out.heads + h) * out.size + d)];
        }
      }
    }
  }
  return out;
}

/// Concatenates the cache `past` (4-D) and the new `cur` along seq.
template <typename T>
Heads with_past(const Value* past, Heads cur) {
  if (past == nullptr) return cur;
  if (past->rank() != 4 || past->dims()[0] != cur.batch || past->dims()[1] != cur.heads ||
      past->dims()[3] != cur.size) {
    fail("", "past cache " + past->describe() + " does not match the new keys/values");
  }
  const std::vector<double> p = as_doubles<T>(*past);
  const std::int64_t ps = past->dims()[2];
  Heads out = cur;
  out.seq = ps + cur.seq;
  out.data.assign(static_cast<std::size_t>(out.batch * out.heads * out.seq * out.size), 0.0);
  for (std::int64_t bh = 0; bh < out.batch * out.heads; ++bh) {
    std::copy_n(p.begin() + bh * ps * out.size, ps * out.size,
                out.data.begin() + bh * out.seq * out.size);
    std::copy_n(cur.data.begin() + bh * cur.seq * cur.size, cur.seq * cur.size,
                out.data.begin() + (bh * out.seq + ps) * out.size);
  }
  return out;
}

template <typename T>
void write_heads(KernelContext& ctx, std::size_t index, DataType dtype, const Heads& h) {
  Value& v = ctx.output(index, dtype, {h.batch, h.heads, h.seq, h.size});
  auto dst = v.mutable_span<T>();
  for (std::size_t i = 0; i < h.data.size(); ++i)
    dst[i] = static_cast<T>(static_cast<compute_t<T>>(h.data[i]));
}

/// The additive bias from attn_mask at (b, h, i, j): the mask broadcast
/// right-aligned to (batch, q_heads, q_seq, total); columns past its last
/// dim are masked out.
double mask_bias(const Value& mask, const std::vector<double>& mv, std::int64_t b, std::int64_t h,
                 std::int64_t i, std::int64_t j) {
  const std::int64_t idx[4] = {b, h, i, j};
  const auto rank = static_cast<std::int64_t>(mask.rank());
  if (j >= mask.dims().back()) return -INFINITY;
  std::int64_t off = 0;
  for (std::int64_t d = 0; d < rank; ++d) {
    const std::int64_t dim = mask.dims()[static_cast<std::size_t>(d)];
    const std::int64_t p = dim == 1 ? 0 : idx[4 - rank + d];
    off = off * dim + p;
  }
  const double m = mv[static_cast<std::size_t>(off)];
  if (mask.dtype() == DataType::kBool) return m != 0 ? 0.0 : -INFINITY;
  return m;
}

template <typename T>
void attention(KernelContext& ctx, const AttentionAttrs& a) {
  const Value& qv = ctx.required_input(kQ);
  const Value& kv = ctx.required_input(kK);
  const Value& vv = ctx.required_input(kV);
  const Value* mask = ctx.input(kMask);
  const Value* past_key = ctx.input(kPastKey);
  const Value* nonpad = ctx.input(kNonpadKvSeqlen);
  const bool three_d = qv.rank() == 3;
  const Heads q = to_heads<T>(qv, a.q_num_heads, "Q");
  const Heads k = with_past<T>(past_key, to_heads<T>(kv, a.kv_num_heads, "K"));
  Heads v;
  visit_float(vv.dtype(), [&](auto tag) {
    using VT = typename decltype(tag)::type;
    v = with_past<VT>(ctx.input(kPastValue), to_heads<VT>(vv, a.kv_num_heads, "V"));
  });
  if (k.size != q.size || k.batch != q.batch || v.batch != q.batch || v.seq != k.seq ||
      v.heads != k.heads) {
    fail("",
         "Q " + qv.describe() + ", K " + kv.describe() + " and V " + vv.describe() + " do not fit");
  }
  if (k.heads == 0 || q.heads % k.heads != 0) fail("", "q heads must be a multiple of kv heads");
  const std::int64_t group = q.heads / k.heads;
  const std::int64_t past = past_key != nullptr ? past_key->dims()[2] : 0;
  const std::int64_t total = k.seq;
  const double scale = a.has_scale ? a.scale : 1.0 / std::sqrt(static_cast<double>(q.size));
  std::vector<double> mv;
  if (mask != nullptr) {
    if (mask->rank() < 2 || mask->rank() > 4)
      fail("", "attn_mask must have rank 2 to 4, got " + mask->describe());
    if (mask->dtype() == DataType::kBool) {
      for (const bool m : mask->span<bool>()) mv.push_back(m ? 1.0 : 0.0);
    } else {
      visit_float(mask->dtype(),
                  [&](auto tag) { mv = as_doubles<typename decltype(tag)::type>(*mask); });
    }
  }
  std::vector<std::int64_t> nonpad_len;
  if (nonpad != nullptr) nonpad_len = to_int64_vector(*nonpad);

  Heads y;
  y.batch = q.batch;
  y.heads = q.heads;
  y.seq = q.seq;
  y.size = v.size;
  y.data.assign(static_cast<std::size_t>(y.batch * y.heads * y.seq * y.size), 0.0);
  const bool want_qk = ctx.output_wanted(kQkOutput);
  Heads qk_out;
  if (want_qk) {
    qk_out.batch = q.batch;
    qk_out.heads = q.heads;
    qk_out.seq = q.seq;
    qk_out.size = total;
    qk_out.data.assign(static_cast<std::size_t>(q.batch * q.heads * q.seq * total), 0.0);
  }
  std::vector<double> row(static_cast<std::size_t>(total));
  for (std::int64_t b = 0; b < q.batch; ++b) {
    for (std::int64_t h = 0; h < q.heads; ++h) {
      const std::int64_t kh = h / group;
      for (std::int64_t i = 0; i < q.seq; ++i) {
        double* tap =
            want_qk
                ? &qk_out.data[static_cast<std::size_t>(((b * q.heads + h) * q.seq + i) * total)]
                : nullptr;
        for (std::int64_t j = 0; j < total; ++j) {
          double s = 0;
          for (std::int64_t d = 0; d < q.size; ++d) s += q.at(b, h, i, d) * k.at(b, kh, j, d);
          s *= scale;
          if (a.softcap > 0) s = a.softcap * std::tanh(s / a.softcap);
          if (tap != nullptr && a.qk_output_mode <= 1) tap[j] = s;
          double bias = mask != nullptr ? mask_bias(*mask, mv, b, h, i, j) : 0.0;
          if (a.is_causal) {
            const std::int64_t offset = past_key == nullptr && !nonpad_len.empty()
                                            ? nonpad_len[static_cast<std::size_t>(b)] - q.seq
                                            : past;
            if (j > i + offset) bias = -INFINITY;
          }
          if (!nonpad_len.empty() && j >= nonpad_len[static_cast<std::size_t>(b)]) bias = -INFINITY;
          s += bias;
          if (tap != nullptr && a.qk_output_mode == 2) tap[j] = s;
          row[static_cast<std::size_t>(j)] = s;
        }
        double mx = -INFINITY;
        for (const double s : row) mx = std::max(mx, s);
        if (mx == -INFINITY) {
          // A fully masked row attends to nothing: zeros, not NaN.
          std::fill(row.begin(), row.end(), 0.0);
        } else {
          double sum = 0;
          for (double& s : row) {
            s = std::exp(s - mx);
            sum += s;
          }
          for (double& s : row) s /= sum;
        }
        if (tap != nullptr && a.qk_output_mode == 3) std::copy(row.begin(), row.end(), tap);
        for (std::int64_t d = 0; d < v.size; ++d) {
          double acc = 0;
          for (std::int64_t j = 0; j < total; ++j)
            acc += row[static_cast<std::size_t>(j)] * v.at(b, kh, j, d);
          y.data[static_cast<std::size_t>(((b * q.heads + h) * q.seq + i) * v.size + d)] = acc;
        }
      }
    }
  }
  if (three_d) {
    Value& out = ctx.output(kY, qv.dtype(), {y.batch, y.seq, y.heads * y.size});
    auto dst = out.mutable_span<T>();
    for (std::int64_t b = 0; b < y.batch; ++b) {
      for (std::int64_t h = 0; h < y.heads; ++h) {
        for (std::int64_t s = 0; s < y.seq; ++s) {
          for (std::int64_t d = 0; d < y.size; ++d) {
            dst[static_cast<std::size_t>(((b * y.seq + s) * y.heads + h) * y.size + d)] =
                static_cast<T>(static_cast<compute_t<T>>(y.at(b, h, s, d)));
          }
        }
      }
    }
  } else {
    write_heads<T>(ctx, kY, qv.dtype(), y);
  }
  if (ctx.output_wanted(kPresentKey)) write_heads<T>(ctx, kPresentKey, kv.dtype(), k);
  if (ctx.output_wanted(kPresentValue)) {
    visit_float(vv.dtype(), [&](auto tag) {
      write_heads<typename decltype(tag)::type>(ctx, kPresentValue, vv.dtype(), v);
    });
  }
  if (want_qk) write_heads<T>(ctx, kQkOutput, qv.dtype(), qk_out);
}

std::unique_ptr<Kernel> attention_prepare(const KernelInfo& info) {
  AttentionAttrs a;
  a.is_causal = info.attr_int("is_causal", 0) != 0;
  a.q_num_heads = info.attr_int("q_num_heads", 0);
  a.kv_num_heads = info.attr_int("kv_num_heads", 0);
  a.qk_output_mode = info.attr_int("qk_matmul_output_mode", 0);
  a.has_scale = info.has_attr("scale");
  a.scale = info.attr_float("scale", 1.0f);
  a.softcap = info.attr_float("softcap", 0.0f);
  if (a.qk_output_mode < 0 || a.qk_output_mode > 3)
    info.fail("qk_matmul_output_mode must be 0 to 3");
  return make_kernel([a](KernelContext& ctx) {
    visit_float(ctx.required_input(kQ).dtype(),
                [&](auto tag) { attention<typename decltype(tag)::type>(ctx, a); });
  });
}

}  // namespace

void register_attention_kernels(KernelRegistry& r) {
  add_def(r, "Attention", 23, attention_prepare, {TypeRule{kQ, kFloatTypes}});
}

}  // namespace onnxkit::runtime
