#pragma once
/// Where tensors' bytes go when a model is saved: the decisions that the IR
/// writer (writer.cpp) and the streaming transcoder (transcode.cpp) share, so
/// that both lay external data out identically. Internal to the proto layer.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "onnxkit/core/buffer.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::proto {

// Offsets of tensors in external files we lay out ourselves: page-aligned,
// so that a reader can map each tensor on its own.
constexpr std::uint64_t kExternalAlignment = 4096;
constexpr std::uint64_t kProtobufLimit = std::numeric_limits<std::int32_t>::max();

inline std::uint64_t align_up(std::uint64_t v) {
  return (v + kExternalAlignment - 1) / kExternalAlignment * kExternalAlignment;
}

/// One tensor's bytes at `offset` of an external file being written.
struct Piece {
  std::uint64_t offset;
  Buffer bytes;
};

class Sink;

/// Writes an external data file: zeros up to each piece's offset, then its
/// bytes. Small pieces are gathered into large writes; large ones go straight
/// from their mapping (`mapped`, or a Buffer that views a file).
void write_pieces(Sink& sink, const std::vector<Piece>& pieces, bool mapped);

/// Refuses an output location that is not a plain relative path (Error
/// located at "external data '<location>'").
void check_output_location(const std::string& location);

/// `entries` with location, offset and length set (values replaced in place,
/// missing keys appended).
std::vector<ir::StringEntry> with_offset(std::vector<ir::StringEntry> entries,
                                         const std::string& location, std::uint64_t offset,
                                         std::uint64_t length);

/// The error for a model that would pass protobuf's 2 GiB limit with every tensor inline.
[[noreturn]] void fail_too_big_inline(std::uint64_t size);

/// kKeep, for the tensors of one external file: a tensor at `offset` (its
/// entries' `length`, if any) whose resolved bytes are `bytes`.
struct KeptTensor {
  std::uint64_t offset;
  std::optional<std::uint64_t> length;
  Buffer bytes;
};

/// The file's pieces when every tensor can keep its offset (sorted by offset;
/// bytes shared by two tensors once), or nullopt when the tensors overlap or a
/// length does not match, and the file must be laid out again.
std::optional<std::vector<Piece>> keep_offsets(const std::vector<KeptTensor>& tensors);

/// kKeep when offsets cannot stay, and kOneFile: tensors appended at aligned
/// offsets, in the order they are added.
class ExternalLayout {
 public:
  explicit ExternalLayout(std::string location) : location_(std::move(location)) {}

  /// Places `bytes`; returns its offset.
  std::uint64_t add(const Buffer& bytes) {
    offset_ = align_up(offset_);
    pieces_.push_back({offset_, bytes});
    const std::uint64_t at = offset_;
    offset_ += bytes.size();
    return at;
  }
  /// The entries of a tensor that kOneFile moved out: location, offset, length.
  std::vector<ir::StringEntry> fresh_entries(std::uint64_t offset, std::uint64_t length) const {
    return {{"location", location_, {}},
            {"offset", std::to_string(offset), {}},
            {"length", std::to_string(length), {}}};
  }

  const std::string& location() const noexcept { return location_; }
  std::vector<Piece>& pieces() noexcept { return pieces_; }

 private:
  std::string location_;
  std::vector<Piece> pieces_;
  std::uint64_t offset_ = 0;
};

}  // namespace onnxkit::proto
