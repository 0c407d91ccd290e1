#pragma once
/// Files written safely: bytes go to a temporary file in the target's folder
/// (target + ".tmp.XXXXXX"), which commit() renames over the target. A
/// TempFile destroyed before commit() removes its temporary file.

#include <filesystem>
#include <span>

#include "proto/encoder.h"

namespace onnxkit::proto {

class TempFile final : public Sink {
 public:
  explicit TempFile(std::filesystem::path target);
  ~TempFile() override;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  /// Writes with write(2), straight from `bytes` (a mapping, for weights).
  /// Pages of a mapping are dropped once written, so that copying a huge
  /// file keeps little of it resident.
  void put(std::span<const std::byte> bytes, bool mapped = false) override;
  /// Writes `count` zero bytes (padding between external tensors).
  void zeros(std::uint64_t count);
  /// Closes the file; throws Error if anything failed.
  void close();
  /// Renames the temporary file to the target. close() first.
  void commit();

  const std::filesystem::path& target() const noexcept { return target_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace onnxkit::proto
