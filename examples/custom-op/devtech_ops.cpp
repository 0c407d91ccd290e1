// An onnxkit custom-op plug-in: devtech::FooOp (identity, any type) and
// devtech::ScaledGelu (y = alpha * gelu(x), float). It uses only the C header
// onnxkit/plugin/onnxkit_plugin.h and links nothing of onnxkit, so it builds
// against an installed onnxkit with any C++ compiler.

#include <onnxkit/plugin/onnxkit_plugin.h>

#include <cmath>
#include <cstdint>
#include <new>

namespace {

// Schemas, so that `onnxkit check` and `onnxkit infer` know both ops.
constexpr const char* kSchemas =
    R"json({"format": "onnxkit-op-schemas", "format_version": 1, "schemas": [
 {"domain": "devtech", "name": "FooOp", "since_version": 1,
  "inputs": [{"name": "X", "type": "T"}], "outputs": [{"name": "Y", "type": "T"}],
  "type_constraints": [{"param": "T", "types": ["tensor(float)", "tensor(double)", "tensor(float16)",
    "tensor(bfloat16)", "tensor(int8)", "tensor(int16)", "tensor(int32)", "tensor(int64)", "tensor(uint8)",
    "tensor(uint16)", "tensor(uint32)", "tensor(uint64)", "tensor(bool)", "tensor(string)"]}],
  "inference": "same_as_input_0"},
 {"domain": "devtech", "name": "ScaledGelu", "since_version": 1,
  "inputs": [{"name": "X", "type": "T"}], "outputs": [{"name": "Y", "type": "T"}],
  "attributes": [{"name": "alpha", "type": "float", "default": 1.0}],
  "type_constraints": [{"param": "T", "types": ["tensor(float)"]}],
  "inference": "same_as_input_0"}]})json";

// FooOp: the output is the input, passed through without a copy.
int foo_compute(const OnnxkitApi* api, OnnxkitKernelContext* ctx, void*) {
  return api->context_forward_input(ctx, 0, 0);
}

// ScaledGelu: alpha is read once per node, at session creation.
struct ScaledGeluState {
  float alpha = 1.0f;
};

void* scaled_gelu_create(const OnnxkitApi* api, const OnnxkitKernelInfo* info, void*, int* failed) {
  if (api->info_input_type(info, 0) != 0 && api->info_input_type(info, 0) != ONNXKIT_FLOAT) {
    api->info_fail(info, "ScaledGelu takes float input");
    *failed = 1;
    return nullptr;
  }
  auto* state = new (std::nothrow) ScaledGeluState;
  if (state == nullptr) {
    *failed = 1;
    return nullptr;
  }
  api->info_attr_float(info, "alpha", &state->alpha);  // absent: the default 1.0
  return state;
}

int scaled_gelu_compute(const OnnxkitApi* api, OnnxkitKernelContext* ctx, void* state) {
  const float alpha = static_cast<ScaledGeluState*>(state)->alpha;
  const OnnxkitTensor* x = api->context_input(ctx, 0);
  if (x == nullptr || api->tensor_type(x) != ONNXKIT_FLOAT) {
    api->context_fail(ctx, "ScaledGelu: input X must be a float tensor");
    return ONNXKIT_FAIL;
  }
  const std::int64_t n = api->tensor_element_count(x);
  const auto* in = static_cast<const float*>(api->tensor_data(x));
  auto* out = static_cast<float*>(api->context_allocate_output(
      ctx, 0, ONNXKIT_FLOAT, api->tensor_dims(x), api->tensor_rank(x)));
  if (out == nullptr) return ONNXKIT_FAIL;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = in[i];
    out[i] = static_cast<float>(alpha * 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
  }
  return ONNXKIT_OK;
}

void scaled_gelu_destroy(void* state) { delete static_cast<ScaledGeluState*>(state); }

}  // namespace

extern "C" ONNXKIT_PLUGIN_EXPORT int onnxkit_register_custom_ops(const OnnxkitApi* api,
                                                                 OnnxkitRegistrar* r) {
  ONNXKIT_PLUGIN_DECLARE_ABI(api, r);
  if (api->register_schemas_json(r, kSchemas) != ONNXKIT_OK) return ONNXKIT_FAIL;

  OnnxkitKernelDef foo = {};
  foo.domain = "devtech";
  foo.op = "FooOp";
  foo.compute = foo_compute;
  if (api->register_kernel(r, &foo) != ONNXKIT_OK) return ONNXKIT_FAIL;

  OnnxkitKernelDef gelu = {};
  gelu.domain = "devtech";
  gelu.op = "ScaledGelu";
  gelu.create = scaled_gelu_create;
  gelu.compute = scaled_gelu_compute;
  gelu.destroy = scaled_gelu_destroy;
  return api->register_kernel(r, &gelu);
}
