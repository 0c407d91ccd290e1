#include "proto/file_output.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "onnxkit/core/error.h"

namespace onnxkit::proto {

TempFile::TempFile(std::filesystem::path target) : target_(std::move(target)) {
  std::string name = target_.string() + ".tmp.XXXXXX";
  std::vector<char> buf(name.begin(), name.end());
  buf.push_back('\0');
  fd_ = ::mkstemp(buf.data());
  if (fd_ < 0) {
    throw Error(target_.string(), std::string("cannot create a temporary file: ") + std::strerror(errno));
  }
  temp_ = buf.data();
  // mkstemp makes the file 0600; give it the usual mode for new files.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

namespace {

// Mapped payloads go out in chunks of this size, each dropped from memory
// once written.
constexpr std::size_t kMappedChunk = std::size_t{8} << 20;

// Drops the whole pages inside [p, p+n) of a read-only file mapping: they
// fault back in from the file if touched again.
void release_pages(const std::byte* p, std::size_t n) {
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

void TempFile::put(std::span<const std::byte> bytes, bool mapped) {
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const std::size_t chunk = std::min<std::size_t>(left, mapped ? kMappedChunk : std::size_t{1} << 30);
    const ssize_t n = ::write(fd_, p, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(target_.string(), std::string("cannot write: ") + std::strerror(errno));
    }
    if (mapped) release_pages(p, static_cast<std::size_t>(n));
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void TempFile::zeros(std::uint64_t count) {
  static constexpr std::byte kZeros[4096] = {};
  while (count > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count, sizeof kZeros));
    put({kZeros, n});
    count -= n;
  }
}

void TempFile::close() {
  if (fd_ < 0) return;
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw Error(target_.string(), std::string("cannot write: ") + std::strerror(errno));
}

void TempFile::commit() {
  close();
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    throw Error(target_.string(), std::string("cannot rename the temporary file into place: ") +
                                      std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace onnxkit::proto
