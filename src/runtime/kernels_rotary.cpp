// RotaryEmbedding (opset 23): rotates the first rotary_embedding_dim values
// of every head vector by position-dependent angles given as cos/sin caches.
// Input [B, H, S, D], or [B, S, H*D] with num_heads. Caches are
// [max_position, rd/2] indexed by position_ids [B, S], or [B, S, rd/2]
// without position_ids. Halves are paired (i, i + rd/2), or neighbours
// (2i, 2i+1) when interleaved.

#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kInput = 0;
constexpr std::size_t kCos = 1;
constexpr std::size_t kSin = 2;
constexpr std::size_t kPositionIds = 3;
constexpr std::size_t kOutput = 0;

std::unique_ptr<Kernel> rotary_prepare(const KernelInfo& info) {
  const bool interleaved = info.attr_int("interleaved", 0) != 0;
  const std::int64_t num_heads_attr = info.attr_int("num_heads", 0);
  const std::int64_t rotary_attr = info.attr_int("rotary_embedding_dim", 0);
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kInput);
    const Value& cos_v = ctx.required_input(kCos);
    const Value& sin_v = ctx.required_input(kSin);
    const Value* pos_v = ctx.input(kPositionIds);
    std::int64_t B, H, S, D;
    const bool packed = x.rank() == 3;
    if (packed) {
      if (num_heads_attr <= 0 || x.dims()[2] % num_heads_attr != 0)
        fail("", "a 3-D input needs num_heads dividing its last dim");
      B = x.dims()[0], S = x.dims()[1], H = num_heads_attr, D = x.dims()[2] / H;
    } else if (x.rank() == 4) {
      B = x.dims()[0], H = x.dims()[1], S = x.dims()[2], D = x.dims()[3];
    } else {
      fail("", "RotaryEmbedding input must be [B, H, S, D] or [B, S, H*D], got " + x.describe());
    }
    const std::int64_t rd = rotary_attr > 0 ? rotary_attr : D;
    if (rd > D || rd % 2 != 0)
      fail("", "rotary_embedding_dim must be even and at most the head size");
    const std::int64_t half = rd / 2;
    if (cos_v.dims().back() != half || sin_v.dims() != cos_v.dims()) {
      fail("", "cos/sin caches " + cos_v.describe() +
                   " must end in rotary_dim/2 = " + std::to_string(half));
    }
    std::vector<std::int64_t> pos;
    if (pos_v != nullptr) {
      pos = to_int64_vector(*pos_v);
      if (static_cast<std::int64_t>(pos.size()) != B * S) fail("", "position_ids must be [B, S]");
      for (const std::int64_t p : pos) {
        if (p < 0 || p >= cos_v.dims()[0])
          fail("", "position id " + std::to_string(p) + " is outside the caches");
      }
    } else if (cos_v.size() != B * S * half) {
      fail("", "without position_ids the caches must be [B, S, rotary_dim/2]");
    }
    Value& y = ctx.output(kOutput, x.dtype(), x.dims());
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const auto src = widen<T>(x);
      const auto cs = widen<T>(cos_v);
      const auto sn = widen<T>(sin_v);
      auto dst = y.mutable_span<T>();
      for (std::int64_t b = 0; b < B; ++b) {
        for (std::int64_t h = 0; h < H; ++h) {
          for (std::int64_t s = 0; s < S; ++s) {
            const std::int64_t base =
                packed ? ((b * S + s) * H + h) * D : ((b * H + h) * S + s) * D;
            const std::int64_t row =
                pos_v != nullptr ? pos[static_cast<std::size_t>(b * S + s)] : b * S + s;
            const C* in = src.data() + base;
            for (std::int64_t i = 0; i < D; ++i)
              dst[static_cast<std::size_t>(base + i)] = static_cast<T>(in[i]);
            for (std::int64_t i = 0; i < half; ++i) {
              const C c = cs[static_cast<std::size_t>(row * half + i)],
                      n = sn[static_cast<std::size_t>(row * half + i)];
              const std::int64_t a = interleaved ? 2 * i : i,
                                 o = interleaved ? 2 * i + 1 : i + half;
              dst[static_cast<std::size_t>(base + a)] = static_cast<T>(in[a] * c - in[o] * n);
              dst[static_cast<std::size_t>(base + o)] = static_cast<T>(in[o] * c + in[a] * n);
            }
          }
        }
      }
    });
  });
}

}  // namespace

void register_rotary_kernels(KernelRegistry& r) {
  add_def(r, "RotaryEmbedding", 23, rotary_prepare, {TypeRule{kInput, kFloatTypes}});
}

}  // namespace onnxkit::runtime
