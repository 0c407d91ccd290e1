// rename_tensor() / rename_node(). Readers refer to tensors by pointer, so a
// renamed tensor is written under its new name everywhere, subgraphs included;
// what refers to it by name (quantization annotations, training bindings) is
// updated here.

#include "edit/graph_tree.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {
namespace {

bool is_within(const ir::Graph* g, const ir::Graph* ancestor) {
  for (; g != nullptr; g = g->parent()) {
    if (g == ancestor) return true;
  }
  return false;
}

ir::Tensor* find_tensor_to_rename(ir::Graph& root, std::string_view from) {
  if (ir::Tensor* t = root.find_local_tensor(from)) return t;
  std::vector<ir::Tensor*> found;
  std::string where;
  for (ir::Graph* g : detail::graph_tree(root)) {
    if (ir::Tensor* t = g->find_local_tensor(from)) {
      found.push_back(t);
      where += (where.empty() ? "" : ", ") + g->describe();
    }
  }
  if (found.size() == 1) return found[0];
  if (found.size() > 1) {
    fail(root.describe(), "tensor '" + std::string(from) + "' is defined in " +
                              std::to_string(found.size()) + " subgraphs (" + where +
                              "); rename the node's subgraph tensors through the API");
  }
  std::vector<std::string_view> names;
  for (const auto& t : root.owned_tensors()) names.push_back(t->name());
  std::string msg = "no tensor named '" + std::string(from) + "'";
  if (std::string hint = detail::similar(names, from); !hint.empty())
    msg += "; similar names: " + hint;
  fail(root.describe(), msg);
}

}  // namespace

void rename_tensor(ir::Graph& graph, std::string_view from, std::string_view to) {
  if (to.empty())
    fail(graph.describe(), "cannot rename tensor '" + std::string(from) + "' to an empty name");
  ir::Tensor* t = find_tensor_to_rename(graph, from);
  if (from == to) return;
  const std::vector<ir::Graph*> tree = detail::graph_tree(graph);
  for (const ir::Graph* g : tree) {
    if (g->find_local_tensor(to) != nullptr) {
      fail(g->describe(), "cannot rename tensor '" + std::string(from) + "' to '" +
                              std::string(to) + "': the name is taken");
    }
  }
  t->set_name(std::string(to));

  // Annotations in the tensor's graph, or in a graph inside it where the old
  // name meant this tensor (no local tensor of that name shadows it).
  for (ir::Graph* g : tree) {
    if (!is_within(g, t->graph()) || g->find_tensor(from) != nullptr) continue;
    for (ir::TensorAnnotation& a : g->quantization_annotation()) {
      if (a.tensor_name == from) a.tensor_name = std::string(to);
      for (ir::StringEntry& e : a.quant_parameter_tensor_names) {
        if (e.value == from) e.value = std::string(to);
      }
    }
  }
}

void rename_tensor(ir::Model& model, std::string_view from, std::string_view to) {
  if (!model.graph) fail("model", "has no graph");
  ir::Tensor* t = find_tensor_to_rename(*model.graph, from);
  const bool main_graph = t->graph() == model.graph.get();
  rename_tensor(*model.graph, from, to);
  if (!main_graph || from == to) return;
  // Bindings name initializers of the main graph by their keys.
  for (ir::TrainingInfo& info : model.training_info) {
    for (auto* list : {&info.initialization_binding, &info.update_binding}) {
      for (ir::StringEntry& e : *list) {
        if (e.key == from) e.key = std::string(to);
      }
    }
  }
}

void rename_node(ir::Graph& graph, std::string_view from, std::string_view to) {
  if (to.empty())
    fail(graph.describe(), "cannot rename node '" + std::string(from) + "' to an empty name");
  std::vector<ir::Node*> found;
  std::vector<std::string_view> names;
  const ir::Node* taken = nullptr;
  for (ir::Node* n : detail::nodes_in_tree(graph)) {
    if (n->name() == from) found.push_back(n);
    if (n->name() == to) taken = n;
    names.push_back(n->name());
  }
  if (found.empty()) {
    std::string msg = "no node named '" + std::string(from) + "'";
    if (std::string hint = detail::similar(names, from); !hint.empty()) {
      msg += "; similar names: " + hint;
    }
    fail(graph.describe(), msg);
  }
  if (found.size() > 1) {
    fail(graph.describe(), std::to_string(found.size()) + " nodes are named '" + std::string(from) +
                               "'; rename them through the API");
  }
  if (from == to) return;
  if (taken != nullptr) {
    fail(graph.describe(), "cannot rename node '" + std::string(from) + "' to '" + std::string(to) +
                               "': " + taken->describe() + " has that name");
  }
  found[0]->set_name(std::string(to));
}

}  // namespace onnxkit::edit
