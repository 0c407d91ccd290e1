// CenterCropPad (crop or zero-pad each chosen axis to a size, centred) and
// Col2Im (sum sliding blocks back into an image: the inverse of im2col).

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

// ---- CenterCropPad (input, shape) -> output

constexpr std::size_t kInput = 0;
constexpr std::size_t kShape = 1;
constexpr std::size_t kOutput = 0;

std::unique_ptr<Kernel> center_crop_pad_prepare(const KernelInfo& info) {
  const std::vector<std::int64_t> axes_attr = info.attr_ints("axes");
  return make_kernel([axes_attr](KernelContext& ctx) {
    const Value& x = ctx.required_input(kInput);
    const std::vector<std::int64_t> shape = to_int64_vector(ctx.required_input(kShape));
    const auto rank = static_cast<std::int64_t>(x.rank());
    std::vector<std::int64_t> axes = axes_attr;
    if (axes.empty()) {
      for (std::int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    if (axes.size() != shape.size()) {
      fail("", "CenterCropPad: 'shape' has " + std::to_string(shape.size()) + " sizes for " +
                   std::to_string(axes.size()) + " axes");
    }
    Dims out = x.dims();
    // offset[d]: input index of output index 0 along d (negative when padding).
    std::vector<std::int64_t> offset(x.rank(), 0);
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const auto d = static_cast<std::size_t>(normalize_axis(axes[i], rank));
      if (shape[i] < 0) fail("", "CenterCropPad: negative target size " + std::to_string(shape[i]));
      const std::int64_t in = x.dims()[d];
      offset[d] = in >= shape[i] ? (in - shape[i]) / 2 : -((shape[i] - in) / 2);
      out[d] = shape[i];
    }
    Value& y = ctx.output(kOutput, x.dtype(), out);
    const Dims in_strides = strides_of(x.dims());
    const std::int64_t n = y.size();
    visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src;
      T* dst;
      if constexpr (std::is_same_v<T, std::string>) {
        src = x.string_data().data();
        dst = y.mutable_string_data().data();
      } else {
        src = x.span<T>().data();
        dst = y.mutable_span<T>().data();
      }
      std::vector<std::int64_t> idx(out.size(), 0);
      for (std::int64_t o = 0; o < n; ++o) {
        std::int64_t at = 0;
        bool inside = true;
        for (std::size_t d = 0; d < out.size(); ++d) {
          const std::int64_t i = idx[d] + offset[d];
          if (i < 0 || i >= x.dims()[d]) inside = false;
          at += i * in_strides[d];
        }
        if (inside) dst[o] = src[at];
        for (std::size_t d = out.size(); d-- > 0;) {
          if (++idx[d] < out[d]) break;
          idx[d] = 0;
        }
      }
    });
  });
}

// ---- Col2Im (input [N, C*prod(block), L], image_shape, block_shape) -> [N, C, image...]

constexpr std::size_t kImageShape = 1;
constexpr std::size_t kBlockShape = 2;

std::unique_ptr<Kernel> col2im_prepare(const KernelInfo& info) {
  const auto dilations_attr = info.attr_ints("dilations");
  const auto pads_attr = info.attr_ints("pads");
  const auto strides_attr = info.attr_ints("strides");
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kInput);
    const auto image = to_int64_vector(ctx.required_input(kImageShape));
    const auto block = to_int64_vector(ctx.required_input(kBlockShape));
    const std::size_t nd = image.size();
    if (x.rank() != 3 || block.size() != nd || nd == 0) {
      fail("",
           "Col2Im needs input [N, C*prod(block_shape), L] and image_shape, block_shape of one "
           "length, got " +
               x.describe());
    }
    const auto dil = dilations_attr.empty() ? std::vector<std::int64_t>(nd, 1) : dilations_attr;
    const auto str = strides_attr.empty() ? std::vector<std::int64_t>(nd, 1) : strides_attr;
    const auto pads = pads_attr.empty() ? std::vector<std::int64_t>(2 * nd, 0) : pads_attr;
    if (dil.size() != nd || str.size() != nd || pads.size() != 2 * nd) {
      fail("", "Col2Im: dilations, strides and pads must match the " + std::to_string(nd) +
                   " image dims");
    }
    std::int64_t block_size = 1, blocks = 1;
    std::vector<std::int64_t> grid(nd);  // sliding positions per dim
    for (std::size_t d = 0; d < nd; ++d) {
      block_size *= block[d];
      grid[d] = (image[d] + pads[d] + pads[d + nd] - (dil[d] * (block[d] - 1) + 1)) / str[d] + 1;
      blocks *= grid[d];
    }
    if (block_size == 0 || x.dims()[1] % block_size != 0 || x.dims()[2] != blocks) {
      fail("", "Col2Im: input " + x.describe() + " does not fit blocks of " +
                   std::to_string(block_size) + " elements at " + std::to_string(blocks) +
                   " positions");
    }
    const std::int64_t batch = x.dims()[0], channels = x.dims()[1] / block_size;
    Dims out{batch, channels};
    out.insert(out.end(), image.begin(), image.end());
    const std::int64_t image_size = element_count(Dims(image.begin(), image.end()));
    Value& y = ctx.output(kOutput, x.dtype(), out);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = widen<T>(x);
      std::vector<C> acc(static_cast<std::size_t>(y.size()), C(0));
      std::vector<std::int64_t> k(nd), b(nd);
      for (std::int64_t nc = 0; nc < batch * channels; ++nc) {
        for (std::int64_t ki = 0; ki < block_size; ++ki) {
          for (std::int64_t rem = ki, d = static_cast<std::int64_t>(nd) - 1; d >= 0; --d) {
            k[static_cast<std::size_t>(d)] = rem % block[static_cast<std::size_t>(d)];
            rem /= block[static_cast<std::size_t>(d)];
          }
          const C* row = src.data() + (nc * block_size + ki) * blocks;
          for (std::int64_t l = 0; l < blocks; ++l) {
            std::int64_t at = 0;
            bool inside = true;
            for (std::int64_t rem = l, d = static_cast<std::int64_t>(nd) - 1; d >= 0; --d) {
              const auto du = static_cast<std::size_t>(d);
              b[du] = rem % grid[du];
              rem /= grid[du];
            }
            for (std::size_t d = 0; d < nd; ++d) {
              const std::int64_t pos = b[d] * str[d] - pads[d] + k[d] * dil[d];
              if (pos < 0 || pos >= image[d]) inside = false;
              at = at * image[d] + pos;
            }
            if (inside) acc[static_cast<std::size_t>(nc * image_size + at)] += row[l];
          }
        }
      }
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < acc.size(); ++i) dst[i] = static_cast<T>(acc[i]);
    });
  });
}

}  // namespace

void register_crop_kernels(KernelRegistry& r) {
  add_def(r, "CenterCropPad", 18, center_crop_pad_prepare);
  add_def(r, "Col2Im", 18, col2im_prepare);
}

}  // namespace onnxkit::runtime
