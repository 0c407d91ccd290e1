#pragma once
/// Element types of ONNX tensors, numbered exactly as TensorProto.DataType.

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace onnxkit {

enum class DataType : std::int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16,
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUint4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kFloat8E8M0 = 24,
  kUint2 = 25,
  kInt2 = 26,
};

/// The DataType of a C++ element type (kUndefined for others).
template <typename T>
constexpr DataType data_type_of() {
  if constexpr (std::is_same_v<T, float>)
    return DataType::kFloat;
  else if constexpr (std::is_same_v<T, double>)
    return DataType::kDouble;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return DataType::kInt8;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return DataType::kInt16;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DataType::kInt32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return DataType::kInt64;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return DataType::kUint8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return DataType::kUint16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return DataType::kUint32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return DataType::kUint64;
  else if constexpr (std::is_same_v<T, bool>)
    return DataType::kBool;
  else
    return DataType::kUndefined;
}

/// Short lowercase name as used by the ONNX text syntax ("float", "int64", "bfloat16", ...).
/// Unknown codes give "undefined".
std::string_view data_type_name(DataType t);

/// Inverse of data_type_name(); also accepts the TensorProto enum spelling ("FLOAT", "INT64").
std::optional<DataType> data_type_from_name(std::string_view name);

/// Size of one element in bits (4 for int4, 2 for int2); 0 for string and undefined.
int data_type_bits(DataType t);

/// True for a code that this build knows (0 < code <= kInt2).
bool data_type_known(std::int32_t code);

/// Bytes needed to store `count` packed elements of `t` (sub-byte types round up).
/// Returns nullopt for strings and undefined types, or on overflow.
std::optional<std::uint64_t> data_type_storage_bytes(DataType t, std::uint64_t count);

}  // namespace onnxkit
