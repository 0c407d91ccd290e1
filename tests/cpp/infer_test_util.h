#pragma once
// Helpers shared by the inference tests.

#include <string>
#include <string_view>

#include "onnxkit/ir/model.h"
#include "onnxkit/ir/type.h"

namespace onnxkit::test {

/// The type inference wrote for `name`, as text ("float[N,3]"), or "?" when none.
inline std::string type_of(ir::Model& m, std::string_view name) {
  const ir::Tensor* t = m.graph->find_tensor(name);
  if (t == nullptr || !t->info().type) return "?";
  return ir::type_to_string(*t->info().type);
}

}  // namespace onnxkit::test
