#include "runtime/kernel_util.h"

#include <cmath>
#include <cstdlib>

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
  static const auto types =
      type_list({&kFloatTypes, &kSignedIntTypes, &kUnsignedIntTypes}, {DataType::kBool});
  return types;
}

const std::vector<DataType>& all_plain_types() {
  static const auto types = type_list({&kFloatTypes, &kSignedIntTypes, &kUnsignedIntTypes},
                                      {DataType::kBool, DataType::kString});
  return types;
}

void unsupported_type(DataType t, const char* what) {
  fail("", "element type " + std::string(data_type_name(t)) + " is not supported here (expected " +
               what + ")");
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

void add_def(KernelRegistry& r, std::string op, std::int64_t since, PrepareFn prepare,
             std::vector<TypeRule> types) {
  KernelDef def;
  def.op = std::move(op);
  def.since_version = since;
  def.types = std::move(types);
  def.prepare = std::move(prepare);
  r.add(std::move(def));
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
#include "runtime/reference/minifloat.h"

namespace onnxkit::runtime {

Value strided_copy(const Value& src, const Dims& out, std::int64_t offset, const Dims& strides) {
  Value dst = Value::tensor(src.dtype(), out);
  visit_storage(src.dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* in = static_cast<const S*>(src.raw_data());
    S* o = static_cast<S*>(const_cast<void*>(dst.raw_data()));
    reference::for_each_index<1>(
        out, {strides}, {offset},
        [&](std::int64_t i, const std::array<std::int64_t, 1>& p) { o[i] = in[p[0]]; });
  });
  return dst;
}

void strided_store(const Value& src, Value& dst, std::int64_t offset, const Dims& strides) {
  if (src.dtype() == DataType::kString) {
    auto out = dst.mutable_string_data();
    auto in = src.string_data();
    reference::for_each_index<1>(
        src.dims(), {strides}, {offset}, [&](std::int64_t i, const std::array<std::int64_t, 1>& p) {
          out[static_cast<std::size_t>(p[0])] = in[static_cast<std::size_t>(i)];
        });
    return;
  }
  visit_storage(src.dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* in = static_cast<const S*>(src.raw_data());
    S* o = reinterpret_cast<S*>(dst.mutable_bytes().data());
    reference::for_each_index<1>(
        src.dims(), {strides}, {offset},
        [&](std::int64_t i, const std::array<std::int64_t, 1>& p) { o[p[0]] = in[i]; });
  });
}

// ---- small element types

bool is_small_type(DataType t) {
  switch (t) {
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat8E8M0:
    case DataType::kFloat4E2M1:
    case DataType::kInt4:
    case DataType::kUint4:
    case DataType::kInt2:
    case DataType::kUint2:
      return true;
    default:
      return false;
  }
}

namespace {

const reference::MinifloatFormat* minifloat_format(DataType t) {
  switch (t) {
    case DataType::kFloat8E4M3FN:
      return &reference::kE4M3FN;
    case DataType::kFloat8E4M3FNUZ:
      return &reference::kE4M3FNUZ;
    case DataType::kFloat8E5M2:
      return &reference::kE5M2;
    case DataType::kFloat8E5M2FNUZ:
      return &reference::kE5M2FNUZ;
    default:
      return nullptr;
  }
}

}  // namespace

std::vector<double> small_to_doubles(const Value& x) {
  const DataType t = x.dtype();
  const auto bytes = x.bytes();
  std::vector<double> out(static_cast<std::size_t>(x.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (const auto* f = minifloat_format(t)) {
      out[i] = reference::minifloat_to_double(std::to_integer<std::uint8_t>(bytes[i]), *f);
    } else if (t == DataType::kFloat8E8M0) {
      out[i] = reference::e8m0_to_double(std::to_integer<std::uint8_t>(bytes[i]));
    } else if (t == DataType::kFloat4E2M1) {
      out[i] = reference::minifloat_to_double(
          static_cast<std::uint8_t>(reference::unpack_small(bytes, i, 4, false)), reference::kE2M1);
    } else {
      const int bits = t == DataType::kInt4 || t == DataType::kUint4 ? 4 : 2;
      out[i] =
          reference::unpack_small(bytes, i, bits, t == DataType::kInt4 || t == DataType::kInt2);
    }
  }
  return out;
}

void doubles_to_small(const std::vector<double>& v, Value& y, const CastOptions& o) {
  const DataType t = y.dtype();
  auto bytes = y.mutable_bytes();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (const auto* f = minifloat_format(t)) {
      bytes[i] = static_cast<std::byte>(reference::double_to_minifloat(v[i], *f, o.saturate));
    } else if (t == DataType::kFloat8E8M0) {
      bytes[i] =
          static_cast<std::byte>(reference::double_to_e8m0(v[i], o.e8m0_rounding, o.saturate));
    } else if (t == DataType::kFloat4E2M1) {
      reference::pack_small(bytes, i, 4,
                            reference::double_to_minifloat(v[i], reference::kE2M1, true));
    } else {
      const int bits = t == DataType::kInt4 || t == DataType::kUint4 ? 4 : 2;
      reference::pack_small(bytes, i, bits, reference::double_to_small_int(v[i], bits));
    }
  }
}

}  // namespace onnxkit::runtime
