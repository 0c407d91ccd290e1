// Elementwise unary ops: activations and math functions. Floats compute in
// float or double (16-bit floats in float); Abs, Neg, Sign, Relu also take
// integers.

#include <cmath>
#include <numbers>
#include <type_traits>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kInput = 0;
constexpr std::size_t kOutput = 0;

enum class Domain { kFloat, kNumeric, kSigned };

/// y[i] = fn(x[i]) over the types of `domain`.
template <Domain kDomain, typename F>
void unary(KernelContext& ctx, const F& fn) {
  const Value& x = ctx.required_input(kInput);
  Value& y = ctx.output(kOutput, x.dtype(), x.dims());
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const auto src = x.span<T>();
    auto dst = y.mutable_span<T>();
    for (std::size_t i = 0; i < src.size(); ++i)
      dst[i] = static_cast<T>(fn(static_cast<C>(src[i])));
  };
  if constexpr (kDomain == Domain::kFloat) {
    visit_float(x.dtype(), body);
  } else {
    visit_numeric(x.dtype(), body);
  }
}

/// Registers `op` from `since` with a kernel made by make(info) -> fn(x).
template <Domain kDomain = Domain::kFloat, typename Make>
void add_unary(KernelRegistry& r, std::string op, std::int64_t since, Make make) {
  KernelDef def;
  def.op = std::move(op);
  def.since_version = since;
  if constexpr (kDomain == Domain::kFloat) {
    def.types = {TypeRule{kInput, kFloatTypes}};
  } else if constexpr (kDomain == Domain::kSigned) {
    def.types = {TypeRule{kInput, type_list({&kFloatTypes, &kSignedIntTypes})}};
  } else {
    def.types = {TypeRule{kInput, numeric_types()}};
  }
  def.prepare = [make](const KernelInfo& info) {
    auto fn = make(info);
    return make_kernel([fn](KernelContext& ctx) { unary<kDomain>(ctx, fn); });
  };
  r.add(std::move(def));
}

/// A function without attributes.
template <Domain kDomain = Domain::kFloat, typename F>
void add_plain(KernelRegistry& r, std::string op, std::int64_t since, F fn) {
  add_unary<kDomain>(r, std::move(op), since, [fn](const KernelInfo&) { return fn; });
}

template <typename C>
C sigmoid(C x) {
  return x >= 0 ? C(1) / (C(1) + std::exp(-x)) : std::exp(x) / (C(1) + std::exp(x));
}

template <typename Out, typename F>
void predicate(KernelContext& ctx, const F& fn) {
  const Value& x = ctx.required_input(kInput);
  Value& y = ctx.output(kOutput, DataType::kBool, x.dims());
  auto dst = y.mutable_span<bool>();
  visit_float(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const auto src = x.span<T>();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i] = fn(static_cast<C>(src[i]));
  });
}

}  // namespace

