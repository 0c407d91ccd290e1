#pragma once
// What onnx-graphsurgeon's export does to a graph, done in place on the IR
// before the writer runs.

#include "onnxkit/ir/model.h"

namespace onnxkit::python {

/// Initializers become the Constants reachable from graph inputs, node
/// inputs/outputs and graph outputs, in that order (unreferenced ones vanish);
/// value_info keeps its referenced entries and gains typed intermediate
/// tensors; domains used by nodes but missing from opset_import are added
/// with version 1. With `do_type_check`, a graph input or output without a
/// dtype throws. Subgraphs are handled the same way (without the type check).
void prepare_for_export(ir::Model& model, bool do_type_check);

}  // namespace onnxkit::python
