// Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare
// (axes from the attribute, or from input 1 since ReduceSum-13 and the
// others' version 18), ArgMax and ArgMin.

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kData = 0;
constexpr std::size_t kAxes = 1;
constexpr std::size_t kOutput = 0;

enum class Reduce { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

struct ReducePlan {
  Dims out;                // with keepdims applied
  Dims out_strides;        // per input dim: stride in the output, 0 on reduced dims
  std::int64_t group = 1;  // elements folded into each output
};

ReducePlan plan_reduce(const Dims& in, std::vector<std::int64_t> axes, bool keepdims) {
  const auto rank = static_cast<std::int64_t>(in.size());
  std::vector<bool> reduced(in.size(), axes.empty());
  for (std::int64_t a : axes) reduced[static_cast<std::size_t>(normalize_axis(a, rank))] = true;
  ReducePlan p;
  Dims kept;  // output dims without the reduced ones
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (reduced[i]) {
      p.group *= in[i];
      if (keepdims) p.out.push_back(1);
    } else {
      p.out.push_back(in[i]);
      kept.push_back(in[i]);
    }
  }
  const Dims ks = strides_of(kept);
  p.out_strides.assign(in.size(), 0);
  for (std::size_t i = 0, k = 0; i < in.size(); ++i) {
    if (!reduced[i]) p.out_strides[i] = ks[k++];
  }
  return p;
}

template <typename T>
void reduce_typed(const Value& x, const ReducePlan& p, Reduce op, Value& y) {
  using C = compute_t<T>;
  using Acc = std::conditional_t<std::is_floating_point_v<C>, double, C>;
  const auto n = static_cast<std::size_t>(element_count(p.out));
  Acc init = 0;
  if (op == Reduce::kProd) init = 1;
  if (op == Reduce::kMax)
    init = std::is_floating_point_v<Acc> ? -std::numeric_limits<Acc>::infinity()
                                         : std::numeric_limits<Acc>::lowest();
  if (op == Reduce::kMin)
    init = std::is_floating_point_v<Acc> ? std::numeric_limits<Acc>::infinity()
                                         : std::numeric_limits<Acc>::max();
  std::vector<Acc> acc(n, init);
  std::vector<Acc> shift;
  const auto src = x.span<T>();
  if (op == Reduce::kLogSumExp) {  // subtract the max for stability
    shift.assign(n, std::is_floating_point_v<Acc> ? -std::numeric_limits<Acc>::infinity()
                                                  : std::numeric_limits<Acc>::lowest());
    reference::for_each_index<1>(
        x.dims(), {p.out_strides}, {0}, [&](std::int64_t i, const std::array<std::int64_t, 1>& o) {
          const Acc v = static_cast<Acc>(static_cast<C>(src[static_cast<std::size_t>(i)]));
          Acc& s = shift[static_cast<std::size_t>(o[0])];
          if (v > s) s = v;
        });
    for (Acc& s : shift) {
      if constexpr (std::is_floating_point_v<Acc>) {
        if (std::isinf(s)) s = 0;
      }
    }
  }
  reference::for_each_index<1>(
      x.dims(), {p.out_strides}, {0}, [&](std::int64_t i, const std::array<std::int64_t, 1>& o) {
        const Acc v = static_cast<Acc>(static_cast<C>(src[static_cast<std::size_t>(i)]));
        Acc& a = acc[static_cast<std::size_t>(o[0])];
        switch (op) {
          case Reduce::kSum:
          case Reduce::kMean:
          case Reduce::kLogSum:
            a += v;
            break;
          case Reduce::kMax:
            if (v > a || v != v) a = v;
            break;
          case Reduce::kMin:
            if (v < a || v != v) a = v;
            break;
          case Reduce::kProd:
            a *= v;
            break;
          case Reduce::kL1:
            a += v < 0 ? -v : v;
            break;
          case Reduce::kL2:
          case Reduce::kSumSquare:
            a += v * v;
            break;
          case Reduce::kLogSumExp:
            a += static_cast<Acc>(
                std::exp(static_cast<double>(v - shift[static_cast<std::size_t>(o[0])])));
            break;
        }
      });
  auto dst = y.mutable_span<T>();
  for (std::size_t i = 0; i < n; ++i) {
    Acc a = acc[i];
    switch (op) {
      case Reduce::kMean:
        a = p.group ? static_cast<Acc>(a / static_cast<Acc>(p.group))
                    : static_cast<Acc>(std::numeric_limits<double>::quiet_NaN());
        break;
      case Reduce::kL2:
        a = static_cast<Acc>(std::sqrt(static_cast<double>(a)));
        break;
      case Reduce::kLogSum:
        a = static_cast<Acc>(std::log(static_cast<double>(a)));
        break;
      case Reduce::kLogSumExp:
        a = static_cast<Acc>(std::log(static_cast<double>(a)) + static_cast<double>(shift[i]));
        break;
      default:
        break;
    }
    dst[i] = static_cast<T>(static_cast<C>(a));
  }
}

