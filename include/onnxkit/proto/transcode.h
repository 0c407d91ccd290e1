#pragma once
/// Binary model → binary model without the IR: the streaming path behind
/// `onnxkit convert` when both sides are binary.

#include <cstdint>
#include <filesystem>

#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"

namespace onnxkit::proto {

/// What transcode_model_file did, for tests and the curious.
struct TranscodeStats {
  std::uint64_t tensors_changed = 0;     ///< TensorProtos re-encoded (moved in or out)
  std::uint64_t model_bytes = 0;         ///< size of the model file written
  std::uint64_t data_files_written = 0;  ///< external data files written
  std::uint64_t data_files_kept = 0;     ///< external data files already in place, left untouched
  bool via_ir = false;                   ///< the input needed the IR path (see below)
};

/// Writes the model in `in_path` to `out_path` as write_model_file(
/// read_model_file(in_path, read_options), out_path, options) would, message
/// for message, without building the IR: the input is walked on its mapped
/// wire bytes, every field is copied verbatim (unknown fields, field order and
/// encodings included), except the TensorProtos that `options` moves (inline ↔
/// external); the messages enclosing those get new length prefixes. A model
/// whose tensors all stay where they are comes out byte for byte.
///
/// External data is resolved as the reader does (same checks, same errors).
/// Payloads are copied file to file in the kernel (copy_file_range), and pages
/// of the input are dropped as they are passed, so memory stays small
/// whatever the model's size. With kKeep, an external data file that would be
/// written byte for byte over itself (output next to the input) is left alone.
/// Writes are atomic (temporary file + rename), as write_model_file's.
///
/// The rare input whose layout the streaming walk does not reproduce exactly
/// (a singular tensor field given twice, which protobuf merges) goes through
/// the IR instead; the result is the same.
///
/// Of `read_options`, max_depth applies; external data is always resolved
/// (it must be, to be written).
///
/// Throws Error located at `in_path` (reading) or `out_path` (writing); a
/// model without a graph is refused ("not an ONNX model: it holds no graph").
TranscodeStats transcode_model_file(const std::filesystem::path& in_path,
                                    const std::filesystem::path& out_path,
                                    const WriteOptions& options = {},
                                    const ReadOptions& read_options = {});

}  // namespace onnxkit::proto
