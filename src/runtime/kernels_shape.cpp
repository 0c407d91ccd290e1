// Ops that change how a tensor is seen, not its elements: Identity, Reshape,
// Flatten, Squeeze, Unsqueeze (views of the same storage), and the small
// shape computations Shape, Size, Expand, ConstantOfShape, Range, Constant.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "onnxkit/runtime/tensor_io.h"
#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kData = 0;
constexpr std::size_t kShape = 1;
constexpr std::size_t kAxes = 1;
constexpr std::size_t kOutput = 0;

void identity(KernelContext& ctx) { ctx.set_output(kOutput, ctx.required_input(kData)); }

Dims reshape_dims(const Dims& in, const std::vector<std::int64_t>& shape, bool allow_zero) {
  Dims out(shape.begin(), shape.end());
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0 && !allow_zero) {
      if (i >= in.size())
        fail("", "shape entry 0 at " + std::to_string(i) + " has no input dim to copy");
      out[i] = in[i];
    }
    if (out[i] == -1) {
      if (infer >= 0) fail("", "shape has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (out[i] < 0) fail("", "invalid shape entry " + std::to_string(out[i]));
    known *= out[i];
  }
  const std::int64_t total = element_count(in);
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      fail("", "cannot reshape " + dims_to_string(in) + " to " +
                   dims_to_string(Dims(shape.begin(), shape.end())));
    }
    out[static_cast<std::size_t>(infer)] = total / known;
  }
  if (element_count(out) != total) {
    fail("", "cannot reshape " + dims_to_string(in) + " to " +
                 dims_to_string(Dims(shape.begin(), shape.end())));
  }
  return out;
}

PrepareFn squeeze_prepare() {
  return [](const KernelInfo& info) {
    const std::int64_t version = info.since_version();
    const auto attr = info.attr_ints("axes");
    return make_kernel([version, attr](KernelContext& ctx) {
      const Value& x = ctx.required_input(kData);
      std::vector<std::int64_t> axes = attr;
      if (version >= 13) {
        const Value* a = ctx.input(kAxes);
        axes = a ? to_int64_vector(*a) : std::vector<std::int64_t>{};
      }
      const auto rank = static_cast<std::int64_t>(x.rank());
      std::vector<bool> drop(x.rank(), false);
      if (axes.empty()) {
        for (std::size_t i = 0; i < x.rank(); ++i) drop[i] = x.dims()[i] == 1;
      }
      for (std::int64_t a : axes) {
        const auto i = static_cast<std::size_t>(normalize_axis(a, rank));
        if (x.dims()[i] != 1)
          fail("", "cannot squeeze axis " + std::to_string(a) + " of " + x.describe());
        drop[i] = true;
      }
      Dims out;
      for (std::size_t i = 0; i < x.rank(); ++i) {
        if (!drop[i]) out.push_back(x.dims()[i]);
      }
      ctx.set_output(kOutput, x.reshaped(out));
    });
  };
}

PrepareFn unsqueeze_prepare() {
  return [](const KernelInfo& info) {
    const std::int64_t version = info.since_version();
    const auto attr = info.attr_ints("axes");
    return make_kernel([version, attr](KernelContext& ctx) {
      const Value& x = ctx.required_input(kData);
      std::vector<std::int64_t> axes = attr;
      if (version >= 13) axes = to_int64_vector(ctx.required_input(kAxes));
      const auto rank = static_cast<std::int64_t>(x.rank() + axes.size());
      std::vector<bool> added(static_cast<std::size_t>(rank), false);
      for (std::int64_t a : axes) {
        const auto i = static_cast<std::size_t>(normalize_axis(a, rank));
        if (added[i]) fail("", "axis " + std::to_string(a) + " given twice");
        added[i] = true;
      }
      Dims out;
      std::size_t j = 0;
      for (std::size_t i = 0; i < added.size(); ++i) out.push_back(added[i] ? 1 : x.dims()[j++]);
      ctx.set_output(kOutput, x.reshaped(out));
    });
  };
}