std::unique_ptr<Kernel> reduce_prepare(const KernelInfo& info, Reduce op,
                                       std::int64_t axes_input_since) {
  const bool keepdims = info.attr_int("keepdims", 1) != 0;
  const bool noop_empty = info.attr_int("noop_with_empty_axes", 0) != 0;
  const bool from_input = info.since_version() >= axes_input_since;
  const auto attr_axes = info.attr_ints("axes");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    std::vector<std::int64_t> axes = attr_axes;
    if (from_input) {
      const Value* a = ctx.input(kAxes);
      axes = a ? to_int64_vector(*a) : std::vector<std::int64_t>{};
      if (axes.empty() && noop_empty) {
        ctx.set_output(kOutput, x);
        return;
      }
    }
    const ReducePlan p = plan_reduce(x.dims(), axes, keepdims);
    if (x.dtype() == DataType::kBool) {
      // Max is "any", Min is "all": reduce the bytes as uint8 (0 or 1).
      if (op != Reduce::kMax && op != Reduce::kMin)
        fail("", "only ReduceMax and ReduceMin take bool inputs");
      Value bytes = Value::tensor(DataType::kUint8, x.dims());
      std::copy(x.bytes().begin(), x.bytes().end(), bytes.mutable_bytes().begin());
      Value reduced = Value::tensor(DataType::kUint8, p.out);
      reduce_typed<std::uint8_t>(bytes, p, op, reduced);
      Value& y = ctx.output(kOutput, DataType::kBool, p.out);
      std::copy(reduced.bytes().begin(), reduced.bytes().end(), y.mutable_bytes().begin());
      return;
    }
    Value& y = ctx.output(kOutput, x.dtype(), p.out);
    visit_numeric(x.dtype(),
                  [&](auto tag) { reduce_typed<typename decltype(tag)::type>(x, p, op, y); });
  });
}

std::unique_ptr<Kernel> arg_prepare(const KernelInfo& info, bool max) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  const bool keepdims = info.attr_int("keepdims", 1) != 0;
  const bool last = info.attr_int("select_last_index", 0) != 0;
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kData);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.dims()[i];
    for (std::size_t i = axis + 1; i < x.rank(); ++i) inner *= x.dims()[i];
    const std::int64_t len = x.dims()[axis];
    Dims out = x.dims();
    if (keepdims) {
      out[axis] = 1;
    } else {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(axis));
    }
    Value& y = ctx.output(kOutput, DataType::kInt64, out);
    auto dst = y.mutable_span<std::int64_t>();
    visit_numeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = x.span<T>();
      for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t in = 0; in < inner; ++in) {
          std::int64_t best = 0;
          C bv = static_cast<C>(src[static_cast<std::size_t>(o * len * inner + in)]);
          for (std::int64_t j = 1; j < len; ++j) {
            const C v = static_cast<C>(src[static_cast<std::size_t>((o * len + j) * inner + in)]);
            const bool better = max ? (last ? v >= bv : v > bv) : (last ? v <= bv : v < bv);
            if (better) {
              bv = v;
              best = j;
            }
          }
          dst[static_cast<std::size_t>(o * inner + in)] = best;
        }
      }
    });
  });
}

}  // namespace

void register_reduce_kernels(KernelRegistry& r) {
  const std::tuple<const char*, Reduce, std::int64_t> reductions[] = {
      {"ReduceSum", Reduce::kSum, 13},
      {"ReduceMean", Reduce::kMean, 18},
      {"ReduceMax", Reduce::kMax, 18},
      {"ReduceMin", Reduce::kMin, 18},
      {"ReduceProd", Reduce::kProd, 18},
      {"ReduceL1", Reduce::kL1, 18},
      {"ReduceL2", Reduce::kL2, 18},
      {"ReduceLogSum", Reduce::kLogSum, 18},
      {"ReduceLogSumExp", Reduce::kLogSumExp, 18},
      {"ReduceSumSquare", Reduce::kSumSquare, 18},
  };
  for (const auto& [name, op, since] : reductions) {
    KernelDef def;
    def.op = name;
    def.since_version = 1;
    // Bool inputs: ReduceMax/ReduceMin from opset 20.
    const bool takes_bool = op == Reduce::kMax || op == Reduce::kMin;
    def.types = {TypeRule{kData, takes_bool ? numeric_and_bool_types() : numeric_types()}};
    def.prepare = [op = op, since = since](const KernelInfo& info) {
      return reduce_prepare(info, op, since);
    };
    r.add(std::move(def));
  }
  for (const bool max : {true, false}) {
    KernelDef def;
    def.op = max ? "ArgMax" : "ArgMin";
    def.since_version = 1;
    def.types = {TypeRule{kData, numeric_types()}};
    def.prepare = [max](const KernelInfo& info) { return arg_prepare(info, max); };
    r.add(std::move(def));
  }
}

}  // namespace onnxkit::runtime
