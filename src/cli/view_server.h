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
/// Lives in the module libonnxkit_serve.so (with cpp-httplib, OpenSSL and
/// brotli, which cost every other command 5 MiB of memory when the program
/// linked them): the program calls it through serve_model_from_module().
int serve_model(const std::filesystem::path& model_path, const ServeOptions& options);

/// dlopens libonnxkit_serve.so (next to the program, or in
/// ../lib/onnxkit/ from it once installed) and runs serve_model() there.
/// Throws Error when the module cannot be loaded.
int serve_model_from_module(const std::filesystem::path& model_path, const ServeOptions& options);

}  // namespace onnxkit::cli
