#include "onnxkit/ir/tensor_data.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "block_pool.h"
#include "onnxkit/core/error.h"

namespace onnxkit::ir {
namespace {

std::uint64_t parse_u64(const std::string& tensor, const StringEntry& e) {
  std::uint64_t v = 0;
  const char* end = e.value.data() + e.value.size();
  auto [p, ec] = std::from_chars(e.value.data(), end, v);
  if (ec != std::errc() || p != end) {
    fail("tensor '" + tensor + "' › external data",
         "'" + e.key + "' is not a number: '" + e.value + "'");
  }
  return v;
}

template <typename T>
Buffer pack(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Buffer::owned(std::move(bytes));
}

// Narrows each int32_data element to `width` bytes (the storage rule for
// 8/16-bit types, bool and float16/bfloat16 in int32_data).
Buffer narrow(const std::vector<std::int32_t>& values, std::size_t width) {
  std::vector<std::byte> bytes(values.size() * width);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto v = static_cast<std::uint32_t>(values[i]);
    for (std::size_t b = 0; b < width; ++b) {
      bytes[i * width + b] = static_cast<std::byte>((v >> (8 * b)) & 0xFFu);
    }
  }
  return Buffer::owned(std::move(bytes));
}

// Packs sub-byte values (int4/uint4/float4: 2 per byte; int2/uint2: 4 per byte)
// that int32_data holds already packed per byte, as the spec stores them.
Buffer packed_bytes(const std::vector<std::int32_t>& values) { return narrow(values, 1); }

}  // namespace

void* TensorData::operator new(std::size_t size) {
  return detail::pool_allocate(detail::kTensorDataPool, size);
}

void TensorData::operator delete(void* p) noexcept {
  detail::pool_deallocate(detail::kTensorDataPool, p);
}

ExternalDataRef TensorData::external_ref() const {
  ExternalDataRef ref;
  for (const StringEntry& e : external_data) {
    if (e.key == "location") {
      ref.location = e.value;
    } else if (e.key == "offset") {
      ref.offset = parse_u64(name, e);
    } else if (e.key == "length") {
      ref.length = parse_u64(name, e);
    } else if (e.key == "checksum") {
      ref.checksum = e.value;
    }
  }
  if (ref.location.empty()) {
    fail("tensor '" + name + "' › external data", "no 'location' entry");
  }
  return ref;
}

std::uint64_t TensorData::element_count() const noexcept {
  std::uint64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0) return 0;
    const auto u = static_cast<std::uint64_t>(d);
    if (u != 0 && n > std::numeric_limits<std::uint64_t>::max() / u) return 0;
    n *= u;
  }
  return n;
}

std::optional<std::uint64_t> TensorData::byte_size() const noexcept {
  return data_type_storage_bytes(data_type, element_count());
}

Buffer TensorData::bytes() const {
  if (is_external()) return external_bytes;
  if (has_raw_data) return raw_data;
  switch (data_type) {
    case DataType::kFloat:
    case DataType::kComplex64:
      return pack(float_data);
    case DataType::kDouble:
    case DataType::kComplex128:
      return pack(double_data);
    case DataType::kInt64:
      return pack(int64_data);
    case DataType::kUint64:
    case DataType::kUint32:
      if (data_type == DataType::kUint64) return pack(uint64_data);
      {
        std::vector<std::uint32_t> v(uint64_data.begin(), uint64_data.end());
        return pack(v);
      }
    case DataType::kInt32:
      return pack(int32_data);
    case DataType::kInt16:
    case DataType::kUint16:
    case DataType::kFloat16:
    case DataType::kBfloat16:
      return narrow(int32_data, 2);
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kBool:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat8E8M0:
      return narrow(int32_data, 1);
    case DataType::kInt4:
    case DataType::kUint4:
    case DataType::kFloat4E2M1:
    case DataType::kInt2:
    case DataType::kUint2:
      return packed_bytes(int32_data);
    case DataType::kString:
    case DataType::kUndefined:
      break;
  }
  fail("tensor '" + name + "'",
       "data type " + std::string(data_type_name(data_type)) + " has no raw byte form");
}

void TensorData::set_raw(Buffer bytes) {
  raw_data = std::move(bytes);
  has_raw_data = true;
  float_data.clear();
  int32_data.clear();
  string_data.clear();
  int64_data.clear();
  double_data.clear();
  uint64_data.clear();
  external_data.clear();
  external_bytes = Buffer();
  data_location = Location::kDefault;
}

}  // namespace onnxkit::ir
