#include "attribute_clone.h"

#include <memory>

#include "onnxkit/ir/graph.h"

namespace onnxkit::python {

ir::Attribute clone_attribute(const ir::Attribute& a) {
  ir::Attribute c;
  c.name = a.name;
  c.type = a.type;
  c.ref_attr_name = a.ref_attr_name;
  c.doc_string = a.doc_string;
  c.f = a.f;
  c.i = a.i;
  c.s = a.s;
  if (a.t) c.t = std::make_unique<ir::TensorData>(*a.t);
  if (a.g) c.g = a.g->copy();
  if (a.sparse_tensor) c.sparse_tensor = std::make_unique<ir::SparseTensorData>(*a.sparse_tensor);
  if (a.tp) c.tp = std::make_unique<ir::Type>(*a.tp);
  c.floats = a.floats;
  c.ints = a.ints;
  c.strings = a.strings;
  c.tensors = a.tensors;
  for (const auto& g : a.graphs) c.graphs.push_back(g->copy());
  c.sparse_tensors = a.sparse_tensors;
  c.type_protos = a.type_protos;
  c.extras = a.extras;
  return c;
}

}  // namespace onnxkit::python
