#pragma once
/// GraphProto in onnx-graphsurgeon's model. The graph owns its nodes and
/// tensors; node order is the file's until toposort(). Subgraphs (in node
/// attributes) see their parent's tensors by name.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "onnxkit/ir/node.h"
#include "onnxkit/ir/tensor.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

/// TensorAnnotation (GraphProto.quantization_annotation).
struct TensorAnnotation {
  std::string tensor_name;
  std::vector<StringEntry> quant_parameter_tensor_names;
  WireExtras extras;
};

/// Options of Graph::cleanup(), defaults as onnx-graphsurgeon's.
struct CleanupOptions {
  bool remove_unused_node_outputs = false;
  bool recurse_subgraphs = true;
  bool remove_unused_graph_inputs = false;
};

class Graph {
 public:
  explicit Graph(Graph* parent = nullptr);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::string& name() const noexcept { return name_; }
  void set_name(std::string v) { name_ = std::move(v); }
  const std::string& doc_string() const noexcept { return doc_string_; }
  void set_doc_string(std::string v) { doc_string_ = std::move(v); }

  /// The enclosing graph of a subgraph, or null.
  Graph* parent() const noexcept { return parent_; }
  void set_parent(Graph* parent) noexcept { parent_ = parent; }

  // ---- nodes
  const std::vector<std::unique_ptr<Node>>& nodes() const noexcept { return nodes_; }
  std::size_t node_count() const noexcept { return nodes_.size(); }
  /// Appends a new node (no inputs, outputs or attributes yet).
  Node* add_node(std::string op_type, std::string domain = {}, std::string name = {});
  /// Inserts a new node before position `index`.
  Node* insert_node(std::size_t index, std::string op_type, std::string domain = {},
                    std::string name = {});
  /// Disconnects `node` from its tensors and destroys it.
  void remove_node(Node* node);
  /// Reorders nodes so that the list becomes `order` (a permutation of nodes()).
  void reorder_nodes(const std::vector<Node*>& order);

  // ---- tensors
  /// The tensor named `name` in this graph or an enclosing one, or null.
  Tensor* find_tensor(std::string_view name) const;
  /// The tensor named `name` in this graph only, or null.
  Tensor* find_local_tensor(std::string_view name) const;
  /// find_tensor(), or a new Variable in this graph when there is none.
  Tensor* tensor(std::string_view name);
  /// A new Variable in this graph; if the name is taken the new tensor is not
  /// indexed by name (duplicates are allowed, as in onnx-graphsurgeon).
  Tensor* add_variable(std::string name);
  /// A new Constant holding `data`.
  Tensor* add_constant(std::string name, TensorData data);
  /// A new placeholder for an absent optional input or output.
  Tensor* add_empty_tensor();
  /// Every tensor this graph owns, in creation order.
  const std::vector<std::unique_ptr<Tensor>>& owned_tensors() const noexcept { return tensors_; }

  // ---- graph-level lists (edit them directly; they hold tensors of this graph
  // or, for outputs of a subgraph, of an enclosing one)
  std::vector<Tensor*>& inputs() noexcept { return inputs_; }
  const std::vector<Tensor*>& inputs() const noexcept { return inputs_; }
  std::vector<Tensor*>& outputs() noexcept { return outputs_; }
  const std::vector<Tensor*>& outputs() const noexcept { return outputs_; }
  /// Tensors declared in value_info, in file order.
  std::vector<Tensor*>& value_info() noexcept { return value_info_; }
  const std::vector<Tensor*>& value_info() const noexcept { return value_info_; }
  /// Constants written as initializers, in file order.
  std::vector<Tensor*>& initializers() noexcept { return initializers_; }
  const std::vector<Tensor*>& initializers() const noexcept { return initializers_; }
  /// Constants written as sparse_initializers, in file order.
  std::vector<Tensor*>& sparse_initializers() noexcept { return sparse_initializers_; }
  const std::vector<Tensor*>& sparse_initializers() const noexcept { return sparse_initializers_; }

  std::vector<TensorAnnotation>& quantization_annotation() noexcept { return quant_; }
  const std::vector<TensorAnnotation>& quantization_annotation() const noexcept { return quant_; }
  std::vector<StringEntry>& metadata_props() noexcept { return metadata_props_; }
  const std::vector<StringEntry>& metadata_props() const noexcept { return metadata_props_; }
  WireExtras& extras() noexcept { return extras_; }
  const WireExtras& extras() const noexcept { return extras_; }

  /// A later declaration of a tensor already declared in another list with
  /// different content (rare; kept so that a round trip is exact).
  struct DeclarationOverride {
    enum class List : std::uint8_t { kInput, kOutput, kValueInfo };
    List list;
    std::size_t index;
    ValueInfo info;
  };
  std::vector<DeclarationOverride>& declaration_overrides() noexcept { return overrides_; }
  const std::vector<DeclarationOverride>& declaration_overrides() const noexcept {
    return overrides_;
  }

  // ---- algorithms
  /// Orders nodes so that every producer comes before its consumers (Kahn's
  /// algorithm, iterative, stable: an already sorted graph keeps its order).
  /// Throws Error naming the nodes on a cycle.
  void toposort();
  /// Removes nodes that do not contribute to a graph output (walking back
  /// from the outputs), then tensors nothing refers to. Never touches graph
  /// outputs. Returns the number of nodes removed.
  std::size_t cleanup(const CleanupOptions& options = {});
  /// Subgraphs of this graph's nodes (not recursive).
  std::vector<Graph*> subgraphs() const;

  /// "graph 'main'" for error locations.
  std::string describe() const;

 private:
  friend class Tensor;
  void rename_tensor(Tensor* tensor, std::string name);
  Node* make_node(std::string op_type, std::string domain, std::string name);

  Graph* parent_;
  std::string name_, doc_string_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Tensor>> tensors_;
  std::unordered_map<std::string_view, Tensor*> by_name_;
  std::vector<Tensor*> inputs_, outputs_, value_info_, initializers_, sparse_initializers_;
  std::vector<TensorAnnotation> quant_;
  std::vector<StringEntry> metadata_props_;
  std::vector<DeclarationOverride> overrides_;
  WireExtras extras_;
};

}  // namespace onnxkit::ir
