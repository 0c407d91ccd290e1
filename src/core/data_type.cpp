#include "onnxkit/core/data_type.h"

#include <array>
#include <cctype>
#include <limits>
#include <string>

namespace onnxkit {
namespace {

struct TypeInfo {
  std::string_view name;   // text-syntax spelling
  std::string_view upper;  // TensorProto.DataType spelling
  int bits;
};

// Indexed by the enum value.
constexpr std::array<TypeInfo, 27> kTypes{{
    {"undefined", "UNDEFINED", 0},
    {"float", "FLOAT", 32},
    {"uint8", "UINT8", 8},
    {"int8", "INT8", 8},
    {"uint16", "UINT16", 16},
    {"int16", "INT16", 16},
    {"int32", "INT32", 32},
    {"int64", "INT64", 64},
    {"string", "STRING", 0},
    {"bool", "BOOL", 8},
    {"float16", "FLOAT16", 16},
    {"double", "DOUBLE", 64},
    {"uint32", "UINT32", 32},
    {"uint64", "UINT64", 64},
    {"complex64", "COMPLEX64", 64},
    {"complex128", "COMPLEX128", 128},
    {"bfloat16", "BFLOAT16", 16},
    {"float8e4m3fn", "FLOAT8E4M3FN", 8},
    {"float8e4m3fnuz", "FLOAT8E4M3FNUZ", 8},
    {"float8e5m2", "FLOAT8E5M2", 8},
    {"float8e5m2fnuz", "FLOAT8E5M2FNUZ", 8},
    {"uint4", "UINT4", 4},
    {"int4", "INT4", 4},
    {"float4e2m1", "FLOAT4E2M1", 4},
    {"float8e8m0", "FLOAT8E8M0", 8},
    {"uint2", "UINT2", 2},
    {"int2", "INT2", 2},
}};

}  // namespace

bool data_type_known(std::int32_t code) {
  return code > 0 && code < static_cast<std::int32_t>(kTypes.size());
}

std::string_view data_type_name(DataType t) {
  const auto code = static_cast<std::int32_t>(t);
  return data_type_known(code) ? kTypes[code].name : kTypes[0].name;
}

std::optional<DataType> data_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (name == kTypes[i].name || name == kTypes[i].upper) return static_cast<DataType>(i);
  }
  if (name == "float32") return DataType::kFloat;
  if (name == "float64") return DataType::kDouble;
  return std::nullopt;
}

int data_type_bits(DataType t) {
  const auto code = static_cast<std::int32_t>(t);
  return data_type_known(code) ? kTypes[code].bits : 0;
}

std::optional<std::uint64_t> data_type_storage_bytes(DataType t, std::uint64_t count) {
  const int bits = data_type_bits(t);
  if (bits == 0) return std::nullopt;
  if (count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(bits)) {
    return std::nullopt;
  }
  return (count * static_cast<std::uint64_t>(bits) + 7) / 8;
}

}  // namespace onnxkit
