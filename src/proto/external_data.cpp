#include "proto/external_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "onnxkit/core/error.h"

namespace onnxkit::proto {
namespace fs = std::filesystem;

namespace {

// True if `path` is `dir` or lies below it (both canonical).
bool is_within(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // trailing separator
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

}  // namespace

ExternalDataResolver::ExternalDataResolver(fs::path base_dir) : base_(std::move(base_dir)) {
  if (base_.empty()) base_ = ".";
  std::error_code ec;
  base_canonical_ = fs::canonical(base_, ec);
  if (ec) base_canonical_ = fs::weakly_canonical(fs::absolute(base_));
}

std::shared_ptr<const MappedFile> ExternalDataResolver::open(const std::string& location) {
  const fs::path rel(location);
  if (location.empty()) throw Error("empty location");
  if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) {
    throw Error("absolute path not allowed: external data must lie inside the model's folder");
  }
  for (const fs::path& part : rel) {
    if (part == "..") {
      throw Error("'..' not allowed: external data must lie inside the model's folder");
    }
  }
  const fs::path full = base_ / rel;
  std::error_code ec;
  const fs::path canonical = fs::canonical(full, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      throw Error("file not found: " + full.string());
    }
    throw Error("cannot resolve " + full.string() + ": " + ec.message());
  }
  if (!is_within(canonical, base_canonical_)) {
    throw Error("resolves to " + canonical.string() +
                ", outside the model's folder (symbolic link?); refusing to read it");
  }
  if (auto it = files_.find(canonical.string()); it != files_.end()) return it->second.map;

  struct stat st {};
  if (::stat(canonical.c_str(), &st) != 0) {
    throw Error("cannot stat " + canonical.string() + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw Error(canonical.string() + " is not a regular file");
  if (st.st_nlink > 1) {
    throw Error(canonical.string() + " has " + std::to_string(st.st_nlink) +
                " hard links (one may lead outside the model's folder); refusing to read it");
  }
  auto file = MappedFile::open(canonical);
  files_.emplace(canonical.string(), File{file, static_cast<std::uint64_t>(st.st_dev),
                                          static_cast<std::uint64_t>(st.st_ino), -1});
  return file;
}

ExternalDataResolver::~ExternalDataResolver() {
  for (auto& [path, file] : files_) {
    if (file.fd >= 0) ::close(file.fd);
  }
}

std::vector<ExternalDataResolver::Source> ExternalDataResolver::sources() {
  std::vector<Source> out;
  out.reserve(files_.size());
  for (auto& [path, file] : files_) {
    if (file.fd < 0) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
      struct stat st {};
      if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != file.device ||
          static_cast<std::uint64_t>(st.st_ino) != file.inode) {
        ::close(fd);
        throw Error(path, "the file was replaced while it was being read");
      }
      file.fd = fd;
    }
    out.push_back({file.map->bytes(), file.fd, file.device, file.inode});
  }
  return out;
}

Buffer ExternalDataResolver::resolve(const ir::TensorData& tensor) {
  ir::ExternalDataRef ref;
  try {
    ref = tensor.external_ref();
  } catch (const Error& e) {
    throw Error("external data", e.message());
  }
  try {
    auto file = open(ref.location);
    std::uint64_t length = 0;
    if (ref.length) {
      length = *ref.length;
    } else if (auto size = tensor.byte_size()) {
      length = *size;
    } else {
      throw Error("no 'length' entry, and the size of a " +
                  std::string(data_type_name(tensor.data_type)) + " tensor is not known");
    }
    const std::uint64_t file_size = file->bytes().size();
    if (ref.offset > file_size || length > file_size - ref.offset) {
      throw Error("offset " + std::to_string(ref.offset) + " + length " + std::to_string(length) +
                  " is past the end of the file (" + std::to_string(file_size) + " bytes)");
    }
    return Buffer::view(file, file->bytes().subspan(static_cast<std::size_t>(ref.offset),
                                                    static_cast<std::size_t>(length)));
  } catch (const Error& e) {
    throw e.within("external data '" + ref.location + "'");
  }
}

}  // namespace onnxkit::proto
