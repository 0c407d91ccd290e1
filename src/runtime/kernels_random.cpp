// Random sampling: Bernoulli and RandomUniformLike. A `seed` attribute makes
// a kernel repeatable (the same seed gives the same draws on every run);
// without one each run draws fresh values. The generator is std::mt19937_64,
// so values differ from other runtimes' for the same seed (the conformance
// suite checks these outputs for type and shape only).

#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

/// A generator for one run: from the seed attribute when given, else fresh.
std::mt19937_64 generator(bool seeded, float seed) {
  if (seeded) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &seed, sizeof bits);
    return std::mt19937_64(bits);
  }
  static std::atomic<std::uint64_t> counter{0};
  return std::mt19937_64(std::random_device{}() ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull));
}

/// Writes draws (doubles) into `y` of any numeric or bool type.
template <typename Draw>
void fill(Value& y, Draw&& draw) {
  visit_numeric_or_bool(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto dst = y.mutable_span<T>();
    for (auto& e : dst) e = static_cast<T>(static_cast<compute_t<T>>(draw()));
  });
}

std::vector<double> probabilities(const Value& x) {
  std::vector<double> out;
  visit_float(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (const T e : x.span<T>()) out.push_back(static_cast<double>(static_cast<compute_t<T>>(e)));
  });
  return out;
}

// Bernoulli: y[i] = 1 with probability x[i], else 0; y's type is `dtype` or x's.
std::unique_ptr<Kernel> bernoulli_prepare(const KernelInfo& info) {
  const bool seeded = info.has_attr("seed");
  const float seed = info.attr_float("seed", 0);
  const bool has_dtype = info.has_attr("dtype");
  const auto dtype = static_cast<DataType>(info.attr_int("dtype", 0));
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const std::vector<double> p = probabilities(x);
    Value& y = ctx.output(0, has_dtype ? dtype : x.dtype(), x.dims());
    auto gen = generator(seeded, seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::size_t i = 0;
    fill(y, [&] { return u(gen) < p[i++] ? 1.0 : 0.0; });
  });
}

// RandomUniformLike: uniform draws in [low, high) with the input's shape.
std::unique_ptr<Kernel> random_uniform_like_prepare(const KernelInfo& info) {
  const bool seeded = info.has_attr("seed");
  const float seed = info.attr_float("seed", 0);
  const bool has_dtype = info.has_attr("dtype");
  const auto dtype = static_cast<DataType>(info.attr_int("dtype", 0));
  const double low = info.attr_float("low", 0.0f), high = info.attr_float("high", 1.0f);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    Value& y = ctx.output(0, has_dtype ? dtype : x.dtype(), x.dims());
    auto gen = generator(seeded, seed);
    std::uniform_real_distribution<double> u(low, high);
    fill(y, [&] { return u(gen); });
  });
}

}  // namespace

void register_random_kernels(KernelRegistry& r) {
  add_def(r, "Bernoulli", 15, bernoulli_prepare);
  add_def(r, "RandomUniformLike", 1, random_uniform_like_prepare);
}

}  // namespace onnxkit::runtime
