#pragma once
// Reading and writing model files for the CLI: binary .onnx or the ONNX text
// syntax, chosen by extension and, for input, by looking at the content.

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "onnxkit/ir/model.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"

namespace onnxkit::cli {

enum class ModelFormat : std::uint8_t { kBinary, kText };

/// True for the text-syntax extensions ".txt" and ".onnxtxt" (any case).
bool has_text_extension(const std::filesystem::path& path);

/// Refuses, with an Error naming the path, a missing file, a folder and an
/// empty file. Returns the file's size (0 when it cannot be told).
std::uintmax_t require_model_file(const std::filesystem::path& path);

/// The format of an existing file: text by extension; otherwise text when its
/// first bytes are printable and start like the text syntax, else binary.
/// Throws Error naming the path when it cannot be read.
ModelFormat detect_model_format(const std::filesystem::path& path);

/// Reads a model in either format. Refuses, with an Error naming the path, a
/// missing file, a folder, an empty file, and a file that holds no graph.
/// `options` apply to the binary format (the text syntax holds every weight).
ir::Model load_model(const std::filesystem::path& path, const proto::ReadOptions& options = {});

/// Writes `model` to `path`: the text syntax with every weight for a text
/// extension (`binary_options` must then be the default), the binary format
/// with `binary_options` otherwise. Both write a temporary file and rename it.
void save_model(const ir::Model& model, const std::filesystem::path& path,
                const proto::WriteOptions& binary_options = {});

/// Writes `content` to a temporary file next to `path`, then renames it over
/// `path`; on failure nothing is left behind. Throws Error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace onnxkit::cli
