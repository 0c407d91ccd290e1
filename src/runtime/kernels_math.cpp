// MatMul (numpy batching), Gemm, Clip, Softmax / LogSoftmax / Hardmax.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "onnxkit/runtime/thread_pool.h"
#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"
#include "runtime/reference/gemm.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kA = 0;
constexpr std::size_t kB = 1;
constexpr std::size_t kC = 2;
constexpr std::size_t kOutput = 0;

void matmul(KernelContext& ctx) {
  const Value& a = ctx.required_input(kA);
  const Value& b = ctx.required_input(kB);
  if (a.rank() == 0 || b.rank() == 0) fail("", "MatMul needs inputs of rank >= 1");
  Dims ad = a.dims(), bd = b.dims();
  const bool a_vec = ad.size() == 1, b_vec = bd.size() == 1;
  if (a_vec) ad.insert(ad.begin(), 1);
  if (b_vec) bd.push_back(1);
  const std::int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  if (bd[bd.size() - 2] != k) fail("", "inner dims differ: " + a.describe() + " x " + b.describe());
  const Dims abatch(ad.begin(), ad.end() - 2), bbatch(bd.begin(), bd.end() - 2);
  const Dims* shapes[] = {&abatch, &bbatch};
  auto batch = reference::broadcast_dims(shapes);
  if (!batch) fail("", "batch dims do not broadcast: " + a.describe() + " x " + b.describe());
  Dims out = *batch;
  if (!a_vec) out.push_back(m);
  if (!b_vec) out.push_back(n);
  Value& y = ctx.output(kOutput, a.dtype(), out);
  const std::array<Dims, 2> strides{reference::broadcast_strides(abatch, *batch),
                                    reference::broadcast_strides(bbatch, *batch)};
  visit_numeric(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const auto av = widen<T>(a);
    const auto bv = widen<T>(b);
    auto dst = y.mutable_span<T>();
    std::vector<std::int64_t> aoff, boff;
    reference::for_each_index<2>(*batch, strides, {0, 0},
                                 [&](std::int64_t, const std::array<std::int64_t, 2>& p) {
                                   aoff.push_back(p[0]);
                                   boff.push_back(p[1]);
                                 });
    ctx.threads().parallel_for(
        static_cast<std::int64_t>(aoff.size()), 1, [&](std::int64_t lo, std::int64_t hi) {
          std::vector<C> acc(static_cast<std::size_t>(m * n));
          for (std::int64_t i = lo; i < hi; ++i) {
            std::fill(acc.begin(), acc.end(), C(0));
            reference::gemm<C>(m, n, k, av.data() + aoff[static_cast<std::size_t>(i)] * m * k,
                               false, bv.data() + boff[static_cast<std::size_t>(i)] * k * n, false,
                               acc.data());
            for (std::int64_t j = 0; j < m * n; ++j)
              dst[static_cast<std::size_t>(i * m * n + j)] =
                  static_cast<T>(acc[static_cast<std::size_t>(j)]);
          }
        });
  });
}

std::unique_ptr<Kernel> gemm_prepare(const KernelInfo& info) {
  const bool ta = info.attr_int("transA", 0) != 0, tb = info.attr_int("transB", 0) != 0;
  const float alpha = info.attr_float("alpha", 1.0f), beta = info.attr_float("beta", 1.0f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& a = ctx.required_input(kA);
    const Value& b = ctx.required_input(kB);
    const Value* c = ctx.input(kC);
    if (a.rank() != 2 || b.rank() != 2)
      fail("", "Gemm needs 2-D inputs, got " + a.describe() + " and " + b.describe());
    const std::int64_t m = ta ? a.dims()[1] : a.dims()[0], k = ta ? a.dims()[0] : a.dims()[1];
    const std::int64_t kb = tb ? b.dims()[1] : b.dims()[0], n = tb ? b.dims()[0] : b.dims()[1];
    if (k != kb) fail("", "inner dims differ: " + a.describe() + " x " + b.describe());
    Value& y = ctx.output(kOutput, a.dtype(), {m, n});
    visit_numeric(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto av = widen<T>(a);
      const auto bv = widen<T>(b);
      std::vector<C> acc(static_cast<std::size_t>(m * n), C(0));
      reference::gemm<C>(m, n, k, av.data(), ta, bv.data(), tb, acc.data());
      auto dst = y.mutable_span<T>();
      std::vector<C> cv;
      Dims cs;
      if (c != nullptr) {
        cv = widen<T>(*c);
        cs = reference::broadcast_strides(c->dims(), {m, n});
      }
      for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
          C v = static_cast<C>(alpha) * acc[static_cast<std::size_t>(i * n + j)];
          if (c != nullptr)
            v += static_cast<C>(beta) * cv[static_cast<std::size_t>(i * cs[0] + j * cs[1])];
          dst[static_cast<std::size_t>(i * n + j)] = static_cast<T>(v);
        }
      }
    });
  });
}

