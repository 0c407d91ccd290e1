#include "runtime/reference/minifloat.h"

#include <algorithm>
#include <cmath>

namespace onnxkit::runtime::reference {
namespace {

int total_bits(const MinifloatFormat& f) { return 1 + f.exponent_bits + f.mantissa_bits; }

std::uint8_t sign_bit(const MinifloatFormat& f) {
  return static_cast<std::uint8_t>(1u << (total_bits(f) - 1));
}

std::uint8_t nan_code(const MinifloatFormat& f, bool negative) {
  switch (f.kind) {
    case MinifloatKind::kFnuz:
      return sign_bit(f);
    case MinifloatKind::kFn:
      return static_cast<std::uint8_t>((sign_bit(f) - 1u) | (negative ? sign_bit(f) : 0u));
    // A quiet NaN: all-ones exponent, top mantissa bit set.
    case MinifloatKind::kIeee:
      return static_cast<std::uint8_t>((sign_bit(f) - 2u) | (negative ? sign_bit(f) : 0u));
    case MinifloatKind::kNone:
      break;
  }
  return sign_bit(f);  // E2M1 has no NaN; the ONNX reference gives -0
}

/// The code just above max_code: Inf for IEEE formats, else "overflow".
std::uint8_t overflow_code(const MinifloatFormat& f, bool negative, bool saturate) {
  const std::uint8_t s = negative ? sign_bit(f) : 0;
  if (saturate || f.kind == MinifloatKind::kNone) return static_cast<std::uint8_t>(f.max_code | s);
  if (f.kind == MinifloatKind::kIeee) return static_cast<std::uint8_t>((f.max_code + 1u) | s);
  return nan_code(f, negative);
}

double round_half_even(double v) { return std::nearbyint(v); }  // default FE_TONEAREST

}  // namespace

double minifloat_to_double(std::uint8_t code, const MinifloatFormat& f) {
  const int m = f.mantissa_bits;
  const unsigned exp_mask = (1u << f.exponent_bits) - 1u;
  const unsigned man_mask = (1u << m) - 1u;
  const bool negative = (code & sign_bit(f)) != 0;
  const unsigned exp = (code >> m) & exp_mask;
  const unsigned man = code & man_mask;
  if (f.kind == MinifloatKind::kFnuz && code == sign_bit(f)) return NAN;
  if (f.kind == MinifloatKind::kFn && exp == exp_mask && man == man_mask) return NAN;
  if (f.kind == MinifloatKind::kIeee && exp == exp_mask)
    return man == 0 ? (negative ? -INFINITY : INFINITY) : NAN;
  double v = exp == 0 ? std::ldexp(static_cast<double>(man), 1 - f.bias - m)
                      : std::ldexp(1.0 + std::ldexp(static_cast<double>(man), -m),
                                   static_cast<int>(exp) - f.bias);
  return negative ? -v : v;
}

std::uint8_t double_to_minifloat(double x, const MinifloatFormat& f, bool saturate) {
  const bool negative = std::signbit(x);
  if (std::isnan(x)) return nan_code(f, negative);
  if (std::isinf(x)) return overflow_code(f, negative, saturate);
  const int m = f.mantissa_bits;
  const double a = std::fabs(x);
  const int min_exp = 1 - f.bias;  // exponent of the smallest normal
  unsigned code;
  if (a < std::ldexp(1.0, min_exp)) {
    // Subnormal (or zero): multiples of 2^(min_exp - m); rounding up to
    // 2^m lands exactly on the smallest normal's code.
    code = static_cast<unsigned>(round_half_even(std::ldexp(a, m - min_exp)));
  } else {
    int e = 0;
    const double frac = std::frexp(a, &e);  // a = frac * 2^e, frac in [0.5, 1)
    e -= 1;                                 // a = (2 frac) * 2^e
    double man = round_half_even((2 * frac - 1.0) * std::ldexp(1.0, m));
    if (man >= std::ldexp(1.0, m)) {
      man = 0;
      ++e;
    }
    const long biased = static_cast<long>(e) + f.bias;
    const long limit = 1L << (f.exponent_bits + m);
    code = biased >= (1L << f.exponent_bits)
               ? static_cast<unsigned>(limit)
               : static_cast<unsigned>((biased << m) | static_cast<long>(man));
  }
  if (code > f.max_code) return overflow_code(f, negative, saturate);
  if (code == 0 && (f.kind == MinifloatKind::kFnuz)) return 0;  // no -0
  return static_cast<std::uint8_t>(code | (negative ? sign_bit(f) : 0u));
}

double e8m0_to_double(std::uint8_t code) {
  if (code == 0xFF) return NAN;
  return std::ldexp(1.0, static_cast<int>(code) - 127);
}

std::uint8_t double_to_e8m0(double x, E8M0Rounding mode, bool saturate) {
  if (std::isnan(x)) return 0xFF;
  if (std::isinf(x)) return saturate ? 0xFE : 0xFF;
  const double a = std::fabs(x);
  if (a == 0) return 0;
  int e = 0;
  const double frac = std::frexp(a, &e);  // a = frac * 2^e
  int k = e - 1;                          // 2^k <= a < 2^(k+1)
  const bool exact = frac == 0.5;
  if (!exact) {
    if (mode == E8M0Rounding::kUp)
      ++k;
    else if (mode == E8M0Rounding::kNearest && 2 * frac >= 1.5)
      ++k;
  }
  const int biased = k + 127;
  if (biased < 0) return 0;
  if (biased > 254) return saturate ? 0xFE : 0xFF;
  return static_cast<std::uint8_t>(biased);
}

std::int32_t double_to_small_int(double x, int bits) {
  if (!std::isfinite(x)) return 0;
  // Truncate toward zero, then wrap to `bits` (as a cast to int8 would wrap).
  const auto v = static_cast<std::int64_t>(std::clamp(x, -0x1p62, 0x1p62));
  return static_cast<std::int32_t>(static_cast<std::uint64_t>(v) & ((1u << bits) - 1u));
}

std::int32_t unpack_small(std::span<const std::byte> packed, std::size_t i, int bits,
                          bool is_signed) {
  const std::size_t per_byte = static_cast<std::size_t>(8 / bits);
  const unsigned shift = static_cast<unsigned>((i % per_byte) * static_cast<std::size_t>(bits));
  const unsigned mask = (1u << bits) - 1u;
  const unsigned v = (std::to_integer<unsigned>(packed[i / per_byte]) >> shift) & mask;
  if (is_signed && (v & (1u << (bits - 1))) != 0) return static_cast<std::int32_t>(v) - (1 << bits);
  return static_cast<std::int32_t>(v);
}

void pack_small(std::span<std::byte> packed, std::size_t i, int bits, std::int32_t code) {
  const std::size_t per_byte = static_cast<std::size_t>(8 / bits);
  const unsigned shift = static_cast<unsigned>((i % per_byte) * static_cast<std::size_t>(bits));
  const unsigned mask = (1u << bits) - 1u;
  unsigned b = std::to_integer<unsigned>(packed[i / per_byte]);
  b = (b & ~(mask << shift)) | ((static_cast<unsigned>(code) & mask) << shift);
  packed[i / per_byte] = static_cast<std::byte>(b);
}

}  // namespace onnxkit::runtime::reference
