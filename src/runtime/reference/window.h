// Sliding-window geometry shared by Conv and the pools: output sizes and
// begin pads from kernel, strides, dilations, pads and auto_pad.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace onnxkit::runtime::reference {

struct Window {
  std::vector<std::int64_t> kernel, strides, dilations;
  std::vector<std::int64_t> pads;  ///< begin pads then end pads, as ONNX orders them
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;

  /// Fills defaults for `spatial` dims, resolves auto_pad against `in`, and
  /// returns the output sizes. Throws Error on an invalid combination.
  std::vector<std::int64_t> resolve(const std::vector<std::int64_t>& in);
};

}  // namespace onnxkit::runtime::reference
