#pragma once
// `onnxkit view --serve`: the viewer page over HTTP on 127.0.0.1, with edits.

#include <filesystem>

#include "onnxkit/schema/registry.h"

namespace onnxkit::cli {

struct ServeOptions {
  int port = 0;  ///< 0: any free port
  /// Where "save as" writes (plain file names only; nothing else is writable).
  std::filesystem::path save_dir;
  const schema::SchemaRegistry* registry = nullptr;
};

/// Loads `model_path`, prints the URL and serves until the process is
/// stopped. Requests whose Host or Origin header names another site are
/// refused (403), so a web page elsewhere cannot drive the editor.
int serve_model(const std::filesystem::path& model_path, const ServeOptions& options);

}  // namespace onnxkit::cli
