#pragma once
/// Reads the ONNX wire format (protobuf) into the IR. Our own codec: a file
/// is mapped, and tensor bytes stay views into the mapping (zero-copy).
/// Unknown fields are kept verbatim (ir::WireExtras).

#include <cstddef>
#include <filesystem>

#include "onnxkit/core/buffer.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/ir/value_data.h"

namespace onnxkit::proto {

struct ReadOptions {
  /// Resolve external data: map each referenced file once, check that the
  /// location stays inside the model's folder and that offset+length fit.
  bool load_external_data = true;
  /// Bound on message nesting (graphs in attributes, nested types), so that a
  /// hostile file cannot exhaust the stack.
  std::size_t max_depth = 100;
};

/// Reads a model file. Errors name the file and the offending field.
ir::Model read_model_file(const std::filesystem::path& path, const ReadOptions& options = {});

/// Reads a model from `bytes` (views into it are kept alive by the Buffer).
/// External data locations resolve against `base_dir` (none when empty).
ir::Model read_model(const Buffer& bytes, const ReadOptions& options = {},
                     const std::filesystem::path& base_dir = {});

/// A serialized TensorProto, e.g. a test-data .pb file.
ir::TensorData read_tensor(const Buffer& bytes);
ir::TensorData read_tensor_file(const std::filesystem::path& path);

/// A serialized SequenceProto / OptionalProto / MapProto.
ir::ValueData read_value(const Buffer& bytes, ir::ValueData::Kind kind);

}  // namespace onnxkit::proto
