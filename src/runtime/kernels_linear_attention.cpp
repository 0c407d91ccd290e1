// Opset 27's recurrent sequence-mixing ops: LinearAttention (linear, gated,
// delta and gated_delta state updates, with grouped KV heads) and
// CausalConvWithState (depthwise causal 1-D convolution carrying its last
// k-1 inputs). Reference kernels stepping through time in double.

#include <cmath>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

std::vector<double> as_doubles(const Value& v) {
  std::vector<double> out(static_cast<std::size_t>(v.size()));
  visit_float(v.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto s = v.span<T>();
    for (std::size_t i = 0; i < s.size(); ++i)
      out[i] = static_cast<double>(static_cast<compute_t<T>>(s[i]));
  });
  return out;
}

void store(Value& y, const std::vector<double>& v) {
  visit_float(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto dst = y.mutable_span<T>();
    for (std::size_t i = 0; i < v.size(); ++i)
      dst[i] = static_cast<T>(static_cast<compute_t<T>>(v[i]));
  });
}

// ---- LinearAttention (query, key, value, past_state?, decay?, beta?) -> (output, present_state)
// q [B, T, Hq*dk], k [B, T, Hkv*dk], v [B, T, Hkv*dv]; state [B, Hkv, dk, dv].
// decay (log space) is [B, T, Hkv*dk] (per key dim) or [B, T, Hkv] (per
// head); beta is [B, T, Hkv] or [B, T, 1]. Query head h reads KV head
// h / (Hq / Hkv). scale defaults to 1/sqrt(dk).

enum class UpdateRule { kLinear, kGated, kDelta, kGatedDelta };

constexpr std::size_t kQuery = 0;
constexpr std::size_t kKey = 1;
constexpr std::size_t kValue = 2;
constexpr std::size_t kPastState = 3;
constexpr std::size_t kDecay = 4;
constexpr std::size_t kBeta = 5;
constexpr std::size_t kOutput = 0;
constexpr std::size_t kPresentState = 1;

