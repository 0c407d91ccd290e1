#pragma once
/// float16 and bfloat16 bit patterns widened to float: one definition for the
/// runtime's kernels, inference's value tracking and the viewer's weight
/// statistics.

#include <bit>
#include <cstdint>

namespace onnxkit {

/// IEEE half precision (subnormals, infinities and NaN kept) to float.
inline float float16_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t x;
  if (exp == 0x1F) {
    x = sign | 0x7F800000u | (mant << 13);
  } else if (exp != 0) {
    x = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    x = sign;
  } else {  // subnormal: normalise
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    x = sign | ((112u - static_cast<std::uint32_t>(e)) << 23) | ((mant & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(x);
}

/// bfloat16 is the top half of a float.
inline float bfloat16_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

}  // namespace onnxkit
