#pragma once
/// Constant folding: nodes whose inputs are all known before any run are
/// evaluated once, with the runtime's own kernels (a one-node Session each),
/// and their outputs become Constants (initializers).
///
/// Semantics follow onnx-graphsurgeon's Graph.fold_constants(): folded
/// tensors become Constants and keep their names, the nodes that produced
/// them are left for cleanup() to remove, and (fold_shapes) a Shape of a
/// tensor whose shape is static, or a Gather/Slice of such a Shape that
/// picks only static dims, is folded too. Unlike onnx-graphsurgeon, nodes are
/// evaluated one at a time, so a node that cannot be evaluated stops only
/// the nodes that depend on it (no partitioning needed).
///
/// Never folded: nodes outside the ONNX domains, random ops (RandomNormal,
/// RandomUniform, their *Like forms, Multinomial, Bernoulli), Dropout,
/// QuantizeLinear/DequantizeLinear (meant to run at run time), nodes with
/// subgraphs, and nodes excluded by the caller. An initializer that is also
/// a graph input is not a constant (a feed may override it).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/passes/pass.h"

namespace onnxkit::passes {

struct FoldOptions {
  /// Fold Shape (and Gather/Slice of a Shape) where the dims read are static
  /// (default true).
  bool fold_shapes = true;
  /// Largest tensor folded, in bytes: a node with a bigger output is left to
  /// run at run time. nullopt (the default): no limit.
  std::optional<std::uint64_t> size_threshold;
  /// Also refuse outputs that grow the model: an output over `growth_floor`
  /// bytes may not be bigger than the node's inputs together (so Expand,
  /// Tile, ConstantOfShape of a few bytes stay nodes). Default false.
  bool limit_growth = false;
  std::uint64_t growth_floor = 1 << 20;
  /// On a node that cannot be evaluated: false throws Error naming it; true
  /// (the default) leaves it unfolded and records the error.
  bool error_ok = true;
  /// Fold inside subgraphs (If/Loop/Scan bodies) after the enclosing graph
  /// (default false).
  bool recurse_subgraphs = false;
  /// Nodes for which this returns true are not folded. Default: none.
  std::function<bool(const ir::Node&)> exclude;
};

struct FoldReport {
  /// Nodes evaluated (their outputs are known).
  std::size_t nodes_evaluated = 0;
  /// Tensors made Constants, in graph order.
  std::vector<ir::Tensor*> folded;
  /// Nodes that could not be evaluated (error_ok): "node 'x' (Op): why".
  std::vector<std::string> errors;
};

/// Folds constants of `graph`, which is `model`'s main graph or one of its
/// subgraphs (the model gives opsets and, for fold_shapes, inferred shapes).
/// Nodes are visited in graph order: toposort first. Folded tensors become
/// Constants listed in the graph's initializers; each producer keeps a fresh
/// unused output in their place, and cleanup() removes it.
FoldReport fold_constants(ir::Model& model, ir::Graph& graph, const FoldOptions& options = {});

/// onnx-graphsurgeon's flatten_subgraphs: each If of `graph` whose condition
/// is a constant (not a graph input) is replaced by the nodes of the branch it
/// takes, the branch's tensors renamed NAME_subg_I_BRANCH (I: the If's
/// position) so they cannot collide. An If whose branch returns a tensor it
/// does not compute (an outer one, an initializer) is left as it is. Returns
/// the number of If nodes flattened.
std::size_t flatten_constant_ifs(ir::Graph& graph);

/// The pass: fold_constants() on the main graph with `options`.
class ConstantFolding final : public Pass {
 public:
  explicit ConstantFolding(FoldOptions options = {}) : options_(std::move(options)) {}
  std::string_view name() const override { return "constant-folding"; }
  bool run(ir::Model& model) override;

 private:
  FoldOptions options_;
};

}  // namespace onnxkit::passes
