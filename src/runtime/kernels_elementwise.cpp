// Elementwise ops with numpy broadcasting: arithmetic (Add Sub Mul Div Pow
// Mod), comparisons, logic, bitwise ops, variadic Max/Min/Sum/Mean, PRelu
// and Where. 16-bit floats compute in float.

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kInputA = 0;
constexpr std::size_t kInputB = 1;
constexpr std::size_t kOutput = 0;

Dims broadcast_or_fail(const Value& a, const Value& b) {
  const Dims* shapes[] = {&a.dims(), &b.dims()};
  auto out = reference::broadcast_dims(shapes);
  if (!out)
    fail("", "shapes " + dims_to_string(a.dims()) + " and " + dims_to_string(b.dims()) +
                 " do not broadcast");
  return *out;
}

/// out[i] = fn(a[i], b[i]) with broadcasting; A and B element types, Out the result's.
template <typename A, typename B, typename Out, typename F>
void binary_loop(const Value& a, const Value& b, Value& out, F&& fn) {
  const auto xa = a.span<A>();
  const auto xb = b.span<B>();
  auto y = out.mutable_span<Out>();
  if (a.dims() == b.dims()) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = fn(xa[i], xb[i]);
    return;
  }
  if (b.size() == 1 && out.size() == a.size()) {
    const B s = xb[0];
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = fn(xa[i], s);
    return;
  }
  const std::array<Dims, 2> strides{reference::broadcast_strides(a.dims(), out.dims()),
                                    reference::broadcast_strides(b.dims(), out.dims())};
  reference::for_each_index<2>(
      out.dims(), strides, {0, 0}, [&](std::int64_t o, const std::array<std::int64_t, 2>& p) {
        y[static_cast<std::size_t>(o)] =
            fn(xa[static_cast<std::size_t>(p[0])], xb[static_cast<std::size_t>(p[1])]);
      });
}

/// Arithmetic: the result has the inputs' type; computed in compute_t<T>.
template <bool kIntegersOnly = false, typename Op>
void arithmetic(KernelContext& ctx, Op op) {
  const Value& a = ctx.required_input(kInputA);
  const Value& b = ctx.required_input(kInputB);
  if (a.dtype() != b.dtype())
    fail("", "input types differ: " + a.describe() + " and " + b.describe());
  Value& y = ctx.output(kOutput, a.dtype(), broadcast_or_fail(a, b));
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    binary_loop<T, T, T>(a, b, y, [&](T x, T z) {
      return static_cast<T>(op(static_cast<C>(x), static_cast<C>(z)));
    });
  };
  if constexpr (kIntegersOnly) {
    visit_int(a.dtype(), body);
  } else {
    visit_numeric(a.dtype(), body);
  }
}

template <typename Op>
void compare(KernelContext& ctx, Op op) {
  const Value& a = ctx.required_input(kInputA);
  const Value& b = ctx.required_input(kInputB);
  if (a.dtype() != b.dtype())
    fail("", "input types differ: " + a.describe() + " and " + b.describe());
  Value& y = ctx.output(kOutput, DataType::kBool, broadcast_or_fail(a, b));
  if (a.dtype() == DataType::kString) {
    binary_loop<std::string, std::string, bool>(
        a, b, y, [&](const std::string& x, const std::string& z) { return op(x, z); });
    return;
  }
  visit_numeric_or_bool(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    binary_loop<T, T, bool>(a, b, y,
                            [&](T x, T z) { return op(static_cast<C>(x), static_cast<C>(z)); });
  });
}

template <typename Op>
void logical(KernelContext& ctx, Op op) {
  const Value& a = ctx.required_input(kInputA);
  const Value& b = ctx.required_input(kInputB);
  Value& y = ctx.output(kOutput, DataType::kBool, broadcast_or_fail(a, b));
  binary_loop<bool, bool, bool>(a, b, y, [&](bool x, bool z) { return op(x, z); });
}

template <typename T>
T int_div(T a, T b) {
  if (b == 0) return 0;  // undefined in ONNX; avoid the trap
  if constexpr (std::is_signed_v<T>) {
    if (a == std::numeric_limits<T>::min() && b == -1) return a;
  }
  return static_cast<T>(a / b);
}

template <typename C>
C nan_max(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<C>::quiet_NaN();
  }
  return a < b ? b : a;
}

template <typename C>
C nan_min(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<C>::quiet_NaN();
  }
  return b < a ? b : a;
}

