#include "runtime/kernel_util.h"

#include <cmath>

namespace onnxkit::runtime {

std::vector<DataType> type_list(std::initializer_list<const std::vector<DataType>*> lists,
                                std::initializer_list<DataType> extra) {
  std::vector<DataType> out;
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

const std::vector<DataType>& numeric_types() {
  static const auto types = type_list({&kFloatTypes, &kSignedIntTypes, &kUnsignedIntTypes});
  return types;
}

const std::vector<DataType>& numeric_and_bool_types() {
  static const auto types = type_list({&kFloatTypes, &kSignedIntTypes, &kUnsignedIntTypes}, {DataType::kBool});
  return types;
}

const std::vector<DataType>& all_plain_types() {
  static const auto types =
      type_list({&kFloatTypes, &kSignedIntTypes, &kUnsignedIntTypes}, {DataType::kBool, DataType::kString});
  return types;
}

void unsupported_type(DataType t, const char* what) {
  fail("", "element type " + std::string(data_type_name(t)) + " is not supported here (expected " + what +
               ")");
}

std::size_t element_size(DataType t) {
  const int bits = data_type_bits(t);
  if (bits < 8 || t == DataType::kString) {
    fail("", "element type " + std::string(data_type_name(t)) + " has no whole-byte element size");
  }
  return static_cast<std::size_t>(bits / 8);
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank) {
  if (axis < -rank || axis >= std::max<std::int64_t>(rank, 1)) {
    fail("", "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<std::int64_t> to_int64_vector(const Value& v) {
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(v.size()));
  if (v.dtype() == DataType::kInt64) {
    for (auto x : v.span<std::int64_t>()) out.push_back(x);
  } else if (v.dtype() == DataType::kInt32) {
    for (auto x : v.span<std::int32_t>()) out.push_back(x);
  } else {
    fail("", "expected an int32 or int64 tensor, got " + v.describe());
  }
  return out;
}

double scalar_as_double(const Value& v) {
  if (v.size() != 1) fail("", "expected a single value, got " + v.describe());
  if (v.dtype() == DataType::kBool) return v.span<bool>()[0] ? 1.0 : 0.0;
  return visit_numeric(v.dtype(), [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    return static_cast<double>(static_cast<reference::compute_t<T>>(v.span<T>()[0]));
  });
}

Dims strides_of(const Dims& dims) {
  Dims s(dims.size(), 1);
  for (std::size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

void add_simple(KernelRegistry& r, std::string op, std::int64_t since, std::int64_t until,
                std::function<void(KernelContext&)> fn, std::vector<TypeRule> types) {
  KernelDef def;
  def.op = std::move(op);
  def.since_version = since;
  def.until_version = until;
  def.types = std::move(types);
  def.prepare = [fn = std::move(fn)](const KernelInfo&) { return make_kernel(fn); };
  r.add(std::move(def));
}

}  // namespace onnxkit::runtime

#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime {

Value strided_copy(const Value& src, const Dims& out, std::int64_t offset, const Dims& strides) {
  Value dst = Value::tensor(src.dtype(), out);
  visit_storage(src.dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* in = static_cast<const S*>(src.raw_data());
    S* o = static_cast<S*>(const_cast<void*>(dst.raw_data()));
    reference::for_each_index<1>(out, {strides}, {offset}, [&](std::int64_t i, const std::array<std::int64_t, 1>& p) {
      o[i] = in[p[0]];
    });
  });
  return dst;
}

void strided_store(const Value& src, Value& dst, std::int64_t offset, const Dims& strides) {
  if (src.dtype() == DataType::kString) {
    auto out = dst.mutable_string_data();
    auto in = src.string_data();
    reference::for_each_index<1>(src.dims(), {strides}, {offset}, [&](std::int64_t i, const std::array<std::int64_t, 1>& p) {
      out[static_cast<std::size_t>(p[0])] = in[static_cast<std::size_t>(i)];
    });
    return;
  }
  visit_storage(src.dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* in = static_cast<const S*>(src.raw_data());
    S* o = reinterpret_cast<S*>(dst.mutable_bytes().data());
    reference::for_each_index<1>(src.dims(), {strides}, {offset}, [&](std::int64_t i, const std::array<std::int64_t, 1>& p) {
      o[p[0]] = in[i];
    });
  });
}

}  // namespace onnxkit::runtime
