// Building graphs: Graph::layer() (onnx-graphsurgeon's Graph.layer(), typed),
// fresh names, and the name index behind Graph::tensors().

#include <unordered_set>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {

Node* Graph::layer(std::string op_type, std::vector<Tensor*> inputs, std::vector<Tensor*> outputs,
                   std::vector<Attribute> attrs, std::string domain, std::string name) {
  if (name.empty()) name = unique_node_name(op_type);
  if (node_names_collected_) node_names_.insert(name);
  Node* node = make_node(std::move(op_type), std::move(domain), std::move(name));
  for (Tensor* t : inputs) node->add_input(t);
  for (Tensor* t : outputs) node->add_output(t);
  for (Attribute& a : attrs) node->set_attribute(std::move(a));
  return node;
}

std::string Graph::unique_tensor_name(std::string_view prefix) {
  for (;;) {
    std::string name = std::string(prefix) + "_" + std::to_string(name_counter_++);
    if (find_tensor(name) == nullptr) return name;
  }
}

std::string Graph::unique_node_name(std::string_view prefix) {
  if (!node_names_collected_) {
    for (const auto& n : nodes_) node_names_.insert(n->name());
    node_names_collected_ = true;
  }
  for (;;) {
    std::string name = std::string(prefix) + "_" + std::to_string(name_counter_++);
    if (node_names_.insert(name).second) return name;
  }
}

Tensor* Graph::add_fresh_variable(std::string_view prefix) {
  return add_variable(unique_tensor_name(prefix));
}

Tensor* Graph::add_fresh_constant(std::string_view prefix, TensorData data) {
  return add_constant(unique_tensor_name(prefix), std::move(data));
}

const std::unordered_map<std::string_view, Tensor*>& Graph::tensors(bool check_duplicates) const {
  if (!name_map_) {
    name_map_ = std::make_unique<std::unordered_map<std::string_view, Tensor*>>();
    name_map_->reserve(index_.size());
    index_.for_each([&](Tensor* t) { name_map_->emplace(t->name_, t); });
  }
  if (!check_duplicates) return *name_map_;
  std::unordered_set<const Tensor*> listed;
  for (const auto* list :
       {&inputs_, &outputs_, &initializers_, &sparse_initializers_, &value_info_}) {
    listed.insert(list->begin(), list->end());
  }
  auto in_use = [&](const Tensor* t) {
    return !t->producers_.empty() || !t->consumers_.empty() || listed.count(t) != 0;
  };
  std::unordered_map<std::string_view, const Tensor*> seen;
  for (const auto& t : tensors_) {
    if (t->is_empty() || !in_use(t.get())) continue;
    auto [it, fresh] = seen.emplace(t->name_, t.get());
    if (fresh) continue;
    auto who = [](const Tensor* x) {
      return x->producers_.empty() ? std::string("no producer")
                                   : "produced by " + x->producers_.front()->describe();
    };
    fail(describe(), "distinct tensors share the name '" + t->name_ + "' (" + who(it->second) +
                         "; " + who(t.get()) + ")");
  }
  return *name_map_;
}

std::vector<Tensor*> Graph::tensors_in_order() const {
  // Tensor::mark_ flags the tensors listed so far; the flags are cleared at
  // the end (tensors of enclosing graphs included, which is why this is not
  // reentrant: no other algorithm runs meanwhile).
  std::vector<Tensor*> order;
  order.reserve(tensors_.size());
  auto visit = [&](Tensor* t) {
    if (t->mark_ == 0 && !t->is_empty()) {
      t->mark_ = 1;
      order.push_back(t);
    }
  };
  for (Tensor* t : inputs_) visit(t);
  const std::size_t n = nodes_.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Nodes may lie scattered in memory: ask for the node, its link lists,
    // then its tensors a few steps ahead (as toposort and the writer do).
    if (i + 8 < n) __builtin_prefetch(nodes_[i + 8].get());
    if (i + 4 < n) {
      __builtin_prefetch(nodes_[i + 4]->inputs_.data());
      __builtin_prefetch(nodes_[i + 4]->outputs_.data());
    }
    if (i + 2 < n) {
      for (const Tensor* t : nodes_[i + 2]->inputs_) __builtin_prefetch(t);
      for (const Tensor* t : nodes_[i + 2]->outputs_) __builtin_prefetch(t);
    }
    const Node& node = *nodes_[i];
    for (Tensor* t : node.inputs_) visit(t);
    for (Tensor* t : node.outputs_) visit(t);
  }
  for (Tensor* t : outputs_) visit(t);
  for (Tensor* t : order) t->mark_ = 0;
  return order;
}

}  // namespace onnxkit::ir