// Max, Min, Sum, Mean: folds the inputs pairwise with broadcasting.
template <typename Op>
void variadic(KernelContext& ctx, Op op, bool mean) {
  const std::size_t n = ctx.input_count();
  if (n == 0) fail("", "needs at least one input");
  Value acc = ctx.required_input(0);
  for (std::size_t i = 1; i < n; ++i) {
    const Value& b = ctx.required_input(i);
    Value next = Value::tensor(acc.dtype(), broadcast_or_fail(acc, b));
    visit_numeric(acc.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      binary_loop<T, T, T>(acc, b, next, [&](T x, T z) {
        return static_cast<T>(op(static_cast<C>(x), static_cast<C>(z)));
      });
    });
    acc = std::move(next);
  }
  Value& y = ctx.output(kOutput, acc.dtype(), acc.dims());
  visit_numeric(acc.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    auto src = acc.span<T>();
    auto dst = y.mutable_span<T>();
    for (std::size_t i = 0; i < src.size(); ++i) {
      dst[i] = mean ? static_cast<T>(static_cast<C>(src[i]) / static_cast<C>(n)) : src[i];
    }
  });
}

void pow_kernel(KernelContext& ctx) {
  const Value& a = ctx.required_input(kInputA);
  const Value& b = ctx.required_input(kInputB);
  Value& y = ctx.output(kOutput, a.dtype(), broadcast_or_fail(a, b));
  visit_numeric(a.dtype(), [&](auto ta) {
    using A = typename decltype(ta)::type;
    visit_numeric(b.dtype(), [&](auto tb) {
      using B = typename decltype(tb)::type;
      binary_loop<A, B, A>(a, b, y, [](A x, B z) {
        const double r = std::pow(static_cast<double>(static_cast<compute_t<A>>(x)),
                                  static_cast<double>(static_cast<compute_t<B>>(z)));
        if constexpr (std::is_integral_v<A>)
          return static_cast<A>(static_cast<std::int64_t>(r));
        else
          return static_cast<A>(static_cast<compute_t<A>>(r));
      });
    });
  });
}

void where_kernel(KernelContext& ctx) {
  const Value& c = ctx.required_input(0);
  const Value& x = ctx.required_input(1);
  const Value& z = ctx.required_input(2);
  const Dims* shapes[] = {&c.dims(), &x.dims(), &z.dims()};
  auto dims = reference::broadcast_dims(shapes);
  if (!dims) fail("", "shapes of Where's inputs do not broadcast");
  Value& y = ctx.output(kOutput, x.dtype(), *dims);
  const std::array<Dims, 3> strides{reference::broadcast_strides(c.dims(), *dims),
                                    reference::broadcast_strides(x.dims(), *dims),
                                    reference::broadcast_strides(z.dims(), *dims)};
  const auto cond = c.span<bool>();
  if (x.dtype() == DataType::kString) {
    auto xs = x.string_data(), zs = z.string_data();
    auto ys = y.mutable_string_data();
    reference::for_each_index<3>(
        *dims, strides, {0, 0, 0}, [&](std::int64_t o, const std::array<std::int64_t, 3>& p) {
          ys[static_cast<std::size_t>(o)] = cond[static_cast<std::size_t>(p[0])]
                                                ? xs[static_cast<std::size_t>(p[1])]
                                                : zs[static_cast<std::size_t>(p[2])];
        });
    return;
  }
  const std::size_t size = element_size(x.dtype());
  const std::byte* xb = x.bytes().data();
  const std::byte* zb = z.bytes().data();
  std::byte* yb = y.mutable_bytes().data();
  reference::for_each_index<3>(
      *dims, strides, {0, 0, 0}, [&](std::int64_t o, const std::array<std::int64_t, 3>& p) {
        const std::byte* src = cond[static_cast<std::size_t>(p[0])]
                                   ? xb + p[1] * static_cast<std::int64_t>(size)
                                   : zb + p[2] * static_cast<std::int64_t>(size);
        std::memcpy(yb + o * static_cast<std::int64_t>(size), src, size);
      });
}

template <typename Op>
PrepareFn simple(Op op) {
  return [op](const KernelInfo&) { return make_kernel(op); };
}

void add(KernelRegistry& r, std::string op, std::int64_t since,
         std::function<void(KernelContext&)> fn, const std::vector<DataType>& types) {
  KernelDef def;
  def.op = std::move(op);
  def.since_version = since;
  def.types = {TypeRule{0, types}};
  def.prepare = [fn = std::move(fn)](const KernelInfo&) { return make_kernel(fn); };
  r.add(std::move(def));
}

