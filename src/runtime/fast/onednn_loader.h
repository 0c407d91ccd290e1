#pragma once
// oneDNN is loaded on first use, not linked (see onednn_loader.cpp): the
// OpenMP calls of the fast kernels go through here, to the OpenMP runtime
// that oneDNN loads with it.

namespace onnxkit::runtime::fast {

/// The address of `name` in oneDNN's library (or a library it loads), which is
/// loaded on the first call. Throws Error when it cannot be loaded or lacks
/// the symbol.
void* onednn_symbol(const char* name);

/// omp_get_max_threads() of the OpenMP runtime oneDNN runs on.
int omp_max_threads();
/// omp_set_num_threads() of the OpenMP runtime oneDNN runs on.
void omp_set_threads(int threads);

}  // namespace onnxkit::runtime::fast
