#pragma once
// A deep copy of an attribute (subgraphs copied, weights shared).

#include "onnxkit/ir/attribute.h"

namespace onnxkit::python {

ir::Attribute clone_attribute(const ir::Attribute& a);

}  // namespace onnxkit::python
