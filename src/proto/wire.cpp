#include "proto/wire.h"

#include <vector>

namespace onnxkit::proto::wire {
namespace {

// Nested groups are legal but obsolete; a bound keeps a hostile file from
// making us walk an unbounded stack of them.
constexpr std::size_t kMaxGroupDepth = 64;

}  // namespace

void Decoder::malformed(const std::string& what, const std::byte* at) const {
  throw Error(what + " (at byte " + std::to_string(at - origin_) + ")");
}

Field Decoder::next() {
  const std::byte* start = p_;
  const std::uint64_t tag = varint();
  if (tag > 0xFFFFFFFFu) malformed("invalid field tag " + std::to_string(tag), start);
  Field f;
  f.number = static_cast<std::uint32_t>(tag >> 3);
  if (f.number == 0) malformed("invalid field number 0", start);
  const auto type = static_cast<std::uint8_t>(tag & 7u);
  switch (type) {
    case 0:
      f.type = WireType::kVarint;
      f.value = varint();
      break;
    case 1:
      f.type = WireType::kFixed64;
      if (end_ - p_ < 8) malformed("truncated: fixed64 field " + std::to_string(f.number), start);
      std::memcpy(&f.value, p_, 8);
      p_ += 8;
      break;
    case 5: {
      f.type = WireType::kFixed32;
      if (end_ - p_ < 4) malformed("truncated: fixed32 field " + std::to_string(f.number), start);
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
      if (len > static_cast<std::uint64_t>(end_ - p_)) {
        malformed("truncated: field " + std::to_string(f.number) + " has length " + std::to_string(len) +
                      ", past the end of its message (" + std::to_string(end_ - p_) +
                      " bytes left)",
                  len_at);
      }
      f.bytes = {p_, static_cast<std::size_t>(len)};
      p_ += len;
      break;
    }
    case 3:
      f.type = WireType::kStartGroup;
      skip_group(f.number);
      break;
    case 4:
      malformed("unexpected end-group tag for field " + std::to_string(f.number), start);
    default:
      malformed("invalid wire type " + std::to_string(type) + " for field " +
                    std::to_string(f.number),
                start);
  }
  f.raw = {start, static_cast<std::size_t>(p_ - start)};
  return f;
}

void Decoder::skip_group(std::uint32_t number) {
  std::vector<std::uint32_t> open{number};
  while (!open.empty()) {
    if (p_ == end_) malformed("truncated group " + std::to_string(open.back()), p_);
    const std::byte* start = p_;
    const std::uint64_t tag = varint();
    const auto field = static_cast<std::uint32_t>(tag >> 3);
    switch (tag & 7u) {
      case 0:
        varint();
        break;
      case 1:
        if (end_ - p_ < 8) malformed("truncated fixed64 in group", start);
        p_ += 8;
        break;
      case 5:
        if (end_ - p_ < 4) malformed("truncated fixed32 in group", start);
        p_ += 4;
        break;
      case 2: {
        const std::uint64_t len = varint();
        if (len > static_cast<std::uint64_t>(end_ - p_)) malformed("length past the end in group", start);
        p_ += len;
        break;
      }
      case 3:
        if (open.size() >= kMaxGroupDepth) malformed("groups nested too deeply", start);
        open.push_back(field);
        break;
      case 4:
        if (field != open.back()) malformed("mismatched end-group tag", start);
        open.pop_back();
        break;
      default:
        malformed("invalid wire type in group", start);
    }
  }
}

}  // namespace onnxkit::proto::wire
