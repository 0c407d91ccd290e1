#include "onnxkit/runtime/tensor_io.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "onnxkit/core/error.h"
#include "onnxkit/core/mapped_file.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"

namespace onnxkit::runtime {
namespace {

struct NpyType {
  const char* descr;
  DataType dtype;
};

constexpr NpyType kNpyTypes[] = {
    {"<f4", DataType::kFloat},  {"<f8", DataType::kDouble}, {"<f2", DataType::kFloat16},
    {"|i1", DataType::kInt8},   {"<i2", DataType::kInt16},  {"<i4", DataType::kInt32},
    {"<i8", DataType::kInt64},  {"|u1", DataType::kUint8},  {"<u2", DataType::kUint16},
    {"<u4", DataType::kUint32}, {"<u8", DataType::kUint64}, {"|b1", DataType::kBool},
};

// The value of `key` in numpy's header dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,
// 3), }".
std::string header_field(const std::string& header, const std::string& key,
                         const std::string& file) {
  const std::string quoted = "'" + key + "'";
  std::size_t p = header.find(quoted);
  if (p == std::string::npos) fail(file, "npy header has no " + quoted);
  p = header.find(':', p);
  if (p == std::string::npos) fail(file, "malformed npy header");
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  std::size_t end;
  if (header[p] == '\'') {
    end = header.find('\'', p + 1);
    return header.substr(p + 1, end - p - 1);
  }
  if (header[p] == '(') {
    end = header.find(')', p);
    return header.substr(p + 1, end - p - 1);
  }
  end = header.find_first_of(",}", p);
  return header.substr(p, end - p);
}

}  // namespace

Value value_from_tensor_data(const ir::TensorData& data) {
  Dims dims(data.dims.begin(), data.dims.end());
  if (data.data_type == DataType::kString) {
    const std::int64_t n = element_count(dims);
    if (static_cast<std::int64_t>(data.string_data.size()) != n) {
      fail("tensor '" + data.name + "'", "has " + std::to_string(data.string_data.size()) +
                                             " strings for dims " + dims_to_string(dims));
    }
    return Value::strings(std::move(dims), data.string_data);
  }
  if (!data_type_known(static_cast<std::int32_t>(data.data_type)) ||
      data.data_type == DataType::kUndefined) {
    fail("tensor '" + data.name + "'",
         "unknown element type " + std::to_string(static_cast<int>(data.data_type)));
  }
  if (data.is_external() && data.external_bytes.empty() && data.byte_size().value_or(0) != 0) {
    fail("tensor '" + data.name + "'", "external data was not loaded");
  }
  const Buffer bytes = data.bytes();
  const std::uint64_t need = data.byte_size().value_or(0);
  if (bytes.size() != need) {
    fail("tensor '" + data.name + "'",
         "holds " + std::to_string(bytes.size()) + " bytes, dims " + dims_to_string(dims) + " of " +
             std::string(data_type_name(data.data_type)) + " need " + std::to_string(need));
  }
  return Value::from_buffer(data.data_type, std::move(dims), bytes);
}

ir::TensorData value_to_tensor_data(const Value& value, std::string name) {
  ir::TensorData t;
  t.name = std::move(name);
  t.data_type = value.dtype();
  t.dims.assign(value.dims().begin(), value.dims().end());
  if (value.dtype() == DataType::kString) {
    auto s = value.string_data();
    t.string_data.assign(s.begin(), s.end());
    return t;
  }
  auto b = value.bytes();
  t.set_raw(Buffer::owned(std::vector<std::byte>(b.begin(), b.end())));
  return t;
}

Value read_npy(const std::filesystem::path& path) {
  const std::string file = path.string();
  auto mapped = MappedFile::open(path);
  auto bytes = mapped->bytes();
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    fail(file, "not a .npy file");
  const auto major = static_cast<unsigned>(bytes[6]);
  std::size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<std::size_t>(bytes[8]) | static_cast<std::size_t>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(file, "truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(bytes[8 + i]) << (8 * i);
    offset = 12;
  } else {
    fail(file, ".npy version " + std::to_string(major) + " is not supported");
  }
  if (offset + header_len > bytes.size()) fail(file, "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes.data() + offset), header_len);
  const std::string descr = header_field(header, "descr", file);
  const std::string fortran = header_field(header, "fortran_order", file);
  const std::string shape = header_field(header, "shape", file);
  if (fortran.find("True") != std::string::npos)
    fail(file, "Fortran-order arrays are not supported");
  DataType dtype = DataType::kUndefined;
  for (const NpyType& t : kNpyTypes) {
    if (descr == t.descr ||
        (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == std::string(t.descr + 1))) {
      dtype = t.dtype;
    }
  }
  if (descr == "<i1" || descr == "<u1" || descr == "<b1") {
    dtype = descr == "<i1" ? DataType::kInt8 : descr == "<u1" ? DataType::kUint8 : DataType::kBool;
  }
  if (dtype == DataType::kUndefined) fail(file, "numpy dtype '" + descr + "' is not supported");
  Dims dims;
  std::stringstream ss(shape);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    dims.push_back(std::stoll(item.substr(b)));
  }
  const std::size_t data_offset = offset + header_len;
  auto payload = bytes.subspan(data_offset);
  Buffer buffer = Buffer::view(mapped, payload);
  const std::int64_t n = element_count(dims);
  const std::size_t need =
      static_cast<std::size_t>(n) * static_cast<std::size_t>(data_type_bits(dtype) / 8);
  if (payload.size() < need) fail(file, "holds fewer bytes than its shape needs");
  return Value::from_buffer(dtype, std::move(dims), buffer);
}

void write_npy(const std::filesystem::path& path, const Value& value) {
  const std::string file = path.string();
  Value v = value;
  if (v.dtype() == DataType::kBfloat16) {
    Value f = Value::tensor(DataType::kFloat, v.dims());
    auto src = v.span<std::uint16_t>();
    auto dst = f.mutable_span<std::uint32_t>();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<std::uint32_t>(src[i]) << 16;
    v = f;
  }
  const char* descr = nullptr;
  for (const NpyType& t : kNpyTypes) {
    if (t.dtype == v.dtype()) descr = t.descr;
  }
  if (descr == nullptr) fail(file, "numpy has no type for " + v.describe());
  std::string shape = "(";
  for (std::size_t i = 0; i < v.rank(); ++i) shape += std::to_string(v.dims()[i]) + ", ";
  if (v.rank() > 1) shape.resize(shape.size() - 2);
  if (v.rank() == 1) shape.pop_back();
  shape += ")";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) fail(file, "cannot open for writing");
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(header.size() & 0xFF),
                       static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(v.bytes().data()),
            static_cast<std::streamsize>(v.byte_size()));
  if (!out) fail(file, "write failed");
}

