#pragma once
/// Immutable bytes that either own their storage or view a mapped file.
/// Copies are cheap (shared ownership); nothing is ever copied implicitly.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/core/mapped_file.h"

namespace onnxkit {

class Buffer {
 public:
  Buffer() = default;

  /// Takes ownership of `bytes`.
  static Buffer owned(std::vector<std::byte> bytes);
  static Buffer owned(std::string_view bytes);
  /// A view of `bytes`, which must lie inside `file`'s mapping; keeps `file` alive.
  static Buffer view(std::shared_ptr<const MappedFile> file, std::span<const std::byte> bytes);
  /// A view of memory kept alive by `keeper` (any shared owner).
  static Buffer view(std::shared_ptr<const void> keeper, std::span<const std::byte> bytes);

  /// A view of bytes [offset, offset+length) of this buffer sharing its owner.
  /// Throws Error when the range is outside the buffer.
  Buffer slice(std::size_t offset, std::size_t length) const;

  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  std::string_view chars() const noexcept { return {reinterpret_cast<const char*>(data_), size_}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// The mapped file this buffer views, or null if it owns its bytes.
  const MappedFile* mapped_file() const noexcept {
    return in_file_ ? static_cast<const MappedFile*>(keeper_.get()) : nullptr;
  }
  /// True if the bytes live in a mapped file (zero-copy).
  bool is_view() const noexcept { return in_file_; }

 private:
  // 32 bytes: every tensor's data holds two of these. The owner is one
  // shared pointer; `in_file_` says it is the MappedFile.
  std::shared_ptr<const void> keeper_;
  const std::byte* data_ = nullptr;
  std::size_t size_ : 63 = 0;
  std::size_t in_file_ : 1 = 0;
};

}  // namespace onnxkit
