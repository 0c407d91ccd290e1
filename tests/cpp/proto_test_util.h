#pragma once
// Helpers for the proto tests: protobuf bytes built by hand (so that tests
// control every tag, including unknown and malformed ones), and temp folders.

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>

#include "onnxkit/core/buffer.h"

namespace onnxkit::testing {

/// Protobuf bytes, built field by field.
class Msg {
 public:
  Msg& varint(std::uint32_t field, std::uint64_t v) {
    tag(field, 0);
    put_varint(v);
    return *this;
  }
  Msg& fixed32(std::uint32_t field, std::uint32_t v) {
    tag(field, 5);
    bytes_.append(reinterpret_cast<const char*>(&v), 4);
    return *this;
  }
  Msg& fixed64(std::uint32_t field, std::uint64_t v) {
    tag(field, 1);
    bytes_.append(reinterpret_cast<const char*>(&v), 8);
    return *this;
  }
  Msg& f32(std::uint32_t field, float v) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    return fixed32(field, bits);
  }
  Msg& str(std::uint32_t field, std::string_view s) {
    tag(field, 2);
    put_varint(s.size());
    bytes_.append(s);
    return *this;
  }
  Msg& msg(std::uint32_t field, const Msg& m) { return str(field, m.bytes()); }
  /// Packed repeated varints.
  Msg& packed(std::uint32_t field, std::initializer_list<std::int64_t> values) {
    Msg inner;
    for (std::int64_t v : values) inner.put_varint(static_cast<std::uint64_t>(v));
    return str(field, inner.bytes());
  }
  Msg& raw(std::string_view bytes) {
    bytes_.append(bytes);
    return *this;
  }

  const std::string& bytes() const { return bytes_; }
  Buffer buffer() const { return Buffer::owned(bytes_); }

  void tag(std::uint32_t field, int wire_type) {
    put_varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(wire_type));
  }
  void put_varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<char>(v));
  }

 private:
  std::string bytes_;
};

// Builders for common ONNX messages (fields in increasing number order, as
// protobuf writes them, so that a round trip can be compared byte for byte).

inline Msg tensor_type(int elem, std::initializer_list<std::int64_t> dims) {
  Msg shape;
  for (std::int64_t d : dims) shape.msg(1, Msg().varint(1, static_cast<std::uint64_t>(d)));
  return Msg().msg(1, Msg().varint(1, static_cast<std::uint64_t>(elem)).msg(2, shape));
}

inline Msg value_info(std::string_view name, const Msg& type) {
  return Msg().str(1, name).msg(2, type);
}

inline Msg node(std::initializer_list<std::string_view> inputs,
                std::initializer_list<std::string_view> outputs, std::string_view op,
                std::string_view name = {}) {
  Msg n;
  for (auto i : inputs) n.str(1, i);
  for (auto o : outputs) n.str(2, o);
  if (!name.empty()) n.str(3, name);
  n.str(4, op);
  return n;
}

inline Msg float_tensor(std::string_view name, std::initializer_list<std::int64_t> dims,
                        std::string_view raw) {
  Msg t;
  for (std::int64_t d : dims) t.varint(1, static_cast<std::uint64_t>(d));
  t.varint(2, 1).str(8, name).str(9, raw);
  return t;
}

/// ModelProto: ir_version 8, `graph`, opset "" 13.
inline Msg model(const Msg& graph) {
  return Msg().varint(1, 8).msg(7, graph).msg(8, Msg().str(1, "").varint(2, 13));
}

/// A fresh empty folder under the system temp folder, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("onnxkit_proto_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace onnxkit::testing
