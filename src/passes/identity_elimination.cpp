#include <unordered_set>
#include <vector>

#include "onnxkit/ir/graph.h"
#include "onnxkit/passes/graph_rewrites.h"
#include "passes/known_constants.h"

namespace onnxkit::passes {
namespace {

/// Enclosing-graph tensors that a subgraph lists as its outputs: renaming or
/// replacing them would need that list changed too, so they are left alone.
void collect_subgraph_outputs(const ir::Graph& graph, std::unordered_set<const ir::Tensor*>& out) {
  for (const auto& n : graph.nodes()) {
    for (const ir::Graph* sub : n->subgraphs()) {
      for (const ir::Tensor* t : sub->outputs()) out.insert(t);
      collect_subgraph_outputs(*sub, out);
    }
  }
}

/// True for a Dropout that is the identity on its first output.
bool is_inference_dropout(const ir::Node& node, std::int64_t opset) {
  if (!is_op(node, "Dropout")) return false;
  for (std::size_t i = 1; i < node.outputs().size(); ++i) {
    const ir::Tensor* mask = node.outputs()[i];
    if (!mask->is_empty() && (!mask->consumers().empty() || is_graph_output(*mask))) return false;
  }
  if (opset < 12) return true;  // training is a property of the run, not of the graph
  if (node.inputs().size() < 3 || node.inputs()[2]->is_empty()) return true;
  const ir::TensorData* training = fixed_data(*node.inputs()[2]);
  if (training == nullptr || training->data_type != DataType::kBool ||
      training->element_count() != 1)
    return false;
  const Buffer bytes = training->bytes();
  return bytes.size() == 1 && bytes.bytes()[0] == std::byte{0};
}

/// Replaces every read of `from` by `to` (nodes of subgraphs included).
void redirect_readers(ir::Tensor* from, ir::Tensor* to) {
  const std::vector<ir::Node*> readers(from->consumers().begin(), from->consumers().end());
  for (ir::Node* r : readers) {
    for (std::size_t i = 0; i < r->inputs().size(); ++i) {
      if (r->inputs()[i] == from) r->set_input(i, to);
    }
  }
}

bool remove_one(ir::Graph& graph, ir::Node* node,
                const std::unordered_set<const ir::Tensor*>& pinned,
                std::unordered_set<const ir::Node*>& doomed) {
  if (node->inputs().empty() || node->outputs().empty()) return false;
  ir::Tensor* x = node->inputs()[0];
  ir::Tensor* y = node->outputs()[0];
  if (x->is_empty() || y->is_empty() || x == y || pinned.contains(y) || pinned.contains(x))
    return false;
  if (!is_graph_output(*y)) {
    detach_node(node);
    doomed.insert(node);
    redirect_readers(y, x);
    return true;
  }
  // y is a graph output and keeps its name: x's producer writes y instead.
  if (x->graph() != &graph || x->producers().size() != 1 || is_graph_output(*x) ||
      is_graph_input(*x) || x->is_constant()) {
    return false;
  }
  ir::Node* producer = x->producers()[0];
  detach_node(node);
  doomed.insert(node);
  for (std::size_t i = 0; i < producer->outputs().size(); ++i) {
    if (producer->outputs()[i] == x) producer->set_output(i, y);
  }
  redirect_readers(x, y);
  return true;
}

}  // namespace

bool IdentityElimination::run(ir::Model& model) {
  if (!model.graph) return false;
  ir::Graph& graph = *model.graph;
  const std::int64_t opset = model.opset_version("");
  std::unordered_set<const ir::Tensor*> pinned;
  collect_subgraph_outputs(graph, pinned);
  std::vector<ir::Node*> candidates;
  for (const auto& n : graph.nodes()) {
    if (is_op(*n, "Identity") || is_inference_dropout(*n, opset)) candidates.push_back(n.get());
  }
  std::unordered_set<const ir::Node*> doomed;
  for (ir::Node* n : candidates) remove_one(graph, n, pinned, doomed);
  remove_nodes(graph, doomed);
  return !doomed.empty();
}

bool DeadNodeElimination::run(ir::Model& model) {
  if (!model.graph) return false;
  return model.graph->cleanup() > 0;
}

}  // namespace onnxkit::passes
