#pragma once
// The IR lists Python sees as lists.

#include "lists.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::python {

/// node.inputs / node.outputs (`outputs` picks the side).
ListProxy node_tensors(py::object node_handle, bool outputs);
/// tensor.inputs (producers) / tensor.outputs (consumers).
ListProxy tensor_nodes(py::object tensor_handle, bool consumers);
/// graph.inputs / graph.outputs.
ListProxy graph_tensors(py::object graph_handle, bool outputs);
/// graph.nodes.
ListProxy graph_nodes(py::object graph_handle);

/// Replaces `graph`'s nodes by `items` in O(n): nodes left out are released
/// (kept standalone if Python holds them), standalone ones are adopted.
void assign_graph_nodes(ir::Graph* graph, const py::list& items);

/// The tensor behind a Python value; TypeError if it is not a tensor.
ir::Tensor* tensor_arg(py::handle v);
/// The node behind a Python value; TypeError if it is not a node.
ir::Node* node_arg(py::handle v);

}  // namespace onnxkit::python
