#include "text/values.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace onnxkit::text::detail {
namespace {

template <typename F>
std::string format_floating(F v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string element_at(DataType type, const std::byte* p) {
  switch (type) {
    case DataType::kFloat:
      return format_float(load<float>(p));
    case DataType::kDouble:
      return format_double(load<double>(p));
    case DataType::kInt8:
      return std::to_string(load<std::int8_t>(p));
    case DataType::kInt16:
      return std::to_string(load<std::int16_t>(p));
    case DataType::kInt32:
      return std::to_string(load<std::int32_t>(p));
    case DataType::kInt64:
      return std::to_string(load<std::int64_t>(p));
    case DataType::kUint8:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat8E8M0:
      return std::to_string(load<std::uint8_t>(p));
    case DataType::kBool:
      return load<std::uint8_t>(p) != 0 ? "1" : "0";
    case DataType::kUint16:
    case DataType::kFloat16:
    case DataType::kBfloat16:
      return std::to_string(load<std::uint16_t>(p));
    case DataType::kUint32:
      return std::to_string(load<std::uint32_t>(p));
    case DataType::kUint64:
      return std::to_string(load<std::uint64_t>(p));
    default:
      return "?";
  }
}

}  // namespace

std::string format_float(float v) { return format_floating(v); }
std::string format_double(double v) { return format_floating(v); }

bool values_printable(DataType t) {
  switch (t) {
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
    case DataType::kUint64:
    case DataType::kBool:
    case DataType::kString:
    case DataType::kFloat16:
    case DataType::kBfloat16:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat8E8M0:
      return true;
    default:
      return false;
  }
}

std::string quote_string(std::string_view s, bool& lossy) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\0') {
      lossy = true;
      out += c == '"' ? '\'' : ' ';
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::optional<std::vector<std::string>> element_literals(const ir::TensorData& t, std::size_t limit,
                                                         std::uint64_t& total) {
  total = t.element_count();
  if (!values_printable(t.data_type)) return std::nullopt;
  std::vector<std::string> out;
  const std::uint64_t n = std::min<std::uint64_t>(total, limit);
  if (t.data_type == DataType::kString) {
    if (t.is_external() || t.string_data.size() < n) return std::nullopt;
    bool lossy = false;
    for (std::uint64_t k = 0; k < n; ++k) out.push_back(quote_string(t.string_data[k], lossy));
    return out;
  }
  if (t.is_external() && t.external_bytes.empty() && total != 0) return std::nullopt;
  Buffer bytes;
  try {
    bytes = t.bytes();
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::size_t width = static_cast<std::size_t>(data_type_bits(t.data_type) / 8);
  if (width == 0 || bytes.size() < n * width) return std::nullopt;
  out.reserve(n);
  const std::byte* p = bytes.bytes().data();
  for (std::uint64_t k = 0; k < n; ++k) out.push_back(element_at(t.data_type, p + k * width));
  return out;
}

}  // namespace onnxkit::text::detail