Value read_value_file(const std::filesystem::path& path) {
  if (path.extension() == ".npy") return read_npy(path);
  try {
    return value_from_tensor_data(proto::read_tensor_file(path));
  } catch (const Error& e) {
    throw e.within(path.string());
  }
}

namespace {

// SequenceProto / OptionalProto elem_type codes.
constexpr std::int32_t kWireTensor = 1;
constexpr std::int32_t kWireSequence = 3;

}  // namespace

Value value_from_value_data(const ir::ValueData& data, DataType elem_type) {
  using Kind = ir::ValueData::Kind;
  const std::string where = data.name.empty() ? std::string("value") : "value '" + data.name + "'";
  switch (data.kind) {
    case Kind::kTensor:
      return value_from_tensor_data(data.tensor);
    case Kind::kSequence: {
      if (!data.sparse_tensor_values.empty() || !data.sequence_values.empty() ||
          !data.map_values.empty() || !data.optional_values.empty()) {
        fail(where, "only sequences of tensors are supported");
      }
      std::vector<Value> items;
      for (const ir::TensorData& t : data.tensor_values) items.push_back(value_from_tensor_data(t));
      try {
        return Value::sequence(items.empty() ? elem_type : DataType::kUndefined, std::move(items));
      } catch (const Error& e) {
        throw e.within(where);
      }
    }
    case Kind::kOptional: {
      if (!data.optional_value) {
        const Value::Kind inner =
            data.elem_type == kWireSequence ? Value::Kind::kSequence : Value::Kind::kTensor;
        return Value::empty_optional(inner, elem_type);
      }
      return Value::optional(value_from_value_data(*data.optional_value, elem_type));
    }
    case Kind::kSparseTensor:
      fail(where, "sparse tensors are not supported as runtime values");
    case Kind::kMap:
      fail(where, "maps are not supported as runtime values");
  }
  fail(where, "unknown kind of value");
}

ir::ValueData value_to_value_data(const Value& value, std::string name) {
  using Kind = ir::ValueData::Kind;
  ir::ValueData d;
  d.name = name;
  if (value.is_tensor()) {
    d.kind = Kind::kTensor;
    d.tensor = value_to_tensor_data(value, std::move(name));
  } else if (value.is_sequence()) {
    d.kind = Kind::kSequence;
    d.elem_type = kWireTensor;
    for (const Value& item : value.items()) d.tensor_values.push_back(value_to_tensor_data(item));
  } else if (value.is_optional()) {
    d.kind = Kind::kOptional;
    d.elem_type = value.element_kind() == Value::Kind::kSequence ? kWireSequence : kWireTensor;
    if (value.has_element()) {
      d.optional_value = std::make_unique<ir::ValueData>(value_to_value_data(value.element()));
    }
  } else {
    fail("", "no value to write");
  }
  return d;
}

Value read_value_file(const std::filesystem::path& path, Value::Kind kind, DataType elem_type) {
  if (kind == Value::Kind::kTensor || kind == Value::Kind::kNone || path.extension() == ".npy") {
    return read_value_file(path);
  }
  try {
    const auto mapped = MappedFile::open(path);
    const Buffer bytes = Buffer::view(mapped, mapped->bytes());
    const auto wire = kind == Value::Kind::kSequence ? ir::ValueData::Kind::kSequence
                                                     : ir::ValueData::Kind::kOptional;
    return value_from_value_data(proto::read_value(bytes, wire), elem_type);
  } catch (const Error& e) {
    throw e.within(path.string());
  }
}

void write_value_file(const std::filesystem::path& path, const Value& value) {
  const std::string bytes = value.is_tensor() ? proto::write_tensor(value_to_tensor_data(value))
                                              : proto::write_value(value_to_value_data(value));
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) fail(path.string(), "cannot open for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) fail(path.string(), "write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace onnxkit::runtime
