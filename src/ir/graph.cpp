#include "onnxkit/ir/graph.h"

#include <algorithm>

namespace onnxkit::ir {
Graph::Graph(Graph* parent) : parent_(parent) {}

Graph::~Graph() {
  // Nodes of a subgraph may read tensors of enclosing graphs, which live on:
  // take this graph's nodes out of their consumer lists.
  for (const auto& node : nodes_) {
    for (Tensor* t : node->inputs_) {
      if (t->graph_ != this) erase_one(t->consumers_, node.get());
    }
    for (Tensor* t : node->outputs_) {
      if (t->graph_ != this) erase_one(t->producers_, node.get());
    }
  }
  nodes_.clear();
}

Node* Graph::make_node(std::string op_type, std::string domain, std::string name) {
  auto node = std::unique_ptr<Node>(new Node(this));
  node->set_op_type(std::move(op_type));
  node->set_domain(std::move(domain));
  node->name_ = std::move(name);
  Node* raw = node.get();
  nodes_.push_back(std::move(node));
  return raw;
}

Node* Graph::add_node(std::string op_type, std::string domain, std::string name) {
  return make_node(std::move(op_type), std::move(domain), std::move(name));
}

Node* Graph::insert_node(std::size_t index, std::string op_type, std::string domain,
                         std::string name) {
  Node* node = make_node(std::move(op_type), std::move(domain), std::move(name));
  index = std::min(index, nodes_.size() - 1);
  std::rotate(nodes_.begin() + static_cast<std::ptrdiff_t>(index), nodes_.end() - 1, nodes_.end());
  return node;
}

void Graph::remove_node(Node* node) {
  auto it = std::find_if(nodes_.begin(), nodes_.end(),
                         [&](const std::unique_ptr<Node>& n) { return n.get() == node; });
  if (it == nodes_.end()) return;
  node->clear_inputs();
  node->clear_outputs();
  nodes_.erase(it);
}

void Graph::reorder_nodes(const std::vector<Node*>& order) {
  for (std::size_t i = 0; i < nodes_.size(); ++i) nodes_[i]->mark_ = i;
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(order.size());
  for (Node* n : order) sorted.push_back(std::move(nodes_[n->mark_]));
  nodes_ = std::move(sorted);
}

void Graph::reserve(std::size_t nodes, std::size_t tensors) {
  nodes_.reserve(nodes);
  tensors_.reserve(tensors);
  index_.reserve(tensors);
}

void Graph::index_add(Tensor* tensor) {
  if (tensor->name_.empty()) return;
  index_add(tensor, hash_name(tensor->name_));
}

void Graph::index_add(Tensor* tensor, std::uint64_t hash) {
  // The first of duplicate names stays indexed.
  if (index_.insert(tensor, hash) && name_map_) name_map_->emplace(tensor->name_, tensor);
}

void Graph::index_remove(const Tensor* tensor) {
  if (tensor->name_.empty()) return;
  if (index_.erase(tensor) && name_map_) name_map_->erase(tensor->name_);
}

Tensor* Graph::find_local_tensor(std::string_view name) const { return index_.find(name); }

Tensor* Graph::find_tensor(std::string_view name) const {
  const std::uint64_t hash = hash_name(name);
  for (const Graph* g = this; g != nullptr; g = g->parent_) {
    if (Tensor* t = g->index_.find(name, hash)) return t;
  }
  return nullptr;
}

Tensor* Graph::tensor(std::string_view name) { return tensor(name, hash_name(name)); }

Tensor* Graph::tensor(std::string_view name, std::uint64_t hash) {
  if (name.empty()) return add_empty_tensor();
  for (const Graph* g = this; g != nullptr; g = g->parent_) {
    if (Tensor* t = g->index_.find(name, hash)) return t;
  }
  Tensor* t = new_tensor(std::string(name));
  index_add(t, hash);
  return t;
}

Tensor* Graph::local_tensor(std::string_view name) {
  if (name.empty()) return add_empty_tensor();
  const std::uint64_t hash = hash_name(name);
  if (Tensor* t = index_.find(name, hash)) return t;
  Tensor* t = new_tensor(std::string(name));
  index_add(t, hash);
  return t;
}

Tensor* Graph::new_tensor(std::string name) {
  auto tensor = std::unique_ptr<Tensor>(new Tensor(this, std::move(name)));
  Tensor* raw = tensor.get();
  tensors_.push_back(std::move(tensor));
  return raw;
}

Tensor* Graph::add_variable(std::string name) {
  Tensor* t = new_tensor(std::move(name));
  index_add(t);
  return t;
}

Tensor* Graph::add_constant(std::string name, TensorData data) {
  Tensor* t = add_variable(std::move(name));
  t->to_constant(std::move(data));
  return t;
}

Tensor* Graph::add_empty_tensor() { return add_variable(std::string()); }

void Graph::rename_tensor(Tensor* tensor, std::string name) {
  index_remove(tensor);
  tensor->name_ = std::move(name);
  if (TensorData* data = tensor->data()) data->name = tensor->name_;
  index_add(tensor);
}

std::vector<Graph*> Graph::subgraphs() const {
  std::vector<Graph*> out;
  for (const auto& node : nodes_) {
    for (Graph* g : node->subgraphs()) out.push_back(g);
  }
  return out;
}

std::string Graph::describe() const {
  return name_.empty() ? std::string("graph") : "graph '" + name_ + "'";
}

}  // namespace onnxkit::ir
