// DFT (opset 17: axis attribute; opset 20: axis input, default -2), a direct
// O(n^2) transform per line along the axis, in double. The last dim of
// input and output holds 1 (real) or 2 (real, imaginary) values.
//   forward, onesided: output keeps bins 0 .. n/2.
//   inverse (scaled by 1/n), onesided: the input holds bins 0 .. n/2 of a
//   Hermitian spectrum; the output is its real signal [..., n, ..., 1] with
//   n = dft_length, or 2 * (bins - 1).

#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;
using Complex = std::complex<double>;

constexpr std::size_t kInput = 0;
constexpr std::size_t kDftLength = 1;
constexpr std::size_t kAxis = 2;  // opset 20
constexpr std::size_t kOutput = 0;

struct DftOptions {
  bool inverse = false, onesided = false;
  bool axis_is_input = false;  ///< opset 20
  std::int64_t axis_attr = 1;
};

std::unique_ptr<Kernel> dft_prepare(const KernelInfo& info) {
  DftOptions o;
  o.inverse = info.attr_int("inverse", 0) != 0;
  o.onesided = info.attr_int("onesided", 0) != 0;
  o.axis_is_input = info.since_version() >= 20;
  o.axis_attr = info.attr_int("axis", 1);
  return make_kernel([o](KernelContext& ctx) {
    const Value& x = ctx.required_input(kInput);
    const auto rank = static_cast<std::int64_t>(x.rank());
    if (rank < 2 || (x.dims().back() != 1 && x.dims().back() != 2)) {
      fail("", "DFT input must be [..., 1] (real) or [..., 2] (complex), got " + x.describe());
    }
    std::int64_t axis = o.axis_attr;
    if (o.axis_is_input) {
      const Value* a = ctx.input(kAxis);
      axis = a != nullptr && a->size() > 0 ? to_int64_vector(*a)[0] : -2;
    }
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank - 1)
      fail("", "DFT axis " + std::to_string(axis) + " is not a signal axis of " + x.describe());
    const auto ax = static_cast<std::size_t>(axis);
    const std::int64_t in_len = x.dims()[ax];
    const Value* len_v = ctx.input(kDftLength);
    const bool has_len = len_v != nullptr && len_v->size() > 0;
    const std::int64_t n = has_len ? to_int64_vector(*len_v)[0]
                                   : (o.inverse && o.onesided ? 2 * (in_len - 1) : in_len);
    if (n <= 0) fail("", "DFT length must be positive, got " + std::to_string(n));

    // The input as complex numbers, [outer, in_len, inner].
    std::int64_t outer = 1, inner = 1;
    for (std::size_t d = 0; d < ax; ++d) outer *= x.dims()[d];
    for (std::size_t d = ax + 1; d + 1 < x.rank(); ++d) inner *= x.dims()[d];
    const bool complex_in = x.dims().back() == 2;
    std::vector<Complex> in(static_cast<std::size_t>(outer * in_len * inner));
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto s = x.span<T>();
      for (std::size_t i = 0; i < in.size(); ++i) {
        const double re = static_cast<double>(static_cast<compute_t<T>>(s[complex_in ? 2 * i : i]));
        const double im =
            complex_in ? static_cast<double>(static_cast<compute_t<T>>(s[2 * i + 1])) : 0.0;
        in[i] = {re, im};
      }
    });

    const bool real_out = o.inverse && o.onesided;
    const std::int64_t out_len = o.onesided && !o.inverse ? n / 2 + 1 : n;
    Dims out_dims = x.dims();
    out_dims[ax] = out_len;
    out_dims.back() = real_out ? 1 : 2;
    std::vector<Complex> line(static_cast<std::size_t>(n));
    std::vector<Complex> out(static_cast<std::size_t>(outer * out_len * inner));
    const double sign = o.inverse ? 1.0 : -1.0;
    for (std::int64_t a = 0; a < outer; ++a) {
      for (std::int64_t c = 0; c < inner; ++c) {
        auto at = [&](std::int64_t k) {
          return in[static_cast<std::size_t>((a * in_len + k) * inner + c)];
        };
        for (std::int64_t k = 0; k < n; ++k) {
          Complex v{0, 0};
          if (real_out) {
            // Bins past the stored half come from Hermitian symmetry.
            if (k < in_len)
              v = at(k);
            else if (n - k < in_len)
              v = std::conj(at(n - k));
          } else if (k < in_len) {
            v = at(k);  // zero-padded past the input, truncated by the loop bound
          }
          line[static_cast<std::size_t>(k)] = v;
        }
        for (std::int64_t f = 0; f < out_len; ++f) {
          Complex sum{0, 0};
          for (std::int64_t k = 0; k < n; ++k) {
            const double angle = sign * 2.0 * std::numbers::pi * static_cast<double>((f * k) % n) /
                                 static_cast<double>(n);
            sum += line[static_cast<std::size_t>(k)] * Complex(std::cos(angle), std::sin(angle));
          }
          if (o.inverse) sum /= static_cast<double>(n);
          out[static_cast<std::size_t>((a * out_len + f) * inner + c)] = sum;
        }
      }
    }
    Value& y = ctx.output(kOutput, x.dtype(), out_dims);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      auto dst = y.mutable_span<T>();
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (real_out) {
          dst[i] = static_cast<T>(static_cast<C>(out[i].real()));
        } else {
          dst[2 * i] = static_cast<T>(static_cast<C>(out[i].real()));
          dst[2 * i + 1] = static_cast<T>(static_cast<C>(out[i].imag()));
        }
      }
    });
  });
}

}  // namespace

void register_dft_kernels(KernelRegistry& r) {
  add_def(r, "DFT", 17, dft_prepare, {TypeRule{kInput, kFloatTypes}});
}

}  // namespace onnxkit::runtime