std::unique_ptr<Kernel> clip_prepare(const KernelInfo& info) {
  const std::int64_t version = info.since_version();
  const float lo_attr = info.attr_float("min", -std::numeric_limits<float>::infinity());
  const float hi_attr = info.attr_float("max", std::numeric_limits<float>::infinity());
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    visit_numeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      C lo = std::numeric_limits<C>::lowest(), hi = std::numeric_limits<C>::max();
      if (version < 11) {
        lo = static_cast<C>(lo_attr);
        hi = static_cast<C>(hi_attr);
      } else {
        if (const Value* v = ctx.input(1)) lo = static_cast<C>(v->span<T>()[0]);
        if (const Value* v = ctx.input(2)) hi = static_cast<C>(v->span<T>()[0]);
      }
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < src.size(); ++i) {
        const C v = static_cast<C>(src[i]);
        const C c = v < lo ? lo : v;  // np.clip: max wins when min > max
        dst[i] = static_cast<T>(c > hi ? hi : c);
      }
    });
  });
}

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

std::unique_ptr<Kernel> softmax_prepare(const KernelInfo& info, SoftmaxKind kind) {
  const bool legacy = info.since_version() < 13;  // before 13: coerced to 2-D at axis
  const std::int64_t axis_attr = info.attr_int("axis", legacy ? 1 : -1);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    if (x.size() == 0) return;
    const auto rank = static_cast<std::int64_t>(x.rank());
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
    std::int64_t outer = 1, len = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    if (legacy) {
      for (std::size_t i = axis; i < x.rank(); ++i) len *= x.dims()[i];
    } else {
      len = x.dims()[axis];
      for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    }
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      auto dst = y.mutable_span<T>();
      for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t in = 0; in < inner; ++in) {
          auto at = [&](std::int64_t j) {
            return static_cast<std::size_t>((o * len + j) * inner + in);
          };
          C mx = -std::numeric_limits<C>::infinity();
          std::int64_t arg = 0;
          for (std::int64_t j = 0; j < len; ++j) {
            const C v = static_cast<C>(src[at(j)]);
            if (v > mx) {
              mx = v;
              arg = j;
            }
          }
          if (kind == SoftmaxKind::kHardmax) {
            for (std::int64_t j = 0; j < len; ++j) dst[at(j)] = static_cast<T>(C(j == arg ? 1 : 0));
            continue;
          }
          C sum = 0;
          for (std::int64_t j = 0; j < len; ++j) sum += std::exp(static_cast<C>(src[at(j)]) - mx);
          for (std::int64_t j = 0; j < len; ++j) {
            const C v = static_cast<C>(src[at(j)]) - mx;
            dst[at(j)] = static_cast<T>(kind == SoftmaxKind::kSoftmax ? std::exp(v) / sum
                                                                      : v - std::log(sum));
          }
        }
      }
    });
  });
}

}  // namespace

void register_math_kernels(KernelRegistry& r) {
  const auto mm_types = type_list(
      {&kFloatTypes}, {DataType::kInt32, DataType::kInt64, DataType::kUint32, DataType::kUint64});
  add_simple(r, "MatMul", 1, kLatestVersion, matmul, {TypeRule{kA, mm_types}});
  KernelDef gemm;
  gemm.op = "Gemm";
  gemm.since_version = 1;  // before 7, C broadcast only with broadcast=1: a subset
  gemm.types = {TypeRule{kA, mm_types}};
  gemm.prepare = gemm_prepare;
  r.add(std::move(gemm));
  add_def(r, "Clip", 6, clip_prepare, {TypeRule{0, numeric_types()}});
  const std::pair<const char*, SoftmaxKind> softmaxes[] = {{"Softmax", SoftmaxKind::kSoftmax},
                                                           {"LogSoftmax", SoftmaxKind::kLogSoftmax},
                                                           {"Hardmax", SoftmaxKind::kHardmax}};
  for (const auto& [name, kind] : softmaxes) {
    KernelDef def;
    def.op = name;
    def.since_version = 1;
    def.types = {TypeRule{0, kFloatTypes}};
    def.prepare = [kind = kind](const KernelInfo& info) { return softmax_prepare(info, kind); };
    r.add(std::move(def));
  }
}

}  // namespace onnxkit::runtime
