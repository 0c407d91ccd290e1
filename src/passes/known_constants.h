#pragma once
// Facts the passes share about tensors: which are constants a rewrite may
// rely on, and which nodes are ONNX operators.

#include <string_view>
#include <unordered_set>

#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/node.h"
#include "onnxkit/ir/tensor.h"

namespace onnxkit::passes {

/// True for the ONNX domains ("", "ai.onnx", "ai.onnx.ml", ...).
inline bool is_onnx_domain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain.starts_with("ai.onnx.");
}

/// True when `node` is the ONNX operator `op`.
inline bool is_op(const ir::Node& node, std::string_view op) {
  return node.op_type() == op && is_onnx_domain(node.domain()) &&
         !node.domain().starts_with("ai.onnx.");
}

/// True when `t` is one of its graph's inputs.
bool is_graph_input(const ir::Tensor& t);
/// True when `t` is one of its graph's outputs.
bool is_graph_output(const ir::Tensor& t);

/// The dense data of `t` when its value is fixed before any run: a Constant
/// that is not also a graph input (a feed may override such an initializer,
/// as ONNX Runtime allows). Null otherwise.
const ir::TensorData* fixed_data(const ir::Tensor& t);

/// Registers `t` (a Constant of `graph`) as an initializer unless it is one.
void list_initializer(ir::Graph& graph, ir::Tensor* t);

/// Disconnects `node` from its tensors (it is then destroyed by remove_nodes).
void detach_node(ir::Node* node);
/// Destroys the nodes in `doomed` (detached first) with one pass over the
/// node list: Graph::remove_node() per node would cost O(nodes) each.
void remove_nodes(ir::Graph& graph, const std::unordered_set<const ir::Node*>& doomed);

}  // namespace onnxkit::passes
