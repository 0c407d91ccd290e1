#pragma once
/// Resolves TensorProto external data against a model's folder, safely:
/// locations must stay inside the folder (no absolute paths, no `..`, no
/// symlink or hard link leading out), and offset+length must fit the file.
/// Each file is mapped once per resolver.

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "onnxkit/core/buffer.h"
#include "onnxkit/core/mapped_file.h"
#include "onnxkit/ir/tensor_data.h"

namespace onnxkit::proto {

class ExternalDataResolver {
 public:
  explicit ExternalDataResolver(std::filesystem::path base_dir);

  /// A view of `tensor`'s external bytes. When its entries give no length,
  /// the tensor's byte size from dims and type is used. Throws Error located
  /// at "external data '<location>'".
  Buffer resolve(const ir::TensorData& tensor);

 private:
  std::shared_ptr<const MappedFile> open(const std::string& location);

  std::filesystem::path base_;
  std::filesystem::path base_canonical_;
  std::unordered_map<std::string, std::shared_ptr<const MappedFile>> files_;  // by canonical path
};

}  // namespace onnxkit::proto
