#pragma once
/// Protobuf encoding in two passes over the same code: a size pass records
/// the length of every length-delimited field in traversal order, then an
/// emit pass writes bytes, taking each length prefix from that record.
/// Bytes go through a small buffer to a Sink; large payloads bypass it.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/core/buffer.h"
#include "onnxkit/ir/wire_extras.h"
#include "proto/wire.h"

namespace onnxkit::proto {

/// Where encoded bytes go.
class Sink {
 public:
  virtual ~Sink() = default;
  /// `mapped`: the bytes lie in a read-only file mapping, whose pages the
  /// sink may drop once written (so that copying a huge file does not keep
  /// it resident).
  virtual void put(std::span<const std::byte> bytes, bool mapped = false) = 0;
};

class StringSink final : public Sink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  void put(std::span<const std::byte> bytes, bool /*mapped*/) override {
    out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

 private:
  std::string& out_;
};

class Encoder {
 public:
  /// A size pass.
  Encoder() = default;
  /// An emit pass into `sink`, using the lengths a size pass recorded.
  Encoder(Sink& sink, std::vector<std::uint64_t> sizes)
      : sink_(&sink), sizes_(std::move(sizes)), buf_(new std::byte[kBufferSize]) {}
  ~Encoder() = default;
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  bool sizing() const noexcept { return sink_ == nullptr; }
  /// Bytes counted (size pass) or written (emit pass) so far.
  std::uint64_t count() const noexcept { return count_; }
  std::vector<std::uint64_t> take_sizes() { return std::move(sizes_); }
  /// Emit pass: takes the sizes of a further body to emit (cursor back to 0),
  /// so that one encoder writes bodies sized one at a time.
  void restart_sizes(std::vector<std::uint64_t> sizes) {
    sizes_ = std::move(sizes);
    cursor_ = 0;
  }
  /// Size pass: counts `n` bytes that the emit pass copies from elsewhere.
  void skip(std::uint64_t n) noexcept { count_ += n; }
  /// Writes out what is buffered.
  void flush();

  // ---- primitives
  void varint(std::uint64_t v) {
    if (sizing()) {
      count_ += wire::varint_size(v);
      return;
    }
    reserve(wire::kMaxVarintBytes);
    const std::size_t start = pos_;
    while (v >= 0x80) {
      buf_[pos_++] = static_cast<std::byte>(v | 0x80);
      v >>= 7;
    }
    buf_[pos_++] = static_cast<std::byte>(v);
    count_ += pos_ - start;
  }
  void tag(std::uint32_t field, wire::WireType type) { varint(wire::make_tag(field, type)); }
  void raw(std::span<const std::byte> bytes, bool mapped = false);
  void raw(std::string_view bytes) {
    raw(std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
  }
  void fixed32(std::uint32_t v) { raw(std::as_bytes(std::span(&v, 1))); }
  void fixed64(std::uint64_t v) { raw(std::as_bytes(std::span(&v, 1))); }

  // ---- fields
  /// A length-delimited field whose payload `body` writes.
  template <typename Body>
  void message(std::uint32_t field, Body&& body) {
    tag(field, wire::WireType::kLen);
    if (sizing()) {
      const std::size_t slot = sizes_.size();
      sizes_.push_back(0);
      const std::uint64_t start = count_;
      body();
      const std::uint64_t len = count_ - start;
      sizes_[slot] = len;
      count_ += wire::varint_size(len);
    } else {
      const std::uint64_t len = next_size();
      varint(len);
      const std::uint64_t start = count_;
      body();
      if (count_ - start != len) size_mismatch(field, len, count_ - start);
    }
  }

  void bytes_field(std::uint32_t field, std::span<const std::byte> bytes) {
    tag(field, wire::WireType::kLen);
    varint(bytes.size());
    raw(bytes);
  }
  /// A payload held by a Buffer: written straight from its mapping if it has one.
  void bytes_field(std::uint32_t field, const Buffer& bytes) {
    tag(field, wire::WireType::kLen);
    varint(bytes.size());
    raw(bytes.bytes(), bytes.is_view());
  }
  void bytes_field(std::uint32_t field, std::string_view bytes) {
    tag(field, wire::WireType::kLen);
    varint(bytes.size());
    raw(bytes);
  }
  void int64_field(std::uint32_t field, std::int64_t v) {
    tag(field, wire::WireType::kVarint);
    varint(static_cast<std::uint64_t>(v));
  }
  /// int32 and enums: negative values are sign-extended to 10 bytes, as protobuf does.
  void int32_field(std::uint32_t field, std::int32_t v) {
    int64_field(field, static_cast<std::int64_t>(v));
  }
  void float_field(std::uint32_t field, float v) {
    tag(field, wire::WireType::kFixed32);
    fixed32(std::bit_cast<std::uint32_t>(v));
  }

  // Singular fields of proto2: written when not the default, or when the
  // file had them present with the default value.
  void opt_string(std::uint32_t field, std::string_view v, const ir::WireExtras& x) {
    if (!v.empty() || x.has_default(static_cast<int>(field))) bytes_field(field, v);
  }
  void opt_int64(std::uint32_t field, std::int64_t v, const ir::WireExtras& x) {
    if (v != 0 || x.has_default(static_cast<int>(field))) int64_field(field, v);
  }
  void opt_int32(std::uint32_t field, std::int32_t v, const ir::WireExtras& x) {
    if (v != 0 || x.has_default(static_cast<int>(field))) int32_field(field, v);
  }
  void opt_float(std::uint32_t field, float v, const ir::WireExtras& x) {
    if (std::bit_cast<std::uint32_t>(v) != 0 || x.has_default(static_cast<int>(field))) {
      float_field(field, v);
    }
  }

  // Repeated fields, packed or not as onnx.proto declares them.
  void strings(std::uint32_t field, const std::vector<std::string>& values) {
    for (const std::string& s : values) bytes_field(field, s);
  }
  template <typename T>
  void unpacked_varints(std::uint32_t field, const std::vector<T>& values) {
    for (T v : values) int64_field(field, static_cast<std::int64_t>(v));
  }
  void unpacked_floats(std::uint32_t field, const std::vector<float>& values) {
    for (float v : values) float_field(field, v);
  }
  template <typename T>
  void packed_varints(std::uint32_t field, const std::vector<T>& values) {
    if (values.empty()) return;
    message(field, [&] {
      for (T v : values) varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    });
  }
  template <typename T>
  void packed_fixed(std::uint32_t field, const std::vector<T>& values) {
    if (values.empty()) return;
    const auto bytes = std::as_bytes(std::span(values));
    bytes_field(field, bytes);
  }

  /// Unknown fields, verbatim, after the known ones.
  void unknown(const ir::WireExtras& x) {
    if (!x.empty()) raw(x.unknown());
  }

 private:
  static constexpr std::size_t kBufferSize = std::size_t{1} << 18;
  // Payloads at least this big skip the buffer (written straight from their mapping).
  static constexpr std::size_t kDirectWrite = std::size_t{1} << 16;

  void reserve(std::size_t n) {
    if (kBufferSize - pos_ < n) flush();
  }
  std::uint64_t next_size();
  [[noreturn]] static void size_mismatch(std::uint32_t field, std::uint64_t expected,
                                         std::uint64_t got);

  Sink* sink_ = nullptr;
  std::vector<std::uint64_t> sizes_;
  std::size_t cursor_ = 0;
  std::uint64_t count_ = 0;
  std::unique_ptr<std::byte[]> buf_;
  std::size_t pos_ = 0;
};

}  // namespace onnxkit::proto
