// Loss ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (which is
// a log-softmax over the class axis followed by the same gather-and-reduce).

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kInput = 0;   // NLL: log-probabilities; SCE: scores (N, C, d1..dk)
constexpr std::size_t kTarget = 1;  // class indices (N, d1..dk)
constexpr std::size_t kWeight = 2;  // optional per-class weights (C)
constexpr std::size_t kLoss = 0;
constexpr std::size_t kLogProb = 1;  // SCE only

enum class Reduction { kNone, kSum, kMean };

Reduction parse_reduction(const KernelInfo& info) {
  const std::string r = info.attr_string("reduction", "mean");
  if (r == "none") return Reduction::kNone;
  if (r == "sum") return Reduction::kSum;
  if (r == "mean") return Reduction::kMean;
  info.fail("reduction must be 'none', 'sum' or 'mean', got '" + r + "'");
}

struct LossAttrs {
  Reduction reduction = Reduction::kMean;
  std::optional<std::int64_t> ignore_index;
};

LossAttrs parse_attrs(const KernelInfo& info) {
  LossAttrs a;
  a.reduction = parse_reduction(info);
  if (info.has_attr("ignore_index")) a.ignore_index = info.attr_int("ignore_index", 0);
  return a;
}

template <typename T>
void write_as(Value& v, std::size_t i, double x) {
  v.mutable_span<T>()[i] = static_cast<T>(static_cast<reference::compute_t<T>>(x));
}

/// The shared tail of both losses: loss[n,d] = -logp[n, t[n,d], d] * w[t],
/// then the reduction. `logp` is (N, C, D) flattened, in double.
template <typename T>
void gather_and_reduce(KernelContext& ctx, const LossAttrs& a, const std::vector<double>& logp,
                       const Value& input, const Value& target, const Value* weight) {
  const Dims& in = input.dims();
  const std::int64_t n = in[0];
  const std::int64_t c = in[1];
  const std::int64_t d = n == 0 || c == 0 ? 0 : input.size() / (n * c);
  if (target.size() != n * d)
    fail("", "target " + target.describe() + " does not match input " + input.describe());
  const std::vector<std::int64_t> t = to_int64_vector(target);
  std::vector<double> w;
  if (weight != nullptr) {
    if (weight->size() != c)
      fail("", "weight " + weight->describe() + " must have C=" + std::to_string(c) + " elements");
    for (std::int64_t k = 0; k < c; ++k)
      w.push_back(static_cast<double>(
          static_cast<reference::compute_t<T>>(weight->span<T>()[static_cast<std::size_t>(k)])));
  }
  std::vector<double> loss(static_cast<std::size_t>(n * d), 0.0);
  double weight_sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < d; ++j) {
      const auto at = static_cast<std::size_t>(i * d + j);
      const std::int64_t cls = t[at];
      if (a.ignore_index && cls == *a.ignore_index) continue;
      if (cls < 0 || cls >= c)
        fail("", "target class " + std::to_string(cls) + " is out of range [0, " +
                     std::to_string(c) + ")");
      const double wt = w.empty() ? 1.0 : w[static_cast<std::size_t>(cls)];
      loss[at] = -logp[static_cast<std::size_t>((i * c + cls) * d + j)] * wt;
      weight_sum += wt;
    }
  }
  if (a.reduction == Reduction::kNone) {
    Value& out = ctx.output(kLoss, input.dtype(), target.dims());
    for (std::size_t k = 0; k < loss.size(); ++k) write_as<T>(out, k, loss[k]);
    return;
  }
  double total = 0;
  for (const double v : loss) total += v;
  if (a.reduction == Reduction::kMean) {
    // Without weights or ignore_index this is the plain mean over all elements.
    if (w.empty() && !a.ignore_index) weight_sum = static_cast<double>(loss.size());
    total /= weight_sum;
  }
  Value& out = ctx.output(kLoss, input.dtype(), {});
  write_as<T>(out, 0, total);
}

void check_shapes(const Value& input, const Value& target) {
  if (input.rank() < 2) fail("", "input must be (N, C, ...), got " + input.describe());
  if (target.rank() + 1 != input.rank())
    fail("", "target " + target.describe() + " must have rank " + std::to_string(input.rank() - 1));
}

std::unique_ptr<Kernel> nll_prepare(const KernelInfo& info) {
  const LossAttrs a = parse_attrs(info);
  return make_kernel([a](KernelContext& ctx) {
    const Value& input = ctx.required_input(kInput);
    const Value& target = ctx.required_input(kTarget);
    check_shapes(input, target);
    visit_float(input.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<double> logp(static_cast<std::size_t>(input.size()));
      const auto src = input.span<T>();
      for (std::size_t k = 0; k < logp.size(); ++k)
        logp[k] = static_cast<double>(static_cast<reference::compute_t<T>>(src[k]));
      gather_and_reduce<T>(ctx, a, logp, input, target, ctx.input(kWeight));
    });
  });
}

std::unique_ptr<Kernel> sce_prepare(const KernelInfo& info) {
  const LossAttrs a = parse_attrs(info);
  return make_kernel([a](KernelContext& ctx) {
    const Value& scores = ctx.required_input(kInput);
    const Value& labels = ctx.required_input(kTarget);
    check_shapes(scores, labels);
    visit_float(scores.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const std::int64_t n = scores.dims()[0];
      const std::int64_t c = scores.dims()[1];
      const std::int64_t d = n == 0 || c == 0 ? 0 : scores.size() / (n * c);
      const auto src = scores.span<T>();
      std::vector<double> logp(static_cast<std::size_t>(scores.size()));
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t j = 0; j < d; ++j) {
          auto at = [&](std::int64_t k) { return static_cast<std::size_t>((i * c + k) * d + j); };
          double mx = -INFINITY;
          for (std::int64_t k = 0; k < c; ++k)
            mx =
                std::max(mx, static_cast<double>(static_cast<reference::compute_t<T>>(src[at(k)])));
          double sum = 0;
          for (std::int64_t k = 0; k < c; ++k)
            sum += std::exp(static_cast<double>(static_cast<reference::compute_t<T>>(src[at(k)])) -
                            mx);
          const double log_sum = std::log(sum);
          for (std::int64_t k = 0; k < c; ++k)
            logp[at(k)] = static_cast<double>(static_cast<reference::compute_t<T>>(src[at(k)])) -
                          mx - log_sum;
        }
      }
      if (ctx.output_wanted(kLogProb)) {
        Value& lp = ctx.output(kLogProb, scores.dtype(), scores.dims());
        for (std::size_t k = 0; k < logp.size(); ++k) write_as<T>(lp, k, logp[k]);
      }
      gather_and_reduce<T>(ctx, a, logp, scores, labels, ctx.input(kWeight));
    });
  });
}

// Every kernel here takes float inputs (and, for the losses, integer targets).
void add_loss_def(KernelRegistry& r, std::string op, std::int64_t since, PrepareFn prepare) {
  add_def(r, std::move(op), since, std::move(prepare),
          {TypeRule{kInput, kFloatTypes}, TypeRule{kTarget, {DataType::kInt32, DataType::kInt64}}});
}

}  // namespace

void register_loss_kernels(KernelRegistry& r) {
  add_loss_def(r, "NegativeLogLikelihoodLoss", 12, nll_prepare);
  add_loss_def(r, "SoftmaxCrossEntropyLoss", 12, sce_prepare);
}

}  // namespace onnxkit::runtime
