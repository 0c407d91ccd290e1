// flatten_constant_ifs(): an If with a constant condition becomes the nodes
// of the branch it takes.

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "onnxkit/ir/graph.h"
#include "onnxkit/passes/constant_folding.h"
#include "onnxkit/runtime/tensor_io.h"
#include "passes/known_constants.h"

namespace onnxkit::passes {
namespace {

/// The constant condition of `node` (an If), or nullopt.
std::optional<bool> constant_condition(const ir::Node& node) {
  if (node.inputs().empty() || node.inputs()[0]->is_empty()) return std::nullopt;
  const ir::TensorData* data = fixed_data(*node.inputs()[0]);
  if (data == nullptr || data->element_count() != 1) return std::nullopt;
  try {
    const runtime::Value v = runtime::value_from_tensor_data(*data);
    if (v.dtype() != DataType::kBool) return std::nullopt;
    return v.span<bool>()[0];
  } catch (const Error&) {
    return std::nullopt;
  }
}

/// The branch graph `name` of `node`, or null.
ir::Graph* branch_of(ir::Node& node, std::string_view name) {
  ir::Attribute* a = node.attribute(name);
  return a != nullptr && a->type == ir::AttributeType::kGraph ? a->g.get() : nullptr;
}

/// True when every output of `branch` is computed by a node of the branch,
/// once, and the If has as many outputs.
bool flattenable(const ir::Node& node, const ir::Graph& branch) {
  if (branch.outputs().size() != node.outputs().size()) return false;
  std::unordered_set<const ir::Tensor*> seen;
  for (const ir::Tensor* b : branch.outputs()) {
    if (b->graph() != &branch || b->producers().size() != 1 || b->is_constant() ||
        !seen.insert(b).second) {
      return false;
    }
  }
  return true;
}

/// Replaces `node` (at `position`) by the nodes of `branch`; returns how many.
std::size_t flatten(ir::Graph& graph, ir::Node* node, ir::Graph& branch, std::size_t position) {
  const std::string suffix = "_subg_" + std::to_string(position) + "_" + branch.name();
  const std::vector<ir::Tensor*> results(node->outputs().begin(), node->outputs().end());
  detach_node(node);
  // The branch's producers write the If's outputs; its readers follow.
  for (std::size_t j = 0; j < results.size(); ++j) {
    ir::Tensor* b = branch.outputs()[j];
    ir::Tensor* o = results[j];
    if (o->is_empty()) continue;
    ir::Node* p = b->producers()[0];
    for (std::size_t k = 0; k < p->outputs().size(); ++k) {
      if (p->outputs()[k] == b) p->set_output(k, o);
    }
    for (ir::Node* r : std::vector<ir::Node*>(b->consumers())) {
      for (std::size_t k = 0; k < r->inputs().size(); ++k) {
        if (r->inputs()[k] == b) r->set_input(k, o);
      }
    }
  }
  // Tensors the branches own and something outside them uses (a graph built
  // in Python may leave a graph input owned by a branch) move to the graph as
  // they are; the taken branch's own tensors move too, renamed.
  auto listed = [&](const ir::Tensor* t) {
    for (const auto* list : {&graph.inputs(), &graph.outputs(), &graph.initializers()}) {
      if (std::find(list->begin(), list->end(), t) != list->end()) return true;
    }
    return false;
  };
  for (ir::Graph* sub : node->subgraphs()) {
    const bool taken = sub == &branch;
    const std::unordered_set<const ir::Tensor*> inits(sub->initializers().begin(),
                                                      sub->initializers().end());
    std::vector<ir::Tensor*> owned;
    for (const auto& t : sub->owned_tensors()) owned.push_back(t.get());
    for (ir::Tensor* t : owned) {
      bool outside = listed(t);
      for (const ir::Node* n : t->producers()) outside = outside || n->graph() != sub;
      for (const ir::Node* n : t->consumers()) outside = outside || n->graph() != sub;
      const bool used = outside || !t->producers().empty() || !t->consumers().empty();
      if (!used || (!taken && !outside)) continue;
      if (taken && !outside && !t->is_empty()) t->set_name(t->name() + suffix);
      graph.adopt_tensor(t);
      if (taken && inits.contains(t)) list_initializer(graph, t);
    }
  }
  std::vector<std::unique_ptr<ir::Node>> nodes = branch.release_nodes();
  std::size_t at = position;
  for (auto& n : nodes)
    graph.adopt_node(std::move(n), at++);  // node names kept, as onnx-graphsurgeon
  graph.remove_node(node);                 // destroys the branches, now empty of what moved
  return nodes.size();
}

}  // namespace

std::size_t flatten_constant_ifs(ir::Graph& graph) {
  std::size_t flattened = 0;
  std::size_t i = 0;
  while (i < graph.nodes().size()) {
    ir::Node* node = graph.nodes()[i].get();
    const std::optional<bool> cond = is_op(*node, "If") ? constant_condition(*node) : std::nullopt;
    ir::Graph* branch = cond ? branch_of(*node, *cond ? "then_branch" : "else_branch") : nullptr;
    if (branch == nullptr || !flattenable(*node, *branch)) {
      ++i;
      continue;
    }
    // Continue after the inlined nodes (Ifs among them are left as they are).
    i += flatten(graph, node, *branch, i);
    ++flattened;
  }
  return flattened;
}

}  // namespace onnxkit::passes
