#pragma once
/// A value in a graph, in onnx-graphsurgeon's model: a Variable (computed, or a
/// graph input) or a Constant (an initializer, with its data). A tensor knows
/// its producers (normally one) and its consumers; Node keeps both sides true.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "onnxkit/ir/link_list.h"
#include "onnxkit/ir/tensor_data.h"
#include "onnxkit/ir/type.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

class Graph;
class Node;

/// ValueInfoProto content other than the name.
struct ValueInfo {
  std::optional<Type> type;
  std::string doc_string;
  std::vector<StringEntry> metadata_props;
  WireExtras extras;

  /// Made one per typed value (`infer` types every value of a big graph):
  /// from a pool of fixed-size blocks, like Tensor, rather than malloc.
  static void* operator new(std::size_t size);
  static void operator delete(void* p) noexcept;
};

class Tensor {
 public:
  enum class Kind : std::uint8_t { kVariable, kConstant };

  ~Tensor();
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  /// Tensors come from a pool of fixed-size blocks (src/ir/block_pool.h).
  static void* operator new(std::size_t size);
  static void operator delete(void* p) noexcept;

  const std::string& name() const noexcept { return name_; }
  /// Renames the tensor and keeps its graph's name index up to date.
  void set_name(std::string name);
  /// True for the placeholder of an absent optional input or output ("").
  bool is_empty() const noexcept { return name_.empty(); }

  Kind kind() const noexcept { return kind_; }
  bool is_constant() const noexcept { return kind_ == Kind::kConstant; }
  bool is_variable() const noexcept { return kind_ == Kind::kVariable; }

  /// Declared type (from value_info / graph input / output); for a Constant,
  /// the type of its data if none was declared.
  std::optional<Type> type() const;
  /// Element type, or kUndefined when unknown.
  DataType dtype() const;
  /// Dims, or nullopt when the rank is unknown.
  std::optional<Shape> shape() const;

  /// The ValueInfoProto fields written for this tensor where it is declared.
  /// Most tensors of a big graph have none: they are kept out of line, made
  /// by the first call of the non-const info(); the const one returns an
  /// empty ValueInfo until then.
  ValueInfo& info();
  const ValueInfo& info() const noexcept;
  /// False until something was stored through info() or set_info() (cheap to ask).
  bool has_info() const noexcept { return info_ != nullptr; }
  /// Replaces the ValueInfo with `info` (null: none, as for a new tensor),
  /// taking the object itself: a reader builds it in place, nothing is moved.
  void set_info(std::unique_ptr<ValueInfo> info) noexcept { info_ = std::move(info); }

  /// A Constant's data (dense). Null for Variables and sparse constants.
  TensorData* data() noexcept { return sparse_ ? nullptr : static_cast<TensorData*>(payload_); }
  const TensorData* data() const noexcept {
    return sparse_ ? nullptr : static_cast<const TensorData*>(payload_);
  }
  /// A sparse initializer's data. Null otherwise.
  const SparseTensorData* sparse_data() const noexcept {
    return sparse_ ? static_cast<const SparseTensorData*>(payload_) : nullptr;
  }
  SparseTensorData* sparse_data() noexcept {
    return sparse_ ? static_cast<SparseTensorData*>(payload_) : nullptr;
  }

  /// Makes this a Constant holding `data` (its name is set to the tensor's).
  void to_constant(TensorData data);
  void to_constant(SparseTensorData data);
  /// Makes this a Variable, dropping the data; keeps the declared type, or
  /// takes the data's type when none was declared.
  void to_variable();

  /// Nodes that write this tensor (normally 0 or 1; 2 for a moment while a
  /// graph is edited, as onnx-graphsurgeon allows).
  using Producers = LinkList<Node*, 1>;
  using Consumers = LinkList<Node*, 2>;
  const Producers& producers() const noexcept { return producers_; }
  /// Nodes that read this tensor, once per input slot.
  const Consumers& consumers() const noexcept { return consumers_; }

  /// onnx-graphsurgeon's `tensor.outputs.clear()`: takes this tensor out of
  /// every consumer's input list (those slots go; later inputs move up).
  void disconnect_consumers();
  /// onnx-graphsurgeon's `tensor.inputs.clear()`: takes this tensor out of
  /// every producer's output list (those slots go; later outputs move up).
  void disconnect_producers();

  Graph* graph() const noexcept { return graph_; }

 private:
  friend class Graph;
  friend class Node;
  Tensor(Graph* graph, std::string name) : graph_(graph), name_(std::move(name)) {}
  /// Deletes the payload and sets `payload` (a TensorData, or a
  /// SparseTensorData when `sparse`; null for none).
  void reset_payload(void* payload = nullptr, bool sparse = false) noexcept;

  Graph* graph_;
  std::string name_;
  Kind kind_ = Kind::kVariable;
  bool sparse_ = false;     // payload_ is a SparseTensorData
  std::uint32_t mark_ = 0;  // scratch for Graph algorithms
  std::unique_ptr<ValueInfo> info_;
  /// A Constant's data, dense or sparse: one owning pointer rather than two
  /// (a big graph has 100k+ tensors; this keeps a Tensor small).
  void* payload_ = nullptr;
  Producers producers_;
  Consumers consumers_;
};

}  // namespace onnxkit::ir