void expand(KernelContext& ctx) {
  const Value& x = ctx.required_input(kData);
  const auto shape = to_int64_vector(ctx.required_input(kShape));
  const Dims target(shape.begin(), shape.end());
  const Dims* shapes[] = {&x.dims(), &target};
  auto out = reference::broadcast_dims(shapes);
  if (!out) fail("", "cannot expand " + x.describe() + " to " + dims_to_string(target));
  ctx.set_output(kOutput, strided_copy(x, *out, 0, reference::broadcast_strides(x.dims(), *out)));
}

void range(KernelContext& ctx) {
  const Value& start = ctx.required_input(0);
  const Value& limit = ctx.required_input(1);
  const Value& delta = ctx.required_input(2);
  visit_numeric(start.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const C s = static_cast<C>(start.span<T>()[0]);
    const C l = static_cast<C>(limit.span<T>()[0]);
    const C d = static_cast<C>(delta.span<T>()[0]);
    if (d == 0) fail("", "delta is 0");
    const double count =
        std::ceil((static_cast<double>(l) - static_cast<double>(s)) / static_cast<double>(d));
    const auto n = static_cast<std::int64_t>(std::max(0.0, count));
    Value& y = ctx.output(kOutput, start.dtype(), {n});
    auto dst = y.mutable_span<T>();
    C v = s;
    for (std::int64_t i = 0; i < n; ++i, v = static_cast<C>(v + d))
      dst[static_cast<std::size_t>(i)] = static_cast<T>(v);
  });
}

// Constant: the attribute's value, decoded once at creation.
std::unique_ptr<Kernel> constant_prepare(const KernelInfo& info) {
  Value v;
  const auto& attrs = info.node().attributes();
  if (attrs.size() != 1) info.fail("Constant needs exactly one value attribute");
  const ir::Attribute& a = attrs[0];
  if (a.name == "value" && a.t) {
    v = value_from_tensor_data(*a.t).clone();
  } else if (a.name == "value_float") {
    v = Value::tensor(DataType::kFloat, {});
    v.mutable_span<float>()[0] = a.f;
  } else if (a.name == "value_floats") {
    v = Value::tensor(DataType::kFloat, {static_cast<std::int64_t>(a.floats.size())});
    std::copy(a.floats.begin(), a.floats.end(), v.mutable_span<float>().begin());
  } else if (a.name == "value_int") {
    v = Value::tensor(DataType::kInt64, {});
    v.mutable_span<std::int64_t>()[0] = a.i;
  } else if (a.name == "value_ints") {
    v = Value::tensor(DataType::kInt64, {static_cast<std::int64_t>(a.ints.size())});
    std::copy(a.ints.begin(), a.ints.end(), v.mutable_span<std::int64_t>().begin());
  } else if (a.name == "value_string") {
    v = Value::strings({}, {a.s});
  } else if (a.name == "value_strings") {
    v = Value::strings({static_cast<std::int64_t>(a.strings.size())}, a.strings);
  } else {
    info.fail("Constant attribute '" + a.name + "' is not supported");
  }
  return make_kernel([v](KernelContext& ctx) { ctx.set_output(kOutput, v); });
}

std::unique_ptr<Kernel> constant_of_shape_prepare(const KernelInfo& info) {
  Value fill = Value::tensor(DataType::kFloat, {1});
  if (const ir::Attribute* a = info.attr("value"); a && a->t) fill = value_from_tensor_data(*a->t);
  if (fill.size() != 1) info.fail("value must hold one element");
  return make_kernel([fill](KernelContext& ctx) {
    const auto shape = to_int64_vector(ctx.required_input(0));
    Value& y = ctx.output(kOutput, fill.dtype(), Dims(shape.begin(), shape.end()));
    if (fill.dtype() == DataType::kString) {
      for (auto& s : y.mutable_string_data()) s = fill.string_data()[0];
      return;
    }
    const std::size_t size = element_size(fill.dtype());
    auto dst = y.mutable_bytes();
    for (std::size_t i = 0; i < dst.size(); i += size)
      std::memcpy(dst.data() + i, fill.bytes().data(), size);
  });
}

}  // namespace

