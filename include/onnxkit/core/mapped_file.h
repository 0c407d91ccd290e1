#pragma once
/// A read-only memory mapping of a whole file. Weights stay in the mapping
/// (zero-copy) until someone changes them; the OS pages them in on touch.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace onnxkit {

class MappedFile {
 public:
  /// Maps `path` read-only. Throws Error naming the path if it cannot be opened.
  /// An empty file gives an empty span (no mapping).
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  MappedFile(std::filesystem::path path, const std::byte* data, std::size_t size);
  std::filesystem::path path_;
  const std::byte* data_;
  std::size_t size_;
};

}  // namespace onnxkit
