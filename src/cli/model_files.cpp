#include "cli/model_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include "cli/huge_page_heap.h"
#include "onnxkit/core/error.h"
#include "onnxkit/core/mapped_file.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/text/parser.h"
#include "onnxkit/text/printer.h"

namespace onnxkit::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kSniffBytes = 4096;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Text when every byte is printable ASCII, whitespace, or part of a UTF-8
/// sequence. A protobuf message almost always has a small tag or length byte
/// early on (ModelProto starts with 0x08, ir_version's tag).
bool looks_like_text(std::string_view head) {
  if (head.empty()) return false;
  return std::all_of(head.begin(), head.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 || c == '\n' || c == '\r' || c == '\t';
  });
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

/// Fails unless path is a non-empty file; returns its size.
std::uintmax_t require_model_file(const fs::path& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) fail(path.string(), "no such file");
  if (fs::is_directory(st)) fail(path.string(), "is a folder, not a model file");
  const auto size = fs::file_size(path, ec);
  if (!ec && size == 0) fail(path.string(), "file is empty, not an ONNX model");
  return ec ? 0 : size;
}

bool has_text_extension(const fs::path& path) {
  const std::string ext = lower(path.extension().string());
  return ext == ".txt" || ext == ".onnxtxt";
}

ModelFormat detect_model_format(const fs::path& path) {
  if (has_text_extension(path)) return ModelFormat::kText;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path.string(), "cannot open: " + errno_text(errno));
  std::string head(kSniffBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return looks_like_text(head) ? ModelFormat::kText : ModelFormat::kBinary;
}

ir::Model load_model(const fs::path& path, const proto::ReadOptions& options) {
  use_huge_pages_for_model(require_model_file(path));
  ir::Model model;
  if (detect_model_format(path) == ModelFormat::kText) {
    const auto file = MappedFile::open(path);
    const auto bytes = file->bytes();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    model = text::parse_model(text, path.string());
    model.path = path;
  } else {
    model = proto::read_model_file(path, options);
    if (model.path.empty()) model.path = path;
  }
  if (!model.graph) fail(path.string(), "not an ONNX model: it holds no graph");
  return model;
}

void save_model(const ir::Model& model, const fs::path& path,
                const proto::WriteOptions& binary_options) {
  if (has_text_extension(path)) {
    text::PrintOptions options;
    options.full_weights = true;
    write_file_atomically(path, text::print_model(model, options));
  } else {
    proto::write_model_file(model, path, binary_options);
  }
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  static std::atomic<unsigned> counter{0};
  fs::path tmp = path;
  tmp += ".onnxkit-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(path.string(), "cannot write: " + errno_text(errno));
  auto give_up = [&](const std::string& what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(path.string(), what + ": " + errno_text(err));
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      give_up("cannot write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) give_up("cannot write", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path.string(), "cannot write: " + errno_text(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path.string(), "cannot write: " + errno_text(err));
  }
}

}  // namespace onnxkit::cli
