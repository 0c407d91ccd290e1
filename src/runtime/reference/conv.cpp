#include "runtime/reference/conv.h"

#include <algorithm>

#include "runtime/reference/gemm.h"

namespace onnxkit::runtime::reference {

template <typename C>
void conv(const ConvShape& s, const Window& window, const C* x, const C* w, const C* bias, C* y) {
  const std::size_t nd = s.in.size();
  std::int64_t in_size = 1, out_size = 1, kernel_size = 1;
  for (std::size_t i = 0; i < nd; ++i) {
    in_size *= s.in[i];
    out_size *= s.out[i];
    kernel_size *= window.kernel[i];
  }
  const std::int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
  const std::int64_t rows = cg * kernel_size;
  std::vector<C> col(static_cast<std::size_t>(rows * out_size));
  std::vector<std::int64_t> kidx(nd), oidx(nd);
  for (std::int64_t n = 0; n < s.batch; ++n) {
    for (std::int64_t g = 0; g < s.group; ++g) {
      // im2col: row (c, kernel position), column output position.
      const C* xg = x + (n * s.in_channels + g * cg) * in_size;
      for (std::int64_t c = 0; c < cg; ++c) {
        std::fill(kidx.begin(), kidx.end(), 0);
        for (std::int64_t kp = 0; kp < kernel_size; ++kp) {
          C* row = col.data() + (c * kernel_size + kp) * out_size;
          std::fill(oidx.begin(), oidx.end(), 0);
          for (std::int64_t op = 0; op < out_size; ++op) {
            std::int64_t off = 0;
            bool inside = true;
            for (std::size_t d = 0; d < nd; ++d) {
              const std::int64_t p =
                  oidx[d] * window.strides[d] - window.pads[d] + kidx[d] * window.dilations[d];
              if (p < 0 || p >= s.in[d]) {
                inside = false;
                break;
              }
              off = off * s.in[d] + p;
            }
            row[op] = inside ? xg[c * in_size + off] : C(0);
            for (std::size_t d = nd; d-- > 0;) {
              if (++oidx[d] < s.out[d]) break;
              oidx[d] = 0;
            }
          }
          for (std::size_t d = nd; d-- > 0;) {
            if (++kidx[d] < window.kernel[d]) break;
            kidx[d] = 0;
          }
        }
      }
      C* yg = y + (n * s.out_channels + g * mg) * out_size;
      const C* wg = w + g * mg * rows;
      for (std::int64_t m = 0; m < mg; ++m) {
        const C b = bias != nullptr ? bias[g * mg + m] : C(0);
        std::fill(yg + m * out_size, yg + (m + 1) * out_size, b);
      }
      gemm<C>(mg, out_size, rows, wg, false, col.data(), false, yg);
    }
  }
}

template void conv<float>(const ConvShape&, const Window&, const float*, const float*, const float*,
                          float*);
template void conv<double>(const ConvShape&, const Window&, const double*, const double*,
                           const double*, double*);

}  // namespace onnxkit::runtime::reference
