/* onnxkit custom-operator plug-in ABI, version 1.
 *
 * A plug-in is a shared library that exports one C function,
 *
 *     int onnxkit_register_custom_ops(const OnnxkitApi* api, OnnxkitRegistrar* registrar);
 *
 * which onnxkit calls once after loading it (dlopen). The function first
 * declares the ABI version it was built against (ONNXKIT_PLUGIN_DECLARE_ABI),
 * then registers schemas (the onnxkit-op-schemas JSON format) and kernels,
 * and returns ONNXKIT_OK. The header is plain C so that a plug-in built by
 * another compiler or standard library still loads: only C types, function
 * pointers and opaque handles cross the boundary, and errors travel as
 * status codes and strings, never as exceptions.
 *
 * Compatibility: the first two members of OnnxkitApi (abi_version,
 * declare_abi) never move. A host refuses a plug-in whose declared ABI
 * version differs from its own, and says which versions they are.
 *
 * Ownership: strings and structs passed to register_* are copied by the host
 * before the call returns. A kernel's state (from create) is owned by the
 * host, which calls destroy when the session that made it goes away.
 */
#ifndef ONNXKIT_PLUGIN_H
#define ONNXKIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ONNXKIT_PLUGIN_ABI_VERSION 1u
/* The name of the one function a plug-in exports. */
#define ONNXKIT_PLUGIN_ENTRY_SYMBOL "onnxkit_register_custom_ops"

/* Status codes: ONNXKIT_OK, or an error with a message set through the API. */
#define ONNXKIT_OK 0
#define ONNXKIT_FAIL 1
#define ONNXKIT_ABI_MISMATCH 2

/* Element types, numbered as ONNX's TensorProto.DataType. */
#define ONNXKIT_FLOAT 1
#define ONNXKIT_UINT8 2
#define ONNXKIT_INT8 3
#define ONNXKIT_UINT16 4
#define ONNXKIT_INT16 5
#define ONNXKIT_INT32 6
#define ONNXKIT_INT64 7
#define ONNXKIT_BOOL 9
#define ONNXKIT_FLOAT16 10
#define ONNXKIT_DOUBLE 11
#define ONNXKIT_UINT32 12
#define ONNXKIT_UINT64 13
#define ONNXKIT_BFLOAT16 16

typedef struct OnnxkitRegistrar OnnxkitRegistrar;         /* the loading host */
typedef struct OnnxkitKernelInfo OnnxkitKernelInfo;       /* a node, at session creation */
typedef struct OnnxkitKernelContext OnnxkitKernelContext; /* one run of one node */
typedef struct OnnxkitTensor OnnxkitTensor;               /* a tensor of a run */
typedef struct OnnxkitApi OnnxkitApi;

/* One kernel: a (domain, op) for a provider and a range of schema versions. */
typedef struct OnnxkitKernelDef {
  const char* domain;    /* e.g. "devtech" */
  const char* op;        /* e.g. "FooOp" */
  const char* provider;  /* "cpu" (NULL means "cpu"); "cuda" later */
  int64_t since_version; /* first version covered (0 means 1) */
  int64_t until_version; /* last version covered (0 means every later one) */
  /* Optional. Called once per node at session creation: read attributes,
   * check input types, return the kernel's state (NULL is a valid state).
   * On failure set *failed = 1 and report with api->info_fail. */
  void* (*create)(const OnnxkitApi* api, const OnnxkitKernelInfo* info, void* user_data,
                  int* failed);
  /* Required. Computes the outputs; returns ONNXKIT_OK or ONNXKIT_FAIL after
   * api->context_fail. May run on several threads at once. */
  int (*compute)(const OnnxkitApi* api, OnnxkitKernelContext* ctx, void* state);
  /* Optional. Frees a state returned by create. */
  void (*destroy)(void* state);
  void* user_data; /* passed to create (and is the state when create is NULL) */
} OnnxkitKernelDef;

