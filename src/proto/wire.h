#pragma once
/// Protobuf wire-format primitives: a bounds-checked field decoder over a byte
/// span. Internal to the proto layer.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "onnxkit/core/error.h"

namespace onnxkit::proto::wire {

static_assert(std::endian::native == std::endian::little,
              "the codec copies fixed-width values and tensor bytes as little-endian");

enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

constexpr std::size_t kMaxVarintBytes = 10;

/// One decoded field. For kLen, `bytes` is the payload; for kVarint, kFixed32
/// and kFixed64, `value` holds the bits. `raw` spans the tag and the payload
/// (what an unknown field keeps).
struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t value = 0;
  std::span<const std::byte> bytes;
  std::span<const std::byte> raw;

  std::string_view chars() const noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::string_view raw_chars() const noexcept {
    return {reinterpret_cast<const char*>(raw.data()), raw.size()};
  }
  float as_float() const noexcept {
    return std::bit_cast<float>(static_cast<std::uint32_t>(value));
  }
  double as_double() const noexcept { return std::bit_cast<double>(value); }
  /// int32 fields are varints whose low 32 bits hold the value.
  std::int32_t as_int32() const noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
  }
  std::int64_t as_int64() const noexcept { return static_cast<std::int64_t>(value); }
};

/// Walks the fields of one message. Every read is bounds-checked; malformed
/// input throws Error whose message gives the byte offset in the file.
class Decoder {
 public:
  /// `origin` is the first byte of the whole input, for offsets in messages.
  Decoder(std::span<const std::byte> bytes, const std::byte* origin) noexcept
      : p_(bytes.data()), end_(bytes.data() + bytes.size()), origin_(origin) {}

  bool done() const noexcept { return p_ == end_; }
  std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - origin_); }

  /// Reads the next field (tag and payload). Groups (deprecated) are skipped
  /// over and returned with type kStartGroup and `raw` covering them whole.
  Field next();

  std::uint64_t varint();

 private:
  [[noreturn]] void malformed(const std::string& what, const std::byte* at) const;
  [[noreturn]] void bad_tag(std::uint64_t tag, const std::byte* at) const;
  [[noreturn]] void truncated_fixed(std::uint32_t number, int width, const std::byte* at) const;
  [[noreturn]] void truncated_len(std::uint32_t number, std::uint64_t len,
                                  const std::byte* at) const;
  void skip_group(std::uint32_t number);

  const std::byte* p_;
  const std::byte* end_;
  const std::byte* origin_;
};

// The decoder's hot calls are forced inline when optimizing; not in debug
// builds, where inlined copies would each keep their own stack slots and make
// the recursive walks' frames (much) larger.
#if defined(__OPTIMIZE__)
#define ONNXKIT_WIRE_INLINE [[gnu::always_inline]] inline
#else
#define ONNXKIT_WIRE_INLINE inline
#endif

ONNXKIT_WIRE_INLINE std::uint64_t Decoder::varint() {
  if (p_ != end_ && (static_cast<std::uint8_t>(*p_) & 0x80u) == 0) {
    return static_cast<std::uint8_t>(*p_++);
  }
  const std::byte* start = p_;
  std::uint64_t result = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (p_ == end_) malformed("truncated: varint runs past the end of its message", start);
    const auto b = static_cast<std::uint8_t>(*p_++);
    result |= static_cast<std::uint64_t>(b & 0x7Fu) << (7 * i);
    if ((b & 0x80u) == 0) return result;
  }
  malformed("varint longer than 10 bytes", start);
}

