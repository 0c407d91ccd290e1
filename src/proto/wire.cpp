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

void Decoder::bad_tag(std::uint64_t tag, const std::byte* at) const {
  if (tag > 0xFFFFFFFFu) malformed("invalid field tag " + std::to_string(tag), at);
  const auto number = static_cast<std::uint32_t>(tag >> 3);
  if (number == 0) malformed("invalid field number 0", at);
  const auto type = static_cast<std::uint8_t>(tag & 7u);
  if (type == 4) malformed("unexpected end-group tag for field " + std::to_string(number), at);
  malformed("invalid wire type " + std::to_string(type) + " for field " + std::to_string(number),
            at);
}

void Decoder::truncated_fixed(std::uint32_t number, int width, const std::byte* at) const {
  malformed("truncated: fixed" + std::to_string(width) + " field " + std::to_string(number), at);
}

void Decoder::truncated_len(std::uint32_t number, std::uint64_t len, const std::byte* at) const {
  malformed("truncated: field " + std::to_string(number) + " has length " + std::to_string(len) +
                ", past the end of its message (" + std::to_string(end_ - p_) + " bytes left)",
            at);
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
        if (len > static_cast<std::uint64_t>(end_ - p_))
          malformed("length past the end in group", start);
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