void register_shape_kernels(KernelRegistry& r) {
  for (const char* op : {"Identity"}) add_simple(r, op, 1, kLatestVersion, identity);

  KernelDef reshape;
  reshape.op = "Reshape";
  reshape.since_version = 5;
  reshape.prepare = [](const KernelInfo& info) {
    const bool allow_zero = info.attr_int("allowzero", 0) != 0;
    return make_kernel([allow_zero](KernelContext& ctx) {
      const Value& x = ctx.required_input(kData);
      ctx.set_output(kOutput,
                     x.reshaped(reshape_dims(x.dims(), to_int64_vector(ctx.required_input(kShape)),
                                             allow_zero)));
    });
  };
  r.add(std::move(reshape));

  KernelDef flatten;
  flatten.op = "Flatten";
  flatten.since_version = 1;
  flatten.prepare = [](const KernelInfo& info) {
    const std::int64_t axis_attr = info.attr_int("axis", 1);
    return make_kernel([axis_attr](KernelContext& ctx) {
      const Value& x = ctx.required_input(kData);
      const auto rank = static_cast<std::int64_t>(x.rank());
      const std::int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
      if (axis < 0 || axis > rank)
        fail("", "axis " + std::to_string(axis_attr) + " is out of range");
      std::int64_t outer = 1;
      for (std::int64_t i = 0; i < axis; ++i) outer *= x.dims()[static_cast<std::size_t>(i)];
      std::int64_t inner = 1;
      for (std::int64_t i = axis; i < rank; ++i) inner *= x.dims()[static_cast<std::size_t>(i)];
      ctx.set_output(kOutput, x.reshaped({outer, inner}));
    });
  };
  r.add(std::move(flatten));

  KernelDef squeeze;
  squeeze.op = "Squeeze";
  squeeze.prepare = squeeze_prepare();
  r.add(std::move(squeeze));
  KernelDef unsqueeze;
  unsqueeze.op = "Unsqueeze";
  unsqueeze.prepare = unsqueeze_prepare();
  r.add(std::move(unsqueeze));

  KernelDef shape;
  shape.op = "Shape";
  shape.prepare = [](const KernelInfo& info) {
    const std::int64_t start_attr = info.attr_int("start", 0);
    const auto end_attr =
        info.has_attr("end") ? std::optional<std::int64_t>(info.attr_int("end", 0)) : std::nullopt;
    return make_kernel([start_attr, end_attr](KernelContext& ctx) {
      const Value& x = ctx.required_input(kData);
      const auto rank = static_cast<std::int64_t>(x.rank());
      auto clampi = [rank](std::int64_t v) {
        return std::clamp(v < 0 ? v + rank : v, std::int64_t{0}, rank);
      };
      const std::int64_t b = clampi(start_attr), e = clampi(end_attr.value_or(rank));
      const std::int64_t n = std::max<std::int64_t>(0, e - b);
      Value& y = ctx.output(kOutput, DataType::kInt64, {n});
      auto dst = y.mutable_span<std::int64_t>();
      for (std::int64_t i = 0; i < n; ++i)
        dst[static_cast<std::size_t>(i)] = x.dims()[static_cast<std::size_t>(b + i)];
    });
  };
  r.add(std::move(shape));

  add_simple(r, "Size", 1, kLatestVersion, [](KernelContext& ctx) {
    Value& y = ctx.output(kOutput, DataType::kInt64, {});
    y.mutable_span<std::int64_t>()[0] = ctx.required_input(kData).size();
  });
  add_simple(r, "Expand", 8, kLatestVersion, expand);
  add_simple(r, "Range", 11, kLatestVersion, range);

  KernelDef constant;
  constant.op = "Constant";
  constant.prepare = constant_prepare;
  r.add(std::move(constant));
  add_def(r, "ConstantOfShape", 9, constant_of_shape_prepare);
}

}  // namespace onnxkit::runtime