struct OnnxkitApi {
  /* ---- never moves: the host's ABI version, and the plug-in's declaration */
  uint32_t abi_version;
  /* Declares the plug-in's ABI version; returns ONNXKIT_OK, or
   * ONNXKIT_ABI_MISMATCH (the plug-in must then return it). Required before
   * any register call. */
  int (*declare_abi)(OnnxkitRegistrar* r, uint32_t plugin_abi_version);

  /* ---- registration (during onnxkit_register_custom_ops only) */
  /* Schemas in the onnxkit-op-schemas JSON format (an object with "schemas",
   * or an array). ONNXKIT_FAIL when malformed or already declared. */
  int (*register_schemas_json)(OnnxkitRegistrar* r, const char* json);
  /* ONNXKIT_FAIL when another kernel for the same op, provider and versions
   * is registered (by this library or another). */
  int (*register_kernel)(OnnxkitRegistrar* r, const OnnxkitKernelDef* def);
  /* The message of the last failed call, or "" (valid until the next call). */
  const char* (*registrar_error)(OnnxkitRegistrar* r);

  /* ---- kernel info (in create) */
  const char* (*info_node_name)(const OnnxkitKernelInfo* info);
  size_t (*info_input_count)(const OnnxkitKernelInfo* info);
  size_t (*info_output_count)(const OnnxkitKernelInfo* info);
  int32_t (*info_input_type)(const OnnxkitKernelInfo* info, size_t i); /* 0 when unknown */
  /* Attributes: ONNXKIT_OK and *value set when present and of that type;
   * ONNXKIT_FAIL when absent or of another type (*value untouched). */
  int (*info_attr_float)(const OnnxkitKernelInfo* info, const char* name, float* value);
  int (*info_attr_int)(const OnnxkitKernelInfo* info, const char* name, int64_t* value);
  /* The string stays valid for the duration of create. */
  int (*info_attr_string)(const OnnxkitKernelInfo* info, const char* name, const char** value);
  void (*info_fail)(const OnnxkitKernelInfo* info, const char* message);

  /* ---- a run (in compute) */
  size_t (*context_input_count)(const OnnxkitKernelContext* ctx);
  size_t (*context_output_count)(const OnnxkitKernelContext* ctx);
  /* Input i, or NULL when it is omitted. */
  const OnnxkitTensor* (*context_input)(const OnnxkitKernelContext* ctx, size_t i);
  /* Allocates output i (zero-filled) and returns its elements for writing;
   * NULL on failure (the message is set). */
  void* (*context_allocate_output)(OnnxkitKernelContext* ctx, size_t i, int32_t type,
                                   const int64_t* dims, size_t rank);
  /* Output i becomes input j, without copying (identity-like ops). */
  int (*context_forward_input)(OnnxkitKernelContext* ctx, size_t output, size_t input);
  /* Records why compute fails; the host adds the node's name. */
  void (*context_fail)(OnnxkitKernelContext* ctx, const char* message);

  /* ---- tensors */
  int32_t (*tensor_type)(const OnnxkitTensor* t);
  size_t (*tensor_rank)(const OnnxkitTensor* t);
  const int64_t* (*tensor_dims)(const OnnxkitTensor* t);
  int64_t (*tensor_element_count)(const OnnxkitTensor* t);
  const void* (*tensor_data)(const OnnxkitTensor* t);
};

/* The entry point's type. */
typedef int (*OnnxkitRegisterFn)(const OnnxkitApi* api, OnnxkitRegistrar* registrar);

/* First statement of a plug-in's entry point. */
#define ONNXKIT_PLUGIN_DECLARE_ABI(api, registrar)                                         \
  do {                                                                                     \
    int onnxkit_abi_status_ = (api)->declare_abi((registrar), ONNXKIT_PLUGIN_ABI_VERSION); \
    if (onnxkit_abi_status_ != ONNXKIT_OK) return onnxkit_abi_status_;                     \
  } while (0)

#if defined(_WIN32)
#define ONNXKIT_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ONNXKIT_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
}
#endif

#endif /* ONNXKIT_PLUGIN_H */
