#include "onnxkit/ir/node.h"

#include <algorithm>

#include "block_pool.h"
#include "interned_string.h"
#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/tensor.h"

namespace onnxkit::ir {
namespace {

template <class List, class T>
void append(List& list, T* x) {
  list.push_back(x);
}

}  // namespace

Node::Node(Graph* graph)
    : graph_(graph), op_type_(&detail::interned_empty()), domain_(&detail::interned_empty()) {}

Node::~Node() = default;

void Node::set_op_type(std::string v) { op_type_ = &detail::intern(v); }

void Node::set_domain(std::string v) { domain_ = &detail::intern(v); }

void* Node::operator new(std::size_t size) {
  return detail::pool_allocate(detail::kNodePool, size);
}

void Node::operator delete(void* p) noexcept { detail::pool_deallocate(detail::kNodePool, p); }

Node::Rare& Node::rare() {
  if (!rare_) rare_ = std::make_unique<Rare>();
  return *rare_;
}

const std::string& Node::overload() const noexcept {
  static const std::string kEmpty;
  return rare_ ? rare_->overload : kEmpty;
}

const std::string& Node::doc_string() const noexcept {
  static const std::string kEmpty;
  return rare_ ? rare_->doc_string : kEmpty;
}

void Node::set_overload(std::string v) {
  if (rare_ || !v.empty()) rare().overload = std::move(v);
}

void Node::set_doc_string(std::string v) {
  if (rare_ || !v.empty()) rare().doc_string = std::move(v);
}

std::vector<StringEntry>& Node::metadata_props() { return rare().metadata_props; }

WireExtras& Node::extras() { return rare().extras; }

const WireExtras& Node::no_extras() noexcept {
  static const WireExtras kNone;
  return kNone;
}

const std::vector<StringEntry>& Node::metadata_props() const noexcept {
  static const std::vector<StringEntry> kEmpty;
  return rare_ ? rare_->metadata_props : kEmpty;
}

std::string Node::qualified_op() const {
  if (domain_->empty() || *domain_ == "ai.onnx") return *op_type_;
  return *domain_ + "::" + *op_type_;
}

void Node::set_inputs(std::span<Tensor* const> tensors) {
  std::vector<Tensor*> copy(tensors.begin(), tensors.end());  // may alias inputs_
  clear_inputs();
  for (Tensor* t : copy) add_input(t);
}

void Node::set_outputs(std::span<Tensor* const> tensors) {
  std::vector<Tensor*> copy(tensors.begin(), tensors.end());
  clear_outputs();
  for (Tensor* t : copy) add_output(t);
}

void Node::set_input(std::size_t index, Tensor* tensor) {
  if (index >= inputs_.size()) {
    throw IndexError(describe(), "input index " + std::to_string(index) + " out of range (" +
                                     std::to_string(inputs_.size()) + " inputs)");
  }
  erase_one(inputs_[index]->consumers_, this);
  inputs_[index] = tensor;
  append(tensor->consumers_, this);
}

void Node::set_output(std::size_t index, Tensor* tensor) {
  if (index >= outputs_.size()) {
    throw IndexError(describe(), "output index " + std::to_string(index) + " out of range (" +
                                     std::to_string(outputs_.size()) + " outputs)");
  }
  erase_one(outputs_[index]->producers_, this);
  outputs_[index] = tensor;
  append(tensor->producers_, this);
}

void Node::add_input(Tensor* tensor) {
  append(inputs_, tensor);
  append(tensor->consumers_, this);
}

void Node::add_output(Tensor* tensor) {
  append(outputs_, tensor);
  append(tensor->producers_, this);
}

void Node::insert_input(std::size_t index, Tensor* tensor) {
  index = std::min(index, inputs_.size());
  inputs_.insert(inputs_.begin() + static_cast<std::ptrdiff_t>(index), tensor);
  append(tensor->consumers_, this);
}

void Node::remove_input(std::size_t index) {
  if (index >= inputs_.size()) return;
  erase_one(inputs_[index]->consumers_, this);
  inputs_.erase(inputs_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Node::remove_output(std::size_t index) {
  if (index >= outputs_.size()) return;
  erase_one(outputs_[index]->producers_, this);
  outputs_.erase(outputs_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Node::clear_inputs() {
  for (Tensor* t : inputs_) erase_one(t->consumers_, this);
  inputs_.clear();
}

void Node::clear_outputs() {
  for (Tensor* t : outputs_) erase_one(t->producers_, this);
  outputs_.clear();
}

Node* Node::i(std::size_t tensor_idx, std::size_t producer_idx) const {
  if (tensor_idx >= inputs_.size()) {
    throw IndexError(describe(), "input " + std::to_string(tensor_idx) + " out of range (" +
                                     std::to_string(inputs_.size()) + " inputs)");
  }
  const Tensor* t = inputs_[tensor_idx];
  if (producer_idx >= t->producers_.size()) {
    throw IndexError(describe(), "input '" + t->name() + "' has no producer " +
                                     std::to_string(producer_idx) + " (" +
                                     std::to_string(t->producers_.size()) + " producers)");
  }
  return t->producers_[producer_idx];
}

Node* Node::o(std::size_t consumer_idx, std::size_t tensor_idx) const {
  if (tensor_idx >= outputs_.size()) {
    throw IndexError(describe(), "output " + std::to_string(tensor_idx) + " out of range (" +
                                     std::to_string(outputs_.size()) + " outputs)");
  }
  const Tensor* t = outputs_[tensor_idx];
  if (consumer_idx >= t->consumers_.size()) {
    throw IndexError(describe(), "output '" + t->name() + "' has no consumer " +
                                     std::to_string(consumer_idx) + " (" +
                                     std::to_string(t->consumers_.size()) + " consumers)");
  }
  return t->consumers_[consumer_idx];
}

Attribute* Node::attribute(std::string_view name) {
  for (Attribute& a : attrs_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const Attribute* Node::attribute(std::string_view name) const {
  return const_cast<Node*>(this)->attribute(name);
}

void Node::set_attribute(Attribute attr) {
  if (Attribute* existing = attribute(attr.name)) {
    *existing = std::move(attr);
  } else {
    attrs_.push_back(std::move(attr));
  }
}

std::vector<Graph*> Node::subgraphs() const {
  std::vector<Graph*> out;
  for (const Attribute& a : attrs_) {
    if (a.g) out.push_back(a.g.get());
    for (const auto& g : a.graphs) out.push_back(g.get());
  }
  return out;
}

std::string Node::describe() const {
  std::string who = name_.empty() ? std::string("unnamed node") : "node '" + name_ + "'";
  if (name_.empty() && !outputs_.empty() && !outputs_[0]->name().empty()) {
    who += " producing '" + outputs_[0]->name() + "'";
  }
  return who + " (" + qualified_op() + ")";
}

}  // namespace onnxkit::ir

// A big graph has 100k+ nodes: keep the per-node cost where docs/ARCHITECTURE.md says.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(onnxkit::ir::Node) <= 136,
              "Node grew: see docs/ARCHITECTURE.md, memory layout");
#endif
