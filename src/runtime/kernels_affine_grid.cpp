// AffineGrid (opset 20): sampling grids for GridSample from affine matrices.
// theta [N, 2, 3] with size [N, C, H, W] gives [N, H, W, 2] of (x, y);
// theta [N, 3, 4] with size [N, C, D, H, W] gives [N, D, H, W, 3] of (x, y, z).
// Base coordinates span [-1, 1]: pixel centres (align_corners = 0) or the
// corner pixels themselves (align_corners = 1).

#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

double base_coordinate(std::int64_t i, std::int64_t n, bool align_corners) {
  if (n <= 1) return 0.0;
  if (align_corners) return -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
  return (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(n) - 1.0;
}

std::unique_ptr<Kernel> affine_grid_prepare(const KernelInfo& info) {
  const bool align = info.attr_int("align_corners", 0) != 0;
  return make_kernel([align](KernelContext& ctx) {
    const Value& theta = ctx.required_input(0);
    const std::vector<std::int64_t> size = to_int64_vector(ctx.required_input(1));
    const bool three_d = size.size() == 5;
    const std::int64_t nd = three_d ? 3 : 2;
    if ((size.size() != 4 && size.size() != 5) || theta.dims() != Dims{size[0], nd, nd + 1}) {
      fail("",
           "AffineGrid needs size [N, C, H, W] with theta [N, 2, 3], or [N, C, D, H, W] with [N, "
           "3, 4]; got theta " +
               theta.describe());
    }
    const std::int64_t N = size[0], D = three_d ? size[2] : 1, H = size[size.size() - 2],
                       W = size.back();
    Dims out = three_d ? Dims{N, D, H, W, 3} : Dims{N, H, W, 2};
    Value& y = ctx.output(0, theta.dtype(), out);
    visit_float(theta.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto th = widen<T>(theta);
      auto dst = y.mutable_span<T>();
      std::size_t o = 0;
      for (std::int64_t n = 0; n < N; ++n) {
        const C* m = th.data() + n * nd * (nd + 1);
        for (std::int64_t d = 0; d < D; ++d)
          for (std::int64_t h = 0; h < H; ++h)
            for (std::int64_t w = 0; w < W; ++w) {
              const double base[3] = {base_coordinate(w, W, align), base_coordinate(h, H, align),
                                      base_coordinate(d, D, align)};
              for (std::int64_t r = 0; r < nd; ++r) {
                double v = m[r * (nd + 1) + nd];
                for (std::int64_t k = 0; k < nd; ++k) v += m[r * (nd + 1) + k] * base[k];
                dst[o++] = static_cast<T>(static_cast<C>(v));
              }
            }
      }
    });
  });
}

}  // namespace

void register_affine_grid_kernels(KernelRegistry& r) {
  add_def(r, "AffineGrid", 20, affine_grid_prepare, {TypeRule{0, kFloatTypes}});
}

}  // namespace onnxkit::runtime
