#pragma once
// Conversions between double and the small element types ONNX packs into
// one byte or less: the float8 formats (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ,
// E8M0), float4 E2M1, and the 4-bit and 2-bit integers. Plain functions over
// codes (the element's bits, right-aligned in a uint8), framework-free.

#include <cstdint>
#include <span>

namespace onnxkit::runtime::reference {

/// How a minifloat format spends its special codes.
enum class MinifloatKind : std::uint8_t {
  kIeee,  ///< all-ones exponent: Inf (mantissa 0) or NaN (E5M2)
  kFn,    ///< no Inf; all-ones exponent and mantissa is NaN (E4M3FN)
  kFnuz,  ///< no Inf, no -0; the code 1000...0 is NaN (E4M3FNUZ, E5M2FNUZ)
  kNone,  ///< no Inf, no NaN (E2M1)
};

struct MinifloatFormat {
  int exponent_bits;
  int mantissa_bits;
  int bias;
  MinifloatKind kind;
  std::uint8_t max_code;  ///< largest finite positive code
};

inline constexpr MinifloatFormat kE4M3FN{4, 3, 7, MinifloatKind::kFn, 0x7E};
inline constexpr MinifloatFormat kE4M3FNUZ{4, 3, 8, MinifloatKind::kFnuz, 0x7F};
inline constexpr MinifloatFormat kE5M2{5, 2, 15, MinifloatKind::kIeee, 0x7B};
inline constexpr MinifloatFormat kE5M2FNUZ{5, 2, 16, MinifloatKind::kFnuz, 0x7F};
inline constexpr MinifloatFormat kE2M1{2, 1, 1, MinifloatKind::kNone, 0x7};

/// The value of `code` in format `f` (NaN for NaN codes).
double minifloat_to_double(std::uint8_t code, const MinifloatFormat& f);

/// `x` rounded to nearest-even in format `f`. Out of range: the largest
/// finite value when `saturate`, else Inf (IEEE kind) or NaN.
std::uint8_t double_to_minifloat(double x, const MinifloatFormat& f, bool saturate);

/// E8M0 (a power of two, 2^(code-127); 0xFF is NaN).
double e8m0_to_double(std::uint8_t code);
/// Rounding for E8M0: "up" (to the larger power), "down", or "nearest".
enum class E8M0Rounding : std::uint8_t { kUp, kDown, kNearest };
std::uint8_t double_to_e8m0(double x, E8M0Rounding mode, bool saturate);

/// `x` truncated toward zero and wrapped to its low `bits` (the code of a
/// `bits`-wide integer, signed or not); NaN and Inf give 0.
std::int32_t double_to_small_int(double x, int bits);

/// Element `i` of a packed array of `bits`-wide codes (element 0 in the low
/// bits of byte 0), sign-extended when `is_signed`.
std::int32_t unpack_small(std::span<const std::byte> packed, std::size_t i, int bits,
                          bool is_signed);
/// Writes the low `bits` of `code` as element `i`.
void pack_small(std::span<std::byte> packed, std::size_t i, int bits, std::int32_t code);

}  // namespace onnxkit::runtime::reference
