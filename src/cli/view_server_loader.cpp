#include <dlfcn.h>

#include <array>
#include <filesystem>
#include <string>
#include <system_error>

#include "cli/view_server.h"
#include "onnxkit/core/error.h"

namespace onnxkit::cli {

int serve_model_from_module(const std::filesystem::path& model_path, const ServeOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path dir = ec ? fs::path(".") : exe.parent_path();
  // The build folder holds both; an install puts the module under lib/onnxkit.
  const std::array<fs::path, 2> candidates{
      dir / "libonnxkit_serve.so",
      dir / ".." / ONNXKIT_INSTALL_LIBDIR / "onnxkit" / "libonnxkit_serve.so"};
  std::string why;
  for (const fs::path& path : candidates) {
    if (!fs::exists(path, ec)) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* err = dlerror();
      why = err != nullptr ? err : "dlopen failed";
      continue;
    }
    using Entry = int (*)(const fs::path*, const ServeOptions*);
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "onnxkit_serve_model"));
    if (entry == nullptr) {
      why = path.string() + ": no symbol onnxkit_serve_model";
      continue;
    }
    return entry(&model_path, &options);  // serves until the process is stopped
  }
  throw Error("view --serve: cannot load the server module libonnxkit_serve.so next to " +
              dir.string() + (why.empty() ? " (not found)" : ": " + why));
}

}  // namespace onnxkit::cli