std::unique_ptr<Kernel> linear_attention_prepare(const KernelInfo& info) {
  const std::int64_t hq = info.attr_int("q_num_heads", 0), hkv = info.attr_int("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    info.fail("q_num_heads must be a positive multiple of kv_num_heads");
  const std::string rule_name = info.attr_string("update_rule", "gated_delta");
  UpdateRule rule;
  if (rule_name == "linear")
    rule = UpdateRule::kLinear;
  else if (rule_name == "gated")
    rule = UpdateRule::kGated;
  else if (rule_name == "delta")
    rule = UpdateRule::kDelta;
  else if (rule_name == "gated_delta")
    rule = UpdateRule::kGatedDelta;
  else
    info.fail("update_rule must be linear, gated, delta or gated_delta, got '" + rule_name + "'");
  const bool has_scale = info.has_attr("scale");
  const double scale_attr = info.attr_float("scale", 0.0f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& qv = ctx.required_input(kQuery);
    const Value& kv = ctx.required_input(kKey);
    const Value& vv = ctx.required_input(kValue);
    if (qv.rank() != 3 || kv.rank() != 3 || vv.rank() != 3)
      fail("", "query, key and value must be [B, T, H*D]");
    const std::int64_t B = qv.dims()[0], T = qv.dims()[1];
    if (qv.dims()[2] % hq != 0 || kv.dims()[2] % hkv != 0 || vv.dims()[2] % hkv != 0) {
      fail("", "query/key/value widths are not multiples of their head counts");
    }
    const std::int64_t dk = qv.dims()[2] / hq, dv = vv.dims()[2] / hkv;
    if (kv.dims()[2] != hkv * dk || kv.dims()[0] != B || vv.dims()[0] != B || kv.dims()[1] != T ||
        vv.dims()[1] != T) {
      fail("", "key " + kv.describe() + " / value " + vv.describe() + " do not fit query " +
                   qv.describe());
    }
    const bool gated = rule == UpdateRule::kGated || rule == UpdateRule::kGatedDelta;
    const bool delta = rule == UpdateRule::kDelta || rule == UpdateRule::kGatedDelta;
    const Value* decay_v = ctx.input(kDecay);
    const Value* beta_v = ctx.input(kBeta);
    if (gated && decay_v == nullptr)
      fail("", "update_rule '" + rule_name + "' needs the decay input");
    if (delta && beta_v == nullptr)
      fail("", "update_rule '" + rule_name + "' needs the beta input");
    const auto q = as_doubles(qv), k = as_doubles(kv), v = as_doubles(vv);
    std::vector<double> decay, beta;
    std::int64_t decay_width = 0, beta_width = 0;  // per (b, t)
    if (gated) {
      decay = as_doubles(*decay_v);
      decay_width = decay_v->size() / std::max<std::int64_t>(B * T, 1);
      if (decay_width != hkv * dk && decay_width != hkv)
        fail("", "decay must be [B, T, Hkv*dk] or [B, T, Hkv]");
    }
    if (delta) {
      beta = as_doubles(*beta_v);
      beta_width = beta_v->size() / std::max<std::int64_t>(B * T, 1);
      if (beta_width != hkv && beta_width != 1) fail("", "beta must be [B, T, Hkv] or [B, T, 1]");
    }
    std::vector<double> state(static_cast<std::size_t>(B * hkv * dk * dv), 0.0);
    const Value* past = ctx.input(kPastState);
    if (past != nullptr) {
      if (past->dims() != Dims{B, hkv, dk, dv})
        fail("", "past_state " + past->describe() + " must be [B, Hkv, dk, dv]");
      state = as_doubles(*past);
    }
    const double scale = has_scale ? scale_attr : 1.0 / std::sqrt(static_cast<double>(dk));
    std::vector<double> out(static_cast<std::size_t>(B * T * hq * dv), 0.0);
    std::vector<double> recall(static_cast<std::size_t>(dv));
    for (std::int64_t b = 0; b < B; ++b) {
      for (std::int64_t t = 0; t < T; ++t) {
        const std::int64_t bt = b * T + t;
        for (std::int64_t h = 0; h < hkv; ++h) {
          double* S = state.data() + (b * hkv + h) * dk * dv;
          const double* kt = k.data() + (bt * hkv + h) * dk;
          const double* vt = v.data() + (bt * hkv + h) * dv;
          if (gated) {
            for (std::int64_t i = 0; i < dk; ++i) {
              const double g = decay_width == hkv
                                   ? decay[static_cast<std::size_t>(bt * hkv + h)]
                                   : decay[static_cast<std::size_t>((bt * hkv + h) * dk + i)];
              const double f = std::exp(g);
              for (std::int64_t j = 0; j < dv; ++j) S[i * dv + j] *= f;
            }
          }
          if (delta) {
            const double bb =
                beta[static_cast<std::size_t>(bt * beta_width + (beta_width == 1 ? 0 : h))];
            for (std::int64_t j = 0; j < dv; ++j) {
              double s = 0;
              for (std::int64_t i = 0; i < dk; ++i) s += S[i * dv + j] * kt[i];
              recall[static_cast<std::size_t>(j)] = bb * (vt[j] - s);
            }
            for (std::int64_t i = 0; i < dk; ++i)
              for (std::int64_t j = 0; j < dv; ++j)
                S[i * dv + j] += kt[i] * recall[static_cast<std::size_t>(j)];
          } else {
            for (std::int64_t i = 0; i < dk; ++i)
              for (std::int64_t j = 0; j < dv; ++j) S[i * dv + j] += kt[i] * vt[j];
          }
        }
        for (std::int64_t hh = 0; hh < hq; ++hh) {
          const double* S = state.data() + (b * hkv + hh / (hq / hkv)) * dk * dv;
          const double* qt = q.data() + (bt * hq + hh) * dk;
          double* o = out.data() + (bt * hq + hh) * dv;
          for (std::int64_t j = 0; j < dv; ++j) {
            double s = 0;
            for (std::int64_t i = 0; i < dk; ++i) s += qt[i] * S[i * dv + j];
            o[j] = scale * s;
          }
        }
      }
    }
    store(ctx.output(kOutput, qv.dtype(), {B, T, hq * dv}), out);
    if (ctx.output_wanted(kPresentState)) {
      store(
          ctx.output(kPresentState, past != nullptr ? past->dtype() : qv.dtype(), {B, hkv, dk, dv}),
          state);
    }
  });
}

