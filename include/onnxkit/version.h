#pragma once
/// The project version, as CMake's project(VERSION) states it.
/// The build passes ONNXKIT_VERSION; the fallback keeps a build without it working.

#include <string_view>

#ifndef ONNXKIT_VERSION
#define ONNXKIT_VERSION "0.1.0"
#endif

namespace onnxkit {

/// "0.1.0": written as producer_version by the built-in examples and shown by `--version`.
inline constexpr std::string_view kVersion = ONNXKIT_VERSION;

}  // namespace onnxkit
