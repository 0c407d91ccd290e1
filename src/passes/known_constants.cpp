#include "passes/known_constants.h"

#include <algorithm>

namespace onnxkit::passes {

bool is_graph_input(const ir::Tensor& t) {
  const auto& in = t.graph()->inputs();
  return std::find(in.begin(), in.end(), &t) != in.end();
}

bool is_graph_output(const ir::Tensor& t) {
  const auto& out = t.graph()->outputs();
  return std::find(out.begin(), out.end(), &t) != out.end();
}

const ir::TensorData* fixed_data(const ir::Tensor& t) {
  if (!t.is_constant() || t.data() == nullptr || is_graph_input(t)) return nullptr;
  return t.data();
}

void list_initializer(ir::Graph& graph, ir::Tensor* t) {
  auto& inits = graph.initializers();
  if (std::find(inits.begin(), inits.end(), t) == inits.end()) inits.push_back(t);
}

void detach_node(ir::Node* node) {
  node->clear_inputs();
  node->clear_outputs();
}

void remove_nodes(ir::Graph& graph, const std::unordered_set<const ir::Node*>& doomed) {
  if (doomed.empty()) return;
  std::vector<std::unique_ptr<ir::Node>> all = graph.release_nodes();
  for (auto& n : all) {
    if (doomed.contains(n.get())) {
      detach_node(n.get());
    } else {
      graph.adopt_node(std::move(n));
    }
  }
}

}  // namespace onnxkit::passes
