#include "onnxkit/ir/model.h"

namespace onnxkit::ir {

std::int64_t Model::opset_version(std::string_view op_domain) const {
  auto is_default = [](std::string_view d) { return d.empty() || d == "ai.onnx"; };
  for (const OpsetId& id : opset_import) {
    if (id.domain == op_domain || (is_default(id.domain) && is_default(op_domain)))
      return id.version;
  }
  return 0;
}

}  // namespace onnxkit::ir
