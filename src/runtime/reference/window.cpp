#include "runtime/reference/window.h"

#include "onnxkit/core/error.h"

namespace onnxkit::runtime::reference {

std::vector<std::int64_t> Window::resolve(const std::vector<std::int64_t>& in) {
  const std::size_t n = in.size();
  if (kernel.size() != n)
    fail("", "kernel has " + std::to_string(kernel.size()) + " dims, input has " +
                 std::to_string(n) + " spatial dims");
  if (strides.empty()) strides.assign(n, 1);
  if (dilations.empty()) dilations.assign(n, 1);
  if (pads.empty()) pads.assign(2 * n, 0);
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n)
    fail("", "strides, dilations or pads do not match the kernel rank");
  std::vector<std::int64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t extent = dilations[i] * (kernel[i] - 1) + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[i] = (in[i] + strides[i] - 1) / strides[i];
      const std::int64_t total =
          std::max<std::int64_t>(0, (out[i] - 1) * strides[i] + extent - in[i]);
      pads[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[i + n] = total - pads[i];
      continue;
    }
    if (auto_pad == "VALID") {
      pads[i] = pads[i + n] = 0;
    } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
      fail("", "unknown auto_pad '" + auto_pad + "'");
    }
    const std::int64_t span = in[i] + pads[i] + pads[i + n] - extent;
    if (span < 0) fail("", "the window is larger than the padded input");
    if (ceil_mode) {
      out[i] = (span + strides[i] - 1) / strides[i] + 1;
      // The last window must start inside the input or its begin padding.
      if ((out[i] - 1) * strides[i] >= in[i] + pads[i]) --out[i];
    } else {
      out[i] = span / strides[i] + 1;
    }
  }
  return out;
}

}  // namespace onnxkit::runtime::reference
