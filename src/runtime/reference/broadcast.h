#pragma once
// numpy broadcasting over row-major tensors: output dims, per-input strides
// aligned to the output (0 along broadcast dims), and a walk that hands each
// output element its input offsets.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "onnxkit/runtime/value.h"

namespace onnxkit::runtime::reference {

/// The broadcast of all `shapes`, or nullopt when they do not broadcast.
std::optional<Dims> broadcast_dims(std::span<const Dims* const> shapes);

/// Strides (in elements) of a row-major tensor of dims `in`, seen with dims `out`.
Dims broadcast_strides(const Dims& in, const Dims& out);

/// Calls fn(out_offset, offsets) for every element of a tensor with dims
/// `out`, where offsets[k] = sum(index[d] * strides[k][d]) (strides may be 0
/// or negative). Rows along the last dim run in a tight loop.
template <std::size_t K, typename F>
void for_each_index(const Dims& out, const std::array<Dims, K>& strides,
                    std::array<std::int64_t, K> base, F&& fn) {
  std::int64_t n = 1;
  for (std::int64_t d : out) n *= d;
  if (n == 0) return;
  const std::size_t r = out.size();
  if (r == 0) {
    fn(std::int64_t{0}, base);
    return;
  }
  std::vector<std::int64_t> idx(r, 0);
  std::array<std::int64_t, K> off = base;
  const std::int64_t inner = out[r - 1];
  std::array<std::int64_t, K> step{};
  for (std::size_t k = 0; k < K; ++k) step[k] = strides[k][r - 1];
  for (std::int64_t o = 0; o < n; o += inner) {
    std::array<std::int64_t, K> p = off;
    for (std::int64_t j = 0; j < inner; ++j) {
      fn(o + j, p);
      for (std::size_t k = 0; k < K; ++k) p[k] += step[k];
    }
    for (std::size_t d = r - 1; d-- > 0;) {
      ++idx[d];
      for (std::size_t k = 0; k < K; ++k) off[k] += strides[k][d];
      if (idx[d] < out[d]) break;
      for (std::size_t k = 0; k < K; ++k) off[k] -= strides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

}  // namespace onnxkit::runtime::reference
