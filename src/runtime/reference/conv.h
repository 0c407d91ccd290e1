#pragma once
// Convolution, N spatial dims, groups: im2col then a plain matrix product.

#include <cstdint>
#include <vector>

#include "runtime/reference/window.h"

namespace onnxkit::runtime::reference {

struct ConvShape {
  std::int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  std::vector<std::int64_t> in, out;  ///< spatial dims
};

/// y (N, M, out...) = conv(x (N, C, in...), w (M, C/group, kernel...)) + bias (M or null).
/// `window` must be resolved (pads filled).
template <typename C>
void conv(const ConvShape& s, const Window& window, const C* x, const C* w, const C* bias, C* y);

extern template void conv<float>(const ConvShape&, const Window&, const float*, const float*,
                                 const float*, float*);
extern template void conv<double>(const ConvShape&, const Window&, const double*, const double*,
                                  const double*, double*);

}  // namespace onnxkit::runtime::reference