// Before version 7, Add/Sub/Mul/Div took `broadcast` and `axis`: B is
// aligned with A's dims from `axis` on (default: A's trailing dims). PRelu-6
// and earlier broadcast a per-channel slope along dim 1. The kernel sees B
// reshaped so that numpy broadcasting gives the same answer.
class LegacyBroadcastContext final : public KernelContext {
 public:
  LegacyBroadcastContext(KernelContext& inner, Value b) : inner_(inner), b_(std::move(b)) {}
  std::size_t input_count() const override { return inner_.input_count(); }
  const Value* input(std::size_t i) const override { return i == kInputB ? &b_ : inner_.input(i); }
  std::size_t output_count() const override { return inner_.output_count(); }
  bool output_wanted(std::size_t i) const override { return inner_.output_wanted(i); }
  Value& output(std::size_t i, DataType dtype, Dims dims) override {
    return inner_.output(i, dtype, std::move(dims));
  }
  void set_output(std::size_t i, Value value) override { inner_.set_output(i, std::move(value)); }
  ThreadPool& threads() const override { return inner_.threads(); }

 private:
  KernelContext& inner_;
  Value b_;
};

class LegacyBroadcastKernel final : public Kernel {
 public:
  LegacyBroadcastKernel(std::unique_ptr<Kernel> inner, std::optional<std::int64_t> axis,
                        bool channel)
      : inner_(std::move(inner)), axis_(axis), channel_(channel) {}
  void run(KernelContext& ctx) const override {
    const Value& a = ctx.required_input(kInputA);
    const Value& b = ctx.required_input(kInputB);
    std::optional<std::int64_t> axis = axis_;
    if (!axis && channel_ && b.rank() == 1 && a.rank() >= 2 && b.dims()[0] == a.dims()[1] &&
        b.size() != 1)
      axis = 1;
    if (!axis || b.rank() >= a.rank()) {
      inner_->run(ctx);
      return;
    }
    const std::int64_t at = *axis < 0 ? *axis + static_cast<std::int64_t>(a.rank()) : *axis;
    Dims dims = b.dims();
    while (static_cast<std::int64_t>(dims.size()) + at < static_cast<std::int64_t>(a.rank()))
      dims.push_back(1);
    LegacyBroadcastContext legacy(ctx, b.reshaped(dims));
    inner_->run(legacy);
  }

 private:
  std::unique_ptr<Kernel> inner_;
  std::optional<std::int64_t> axis_;
  bool channel_;
};

void add_legacy_broadcast(KernelRegistry& r, const std::string& op, std::int64_t since,
                          std::int64_t until) {
  const KernelDef* modern = r.find("", op, 7, "cpu", {});
  PrepareFn inner = modern->prepare;
  KernelDef def;
  def.op = op;
  def.since_version = since;
  def.until_version = until;
  def.types = modern->types;
  const bool channel = op == "PRelu";
  def.prepare = [inner, channel](const KernelInfo& info) -> std::unique_ptr<Kernel> {
    std::optional<std::int64_t> axis;
    if (info.attr_int("broadcast", 0) != 0)
      axis = info.has_attr("axis") ? std::optional(info.attr_int("axis", 0)) : std::nullopt;
    return std::make_unique<LegacyBroadcastKernel>(inner(info), axis, channel);
  };
  r.add(std::move(def));
}

}  // namespace

