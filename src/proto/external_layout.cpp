#include "proto/external_layout.h"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "onnxkit/core/error.h"
#include "proto/encoder.h"

namespace onnxkit::proto {

namespace fs = std::filesystem;

void write_pieces(Sink& sink, const std::vector<Piece>& pieces, bool mapped) {
  static constexpr std::byte kZeros[4096] = {};
  Encoder e(sink, {});
  std::uint64_t at = 0;
  for (const Piece& piece : pieces) {
    for (std::uint64_t gap = piece.offset - at; gap > 0;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(gap, sizeof kZeros));
      e.raw({kZeros, n});
      gap -= n;
    }
    e.raw(piece.bytes.bytes(), mapped || piece.bytes.is_view());
    at = piece.offset + piece.bytes.size();
  }
  e.flush();
}

void check_output_location(const std::string& location) {
  const fs::path rel(location);
  if (location.empty() || rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) {
    throw Error("external data '" + location + "'",
                "must be a relative path inside the output folder");
  }
  for (const fs::path& part : rel) {
    if (part == "..") throw Error("external data '" + location + "'", "'..' not allowed");
  }
}

std::vector<ir::StringEntry> with_offset(std::vector<ir::StringEntry> entries,
                                         const std::string& location, std::uint64_t offset,
                                         std::uint64_t length) {
  bool has_location = false, has_offset = false, has_length = false;
  for (ir::StringEntry& s : entries) {
    if (s.key == "location") has_location = true, s.value = location;
    if (s.key == "offset") has_offset = true, s.value = std::to_string(offset);
    if (s.key == "length") has_length = true, s.value = std::to_string(length);
  }
  if (!has_location) entries.push_back({"location", location, {}});
  if (!has_offset) entries.push_back({"offset", std::to_string(offset), {}});
  if (!has_length) entries.push_back({"length", std::to_string(length), {}});
  return entries;
}

void fail_too_big_inline(std::uint64_t size) {
  throw Error("the model would be " + std::to_string(size) +
              " bytes with every tensor inline, past protobuf's 2 GiB limit; keep weights in "
              "external data");
}

std::optional<std::vector<Piece>> keep_offsets(const std::vector<KeptTensor>& tensors) {
  for (const KeptTensor& t : tensors) {
    if (t.length && *t.length != t.bytes.size()) return std::nullopt;
  }
  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return tensors[a].offset < tensors[b].offset;
  });
  std::vector<Piece> pieces;
  for (std::size_t i : order) {
    const KeptTensor& t = tensors[i];
    if (!pieces.empty()) {
      const Piece& last = pieces.back();
      const std::uint64_t last_end = last.offset + last.bytes.size();
      if (t.offset == last.offset && t.bytes.bytes().data() == last.bytes.bytes().data() &&
          t.bytes.size() == last.bytes.size()) {
        continue;  // the same bytes shared by two tensors
      }
      if (t.offset < last_end) return std::nullopt;
    }
    pieces.push_back({t.offset, t.bytes});
  }
  return pieces;
}

}  // namespace onnxkit::proto
