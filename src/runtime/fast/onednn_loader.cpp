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
// The list is every function of dnnl.h that dnnl.hpp's wrappers of the
// classes the fast kernels use (engine, stream, memory and its desc,
// post_ops, primitive_attr, primitive and its desc, reorder, matmul, pooling,
// convolution) can call: which ones a build references depends on inlining
// (a Debug build calls dnnl_post_ops_append_sum_v2, a Release build does not).
// A use of another class fails to link until its functions are added here.
// The compiler checks every signature against dnnl.h (a mismatch is a
// conflicting C declaration).

#include "runtime/fast/onednn_loader.h"

#include <dlfcn.h>
#include <dnnl.h>
#include <dnnl_version.h>

#include <mutex>
#include <string>

#include "onnxkit/core/error.h"

namespace onnxkit::runtime::fast {
namespace {

const std::string &library_name() {
  static const std::string name = "libdnnl.so." + std::to_string(DNNL_VERSION_MAJOR);
  return name;
}

// The library's handle; loaded once (a failure is retried on the next call).
void *library() {
  static std::mutex mutex;
  static void *handle = nullptr;
  std::lock_guard lock(mutex);
  if (handle == nullptr) {
    handle = dlopen(library_name().c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char *why = dlerror();
      throw Error("oneDNN", "cannot load " + library_name() + ": " + (why ? why : "unknown error"));
    }
  }
  return handle;
}

}  // namespace

void *onednn_symbol(const char *name) {
  void *handle = library();
  dlerror();
  void *p = dlsym(handle, name);
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
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_convolution_forward_desc_init, (dnnl_convolution_desc_t *conv_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (conv_desc, prop_kind, alg_kind, src_desc, weights_desc, bias_desc, dst_desc, strides, padding_l, padding_r))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_dilated_convolution_forward_desc_init, (dnnl_convolution_desc_t *conv_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t dilates, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (conv_desc, prop_kind, alg_kind, src_desc, weights_desc, bias_desc, dst_desc, strides, dilates, padding_l, padding_r))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_engine_create, (dnnl_engine_t *engine, dnnl_engine_kind_t kind, size_t index), (engine, kind, index))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_engine_destroy, (dnnl_engine_t engine), (engine))
ONNXKIT_DNNL_FORWARD(size_t, dnnl_engine_get_count, (dnnl_engine_kind_t kind), (kind))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_engine_get_kind, (dnnl_engine_t engine, dnnl_engine_kind_t *kind), (engine, kind))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_matmul_desc_init, (dnnl_matmul_desc_t *matmul_desc, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc), (matmul_desc, src_desc, weights_desc, bias_desc, dst_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_create, (dnnl_memory_t *memory, const dnnl_memory_desc_t *memory_desc, dnnl_engine_t engine, void *handle), (memory, memory_desc, engine, handle))
ONNXKIT_DNNL_FORWARD(int, dnnl_memory_desc_equal, (const dnnl_memory_desc_t *lhs, const dnnl_memory_desc_t *rhs), (lhs, rhs))
ONNXKIT_DNNL_FORWARD(size_t, dnnl_memory_desc_get_size, (const dnnl_memory_desc_t *memory_desc), (memory_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_init_by_strides, (dnnl_memory_desc_t *memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, const dnnl_dims_t strides), (memory_desc, ndims, dims, data_type, strides))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_init_by_tag, (dnnl_memory_desc_t *memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, dnnl_format_tag_t tag), (memory_desc, ndims, dims, data_type, tag))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_init_submemory, (dnnl_memory_desc_t *memory_desc, const dnnl_memory_desc_t *parent_memory_desc, const dnnl_dims_t dims, const dnnl_dims_t offsets), (memory_desc, parent_memory_desc, dims, offsets))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_permute_axes, (dnnl_memory_desc_t *out_memory_desc, const dnnl_memory_desc_t *in_memory_desc, const int *permutation), (out_memory_desc, in_memory_desc, permutation))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_desc_reshape, (dnnl_memory_desc_t *out_memory_desc, const dnnl_memory_desc_t *in_memory_desc, int ndims, const dnnl_dims_t dims), (out_memory_desc, in_memory_desc, ndims, dims))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_destroy, (dnnl_memory_t memory), (memory))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_get_data_handle, (const_dnnl_memory_t memory, void **handle), (memory, handle))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_get_engine, (const_dnnl_memory_t memory, dnnl_engine_t *engine), (memory, engine))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_get_memory_desc, (const_dnnl_memory_t memory, const dnnl_memory_desc_t **memory_desc), (memory, memory_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_map_data, (const_dnnl_memory_t memory, void **mapped_ptr), (memory, mapped_ptr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_set_data_handle_v2, (dnnl_memory_t memory, void *handle, dnnl_stream_t stream), (memory, handle, stream))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_memory_unmap_data, (const_dnnl_memory_t memory, void *mapped_ptr), (memory, mapped_ptr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_pooling_forward_desc_init, (dnnl_pooling_desc_t *pool_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t kernel, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (pool_desc, prop_kind, alg_kind, src_desc, dst_desc, strides, kernel, padding_l, padding_r))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_binary, (dnnl_post_ops_t post_ops, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src1_desc), (post_ops, alg_kind, src1_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_dw, (dnnl_post_ops_t post_ops, dnnl_data_type_t weights_data_type, dnnl_data_type_t bias_data_type, dnnl_data_type_t dst_data_type, dnnl_dim_t kernel_size, dnnl_dim_t stride_size, dnnl_dim_t padding_l_size, dnnl_dim_t count, int mask, const float *scales), (post_ops, weights_data_type, bias_data_type, dst_data_type, kernel_size, stride_size, padding_l_size, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_eltwise, (dnnl_post_ops_t post_ops, float scale, dnnl_alg_kind_t alg_kind, float alpha, float beta), (post_ops, scale, alg_kind, alpha, beta))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_prelu, (dnnl_post_ops_t post_ops, int mask), (post_ops, mask))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_sum, (dnnl_post_ops_t post_ops, float scale), (post_ops, scale))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_sum_v2, (dnnl_post_ops_t post_ops, float scale, dnnl_data_type_t data_type), (post_ops, scale, data_type))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_append_sum_v3, (dnnl_post_ops_t post_ops, float scale, int32_t zero_point, dnnl_data_type_t data_type), (post_ops, scale, zero_point, data_type))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_create, (dnnl_post_ops_t *post_ops), (post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_destroy, (dnnl_post_ops_t post_ops), (post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_primitive_kind_t, dnnl_post_ops_get_kind, (const_dnnl_post_ops_t post_ops, int index), (post_ops, index))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_binary, (const_dnnl_post_ops_t post_ops, int index, dnnl_alg_kind_t *alg_kind, const dnnl_memory_desc_t **src1_desc), (post_ops, index, alg_kind, src1_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_dw, (const_dnnl_post_ops_t post_ops, int index, dnnl_data_type_t *weights_data_type, dnnl_data_type_t *bias_data_type, dnnl_data_type_t *dst_data_type, dnnl_dim_t *kernel_size, dnnl_dim_t *stride_size, dnnl_dim_t *padding_l_size, dnnl_dim_t *count, int *mask, const float **scales), (post_ops, index, weights_data_type, bias_data_type, dst_data_type, kernel_size, stride_size, padding_l_size, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_eltwise, (const_dnnl_post_ops_t post_ops, int index, float *scale, dnnl_alg_kind_t *alg_kind, float *alpha, float *beta), (post_ops, index, scale, alg_kind, alpha, beta))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_prelu, (const_dnnl_post_ops_t post_ops, int index, int *mask), (post_ops, index, mask))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_sum, (const_dnnl_post_ops_t post_ops, int index, float *scale), (post_ops, index, scale))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_sum_v2, (const_dnnl_post_ops_t post_ops, int index, float *scale, dnnl_data_type_t *data_type), (post_ops, index, scale, data_type))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_post_ops_get_params_sum_v3, (const_dnnl_post_ops_t post_ops, int index, float *scale, int32_t *zero_point, dnnl_data_type_t *data_type), (post_ops, index, scale, zero_point, data_type))
ONNXKIT_DNNL_FORWARD(int, dnnl_post_ops_len, (const_dnnl_post_ops_t post_ops), (post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_clone, (dnnl_primitive_attr_t *attr, const_dnnl_primitive_attr_t existing_attr), (attr, existing_attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_create, (dnnl_primitive_attr_t *attr), (attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_destroy, (dnnl_primitive_attr_t attr), (attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_fpmath_mode, (const_dnnl_primitive_attr_t attr, dnnl_fpmath_mode_t *mode), (attr, mode))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_output_scales, (const_dnnl_primitive_attr_t attr, dnnl_dim_t *count, int *mask, const float **scales), (attr, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_post_ops, (const_dnnl_primitive_attr_t attr, const_dnnl_post_ops_t *post_ops), (attr, post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_rnn_data_qparams, (const_dnnl_primitive_attr_t attr, float *scale, float *shift), (attr, scale, shift))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_rnn_weights_projection_qparams, (const_dnnl_primitive_attr_t attr, dnnl_dim_t *count, int *mask, const float **scales), (attr, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_rnn_weights_qparams, (const_dnnl_primitive_attr_t attr, dnnl_dim_t *count, int *mask, const float **scales), (attr, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_scales, (dnnl_primitive_attr_t attr, int arg, dnnl_dim_t *count, int *mask, const float **scales), (attr, arg, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_scratchpad_mode, (const_dnnl_primitive_attr_t attr, dnnl_scratchpad_mode_t *mode), (attr, mode))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_get_zero_points, (const_dnnl_primitive_attr_t attr, int arg, dnnl_dim_t *count, int *mask, const int32_t **zero_points), (attr, arg, count, mask, zero_points))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_fpmath_mode, (dnnl_primitive_attr_t attr, dnnl_fpmath_mode_t mode), (attr, mode))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_output_scales, (dnnl_primitive_attr_t attr, dnnl_dim_t count, int mask, const float *scales), (attr, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_post_ops, (dnnl_primitive_attr_t attr, const_dnnl_post_ops_t post_ops), (attr, post_ops))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_rnn_data_qparams, (dnnl_primitive_attr_t attr, const float scale, const float shift), (attr, scale, shift))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_rnn_weights_projection_qparams, (dnnl_primitive_attr_t attr, dnnl_dim_t count, int mask, const float *scales), (attr, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_rnn_weights_qparams, (dnnl_primitive_attr_t attr, dnnl_dim_t count, int mask, const float *scales), (attr, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_scales, (dnnl_primitive_attr_t attr, int arg, dnnl_dim_t count, int mask, const float *scales), (attr, arg, count, mask, scales))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_scratchpad_mode, (dnnl_primitive_attr_t attr, dnnl_scratchpad_mode_t mode), (attr, mode))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_attr_set_zero_points, (dnnl_primitive_attr_t attr, int arg, dnnl_dim_t count, int mask, const int32_t *zero_points), (attr, arg, count, mask, zero_points))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_create, (dnnl_primitive_t *primitive, const_dnnl_primitive_desc_t primitive_desc), (primitive, primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_create_from_cache_blob, (dnnl_primitive_t *primitive, const_dnnl_primitive_desc_t primitive_desc, size_t size, const uint8_t *cache_blob), (primitive, primitive_desc, size, cache_blob))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_clone, (dnnl_primitive_desc_t *primitive_desc, const_dnnl_primitive_desc_t existing_primitive_desc), (primitive_desc, existing_primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_destroy, (dnnl_primitive_desc_t primitive_desc), (primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_get_attr, (const_dnnl_primitive_desc_t primitive_desc, const_dnnl_primitive_attr_t *attr), (primitive_desc, attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_iterator_create, (dnnl_primitive_desc_iterator_t *iterator, const_dnnl_op_desc_t op_desc, const_dnnl_primitive_attr_t attr, dnnl_engine_t engine, const_dnnl_primitive_desc_t hint_forward_primitive_desc), (iterator, op_desc, attr, engine, hint_forward_primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_iterator_destroy, (dnnl_primitive_desc_iterator_t iterator), (iterator))
ONNXKIT_DNNL_FORWARD(dnnl_primitive_desc_t, dnnl_primitive_desc_iterator_fetch, (const_dnnl_primitive_desc_iterator_t iterator), (iterator))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_iterator_next, (dnnl_primitive_desc_iterator_t iterator), (iterator))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_desc_query, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index, void *result), (primitive_desc, what, index, result))
ONNXKIT_DNNL_FORWARD(const dnnl_memory_desc_t *, dnnl_primitive_desc_query_md, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index), (primitive_desc, what, index))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_destroy, (dnnl_primitive_t primitive), (primitive))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_execute, (const_dnnl_primitive_t primitive, dnnl_stream_t stream, int nargs, const dnnl_exec_arg_t *args), (primitive, stream, nargs, args))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_get_cache_blob, (const_dnnl_primitive_t primitive, size_t *size, uint8_t *cache_blob), (primitive, size, cache_blob))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_primitive_get_primitive_desc, (const_dnnl_primitive_t primitive, const_dnnl_primitive_desc_t *primitive_desc), (primitive, primitive_desc))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_reorder_primitive_desc_create, (dnnl_primitive_desc_t *reorder_primitive_desc, const dnnl_memory_desc_t *src_desc, dnnl_engine_t src_engine, const dnnl_memory_desc_t *dst_desc, dnnl_engine_t dst_engine, const_dnnl_primitive_attr_t attr), (reorder_primitive_desc, src_desc, src_engine, dst_desc, dst_engine, attr))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_create, (dnnl_stream_t *stream, dnnl_engine_t engine, unsigned flags), (stream, engine, flags))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_destroy, (dnnl_stream_t stream), (stream))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_get_engine, (const_dnnl_stream_t stream, dnnl_engine_t *engine), (stream, engine))
ONNXKIT_DNNL_FORWARD(dnnl_status_t, dnnl_stream_wait, (dnnl_stream_t stream), (stream))
// clang-format on
