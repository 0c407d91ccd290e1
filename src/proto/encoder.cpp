#include "proto/encoder.h"

#include "onnxkit/core/error.h"

namespace onnxkit::proto {

void Encoder::raw(std::span<const std::byte> bytes, bool mapped) {
  count_ += bytes.size();
  if (sizing() || bytes.empty()) return;
  if (bytes.size() >= kDirectWrite) {
    flush();
    sink_->put(bytes, mapped);
    return;
  }
  reserve(bytes.size());
  std::memcpy(buf_.get() + pos_, bytes.data(), bytes.size());
  pos_ += bytes.size();
}

void Encoder::flush() {
  if (sink_ != nullptr && pos_ != 0) {
    sink_->put({buf_.get(), pos_});
    pos_ = 0;
  }
}

std::uint64_t Encoder::next_size() {
  if (cursor_ >= sizes_.size()) {
    throw Error("internal error: the emit pass wrote more messages than the size pass counted");
  }
  return sizes_[cursor_++];
}

void Encoder::size_mismatch(std::uint32_t field, std::uint64_t expected, std::uint64_t got) {
  throw Error("internal error: field " + std::to_string(field) + " was sized " +
              std::to_string(expected) + " bytes but " + std::to_string(got) +
              " were written (was the model changed while it was being written?)");
}

}  // namespace onnxkit::proto
