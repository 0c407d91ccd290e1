// oneDNN (and the OpenMP runtime it brings) loaded on first use.
//
// Only the fast kernels need oneDNN, but a library linked at build time is
// loaded, relocated and initialized by every process that links the runtime:
// about 2.5 MiB of RSS and some milliseconds for `import onnxkit` and for
// `onnxkit edit`, which never run a kernel. So the runtime does not link
// libdnnl; this file defines the C functions of oneDNN's API that dnnl.hpp
// calls, each forwarding to the real one, which is looked up (dlopen +
// dlsym) the first time it is needed. If oneDNN cannot be loaded, the call
// throws an Error, and the fast kernels fall back on the reference ones
// (PlanCache treats it as a shape oneDNN refuses).
//
// The list is what src/runtime/fast/*.cpp use through dnnl.hpp; a new use
// fails to link until its function is added here. The compiler checks every
// signature against dnnl.h (a mismatch is a conflicting C declaration).

#include "runtime/fast/onednn_loader.h"

#include <dlfcn.h>
#include <dnnl.h>
#include <dnnl_version.h>

#include <mutex>
#include <string>

#include "onnxkit/core/error.h"

namespace onnxkit::runtime::fast {
namespace {

const std::string& library_name() {
  static const std::string name = "libdnnl.so." + std::to_string(DNNL_VERSION_MAJOR);
  return name;
}

// The library's handle; loaded once (a failure is retried on the next call).
void* library() {
  static std::mutex mutex;
  static void* handle = nullptr;
  std::lock_guard lock(mutex);
  if (handle == nullptr) {
    handle = dlopen(library_name().c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      throw Error("oneDNN", "cannot load " + library_name() + ": " + (why ? why : "unknown error"));
    }
  }
  return handle;
}

}  // namespace

void* onednn_symbol(const char* name) {
  void* handle = library();
  dlerror();
  void* p = dlsym(handle, name);
  if (p == nullptr) {
    throw Error("oneDNN", std::string("no symbol '") + name + "' in " + library_name());
  }
  return p;
}

int omp_max_threads() {
  static const auto fn = reinterpret_cast<int (*)()>(onednn_symbol("omp_get_max_threads"));
  return fn();
}

void omp_set_threads(int threads) {
  static const auto fn = reinterpret_cast<void (*)(int)>(onednn_symbol("omp_set_num_threads"));
  fn(threads);
}

}  // namespace onnxkit::runtime::fast

// One forwarding definition per oneDNN function: the real function's address
// is looked up once (thread-safe static), then every call is one indirect jump.
#define ONNXKIT_DNNL_FORWARD(ret, name, params, args)                                    \
  extern "C" ret name params {                                                           \
    static const auto real =                                                             \
        reinterpret_cast<decltype(&name)>(onnxkit::runtime::fast::onednn_symbol(#name)); \
    return real args;                                                                    \
  }

// clang-format off
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_dilated_convolution_forward_desc_init, (dnnl_convolution_desc_t *conv_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t dilates, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (conv_desc, prop_kind, alg_kind, src_desc, weights_desc, bias_desc, dst_desc, strides, dilates, padding_l, padding_r))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_engine_create, (dnnl_engine_t *engine, dnnl_engine_kind_t kind, size_t index), (engine, kind, index))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_engine_destroy, (dnnl_engine_t engine), (engine))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_matmul_desc_init, (dnnl_matmul_desc_t *matmul_desc, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc), (matmul_desc, src_desc, weights_desc, bias_desc, dst_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_create, (dnnl_memory_t *memory, const dnnl_memory_desc_t *memory_desc, dnnl_engine_t engine, void *handle), (memory, memory_desc, engine, handle))
ONNXKIT_DNNL_FORWARD(int, dnnl_memory_desc_equal, (const dnnl_memory_desc_t *lhs, const dnnl_memory_desc_t *rhs), (lhs, rhs))
ONNXKIT_DNNL_FORWARD(size_t, dnnl_memory_desc_get_size, (const dnnl_memory_desc_t *memory_desc), (memory_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_init_by_strides, (dnnl_memory_desc_t *memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, const dnnl_dims_t strides), (memory_desc, ndims, dims, data_type, strides))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_init_by_tag, (dnnl_memory_desc_t *memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, dnnl_format_tag_t tag), (memory_desc, ndims, dims, data_type, tag))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_destroy, (dnnl_memory_t memory), (memory))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_get_engine, (const_dnnl_memory_t memory, dnnl_engine_t *engine), (memory, engine))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_get_memory_desc, (const_dnnl_memory_t memory, const dnnl_memory_desc_t **memory_desc), (memory, memory_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_pooling_forward_desc_init, (dnnl_pooling_desc_t *pool_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t kernel, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (pool_desc, prop_kind, alg_kind, src_desc, dst_desc, strides, kernel, padding_l, padding_r))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_eltwise, (dnnl_post_ops_t post_ops, float scale, dnnl_alg_kind_t alg_kind, float alpha, float beta), (post_ops, scale, alg_kind, alpha, beta))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_sum, (dnnl_post_ops_t post_ops, float scale), (post_ops, scale))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_create, (dnnl_post_ops_t *post_ops), (post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_destroy, (dnnl_post_ops_t post_ops), (post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_create, (dnnl_primitive_attr_t *attr), (attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_destroy, (dnnl_primitive_attr_t attr), (attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_post_ops, (dnnl_primitive_attr_t attr, const_dnnl_post_ops_t post_ops), (attr, post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_scratchpad_mode, (dnnl_primitive_attr_t attr, dnnl_scratchpad_mode_t mode), (attr, mode))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_create, (dnnl_primitive_t *primitive, const_dnnl_primitive_desc_t primitive_desc), (primitive, primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_destroy, (dnnl_primitive_desc_t primitive_desc), (primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_iterator_create, (dnnl_primitive_desc_iterator_t *iterator, const_dnnl_op_desc_t op_desc, const_dnnl_primitive_attr_t attr, dnnl_engine_t engine, const_dnnl_primitive_desc_t hint_forward_primitive_desc), (iterator, op_desc, attr, engine, hint_forward_primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_iterator_destroy, (dnnl_primitive_desc_iterator_t iterator), (iterator))
ONNXKIT_DNNL_FORWARD(dnnl_primitive_desc_t, dnnl_primitive_desc_iterator_fetch, (const_dnnl_primitive_desc_iterator_t iterator), (iterator))
ONNXKIT_DNNL_FORWARD(const dnnl_memory_desc_t *, dnnl_primitive_desc_query_md, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index), (primitive_desc, what, index))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_destroy, (dnnl_primitive_t primitive), (primitive))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_execute, (const_dnnl_primitive_t primitive, dnnl_stream_t stream, int nargs, const dnnl_exec_arg_t *args), (primitive, stream, nargs, args))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_reorder_primitive_desc_create, (dnnl_primitive_desc_t *reorder_primitive_desc, const dnnl_memory_desc_t *src_desc, dnnl_engine_t src_engine, const dnnl_memory_desc_t *dst_desc, dnnl_engine_t dst_engine, const_dnnl_primitive_attr_t attr), (reorder_primitive_desc, src_desc, src_engine, dst_desc, dst_engine, attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_create, (dnnl_stream_t *stream, dnnl_engine_t engine, unsigned flags), (stream, engine, flags))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_destroy, (dnnl_stream_t stream), (stream))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_wait, (dnnl_stream_t stream), (stream))
// clang-format on
