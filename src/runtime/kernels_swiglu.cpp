// SwiGLU (opset 28): y = a * sigmoid(alpha * a) * b, with numpy broadcasting;
// TensorScatter (opset 24): KV-cache writes.

#include <array>
#include <cmath>
#include <string>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

std::unique_ptr<Kernel> swiglu_prepare(const KernelInfo& info) {
  const double alpha = info.attr_float("alpha", 1.0f);
  return make_kernel([alpha](KernelContext& ctx) {
    const Value& a = ctx.required_input(0);
    const Value& b = ctx.required_input(1);
    const std::array<const Dims*, 2> shapes = {&a.dims(), &b.dims()};
    const auto out = reference::broadcast_dims(shapes);
    if (!out)
      fail("", "SwiGLU inputs " + a.describe() + " and " + b.describe() + " do not broadcast");
    Value& y = ctx.output(0, a.dtype(), *out);
    visit_float(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto av = a.span<T>();
      const auto bv = b.span<T>();
      auto dst = y.mutable_span<T>();
      reference::for_each_index<2>(
          *out,
          {reference::broadcast_strides(a.dims(), *out),
           reference::broadcast_strides(b.dims(), *out)},
          {0, 0}, [&](std::int64_t o, const std::array<std::int64_t, 2>& off) {
            const double x = static_cast<C>(av[static_cast<std::size_t>(off[0])]);
            const double g = static_cast<C>(bv[static_cast<std::size_t>(off[1])]);
            dst[static_cast<std::size_t>(o)] =
                static_cast<T>(static_cast<C>(x / (1.0 + std::exp(-alpha * x)) * g));
          });
    });
  });
}

// ---- TensorScatter (opset 24): writes `update` into a copy of `past_cache`
// along `axis` (default -2) from write_indices[b] (default 0) per batch
// entry; mode "circular" wraps positions modulo the cache length.

std::unique_ptr<Kernel> tensor_scatter_prepare(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", -2);
  const std::string mode = info.attr_string("mode", "linear");
  if (mode != "linear" && mode != "circular")
    info.fail("mode must be linear or circular, got '" + mode + "'");
  const bool circular = mode == "circular";
  return make_kernel([=](KernelContext& ctx) {
    const Value& past = ctx.required_input(0);
    const Value& update = ctx.required_input(1);
    const Value* idx_v = ctx.input(2);
    const auto rank = static_cast<std::int64_t>(past.rank());
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
    if (axis == 0 || update.rank() != past.rank())
      fail("", "TensorScatter: update must have the cache's rank and axis must not be 0");
    for (std::size_t d = 0; d < past.rank(); ++d) {
      if (d != axis && update.dims()[d] != past.dims()[d])
        fail("", "TensorScatter: update " + update.describe() + " does not fit cache " +
                     past.describe());
    }
    const std::int64_t batch = past.dims()[0], len = past.dims()[axis], ulen = update.dims()[axis];
    std::vector<std::int64_t> starts(static_cast<std::size_t>(batch), 0);
    if (idx_v != nullptr) {
      starts = to_int64_vector(*idx_v);
      if (static_cast<std::int64_t>(starts.size()) != batch)
        fail("", "write_indices must have one entry per batch");
    }
    std::int64_t mid = 1, inner = 1;  // dims between 0 and axis, and after axis
    for (std::size_t d = 1; d < axis; ++d) mid *= past.dims()[d];
    for (std::size_t d = axis + 1; d < past.rank(); ++d) inner *= past.dims()[d];
    Value y = past.clone();
    visit_storage(past.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      if constexpr (std::is_same_v<S, std::string>) {
        fail("", "TensorScatter does not take strings");
      } else {
        const auto src = update.span<S>();
        auto dst = y.mutable_span<S>();
        for (std::int64_t b = 0; b < batch; ++b) {
          for (std::int64_t i = 0; i < ulen; ++i) {
            std::int64_t pos = starts[static_cast<std::size_t>(b)] + i;
            if (circular) pos = ((pos % len) + len) % len;
            if (pos < 0 || pos >= len)
              fail("", "TensorScatter: write position " + std::to_string(pos) +
                           " is outside the cache");
            for (std::int64_t m = 0; m < mid; ++m)
              for (std::int64_t k = 0; k < inner; ++k) {
                dst[static_cast<std::size_t>(((b * mid + m) * len + pos) * inner + k)] =
                    src[static_cast<std::size_t>(((b * mid + m) * ulen + i) * inner + k)];
              }
          }
        }
      }
    });
    ctx.set_output(0, y);
  });
}

}  // namespace

void register_swiglu_kernels(KernelRegistry& r) {
  add_def(r, "SwiGLU", 28, swiglu_prepare, {TypeRule{0, kFloatTypes}});
  add_def(r, "TensorScatter", 24, tensor_scatter_prepare);
}

}  // namespace onnxkit::runtime
