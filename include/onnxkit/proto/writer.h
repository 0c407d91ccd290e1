#pragma once
/// Writes the IR as the ONNX wire format. Saving writes a temporary file in
/// the target folder and renames it, so a failure never leaves a
/// half-written model. Weights are written straight from their mapping.

#include <cstdint>
#include <filesystem>
#include <string>

#include "onnxkit/ir/model.h"
#include "onnxkit/ir/value_data.h"

namespace onnxkit::proto {

struct WriteOptions {
  enum class ExternalData : std::uint8_t {
    /// Tensors stay where they were: inline ones inline, external ones in
    /// files of the same relative names next to the output.
    kKeep,
    /// Every tensor inline (fails if the model would pass protobuf's 2 GB limit).
    kInline,
    /// Tensors of at least `size_threshold` bytes go to `external_file`.
    kOneFile,
  };
  ExternalData external_data = ExternalData::kKeep;
  /// kOneFile: the file, relative to the output folder; empty means
  /// "<model file name>.data". Tensors in it start at 4096-byte aligned offsets.
  std::string external_file;
  std::uint64_t size_threshold = 1024;  ///< bytes; as onnx's save_as_external_data
};

/// Writes `model` to `path` (temporary file + rename; external data files too).
/// Fields are written in field-number order, as libprotobuf does, so a model
/// that protobuf wrote and that was not changed comes back byte for byte.
/// kKeep keeps each external tensor's offset when the tensors of a file do
/// not overlap and their sizes still match; otherwise that file is laid out
/// again (4096-byte aligned) and its offset/length entries rewritten. External
/// tensors read with load_external_data=false are resolved from model.path.
void write_model_file(const ir::Model& model, const std::filesystem::path& path,
                      const WriteOptions& options = {});

/// Serializes `model` with every tensor inline (external tensors whose bytes
/// were resolved are inlined; unresolved ones keep their references).
std::string write_model(const ir::Model& model);

std::string write_tensor(const ir::TensorData& tensor);
std::string write_value(const ir::ValueData& value);

}  // namespace onnxkit::proto
