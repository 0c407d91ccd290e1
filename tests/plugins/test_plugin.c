/* Plug-ins for the loader's error paths, in plain C (which also proves the
 * header is C). One source, built once per variant (tests/CMakeLists.txt):
 *   PLUGIN_FAILING    devtech::Failing, whose kernel fails at run time, and
 *                     devtech::FooOp (for the duplicate test with libdevtech_ops)
 *   PLUGIN_ABI_999    declares ABI version 999
 *   PLUGIN_NO_ENTRY   exports no entry point
 *   PLUGIN_NO_DECLARE registers without declaring its ABI version */
#include <onnxkit/plugin/onnxkit_plugin.h>

#include <stddef.h>

#ifndef PLUGIN_NO_ENTRY
static int failing_compute(const OnnxkitApi* api, OnnxkitKernelContext* ctx, void* state) {
  (void)state;
  api->context_fail(ctx, "the Failing op always fails");
  return ONNXKIT_FAIL;
}

static int foo_compute(const OnnxkitApi* api, OnnxkitKernelContext* ctx, void* state) {
  (void)state;
  return api->context_forward_input(ctx, 0, 0);
}

ONNXKIT_PLUGIN_EXPORT int onnxkit_register_custom_ops(const OnnxkitApi* api, OnnxkitRegistrar* r) {
  OnnxkitKernelDef def = {0};
#if defined(PLUGIN_ABI_999)
  int status = api->declare_abi(r, 999);
  if (status != ONNXKIT_OK) return status;
#elif !defined(PLUGIN_NO_DECLARE)
  ONNXKIT_PLUGIN_DECLARE_ABI(api, r);
#endif
  def.domain = "devtech";
  def.op = "Failing";
  def.compute = failing_compute;
  if (api->register_kernel(r, &def) != ONNXKIT_OK) return ONNXKIT_FAIL;
  def.op = "FooOp";
  def.compute = foo_compute;
  return api->register_kernel(r, &def);
}
#else
ONNXKIT_PLUGIN_EXPORT int not_the_entry_point(void) { return 0; }
#endif