void register_elementwise_kernels(KernelRegistry& r) {
  const auto& num = numeric_types();
  const auto ints = type_list({&kSignedIntTypes, &kUnsignedIntTypes});
  add(
      r, "Add", 7, [](KernelContext& c) { arithmetic(c, [](auto x, auto y) { return x + y; }); },
      num);
  add(
      r, "Sub", 7, [](KernelContext& c) { arithmetic(c, [](auto x, auto y) { return x - y; }); },
      num);
  add(
      r, "Mul", 7, [](KernelContext& c) { arithmetic(c, [](auto x, auto y) { return x * y; }); },
      num);
  add(
      r, "Div", 7,
      [](KernelContext& c) {
        arithmetic(c, [](auto x, auto y) {
          if constexpr (std::is_integral_v<decltype(x)>)
            return int_div(x, y);
          else
            return x / y;
        });
      },
      num);
  add(r, "Pow", 7, pow_kernel, num);
  add(
      r, "Equal", 7,
      [](KernelContext& c) { compare(c, [](const auto& x, const auto& y) { return x == y; }); },
      all_plain_types());
  add(
      r, "Less", 7,
      [](KernelContext& c) { compare(c, [](const auto& x, const auto& y) { return x < y; }); },
      num);
  add(
      r, "Greater", 7,
      [](KernelContext& c) { compare(c, [](const auto& x, const auto& y) { return x > y; }); },
      num);
  add(
      r, "LessOrEqual", 12,
      [](KernelContext& c) { compare(c, [](const auto& x, const auto& y) { return x <= y; }); },
      num);
  add(
      r, "GreaterOrEqual", 12,
      [](KernelContext& c) { compare(c, [](const auto& x, const auto& y) { return x >= y; }); },
      num);
  add(r, "And", 7, [](KernelContext& c) { logical(c, [](bool x, bool y) { return x && y; }); },
      {DataType::kBool});
  add(r, "Or", 7, [](KernelContext& c) { logical(c, [](bool x, bool y) { return x || y; }); },
      {DataType::kBool});
  add(r, "Xor", 7, [](KernelContext& c) { logical(c, [](bool x, bool y) { return x != y; }); },
      {DataType::kBool});
  add(
      r, "BitwiseAnd", 18,
      [](KernelContext& c) { arithmetic<true>(c, [](auto x, auto y) { return x & y; }); }, ints);
  add(
      r, "BitwiseOr", 18,
      [](KernelContext& c) { arithmetic<true>(c, [](auto x, auto y) { return x | y; }); }, ints);
  add(
      r, "BitwiseXor", 18,
      [](KernelContext& c) { arithmetic<true>(c, [](auto x, auto y) { return x ^ y; }); }, ints);
  add(
      r, "Max", 1,
      [](KernelContext& c) {
        variadic(
            c, [](auto x, auto y) { return nan_max(x, y); }, false);
      },
      num);
  add(
      r, "Min", 1,
      [](KernelContext& c) {
        variadic(
            c, [](auto x, auto y) { return nan_min(x, y); }, false);
      },
      num);
  add(
      r, "Sum", 1,
      [](KernelContext& c) {
        variadic(
            c, [](auto x, auto y) { return x + y; }, false);
      },
      num);
  add(
      r, "Mean", 1,
      [](KernelContext& c) {
        variadic(
            c, [](auto x, auto y) { return x + y; }, true);
      },
      num);
  add(
      r, "PRelu", 7,
      [](KernelContext& c) { arithmetic(c, [](auto x, auto s) { return x < 0 ? s * x : x; }); },
      num);

  for (const char* op : {"Add", "Sub", "Mul", "Div"}) add_legacy_broadcast(r, op, 1, 6);
  add_legacy_broadcast(r, "PRelu", 1, 6);
  add_legacy_broadcast(r, "Pow", 1, 6);

  KernelDef where;
  where.op = "Where";
  where.since_version = 9;
  where.prepare = simple(where_kernel);
  r.add(std::move(where));

  KernelDef mod;
  mod.op = "Mod";
  mod.since_version = 10;
  mod.types = {TypeRule{0, num}};
  mod.prepare = [](const KernelInfo& info) {
    const bool fmod = info.attr_int("fmod", 0) != 0;
    return make_kernel([fmod](KernelContext& c) {
      arithmetic(c, [fmod](auto x, auto y) {
        using C = decltype(x);
        if constexpr (std::is_floating_point_v<C>) {
          if (fmod) return static_cast<C>(std::fmod(x, y));
          C m = static_cast<C>(std::fmod(x, y));
          if (m != 0 && ((m < 0) != (y < 0))) m += y;
          return m;
        } else {
          if (y == 0) return C{0};
          C m = static_cast<C>(x % y);
          if constexpr (std::is_signed_v<C>) {
            if (!fmod && m != 0 && ((m < 0) != (y < 0))) m = static_cast<C>(m + y);
          }
          return m;
        }
      });
    });
  };
  r.add(std::move(mod));

  KernelDef shift;
  shift.op = "BitShift";
  shift.since_version = 11;
  shift.types = {TypeRule{0, kUnsignedIntTypes}};
  shift.prepare = [](const KernelInfo& info) {
    const std::string dir = info.attr_string("direction", "");
    if (dir != "LEFT" && dir != "RIGHT")
      info.fail("direction must be LEFT or RIGHT, got '" + dir + "'");
    const bool left = dir == "LEFT";
    return make_kernel([left](KernelContext& c) {
      arithmetic<true>(c, [left](auto x, auto y) {
        using C = decltype(x);
        if (static_cast<std::uint64_t>(y) >= sizeof(C) * 8) return C{0};
        return static_cast<C>(left ? x << y : x >> y);
      });
    });
  };
  r.add(std::move(shift));
}

}  // namespace onnxkit::runtime
