#include "onnxkit/core/shape.h"

namespace onnxkit {

std::string shape_to_string(const Shape& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ',';
    const Dim& d = shape[i];
    if (d.is_value()) {
      out += std::to_string(d.value);
    } else if (d.is_param()) {
      out += d.param;
    } else {
      out += '?';
    }
  }
  return out;
}

}  // namespace onnxkit
