#include "onnxkit/core/buffer.h"

#include <cstring>
#include <string>

#include "onnxkit/core/error.h"

namespace onnxkit {

Buffer Buffer::owned(std::vector<std::byte> bytes) {
  auto holder = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  Buffer b;
  b.data_ = holder->data();
  b.size_ = holder->size();
  b.keeper_ = std::move(holder);
  return b;
}

Buffer Buffer::owned(std::string_view bytes) {
  std::vector<std::byte> v(bytes.size());
  if (!bytes.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
  return owned(std::move(v));
}

Buffer Buffer::view(std::shared_ptr<const MappedFile> file, std::span<const std::byte> bytes) {
  Buffer b;
  b.data_ = bytes.data();
  b.size_ = bytes.size();
  b.in_file_ = file != nullptr;
  b.keeper_ = std::move(file);
  return b;
}

Buffer Buffer::view(std::shared_ptr<const void> keeper, std::span<const std::byte> bytes) {
  Buffer b;
  b.data_ = bytes.data();
  b.size_ = bytes.size();
  b.keeper_ = std::move(keeper);
  return b;
}

}  // namespace onnxkit

namespace onnxkit {

Buffer Buffer::slice(std::size_t offset, std::size_t length) const {
  if (offset > size_ || length > size_ - offset) {
    fail("", "buffer slice [" + std::to_string(offset) + ", +" + std::to_string(length) +
                 ") is out of range of " + std::to_string(std::size_t{size_}) + " bytes");
  }
  Buffer b = *this;
  b.data_ = data_ + offset;
  b.size_ = length;
  return b;
}

}  // namespace onnxkit

#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(onnxkit::Buffer) == 32, "Buffer grew: every TensorData holds two");
#endif
