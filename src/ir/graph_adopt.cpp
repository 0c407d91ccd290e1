// Moving nodes and tensors between graphs, links kept. The Python bindings
// keep standalone objects in hidden graphs and move them in when a graph
// takes them (graph.nodes.append(node), node.inputs.append(tensor)).

#include <algorithm>
#include <string>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {

Node* Graph::adopt_node(std::unique_ptr<Node> node, std::size_t index) {
  Node* raw = node.get();
  raw->graph_ = this;
  for (Graph* g : raw->subgraphs()) g->set_parent(this);
  if (node_names_collected_) node_names_.insert(raw->name());
  index = std::min(index, nodes_.size());
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(index), std::move(node));
  return raw;
}

std::unique_ptr<Node> Graph::release_node(std::size_t index) {
  if (index >= nodes_.size()) {
    throw IndexError(describe(), "node index " + std::to_string(index) + " out of range (" +
                                     std::to_string(nodes_.size()) + " nodes)");
  }
  std::unique_ptr<Node> node = std::move(nodes_[index]);
  nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(index));
  return node;
}

std::vector<std::unique_ptr<Node>> Graph::release_nodes() {
  std::vector<std::unique_ptr<Node>> out = std::move(nodes_);
  nodes_.clear();
  return out;
}

std::size_t Graph::node_index(const Node* node) const {
  auto it = std::find_if(nodes_.begin(), nodes_.end(),
                         [&](const std::unique_ptr<Node>& n) { return n.get() == node; });
  return static_cast<std::size_t>(it - nodes_.begin());
}

void Graph::adopt_tensor(Tensor* tensor) {
  Graph* from = tensor->graph_;
  if (from == this) return;
  std::unique_ptr<Tensor> owned;
  if (from != nullptr) {
    auto& list = from->tensors_;
    // Search from the back: tensors being moved are usually the newest.
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (it->get() == tensor) {
        owned = std::move(*it);
        list.erase(std::next(it).base());
        break;
      }
    }
    from->index_remove(tensor);
  }
  if (!owned)
    fail(describe(), "cannot adopt tensor '" + tensor->name_ + "': its graph does not own it");
  tensor->graph_ = this;
  index_add(tensor);
  tensors_.push_back(std::move(owned));
}

}  // namespace onnxkit::ir
