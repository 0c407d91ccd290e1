#pragma once
// Helpers shared by the CPU kernels: element-type dispatch, type lists for
// registration, axis handling, and reading small integer inputs.

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/runtime/kernel.h"
#include "onnxkit/runtime/value.h"
#include "runtime/reference/half.h"
#include "runtime/reference/minifloat.h"

namespace onnxkit::runtime {

using reference::BFloat16;
using reference::Float16;

// ---- type lists for KernelDef::types

inline const std::vector<DataType> kFloatTypes = {DataType::kFloat, DataType::kDouble,
                                                  DataType::kFloat16, DataType::kBfloat16};
inline const std::vector<DataType> kSignedIntTypes = {DataType::kInt8, DataType::kInt16,
                                                      DataType::kInt32, DataType::kInt64};
inline const std::vector<DataType> kUnsignedIntTypes = {DataType::kUint8, DataType::kUint16,
                                                        DataType::kUint32, DataType::kUint64};
std::vector<DataType> type_list(std::initializer_list<const std::vector<DataType>*> lists,
                                std::initializer_list<DataType> extra = {});
/// Floats and integers.
const std::vector<DataType>& numeric_types();
/// Numeric types and bool.
const std::vector<DataType>& numeric_and_bool_types();
/// Every type a Value stores as whole elements (numeric, bool, string).
const std::vector<DataType>& all_plain_types();

// ---- dispatch: calls f(T{}) with T the C++ type of `t`

template <typename T>
struct Tag {
  using type = T;
};

[[noreturn]] void unsupported_type(DataType t, const char* what);

template <typename F>
decltype(auto) visit_float(DataType t, F&& f) {
  switch (t) {
    case DataType::kFloat:
      return f(Tag<float>{});
    case DataType::kDouble:
      return f(Tag<double>{});
    case DataType::kFloat16:
      return f(Tag<Float16>{});
    case DataType::kBfloat16:
      return f(Tag<BFloat16>{});
    default:
      unsupported_type(t, "floating-point");
  }
}

template <typename F>
decltype(auto) visit_int(DataType t, F&& f) {
  switch (t) {
    case DataType::kInt8:
      return f(Tag<std::int8_t>{});
    case DataType::kInt16:
      return f(Tag<std::int16_t>{});
    case DataType::kInt32:
      return f(Tag<std::int32_t>{});
    case DataType::kInt64:
      return f(Tag<std::int64_t>{});
    case DataType::kUint8:
      return f(Tag<std::uint8_t>{});
    case DataType::kUint16:
      return f(Tag<std::uint16_t>{});
    case DataType::kUint32:
      return f(Tag<std::uint32_t>{});
    case DataType::kUint64:
      return f(Tag<std::uint64_t>{});
    default:
      unsupported_type(t, "integer");
  }
}

template <typename F>
decltype(auto) visit_numeric(DataType t, F&& f) {
  switch (t) {
    case DataType::kFloat:
      return f(Tag<float>{});
    case DataType::kDouble:
      return f(Tag<double>{});
    case DataType::kFloat16:
      return f(Tag<Float16>{});
    case DataType::kBfloat16:
      return f(Tag<BFloat16>{});
    case DataType::kInt8:
      return f(Tag<std::int8_t>{});
    case DataType::kInt16:
      return f(Tag<std::int16_t>{});
    case DataType::kInt32:
      return f(Tag<std::int32_t>{});
    case DataType::kInt64:
      return f(Tag<std::int64_t>{});
    case DataType::kUint8:
      return f(Tag<std::uint8_t>{});
    case DataType::kUint16:
      return f(Tag<std::uint16_t>{});
    case DataType::kUint32:
      return f(Tag<std::uint32_t>{});
    case DataType::kUint64:
      return f(Tag<std::uint64_t>{});
    default:
      unsupported_type(t, "numeric");
  }
}

template <typename F>
decltype(auto) visit_numeric_or_bool(DataType t, F&& f) {
  if (t == DataType::kBool) return f(Tag<bool>{});
  return visit_numeric(t, std::forward<F>(f));
}

/// The DataType of a C++ element type, the runtime's half types included.
template <typename T>
constexpr DataType dtype_of() {
  if constexpr (std::is_same_v<T, Float16>)
    return DataType::kFloat16;
  else if constexpr (std::is_same_v<T, BFloat16>)
    return DataType::kBfloat16;
  else
    return data_type_of<T>();
}

/// Element size in bytes of a whole-byte type (Error for sub-byte and strings).
std::size_t element_size(DataType t);

// ---- axes and small inputs

/// `axis` in [-rank, rank) made non-negative; Error otherwise.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank);

/// The elements of an int32/int64 tensor as int64.
std::vector<std::int64_t> to_int64_vector(const Value& v);

/// A scalar (or one-element tensor) of any numeric type as double.
double scalar_as_double(const Value& v);

/// Row-major strides of `dims`.
Dims strides_of(const Dims& dims);

/// Registers an ai.onnx kernel covering versions `since` to the latest.
void add_def(KernelRegistry& r, std::string op, std::int64_t since, PrepareFn prepare,
             std::vector<TypeRule> types = {});

/// Registers a kernel made from a plain run function (no prepared state).
void add_simple(KernelRegistry& r, std::string op, std::int64_t since, std::int64_t until,
                std::function<void(KernelContext&)> fn, std::vector<TypeRule> types = {});

}  // namespace onnxkit::runtime

namespace onnxkit::runtime {

/// Calls f(Tag<S>{}) with S a type of the same size as `t`'s elements
/// (std::string for strings): for kernels that only move elements.
template <typename F>
decltype(auto) visit_storage(DataType t, F&& f) {
  if (t == DataType::kString) return f(Tag<std::string>{});
  switch (element_size(t)) {
    case 1:
      return f(Tag<std::uint8_t>{});
    case 2:
      return f(Tag<std::uint16_t>{});
    case 4:
      return f(Tag<std::uint32_t>{});
    case 8:
      return f(Tag<std::uint64_t>{});
    default:
      unsupported_type(t, "a type of 1, 2, 4 or 8 bytes");
  }
}

/// Reads a tensor's elements through `strides` (in elements, any sign) from
/// `offset`, into a new tensor of dims `out` (row-major).
Value strided_copy(const Value& src, const Dims& out, std::int64_t offset, const Dims& strides);

/// Writes `src` into `dst` at `offset` with dst `strides` (the inverse walk).
void strided_store(const Value& src, Value& dst, std::int64_t offset, const Dims& strides);

// ---- element types of one byte or less that are not C++ types: float8
// (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0), float4 E2M1, int4/uint4,
// int2/uint2. Kernels convert them through double.

/// True for the types above.
bool is_small_type(DataType t);

/// Options of a conversion to a small type.
struct CastOptions {
  bool saturate = true;  ///< float8: out-of-range values clamp (else Inf/NaN)
  reference::E8M0Rounding e8m0_rounding = reference::E8M0Rounding::kUp;
};

/// The elements of a small-type tensor as doubles.
std::vector<double> small_to_doubles(const Value& x);
/// Writes `v` into small-type tensor `y` (integers: truncated and wrapped).
void doubles_to_small(const std::vector<double>& v, Value& y, const CastOptions& o);

/// Elements of x converted to the type kernels compute in (float for float16/bfloat16).
template <typename T>
std::vector<reference::compute_t<T>> widen(const Value& x) {
  const auto s = x.span<T>();
  std::vector<reference::compute_t<T>> out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = static_cast<reference::compute_t<T>>(s[i]);
  return out;
}

}  // namespace onnxkit::runtime
