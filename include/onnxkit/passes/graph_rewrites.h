#pragma once
/// Local rewrites of the main graph that never change a graph output's name:
/// Conv+BatchNormalization folding, Identity and Dropout removal, and dead
/// node removal.

#include "onnxkit/passes/pass.h"

namespace onnxkit::passes {

/// Conv followed by an inference-mode BatchNormalization (the Conv's output
/// read by nothing else) becomes one Conv with scaled weights and a bias:
///   W'[m] = W[m] * s[m],  B'[m] = (B[m] - mean[m]) * s[m] + bias[m],
///   s = scale / sqrt(var + epsilon),
/// for any group count, with or without a Conv bias, float or double. Needs
/// W, B and the BatchNormalization parameters to be constants (not graph
/// inputs). The new weights are new initializers; the old ones stay for
/// cleanup if nothing else reads them.
class ConvBatchNormFolding final : public Pass {
 public:
  std::string_view name() const override { return "conv-bn-folding"; }
  bool run(ir::Model& model) override;
};

/// Removes Identity nodes and Dropout nodes in inference mode (opset < 12,
/// or training_mode absent or constant false; the mask output unused):
/// readers of the output read the input instead. When the output is a graph
/// output, the input's producer writes the output instead, so the graph
/// output keeps its name; where neither works (the input is a graph input or
/// output, or a constant) the node stays.
class IdentityElimination final : public Pass {
 public:
  std::string_view name() const override { return "identity-elimination"; }
  bool run(ir::Model& model) override;
};

/// Graph::cleanup(): removes nodes no graph output needs, and unused tensors.
class DeadNodeElimination final : public Pass {
 public:
  std::string_view name() const override { return "dead-node-elimination"; }
  bool run(ir::Model& model) override;
};

}  // namespace onnxkit::passes
