// add_output(), cleanup(), toposort().

#include "edit/graph_tree.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {

void add_output(ir::Graph& graph, std::string_view name, Notes* notes) {
  ir::Tensor* t = name.empty() ? nullptr : graph.find_local_tensor(name);
  if (t == nullptr) {
    std::string msg = "no tensor named '" + std::string(name) + "'";
    for (const ir::Graph* g : detail::graph_tree(graph)) {
      if (g != &graph && g->find_local_tensor(name) != nullptr) {
        msg += " (a subgraph has one; only tensors of the graph itself can become its outputs)";
        break;
      }
    }
    std::vector<std::string_view> names;
    for (const auto& x : graph.owned_tensors()) names.push_back(x->name());
    if (std::string hint = detail::similar(names, name); !hint.empty()) {
      msg += "; similar names: " + hint;
    }
    fail(graph.describe(), msg);
  }
  if (detail::contains(graph.outputs(), t)) {
    if (notes != nullptr)
      notes->push_back("add-output: '" + t->name() + "' is already a graph output");
    return;
  }
  graph.outputs().push_back(t);
  std::erase(graph.value_info(), t);
  if (notes != nullptr && !t->type()) {
    notes->push_back("add-output: '" + t->name() + "' has no known type; run onnxkit infer");
  }
}

std::size_t cleanup(ir::Graph& graph) { return graph.cleanup(); }

void toposort(ir::Graph& graph) {
  for (ir::Graph* g : detail::graph_tree(graph)) g->toposort();
}

}  // namespace onnxkit::edit
