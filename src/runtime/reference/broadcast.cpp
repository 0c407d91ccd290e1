#include "runtime/reference/broadcast.h"

#include <algorithm>

namespace onnxkit::runtime::reference {

std::optional<Dims> broadcast_dims(std::span<const Dims* const> shapes) {
  std::size_t rank = 0;
  for (const Dims* s : shapes) rank = std::max(rank, s->size());
  Dims out(rank, 1);
  for (const Dims* s : shapes) {
    const std::size_t shift = rank - s->size();
    for (std::size_t i = 0; i < s->size(); ++i) {
      const std::int64_t d = (*s)[i];
      std::int64_t& o = out[shift + i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      return std::nullopt;
    }
  }
  return out;
}

Dims broadcast_strides(const Dims& in, const Dims& out) {
  Dims strides(out.size(), 0);
  const std::size_t shift = out.size() - in.size();
  std::int64_t s = 1;
  for (std::size_t i = in.size(); i-- > 0;) {
    strides[shift + i] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  return strides;
}

}  // namespace onnxkit::runtime::reference
