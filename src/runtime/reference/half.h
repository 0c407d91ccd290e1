#pragma once
// float16 and bfloat16 as storage types: arithmetic goes through float
// (implicit conversion to float; explicit construction from float, rounding
// to nearest even). Kernels compute in float and store back.

#include <bit>
#include <cstdint>
#include <cstring>

#include "onnxkit/core/half.h"

namespace onnxkit::runtime::reference {

struct Float16 {
  std::uint16_t bits = 0;

  Float16() = default;
  explicit Float16(float f) : bits(from_float(f)) {}
  operator float() const { return to_float(bits); }

  static std::uint16_t from_float(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t abs = x & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u)
      return static_cast<std::uint16_t>(sign | (abs > 0x7F800000u ? 0x7E00u : 0x7C00u));
    if (abs >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to inf
    if (abs < 0x38800000u) {                                                    // subnormal or zero
      if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);
      const std::uint32_t mant = (abs & 0x007FFFFFu) | 0x00800000u;
      const int shift = 113 - static_cast<int>(abs >> 23) + 13;  // 126 - exp + 13 ... as bits
      std::uint32_t h = mant >> shift;
      const std::uint32_t rem = mant & ((1u << shift) - 1u);
      const std::uint32_t half = 1u << (shift - 1);
      if (rem > half || (rem == half && (h & 1u))) ++h;
      return static_cast<std::uint16_t>(sign | h);
    }
    std::uint32_t h = ((abs >> 13) - (112u << 10));
    const std::uint32_t rem = abs & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }

  static float to_float(std::uint16_t h) { return float16_to_float(h); }
};

struct BFloat16 {
  std::uint16_t bits = 0;

  BFloat16() = default;
  explicit BFloat16(float f) : bits(from_float(f)) {}
  operator float() const { return bfloat16_to_float(bits); }

  static std::uint16_t from_float(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u)
      return static_cast<std::uint16_t>((x >> 16) | 0x40u);  // NaN
    const std::uint32_t rounding = 0x7FFFu + ((x >> 16) & 1u);
    return static_cast<std::uint16_t>((x + rounding) >> 16);
  }
};

static_assert(sizeof(Float16) == 2 && sizeof(BFloat16) == 2);

/// The type arithmetic on T is done in: float for the 16-bit floats, T otherwise.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<Float16> {
  using type = float;
};
template <>
struct ComputeType<BFloat16> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

}  // namespace onnxkit::runtime::reference
