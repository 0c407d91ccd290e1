#include "proto/file_output.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
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
    throw Error(target_.string(),
                std::string("cannot create a temporary file: ") + std::strerror(errno));
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

void TempFile::add_source(std::span<const std::byte> mapping, int fd) {
  if (mapping.empty() || fd < 0) return;
  sources_.push_back({mapping.data(), mapping.data() + mapping.size(), fd});
}

void TempFile::put(std::span<const std::byte> bytes, bool mapped) {
  if (mapped && !bytes.empty()) {
    for (const Source& s : sources_) {
      if (bytes.data() >= s.begin && bytes.data() + bytes.size() <= s.end) {
        copy_from(s, bytes.data(), bytes.size());
        return;
      }
    }
    write_mapped(bytes.data(), bytes.size());
    return;
  }
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, std::min<std::size_t>(left, std::size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(target_.string(), std::string("cannot write: ") + std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void TempFile::write_mapped(const std::byte* p, std::size_t left) {
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, std::min(left, kMappedChunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(target_.string(), std::string("cannot write: ") + std::strerror(errno));
    }
    release_pages(p, static_cast<std::size_t>(n));
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// The bytes [p, p+n) of a source mapping, copied from its file in the kernel:
// nothing passes through this process's memory. copy_file_range may refuse a
// pair of files (different file systems: EXDEV), and sendfile some file
// systems; each refusal moves to the next way for the rest of this file.
void TempFile::copy_from(const Source& source, const std::byte* p, std::size_t n) {
  constexpr std::size_t kStep = std::size_t{1} << 30;
  auto in_offset = static_cast<off_t>(p - source.begin);
  std::size_t left = n;
  while (left > 0) {
    ssize_t done = -1;
    if (copy_mode_ == CopyMode::kCopyFileRange) {
      done = ::copy_file_range(source.fd, &in_offset, fd_, nullptr, std::min(left, kStep), 0);
      if (done < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                       errno == EOPNOTSUPP || errno == EBADF || errno == EPERM)) {
        copy_mode_ = CopyMode::kSendfile;
        continue;
      }
    } else if (copy_mode_ == CopyMode::kSendfile) {
      done = ::sendfile(fd_, source.fd, &in_offset, std::min(left, kStep));
      if (done < 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        copy_mode_ = CopyMode::kWrite;
        continue;
      }
    } else {
      write_mapped(source.begin + in_offset, left);
      return;
    }
    if (done < 0) {
      if (errno == EINTR) continue;
      throw Error(target_.string(), std::string("cannot write: ") + std::strerror(errno));
    }
    if (done == 0) {
      throw Error(target_.string(), "cannot copy: the source file ended early (was it truncated?)");
    }
    left -= static_cast<std::size_t>(done);
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
