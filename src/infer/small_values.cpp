// Small-value propagation: the elements of small tensors as DimFacts, read
// from constant data and converted by Cast. Integers and bools are numbers
// (bools 0 and 1); float types are reals (doubles rounded to the element
// type), so that float arithmetic on sizes (Range's expanded body computes
// ceil((limit - start) / delta)) ends in a number a shape can use.

#include <cmath>
#include <cstring>
#include <limits>

#include "infer/context.h"
#include "onnxkit/core/half.h"

namespace onnxkit::infer::detail {

bool is_real_type(DataType t) {
  return t == DataType::kFloat || t == DataType::kDouble || t == DataType::kFloat16 ||
         t == DataType::kBfloat16;
}

namespace {

bool is_integer_type(DataType t) {
  switch (t) {
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kInt64:
    case DataType::kUint64:
    case DataType::kBool:
      return true;
    default:
      return false;
  }
}

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// The little-endian element of type `t` at `p` as a fact.
DimFact element(DataType t, const std::byte* p) {
  switch (t) {
    case DataType::kInt8:
      return DimFact::of(load<std::int8_t>(p));
    case DataType::kUint8:
      return DimFact::of(load<std::uint8_t>(p));
    case DataType::kBool:
      return DimFact::of(load<std::uint8_t>(p) != 0 ? 1 : 0);
    case DataType::kInt16:
      return DimFact::of(load<std::int16_t>(p));
    case DataType::kUint16:
      return DimFact::of(load<std::uint16_t>(p));
    case DataType::kInt32:
      return DimFact::of(load<std::int32_t>(p));
    case DataType::kUint32:
      return DimFact::of(load<std::uint32_t>(p));
    case DataType::kInt64:
      return DimFact::of(load<std::int64_t>(p));
    case DataType::kUint64: {
      const auto v = load<std::uint64_t>(p);
      return v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                 ? DimFact::of(static_cast<std::int64_t>(v))
                 : DimFact::unknown();
    }
    case DataType::kFloat:
      return DimFact::real(load<float>(p));
    case DataType::kDouble:
      return DimFact::real(load<double>(p));
    case DataType::kFloat16:
      return DimFact::real(float16_to_float(load<std::uint16_t>(p)));
    case DataType::kBfloat16:
      return DimFact::real(bfloat16_to_float(load<std::uint16_t>(p)));
    default:
      return DimFact::unknown();
  }
}

/// `v` is a value of integer type `t`.
bool fits(DataType t, std::int64_t v) {
  auto in = [v](auto lo, auto hi) {
    return v >= static_cast<std::int64_t>(lo) && v <= static_cast<std::int64_t>(hi);
  };
  switch (t) {
    case DataType::kInt8:
      return in(-128, 127);
    case DataType::kUint8:
      return in(0, 255);
    case DataType::kBool:
      return in(0, 1);
    case DataType::kInt16:
      return in(-32768, 32767);
    case DataType::kUint16:
      return in(0, 65535);
    case DataType::kInt32:
      return in(std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max());
    case DataType::kUint32:
      return in(0, std::numeric_limits<std::uint32_t>::max());
    case DataType::kUint64:
      return v >= 0;
    default:
      return true;
  }
}

}  // namespace

bool tracks_values(DataType t) { return is_integer_type(t) || is_real_type(t); }

bool small_value_facts(const ir::TensorData& data, std::vector<DimFact>& out) {
  const DataType t = data.data_type;
  if (!tracks_values(t) || data.dims.size() > 1) return false;
  const std::uint64_t n = data.element_count();
  if (n > (is_real_type(t) ? kMaxTrackedReals : kMaxTrackedValues)) return false;
  out.clear();
  // The typed fields most files use for small tensors, read as they are.
  if (t == DataType::kInt64 && data.int64_data.size() == n) {
    for (std::int64_t v : data.int64_data) out.push_back(DimFact::of(v));
    return true;
  }
  if (t == DataType::kInt32 && data.int32_data.size() == n) {
    for (std::int32_t v : data.int32_data) out.push_back(DimFact::of(v));
    return true;
  }
  if (t == DataType::kFloat && data.float_data.size() == n) {
    for (float v : data.float_data) out.push_back(DimFact::real(v));
    return true;
  }
  const auto width =
      static_cast<std::size_t>(data_type_bits(t) / 8);  // tracked types are whole bytes
  auto read = [&](std::span<const std::byte> bytes) {
    if (bytes.size() != n * width) return false;
    for (std::uint64_t k = 0; k < n; ++k) out.push_back(element(t, bytes.data() + k * width));
    return true;
  };
  if (data.has_raw_data && !data.is_external()) return read(data.raw_data.bytes());
  Buffer bytes;
  try {
    bytes = data.bytes();
  } catch (const Error&) {
    return false;
  }
  return read(bytes.bytes());
}

DimFact round_to(DataType t, double v) {
  if (t == DataType::kFloat) return DimFact::real(static_cast<float>(v));
  // float16 and bfloat16 keep the double: their rounding changes no size the
  // shapes of real graphs are computed from (small integers).
  return DimFact::real(v);
}

DimFact cast_value(const DimFact& d, DataType to) {
  if (d.is_unknown()) return d;
  if (to == DataType::kBool) {
    if (d.is_symbol()) return DimFact::unknown();  // a dim may be 0
    return DimFact::of(*d.number() != 0.0 ? 1 : 0);
  }
  if (is_real_type(to)) {
    if (!d.number()) return DimFact::unknown();
    return round_to(to, *d.number());
  }
  if (!is_integer_type(to)) return DimFact::unknown();
  if (d.is_real()) {
    // Float to integer truncates toward zero; out of range is undefined.
    const double v = std::trunc(d.real_value());
    if (!(std::fabs(v) < 9.0e18)) return DimFact::unknown();
    return DimFact::of(static_cast<std::int64_t>(v));
  }
  if (d.is_symbol()) {
    // A dim stays a dim in the types shapes are held in.
    return to == DataType::kInt64 || to == DataType::kInt32 ? d : DimFact::unknown();
  }
  return fits(to, d.value) ? d : DimFact::unknown();  // a narrowing cast that wraps: unknown
}

}  // namespace onnxkit::infer::detail
