#pragma once
/// GraphProto in onnx-graphsurgeon's model. The graph owns its nodes and
/// tensors; node order is the file's until toposort(). Subgraphs (in node
/// attributes) see their parent's tensors by name.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnxkit/ir/node.h"
#include "onnxkit/ir/tensor.h"
#include "onnxkit/ir/tensor_index.h"
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
  /// A size hint (e.g. from a reader that counted the fields first): room for
  /// `nodes` nodes and `tensors` tensors without regrowing the lists and the
  /// name index. Changes nothing else.
  void reserve(std::size_t nodes, std::size_t tensors);

  // ---- tensors
  /// The tensor named `name` in this graph or an enclosing one, or null.
  Tensor* find_tensor(std::string_view name) const;
  /// The tensor named `name` in this graph only, or null.
  Tensor* find_local_tensor(std::string_view name) const;
  /// find_tensor(), or a new Variable in this graph when there is none.
  Tensor* tensor(std::string_view name);
  /// tensor() with `hash` == hash_name(name) computed by the caller.
  Tensor* tensor(std::string_view name, std::uint64_t hash);
  /// The name index of this graph's own tensors (e.g. to prefetch lookups).
  const TensorIndex& tensor_index() const noexcept { return index_; }
  /// find_local_tensor(), or a new Variable in this graph when there is none
  /// ("" gives a new empty placeholder). The name is hashed once for both.
  Tensor* local_tensor(std::string_view name);
  /// A new Variable in this graph; if the name is taken the new tensor is not
  /// indexed by name (duplicates are allowed, as in onnx-graphsurgeon).
  Tensor* add_variable(std::string name);
  /// A new Constant holding `data`.
  Tensor* add_constant(std::string name, TensorData data);
  /// A new placeholder for an absent optional input or output.
  Tensor* add_empty_tensor();
  /// Every tensor this graph owns, in creation order.
  const std::vector<std::unique_ptr<Tensor>>& owned_tensors() const noexcept { return tensors_; }
  /// The name index of this graph's own tensors (kept up to date by
  /// add_variable(), set_name() and cleanup(); nothing is recomputed per call).
  /// Unlike onnx-graphsurgeon's tensors(), it holds every named tensor the
  /// graph owns, used or not until cleanup(), and no tensors of enclosing
  /// graphs (find_tensor() resolves those). Of duplicate names the first is
  /// indexed. With `check_duplicates` (default false) it first walks the
  /// tensors and throws Error naming the first name that two tensors in use
  /// (with a producer, a consumer, or listed as input, output, initializer or
  /// value_info) share.
  /// The graph's own lookups use a flat hash table (TensorIndex); this map is
  /// a mirror made on the first call and then kept up to date alongside it.
  const std::unordered_map<std::string_view, Tensor*>& tensors(bool check_duplicates = false) const;
  /// The number of named tensors in the name index.
  std::size_t indexed_tensor_count() const noexcept { return index_.size(); }
  /// onnx-graphsurgeon's tensor order: graph inputs, then each node's inputs
  /// and outputs in node order, then graph outputs; each tensor once, empty
  /// placeholders left out. Tensors of enclosing graphs read here are included.
  std::vector<Tensor*> tensors_in_order() const;

  // ---- building (onnx-graphsurgeon's Graph.layer(), typed)
  /// Appends a node `domain::op_type` reading `inputs` and writing `outputs`
  /// (empty placeholders allowed), with `attrs`. An empty `name` (the
  /// default) gets unique_node_name(op_type), e.g. "Relu_0". Returns the node;
  /// its outputs are node->outputs().
  Node* layer(std::string op_type, std::vector<Tensor*> inputs, std::vector<Tensor*> outputs,
              std::vector<Attribute> attrs = {}, std::string domain = {}, std::string name = {});
  /// `prefix` + "_" + a number from this graph's counter, skipping names of
  /// tensors in this graph or an enclosing one (so the result is free).
  std::string unique_tensor_name(std::string_view prefix);
  /// `prefix` + "_" + a number from the same counter, skipping node names in
  /// this graph and names it generated before. The node names are collected
  /// on the first call and then kept by layer(); a node renamed later through
  /// Node::set_name() is not seen.
  std::string unique_node_name(std::string_view prefix);
  /// A new Variable named unique_tensor_name(prefix).
  Tensor* add_fresh_variable(std::string_view prefix);
  /// A new Constant holding `data`, named unique_tensor_name(prefix).
  Tensor* add_fresh_constant(std::string_view prefix, TensorData data);

  // ---- copying
  /// Maps tensors of a graph tree being copied to their copies.
  using TensorMap = std::unordered_map<const Tensor*, Tensor*>;
  /// A deep copy: nodes, tensors (weights share their Buffer: copies are
  /// cheap and nothing is re-read), attributes, and subgraphs, whose copies
  /// read the copied tensors of this graph. The copy has this graph's parent:
  /// a copied subgraph still reads the same enclosing-graph tensors (attach it
  /// to a node of that graph, or of one inside it). Node and tensor order,
  /// the name index and the wire extras are kept.
  std::unique_ptr<Graph> copy() const;
  /// copy() with the parent `new_parent`: tensors of enclosing graphs are
  /// looked up in `map` (a copied enclosing graph records its tensors there)
  /// and kept as they are when absent. Records this tree's tensors in `map`.
  std::unique_ptr<Graph> copy(Graph* new_parent, TensorMap& map) const;

  // ---- moving nodes and tensors between graphs (graph_adopt.cpp). The Python
  // bindings keep objects made standalone (gs.Node(...), gs.Variable(...)) in a
  // hidden graph of their own and move them in when a graph takes them. Links
  // are kept across graphs: whoever moves things keeps both graphs alive.
  /// Inserts `node`, released from another graph, before position `index`
  /// (clamped; the default appends). Its links are kept; its subgraphs get
  /// this graph as parent. Returns the node.
  Node* adopt_node(std::unique_ptr<Node> node, std::size_t index = static_cast<std::size_t>(-1));
  /// Takes the node at `index` out of this graph without disconnecting it.
  /// Throws IndexError when `index` is out of range.
  std::unique_ptr<Node> release_node(std::size_t index);
  /// Takes every node out of this graph (links kept), e.g. to rebuild the list.
  std::vector<std::unique_ptr<Node>> release_nodes();
  /// Position of `node` in nodes(), or nodes().size() when it is not there.
  std::size_t node_index(const Node* node) const;
  /// Moves `tensor`, owned by another graph, into this one (name indexes of
  /// both graphs updated, links kept). Nothing happens if this graph owns it.
  void adopt_tensor(Tensor* tensor);

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
  void index_add(Tensor* tensor);
  void index_add(Tensor* tensor, std::uint64_t hash);
  Tensor* new_tensor(std::string name);
  void index_remove(const Tensor* tensor);
  Node* make_node(std::string op_type, std::string domain, std::string name);
  void copy_into(Graph& dst, TensorMap& map) const;

  Graph* parent_;
  std::string name_, doc_string_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Tensor>> tensors_;
  TensorIndex index_;
  /// tensors()'s mirror of index_, made on first use (null until then).
  mutable std::unique_ptr<std::unordered_map<std::string_view, Tensor*>> name_map_;
  std::vector<Tensor*> inputs_, outputs_, value_info_, initializers_, sparse_initializers_;
  std::vector<TensorAnnotation> quant_;
  std::vector<StringEntry> metadata_props_;
  std::vector<DeclarationOverride> overrides_;
  WireExtras extras_;
  // unique_tensor_name() / unique_node_name()
  std::size_t name_counter_ = 0;
  bool node_names_collected_ = false;
  std::unordered_set<std::string> node_names_;
};

}  // namespace onnxkit::ir