// Inline: the hot loop of every walk over a model.
ONNXKIT_WIRE_INLINE Field Decoder::next() {
  const std::byte* start = p_;
  const std::uint64_t tag = varint();
  const auto type = static_cast<std::uint8_t>(tag & 7u);
  if (tag > 0xFFFFFFFFu || (tag >> 3) == 0 || type == 4 || type > 5) bad_tag(tag, start);
  Field f;
  f.number = static_cast<std::uint32_t>(tag >> 3);
  switch (type) {
    case 0:
      f.type = WireType::kVarint;
      f.value = varint();
      break;
    case 1:
      f.type = WireType::kFixed64;
      if (end_ - p_ < 8) truncated_fixed(f.number, 64, start);
      std::memcpy(&f.value, p_, 8);
      p_ += 8;
      break;
    case 5: {
      f.type = WireType::kFixed32;
      if (end_ - p_ < 4) truncated_fixed(f.number, 32, start);
      std::uint32_t v = 0;
      std::memcpy(&v, p_, 4);
      f.value = v;
      p_ += 4;
      break;
    }
    case 2: {
      f.type = WireType::kLen;
      const std::byte* len_at = p_;
      const std::uint64_t len = varint();
      if (len > static_cast<std::uint64_t>(end_ - p_)) truncated_len(f.number, len, len_at);
      f.bytes = {p_, static_cast<std::size_t>(len)};
      p_ += len;
      break;
    }
    default:  // 3: a group
      f.type = WireType::kStartGroup;
      skip_group(f.number);
      break;
  }
  f.raw = {start, static_cast<std::size_t>(p_ - start)};
  return f;
}

/// Calls `fn(value)` for each element of a repeated scalar field, whether it
/// came packed (kLen) or as one element. Returns false when the wire type fits
/// neither (the caller keeps the field as unknown). `elem` is the element's
/// own wire type (kVarint, kFixed32 or kFixed64).
template <typename Fn>
bool for_each_scalar(const Field& f, WireType elem, const std::byte* origin, Fn&& fn) {
  if (f.type == elem) {
    fn(f.value);
    return true;
  }
  if (f.type != WireType::kLen) return false;
  if (elem == WireType::kVarint) {
    Decoder d(f.bytes, origin);
    while (!d.done()) fn(d.varint());
    return true;
  }
  const std::size_t width = elem == WireType::kFixed32 ? 4 : 8;
  if (f.bytes.size() % width != 0) {
    throw Error("packed field " + std::to_string(f.number) + " of " +
                std::to_string(f.bytes.size()) + " bytes is not a multiple of " +
                std::to_string(width) + " (at byte " + std::to_string(f.bytes.data() - origin) +
                ")");
  }
  for (std::size_t i = 0; i < f.bytes.size(); i += width) {
    std::uint64_t v = 0;
    std::memcpy(&v, f.bytes.data() + i, width);
    fn(v);
  }
  return true;
}

/// Number of elements a packed field holds, for reserve(); 0 if unknown.
inline std::size_t packed_count(const Field& f, WireType elem) noexcept {
  if (f.type != WireType::kLen) return 1;
  if (elem == WireType::kFixed32) return f.bytes.size() / 4;
  if (elem == WireType::kFixed64) return f.bytes.size() / 8;
  std::size_t n = 0;
  for (std::byte b : f.bytes) n += (static_cast<std::uint8_t>(b) & 0x80u) == 0;
  return n;
}

/// True when the first bytes are printable text: an input that failed to
/// parse is then more likely the text syntax than a damaged binary model.
inline bool looks_like_text(std::span<const std::byte> bytes) noexcept {
  const std::size_t n = std::min<std::size_t>(bytes.size(), 64);
  if (n == 0) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    const bool printable = (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t';
    if (!printable) return false;
  }
  return true;
}

inline constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  return static_cast<std::size_t>((std::bit_width(v | 1u) + 6) / 7);
}

inline constexpr std::uint64_t make_tag(std::uint32_t field, WireType type) noexcept {
  return (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(type);
}

/// Counts message nesting against ReadOptions::max_depth while it lives, so
/// that a hostile file cannot exhaust the stack.
class NestingGuard {
 public:
  NestingGuard(std::size_t& depth, std::size_t max_depth) : depth_(depth) {
    if (depth_ >= max_depth) {
      throw Error("messages nested deeper than " + std::to_string(max_depth) +
                  " levels (ReadOptions::max_depth)");
    }
    ++depth_;
  }
  ~NestingGuard() { --depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  std::size_t& depth_;
};

}  // namespace onnxkit::proto::wire
