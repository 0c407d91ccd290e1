#pragma once
/// Resolves TensorProto external data against a model's folder, safely:
/// locations must stay inside the folder (no absolute paths, no `..`, no
/// symlink or hard link leading out), and offset+length must fit the file.
/// Each file is mapped once per resolver.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "onnxkit/core/buffer.h"
#include "onnxkit/core/mapped_file.h"
#include "onnxkit/ir/tensor_data.h"

namespace onnxkit::proto {

class ExternalDataResolver {
 public:
  explicit ExternalDataResolver(std::filesystem::path base_dir);
  ~ExternalDataResolver();
  ExternalDataResolver(const ExternalDataResolver&) = delete;
  ExternalDataResolver& operator=(const ExternalDataResolver&) = delete;

  /// A view of `tensor`'s external bytes. When its entries give no length,
  /// the tensor's byte size from dims and type is used. Throws Error located
  /// at "external data '<location>'".
  Buffer resolve(const ir::TensorData& tensor);

  /// A file that resolve() mapped, with a descriptor of it for copies in the
  /// kernel (copy_file_range): the same inode as the mapping, checked.
  struct Source {
    std::span<const std::byte> bytes;  ///< the whole mapping
    int fd = -1;                       ///< owned by the resolver
    std::uint64_t device = 0, inode = 0;
  };
  /// Every file mapped so far; descriptors are opened on the first call.
  /// Throws Error if a file was replaced since it was mapped.
  std::vector<Source> sources();

 private:
  struct File {
    std::shared_ptr<const MappedFile> map;
    std::uint64_t device = 0, inode = 0;
    int fd = -1;
  };
  std::shared_ptr<const MappedFile> open(const std::string& location);

  std::filesystem::path base_;
  std::filesystem::path base_canonical_;
  std::unordered_map<std::string, File> files_;  // by canonical path
};

}  // namespace onnxkit::proto
