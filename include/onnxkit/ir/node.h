#pragma once
/// NodeProto in onnx-graphsurgeon's model: ordered input and output tensor
/// lists whose every change updates the tensors' consumer/producer lists.

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/attribute.h"
#include "onnxkit/ir/link_list.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

class Graph;
class Tensor;

/// Raised by Node::i() / Node::o() when an index is out of range
/// (Python sees IndexError).
class IndexError : public Error {
 public:
  using Error::Error;
};

class Node {
 public:
  ~Node();
  Node(const Node&) = delete;
  /// Nodes come from a pool of fixed-size blocks (src/ir/block_pool.h).
  static void* operator new(std::size_t size);
  static void operator delete(void* p) noexcept;
  Node& operator=(const Node&) = delete;

  /// Op type and domain are shared by many nodes: they are kept once per
  /// process (the references stay valid after the node changes or goes).
  const std::string& op_type() const noexcept { return *op_type_; }
  const std::string& domain() const noexcept { return *domain_; }
  const std::string& name() const noexcept { return name_; }
  const std::string& overload() const noexcept;
  const std::string& doc_string() const noexcept;
  void set_op_type(std::string v);
  void set_domain(std::string v);
  void set_name(std::string v) { name_ = std::move(v); }
  void set_overload(std::string v);
  void set_doc_string(std::string v);

  /// "Conv" or "devtech::FooOp" (the default domain, "" or "ai.onnx", is omitted).
  std::string qualified_op() const;

  using Inputs = LinkList<Tensor*, 2>;
  using Outputs = LinkList<Tensor*, 1>;
  const Inputs& inputs() const noexcept { return inputs_; }
  const Outputs& outputs() const noexcept { return outputs_; }

  /// Replace the whole list (elements are copied; links kept true).
  void set_inputs(std::span<Tensor* const> tensors);
  void set_outputs(std::span<Tensor* const> tensors);
  void set_input(std::size_t index, Tensor* tensor);
  void set_output(std::size_t index, Tensor* tensor);
  void add_input(Tensor* tensor);
  void add_output(Tensor* tensor);
  void insert_input(std::size_t index, Tensor* tensor);
  void remove_input(std::size_t index);
  void remove_output(std::size_t index);
  void clear_inputs();
  void clear_outputs();

  /// onnx-graphsurgeon's node.i(): producer `producer_idx` of input `tensor_idx`.
  /// Throws IndexError when either is out of range.
  Node* i(std::size_t tensor_idx = 0, std::size_t producer_idx = 0) const;
  /// onnx-graphsurgeon's node.o(): consumer `consumer_idx` of output `tensor_idx`.
  /// Throws IndexError when either is out of range.
  Node* o(std::size_t consumer_idx = 0, std::size_t tensor_idx = 0) const;

  std::vector<Attribute>& attributes() noexcept { return attrs_; }
  const std::vector<Attribute>& attributes() const noexcept { return attrs_; }
  /// The attribute named `name`, or null.
  Attribute* attribute(std::string_view name);
  const Attribute* attribute(std::string_view name) const;
  /// Adds or replaces the attribute of the same name.
  void set_attribute(Attribute attr);

  /// metadata_props, like overload and doc_string rare in big graphs, live
  /// out of line: the non-const accessor makes room on first use.
  std::vector<StringEntry>& metadata_props();
  const std::vector<StringEntry>& metadata_props() const noexcept;
  /// Unknown fields and present defaults, out of line as well (most nodes
  /// have none): the non-const accessor makes room on first use.
  WireExtras& extras();
  const WireExtras& extras() const noexcept { return rare_ ? rare_->extras : no_extras(); }

  Graph* graph() const noexcept { return graph_; }
  /// Subgraphs held in this node's attributes (If branches, Loop/Scan bodies).
  std::vector<Graph*> subgraphs() const;

  /// "node 'Conv_3' (Conv)" for error locations.
  std::string describe() const;

 private:
  friend class Graph;
  explicit Node(Graph* graph);

  /// The fields most nodes leave empty.
  struct Rare {
    std::string overload, doc_string;
    std::vector<StringEntry> metadata_props;
    WireExtras extras;
  };
  Rare& rare();
  static const WireExtras& no_extras() noexcept;

  // What graph walks touch first (toposort, cleanup, the writer), together.
  Graph* graph_;
  std::size_t mark_ = 0;  // scratch index for Graph algorithms
  Inputs inputs_;
  Outputs outputs_;
  const std::string* op_type_;  // interned (src/ir/interned_string.h)
  const std::string* domain_;   // interned
  std::vector<Attribute> attrs_;
  std::unique_ptr<Rare> rare_;
  std::string name_;
};

}  // namespace onnxkit::ir