// ---- CausalConvWithState (input [B, C, L], weight [C, 1, k], bias? [C], past_state? [B, C, k-1])
// -> (output [B, C, L], present_state [B, C, k-1]). With seq = past ++ input:
// output[t] = act(bias + sum_j weight[j] * seq[t + j]); present = last k-1 of seq.

constexpr std::size_t kConvInput = 0;
constexpr std::size_t kConvWeight = 1;
constexpr std::size_t kConvBias = 2;
constexpr std::size_t kConvPast = 3;

std::unique_ptr<Kernel> causal_conv_prepare(const KernelInfo& info) {
  const std::string act = info.attr_string("activation", "none");
  if (act != "none" && act != "silu" && act != "swish")
    info.fail("activation must be none, silu or swish, got '" + act + "'");
  const bool silu = act != "none";
  return make_kernel([silu](KernelContext& ctx) {
    const Value& xv = ctx.required_input(kConvInput);
    const Value& wv = ctx.required_input(kConvWeight);
    if (xv.rank() != 3 || wv.rank() != 3 || wv.dims()[0] != xv.dims()[1] || wv.dims()[1] != 1) {
      fail("", "CausalConvWithState needs input [B, C, L] and weight [C, 1, k], got " +
                   xv.describe() + " and " + wv.describe());
    }
    const std::int64_t B = xv.dims()[0], C = xv.dims()[1], L = xv.dims()[2], K = wv.dims()[2];
    const std::int64_t P = K - 1;
    const auto x = as_doubles(xv), w = as_doubles(wv);
    std::vector<double> bias(static_cast<std::size_t>(C), 0.0),
        past(static_cast<std::size_t>(B * C * P), 0.0);
    if (const Value* bv = ctx.input(kConvBias)) {
      if (bv->size() != C) fail("", "bias must have one value per channel");
      bias = as_doubles(*bv);
    }
    if (const Value* pv = ctx.input(kConvPast)) {
      if (pv->dims() != Dims{B, C, P})
        fail("", "past_state " + pv->describe() + " must be [B, C, k-1]");
      past = as_doubles(*pv);
    }
    std::vector<double> y(static_cast<std::size_t>(B * C * L)),
        present(static_cast<std::size_t>(B * C * P));
    std::vector<double> seq(static_cast<std::size_t>(P + L));
    for (std::int64_t bc = 0; bc < B * C; ++bc) {
      const std::int64_t c = bc % C;
      std::copy_n(past.begin() + bc * P, P, seq.begin());
      std::copy_n(x.begin() + bc * L, L, seq.begin() + P);
      for (std::int64_t t = 0; t < L; ++t) {
        double s = bias[static_cast<std::size_t>(c)];
        for (std::int64_t j = 0; j < K; ++j)
          s += w[static_cast<std::size_t>(c * K + j)] * seq[static_cast<std::size_t>(t + j)];
        y[static_cast<std::size_t>(bc * L + t)] = silu ? s / (1.0 + std::exp(-s)) : s;
      }
      std::copy_n(seq.begin() + L, P, present.begin() + bc * P);
    }
    store(ctx.output(0, xv.dtype(), xv.dims()), y);
    if (ctx.output_wanted(1)) store(ctx.output(1, xv.dtype(), {B, C, P}), present);
  });
}

// Every kernel here takes float inputs (and, for the losses, integer targets).
void add_float_def(KernelRegistry& r, std::string op, std::int64_t since, PrepareFn prepare) {
  add_def(r, std::move(op), since, std::move(prepare), {TypeRule{0, kFloatTypes}});
}

}  // namespace

void register_linear_attention_kernels(KernelRegistry& r) {
  add_float_def(r, "LinearAttention", 27, linear_attention_prepare);
  add_float_def(r, "CausalConvWithState", 27, causal_conv_prepare);
}

}  // namespace onnxkit::runtime
