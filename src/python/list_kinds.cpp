#include "list_kinds.h"

#include <span>
#include <stdexcept>
#include <unordered_map>

#include "handles.h"

namespace onnxkit::python {

ir::Tensor* tensor_arg(py::handle v) {
  if (!py::isinstance<TensorHandle>(v)) {
    throw py::type_error("expected a Tensor (Variable or Constant), got " +
                         py::repr(py::type::handle_of(v)).cast<std::string>());
  }
  return v.cast<TensorHandle&>().get();
}

ir::Node* node_arg(py::handle v) {
  if (!py::isinstance<NodeHandle>(v)) {
    throw py::type_error("expected a Node, got " +
                         py::repr(py::type::handle_of(v)).cast<std::string>());
  }
  return v.cast<NodeHandle&>().get();
}

namespace {

// A link list's element i; out of range raises IndexError, as std::vector::at did.
template <typename T>
T* checked_at(std::span<T* const> list, std::size_t i) {
  if (i >= list.size()) throw std::out_of_range("list index out of range");
  return list[i];
}

struct NodeTensors : ListOps {
  NodeHandle* h;
  bool outputs;
  NodeTensors(NodeHandle* handle, bool out) : h(handle), outputs(out) {}
  ir::Node* node() const { return h->get(); }
  std::span<ir::Tensor* const> list() const {
    if (outputs) return node()->outputs();
    return node()->inputs();
  }
  std::size_t size() const override { return list().size(); }
  py::object get(std::size_t i) const override { return wrap(checked_at(list(), i)); }
  ir::Tensor* linked(py::handle v) {
    ir::Tensor* t = tensor_arg(v);
    link_tensor(node()->graph(), t);
    return t;
  }
  void set(std::size_t i, py::handle v) override {
    ir::Tensor* t = linked(v);
    outputs ? node()->set_output(i, t) : node()->set_input(i, t);
  }
  void insert(std::size_t i, py::handle v) override {
    ir::Tensor* t = linked(v);
    if (!outputs) {
      node()->insert_input(i, t);
    } else if (i >= size()) {
      node()->add_output(t);
    } else {
      std::vector<ir::Tensor*> l(list().begin(), list().end());
      l.insert(l.begin() + static_cast<std::ptrdiff_t>(i), t);
      node()->set_outputs(l);
    }
  }
  void erase(std::size_t i) override {
    outputs ? node()->remove_output(i) : node()->remove_input(i);
  }
  void clear() override { outputs ? node()->clear_outputs() : node()->clear_inputs(); }
  void assign(const py::list& items) override {
    std::vector<ir::Tensor*> ts;
    for (py::handle v : items) ts.push_back(linked(v));
    outputs ? node()->set_outputs(ts) : node()->set_inputs(ts);
  }
  bool same(const ListOps& other) const override {
    auto* o = dynamic_cast<const NodeTensors*>(&other);
    return o != nullptr && o->h == h && o->outputs == outputs;
  }
};

// A tensor's producers (field "outputs" of the node) or consumers ("inputs"),
// with onnx-graphsurgeon's meaning: adding node N to tensor.outputs appends the
// tensor to N.inputs; removing N removes the tensor's first slot in N.inputs.
struct TensorNodes : ListOps {
  TensorHandle* h;
  bool consumers;
  TensorNodes(TensorHandle* handle, bool c) : h(handle), consumers(c) {}
  ir::Tensor* tensor() const { return h->get(); }
  std::span<ir::Node* const> list() const {
    if (consumers) return tensor()->consumers();
    return tensor()->producers();
  }
  std::size_t size() const override { return list().size(); }
  py::object get(std::size_t i) const override { return wrap(checked_at(list(), i)); }
  void set(std::size_t i, py::handle v) override {
    erase(i);
    insert(i, v);
  }
  void insert(std::size_t, py::handle v) override {
    ir::Node* n = node_arg(v);
    ir::Tensor* t = tensor();
    link_tensor(n->graph(), t);
    consumers ? n->add_input(t) : n->add_output(t);
  }
  void erase(std::size_t i) override {
    ir::Node* n = checked_at(list(), i);
    ir::Tensor* t = tensor();
    const std::span<ir::Tensor* const> slots = consumers
                                                   ? std::span<ir::Tensor* const>(n->inputs())
                                                   : std::span<ir::Tensor* const>(n->outputs());
    for (std::size_t k = 0; k < slots.size(); ++k) {
      if (slots[k] == t) {
        consumers ? n->remove_input(k) : n->remove_output(k);
        return;
      }
    }
  }
  void clear() override {
    while (size() != 0) erase(size() - 1);
  }
  void assign(const py::list& items) override {
    clear();
    for (py::handle v : items) insert(size(), v);
  }
  bool same(const ListOps& other) const override {
    auto* o = dynamic_cast<const TensorNodes*>(&other);
    return o != nullptr && o->h == h && o->consumers == consumers;
  }
};

struct GraphTensors : ListOps {
  GraphHandle* h;
  bool outputs;
  GraphTensors(GraphHandle* handle, bool out) : h(handle), outputs(out) {}
  ir::Graph* graph() const { return h->get(); }
  std::vector<ir::Tensor*>& list() const {
    return outputs ? graph()->outputs() : graph()->inputs();
  }
  std::size_t size() const override { return list().size(); }
  py::object get(std::size_t i) const override { return wrap(list().at(i)); }
  ir::Tensor* linked(py::handle v) const {
    ir::Tensor* t = tensor_arg(v);
    link_tensor(graph(), t);
    return t;
  }
  void set(std::size_t i, py::handle v) override { list().at(i) = linked(v); }
  void insert(std::size_t i, py::handle v) override {
    ir::Tensor* t = linked(v);
    auto& l = list();
    l.insert(l.begin() + static_cast<std::ptrdiff_t>(std::min(i, l.size())), t);
  }
  void erase(std::size_t i) override {
    auto& l = list();
    l.erase(l.begin() + static_cast<std::ptrdiff_t>(i));
  }
  void clear() override { list().clear(); }
  void assign(const py::list& items) override {
    std::vector<ir::Tensor*> ts;
    for (py::handle v : items) ts.push_back(linked(v));
    list() = std::move(ts);
  }
  bool same(const ListOps& other) const override {
    auto* o = dynamic_cast<const GraphTensors*>(&other);
    return o != nullptr && o->h == h && o->outputs == outputs;
  }
};

struct GraphNodes : ListOps {
  GraphHandle* h;
  explicit GraphNodes(GraphHandle* handle) : h(handle) {}
  ir::Graph* graph() const { return h->get(); }
  std::size_t size() const override { return graph()->node_count(); }
  py::object get(std::size_t i) const override { return wrap(graph()->nodes().at(i).get()); }
  void set(std::size_t i, py::handle v) override {
    ir::Node* n = node_arg(v);
    if (n == graph()->nodes().at(i).get()) return;
    release_node(graph(), i);
    adopt_node(graph(), n, i);
  }
  void insert(std::size_t i, py::handle v) override { adopt_node(graph(), node_arg(v), i); }
  void erase(std::size_t i) override { release_node(graph(), i); }
  void assign(const py::list& items) override { assign_graph_nodes(graph(), items); }
  bool same(const ListOps& other) const override {
    auto* o = dynamic_cast<const GraphNodes*>(&other);
    return o != nullptr && o->h == h;
  }
};

}  // namespace

void assign_graph_nodes(ir::Graph* graph, const py::list& items) {
  std::vector<ir::Node*> wanted;
  wanted.reserve(items.size());
  for (py::handle v : items) wanted.push_back(node_arg(v));
  // Check first, so that a bad element leaves the graph as it was.
  std::unordered_map<const ir::Node*, std::size_t> here;
  for (std::size_t i = 0; i < graph->node_count(); ++i) here.emplace(graph->nodes()[i].get(), i);
  std::unordered_map<const ir::Node*, int> seen;
  for (ir::Node* n : wanted) {
    if (seen[n]++ != 0) throw py::value_error("node '" + n->name() + "' is listed twice");
    if (here.count(n) == 0 && root_of(n->graph())->model.graph.get() != n->graph()) {
      throw py::value_error("node '" + n->name() + "' belongs to another graph");
    }
  }
  std::vector<std::unique_ptr<ir::Node>> old = graph->release_nodes();
  for (ir::Node* n : wanted) {
    auto it = here.find(n);
    if (it != here.end()) {
      graph->adopt_node(std::move(old[it->second]));
    } else {
      adopt_node(graph, n, graph->node_count());
    }
  }
  // Nodes left out: put back at the end, then release them one by one from there.
  const std::size_t keep = graph->node_count();
  for (auto& n : old) {
    if (n) graph->adopt_node(std::move(n));
  }
  while (graph->node_count() > keep) release_node(graph, graph->node_count() - 1);
}

ListProxy node_tensors(py::object node_handle, bool outputs) {
  auto* h = &node_handle.cast<NodeHandle&>();
  return ListProxy{std::make_unique<NodeTensors>(h, outputs), std::move(node_handle)};
}

ListProxy tensor_nodes(py::object tensor_handle, bool consumers) {
  auto* h = &tensor_handle.cast<TensorHandle&>();
  return ListProxy{std::make_unique<TensorNodes>(h, consumers), std::move(tensor_handle)};
}

ListProxy graph_tensors(py::object graph_handle, bool outputs) {
  auto* h = &graph_handle.cast<GraphHandle&>();
  return ListProxy{std::make_unique<GraphTensors>(h, outputs), std::move(graph_handle)};
}

ListProxy graph_nodes(py::object graph_handle) {
  auto* h = &graph_handle.cast<GraphHandle&>();
  return ListProxy{std::make_unique<GraphNodes>(h), std::move(graph_handle)};
}

}  // namespace onnxkit::python
