#pragma once
/// Files written safely: bytes go to a temporary file in the target's folder
/// (target + ".tmp.XXXXXX"), which commit() renames over the target. A
/// TempFile destroyed before commit() removes its temporary file.

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

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
  /// file keeps little of it resident. Mapped bytes of a file given to
  /// add_source() are copied in the kernel instead, never touching memory.
  void put(std::span<const std::byte> bytes, bool mapped = false) override;
  /// Declares that `mapping` holds the contents of the open file `fd` (from
  /// offset 0): put(bytes inside it, mapped=true) copies from `fd` with
  /// copy_file_range(2) (sendfile(2) where the two file systems differ).
  /// `fd` must stay open until this file is closed.
  void add_source(std::span<const std::byte> mapping, int fd);
  /// Closes the file; throws Error if anything failed.
  void close();
  /// Renames the temporary file to the target. close() first.
  void commit();

  const std::filesystem::path& target() const noexcept { return target_; }

 private:
  struct Source {
    const std::byte* begin;
    const std::byte* end;
    int fd;
  };
  enum class CopyMode : std::uint8_t { kCopyFileRange, kSendfile, kWrite };

  void write_mapped(const std::byte* p, std::size_t n);
  void copy_from(const Source& source, const std::byte* p, std::size_t n);

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool committed_ = false;
  std::vector<Source> sources_;
  CopyMode copy_mode_ = CopyMode::kCopyFileRange;
};

}  // namespace onnxkit::proto
