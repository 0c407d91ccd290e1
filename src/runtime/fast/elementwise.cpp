// Float32 arithmetic (Add, Sub, Mul, Div) for the broadcasts models use
// (same shapes, a scalar, a trailing row such as a bias), and Pow by a
// constant exponent (x*x for 2: LayerNorm's variance), as flat loops the
// compiler vectorizes, split across the intra-op pool. Other broadcasts go
// to the reference kernel the fast one holds.

#include <cmath>
#include <optional>

#include "onnxkit/runtime/thread_pool.h"
#include "runtime/fast/fast_kernels.h"
#include "runtime/fast/onednn.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime::fast {
namespace {

constexpr std::size_t kA = 0;
constexpr std::size_t kB = 1;
constexpr std::size_t kOutput = 0;
constexpr std::int64_t kGrain = 1 << 14;  // elements per chunk of the pool

enum class Op { kAdd, kSub, kMul, kDiv };

template <Op op>
inline float apply(float a, float b) {
  if constexpr (op == Op::kAdd) return a + b;
  if constexpr (op == Op::kSub) return a - b;
  if constexpr (op == Op::kMul) return a * b;
  return a / b;
}

/// How B (or A) lines up with the output: the same elements, one scalar, or
/// a row repeated along the leading dims.
enum class Shape { kSame, kScalar, kRow, kOther };

Shape fit(const Dims& in, const Dims& out) {
  const std::int64_t n = element_count(in);
  if (in == out) return Shape::kSame;
  if (n == 1) return Shape::kScalar;
  // in's dims, leading 1s dropped, must be out's trailing dims.
  std::size_t lead = 0;
  while (lead < in.size() && in[lead] == 1) ++lead;
  const std::size_t k = in.size() - lead;
  if (k > out.size()) return Shape::kOther;
  for (std::size_t i = 0; i < k; ++i) {
    if (in[lead + i] != out[out.size() - k + i]) return Shape::kOther;
  }
  return Shape::kRow;
}

template <Op op>
class FastBinary final : public Kernel {
 public:
  explicit FastBinary(std::unique_ptr<Kernel> fallback) : fallback_(std::move(fallback)) {}

  void run(KernelContext& ctx) const override {
    const Value& a = ctx.required_input(kA);
    const Value& b = ctx.required_input(kB);
    const Dims* shapes[] = {&a.dims(), &b.dims()};
    const auto out = reference::broadcast_dims(shapes);
    if (!out || a.dtype() != DataType::kFloat || b.dtype() != DataType::kFloat)
      return fallback_->run(ctx);
    const Shape fa = fit(a.dims(), *out), fb = fit(b.dims(), *out);
    if (fa == Shape::kOther || fb == Shape::kOther || (fa != Shape::kSame && fb != Shape::kSame)) {
      return fallback_->run(ctx);
    }
    Value& y = ctx.output(kOutput, DataType::kFloat, *out);
    const float* pa = a.span<float>().data();
    const float* pb = b.span<float>().data();
    float* py = y.mutable_span<float>().data();
    const std::int64_t n = y.size();
    // The broadcast operand: its length (1 for a scalar) and which side it is.
    const bool b_small = fb != Shape::kSame;
    const std::int64_t row = b_small ? b.size() : a.size();
    ctx.threads().parallel_for(n, kGrain, [&](std::int64_t lo, std::int64_t hi) {
      if (fa == Shape::kSame && fb == Shape::kSame) {
        for (std::int64_t i = lo; i < hi; ++i) py[i] = apply<op>(pa[i], pb[i]);
      } else if (row == 1) {
        const float s = b_small ? pb[0] : pa[0];
        if (b_small) {
          for (std::int64_t i = lo; i < hi; ++i) py[i] = apply<op>(pa[i], s);
        } else {
          for (std::int64_t i = lo; i < hi; ++i) py[i] = apply<op>(s, pb[i]);
        }
      } else {
        for (std::int64_t i = lo; i < hi;) {
          const std::int64_t j0 = i % row, len = std::min(row - j0, hi - i);
          if (b_small) {
            for (std::int64_t j = 0; j < len; ++j) py[i + j] = apply<op>(pa[i + j], pb[j0 + j]);
          } else {
            for (std::int64_t j = 0; j < len; ++j) py[i + j] = apply<op>(pa[j0 + j], pb[i + j]);
          }
          i += len;
        }
      }
    });
  }

 private:
  std::unique_ptr<Kernel> fallback_;
};

/// Pow with a constant scalar exponent.
class FastPow final : public Kernel {
 public:
  FastPow(double exponent, std::size_t exponent_rank, std::unique_ptr<Kernel> fallback)
      : e_(exponent), e_rank_(exponent_rank), fallback_(std::move(fallback)) {}

  void run(KernelContext& ctx) const override {
    const Value& x = ctx.required_input(kA);
    // An exponent of higher rank would add dims to the output.
    if (x.dtype() != DataType::kFloat || x.rank() < e_rank_) return fallback_->run(ctx);
    Value& y = ctx.output(kOutput, DataType::kFloat, x.dims());
    const float* px = x.span<float>().data();
    float* py = y.mutable_span<float>().data();
    ctx.threads().parallel_for(y.size(), kGrain, [&](std::int64_t lo, std::int64_t hi) {
      if (e_ == 2.0) {
        for (std::int64_t i = lo; i < hi; ++i) py[i] = px[i] * px[i];
      } else if (e_ == 0.5) {
        for (std::int64_t i = lo; i < hi; ++i) py[i] = std::sqrt(px[i]);
      } else {
        // In double and rounded once, as the reference does.
        for (std::int64_t i = lo; i < hi; ++i)
          py[i] = static_cast<float>(std::pow(static_cast<double>(px[i]), e_));
      }
    });
  }

 private:
  double e_;
  std::size_t e_rank_;
  std::unique_ptr<Kernel> fallback_;
};

template <Op op>
std::unique_ptr<Kernel> binary_prepare(const KernelInfo& info) {
  if (info.input_dtype(kA) != DataType::kFloat || info.input_dtype(kB) != DataType::kFloat)
    return nullptr;
  return std::make_unique<FastBinary<op>>(reference_kernel(info));
}

std::unique_ptr<Kernel> pow_prepare(const KernelInfo& info) {
  const Value* e = info.constant_input(kB);
  if (info.input_dtype(kA) != DataType::kFloat || e == nullptr || e->size() != 1 || !e->is_tensor())
    return nullptr;
  if (e->dtype() != DataType::kFloat && e->dtype() != DataType::kDouble &&
      e->dtype() != DataType::kInt32 && e->dtype() != DataType::kInt64) {
    return nullptr;
  }
  return std::make_unique<FastPow>(scalar_as_double(*e), e->rank(), reference_kernel(info));
}

void add(KernelRegistry& r, const char* op, PrepareFn prepare) {
  KernelDef def;
  def.op = op;
  def.since_version = 7;  // versions 1-6 had the legacy broadcast attribute
  def.provider = "cpu-fast";
  def.types = {TypeRule{kA, {DataType::kFloat}}};
  def.prepare = std::move(prepare);
  r.add(std::move(def));
}

}  // namespace

void register_fast_elementwise(KernelRegistry& r) {
  add(r, "Add", binary_prepare<Op::kAdd>);
  add(r, "Sub", binary_prepare<Op::kSub>);
  add(r, "Mul", binary_prepare<Op::kMul>);
  add(r, "Div", binary_prepare<Op::kDiv>);
  add(r, "Pow", pow_prepare);
}

}  // namespace onnxkit::runtime::fast