void register_unary_kernels(KernelRegistry& r) {
  add_plain<Domain::kNumeric>(r, "Abs", 6, [](auto x) {
    if constexpr (std::is_unsigned_v<decltype(x)>)
      return x;
    else
      return x < 0 ? -x : x;
  });
  add_plain<Domain::kSigned>(r, "Neg", 6, [](auto x) { return -x; });
  add_plain<Domain::kNumeric>(r, "Sign", 9, [](auto x) {
    using C = decltype(x);
    if constexpr (std::is_unsigned_v<C>)
      return static_cast<C>(x > 0 ? 1 : 0);
    else
      return static_cast<C>(x > 0 ? 1 : (x < 0 ? -1 : 0));
  });
  add_plain<Domain::kSigned>(r, "Relu", 6, [](auto x) { return x > 0 ? x : decltype(x){0}; });
  add_plain(r, "Sigmoid", 6, [](auto x) { return sigmoid(x); });
  add_plain(r, "Tanh", 6, [](auto x) { return std::tanh(x); });
  add_plain(r, "Exp", 6, [](auto x) { return std::exp(x); });
  add_plain(r, "Log", 6, [](auto x) { return std::log(x); });
  add_plain(r, "Sqrt", 6, [](auto x) { return std::sqrt(x); });
  add_plain(r, "Reciprocal", 6, [](auto x) { return decltype(x)(1) / x; });
  add_plain(r, "Floor", 6, [](auto x) { return std::floor(x); });
  add_plain(r, "Ceil", 6, [](auto x) { return std::ceil(x); });
  add_plain(r, "Round", 11, [](auto x) { return std::nearbyint(x); });
  add_plain(r, "Sin", 7, [](auto x) { return std::sin(x); });
  add_plain(r, "Cos", 7, [](auto x) { return std::cos(x); });
  add_plain(r, "Tan", 7, [](auto x) { return std::tan(x); });
  add_plain(r, "Asin", 7, [](auto x) { return std::asin(x); });
  add_plain(r, "Acos", 7, [](auto x) { return std::acos(x); });
  add_plain(r, "Atan", 7, [](auto x) { return std::atan(x); });
  add_plain(r, "Sinh", 9, [](auto x) { return std::sinh(x); });
  add_plain(r, "Cosh", 9, [](auto x) { return std::cosh(x); });
  add_plain(r, "Asinh", 9, [](auto x) { return std::asinh(x); });
  add_plain(r, "Acosh", 9, [](auto x) { return std::acosh(x); });
  add_plain(r, "Atanh", 9, [](auto x) { return std::atanh(x); });
  add_plain(r, "Erf", 9, [](auto x) { return std::erf(x); });
  add_plain(r, "Softsign", 1, [](auto x) { return x / (decltype(x)(1) + std::abs(x)); });
  add_plain(r, "Softplus", 1,
            [](auto x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); });
  add_plain(r, "Mish", 18, [](auto x) {
    const auto sp = x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    return x * std::tanh(sp);
  });
  add_plain(r, "HardSwish", 14, [](auto x) {
    using C = decltype(x);
    return x * std::max(C(0), std::min(C(1), x / C(6) + C(0.5)));
  });

  add_unary(r, "LeakyRelu", 6, [](const KernelInfo& i) {
    const float alpha = i.attr_float("alpha", 0.01f);
    return [alpha](auto x) { return x >= 0 ? x : static_cast<decltype(x)>(alpha) * x; };
  });
  add_unary(r, "Elu", 6, [](const KernelInfo& i) {
    const float alpha = i.attr_float("alpha", 1.0f);
    return [alpha](auto x) { return x >= 0 ? x : static_cast<decltype(x)>(alpha) * std::expm1(x); };
  });
  add_unary(r, "Celu", 12, [](const KernelInfo& i) {
    const float alpha = i.attr_float("alpha", 1.0f);
    return [alpha](auto x) {
      using C = decltype(x);
      const C a = static_cast<C>(alpha);
      return std::max(C(0), x) + std::min(C(0), a * std::expm1(x / a));
    };
  });
  add_unary(r, "Selu", 6, [](const KernelInfo& i) {
    const float alpha = i.attr_float("alpha", 1.67326319217681884765625f);
    const float gamma = i.attr_float("gamma", 1.05070102214813232421875f);
    return [alpha, gamma](auto x) {
      using C = decltype(x);
      return static_cast<C>(gamma) * (x > 0 ? x : static_cast<C>(alpha) * std::expm1(x));
    };
  });
  add_unary(r, "HardSigmoid", 6, [](const KernelInfo& i) {
    const float alpha = i.attr_float("alpha", 0.2f);
    const float beta = i.attr_float("beta", 0.5f);
    return [alpha, beta](auto x) {
      using C = decltype(x);
      return std::max(C(0), std::min(C(1), static_cast<C>(alpha) * x + static_cast<C>(beta)));
    };
  });
  add_unary(r, "ThresholdedRelu", 10, [](const KernelInfo& i) {
    const float alpha = i.attr_float("alpha", 1.0f);
    return [alpha](auto x) { return x > static_cast<decltype(x)>(alpha) ? x : decltype(x)(0); };
  });
  add_unary(r, "Shrink", 9, [](const KernelInfo& i) {
    const float bias = i.attr_float("bias", 0.0f);
    const float lambd = i.attr_float("lambd", 0.5f);
    return [bias, lambd](auto x) {
      using C = decltype(x);
      if (x < static_cast<C>(-lambd)) return static_cast<C>(x + static_cast<C>(bias));
      if (x > static_cast<C>(lambd)) return static_cast<C>(x - static_cast<C>(bias));
      return C(0);
    };
  });
  add_unary(r, "Gelu", 20, [](const KernelInfo& i) {
    const std::string approximate = i.attr_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh")
      i.fail("approximate must be 'none' or 'tanh'");
    const bool tanh = approximate == "tanh";
    return [tanh](auto x) {
      using C = decltype(x);
      if (tanh) {
        const C k = static_cast<C>(std::sqrt(2.0 / std::numbers::pi));
        return C(0.5) * x * (C(1) + std::tanh(k * (x + C(0.044715) * x * x * x)));
      }
      return C(0.5) * x * (C(1) + std::erf(x / static_cast<C>(std::numbers::sqrt2)));
    };
  });

  add_simple(r, "Not", 1, kLatestVersion,
             [](KernelContext& ctx) {
               const Value& x = ctx.required_input(kInput);
               Value& y = ctx.output(kOutput, DataType::kBool, x.dims());
               const auto src = x.span<bool>();
               auto dst = y.mutable_span<bool>();
               for (std::size_t i = 0; i < src.size(); ++i) dst[i] = !src[i];
             },
             {TypeRule{kInput, {DataType::kBool}}});
  add_simple(r, "BitwiseNot", 18, kLatestVersion,
             [](KernelContext& ctx) {
               const Value& x = ctx.required_input(kInput);
               Value& y = ctx.output(kOutput, x.dtype(), x.dims());
               visit_int(x.dtype(), [&](auto tag) {
                 using T = typename decltype(tag)::type;
                 const auto src = x.span<T>();
                 auto dst = y.mutable_span<T>();
                 for (std::size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<T>(~src[i]);
               });
             },
             {TypeRule{kInput, type_list({&kSignedIntTypes, &kUnsignedIntTypes})}});
  add_simple(r, "IsNaN", 9, kLatestVersion,
             [](KernelContext& ctx) { predicate<bool>(ctx, [](auto x) { return std::isnan(x); }); },
             {TypeRule{kInput, kFloatTypes}});
  KernelDef isinf;
  isinf.op = "IsInf";
  isinf.since_version = 10;
  isinf.types = {TypeRule{kInput, kFloatTypes}};
  isinf.prepare = [](const KernelInfo& info) {
    const bool neg = info.attr_int("detect_negative", 1) != 0;
    const bool pos = info.attr_int("detect_positive", 1) != 0;
    return make_kernel([neg, pos](KernelContext& ctx) {
      predicate<bool>(
          ctx, [neg, pos](auto x) { return std::isinf(x) && ((x > 0 && pos) || (x < 0 && neg)); });
    });
  };
  r.add(std::move(isinf));
}

}  // namespace onnxkit::runtime
