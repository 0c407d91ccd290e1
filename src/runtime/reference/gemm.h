#pragma once
// Matrix products over row-major spans, accumulating in the element type C
// (float or double for floats, the integer type for integers).

#include <cstdint>

namespace onnxkit::runtime::reference {

/// c[m][n] += sum_k a[m][k] * b[k][n], with a's rows `lda` apart (a[m][k] =
/// a[m*lda + k*a_step]) and likewise for b; c is m x n, row-major.
/// a_trans/b_trans read A as K x M / B as N x K.
template <typename C>
void gemm(std::int64_t m, std::int64_t n, std::int64_t k, const C* a, bool a_trans, const C* b,
          bool b_trans, C* c) {
  for (std::int64_t i = 0; i < m; ++i) {
    C* row = c + i * n;
    for (std::int64_t p = 0; p < k; ++p) {
      const C av = a_trans ? a[p * m + i] : a[i * k + p];
      if (av == C(0)) continue;
      if (b_trans) {
        for (std::int64_t j = 0; j < n; ++j) row[j] += av * b[j * k + p];
      } else {
        const C* brow = b + p * n;
        for (std::int64_t j = 0; j < n; ++j) row[j] += av * brow[j];
      }
    }
  }
}

}  // namespace onnxkit::runtime::reference
