#pragma once
// Fusions for the fast kernels, applied to a session's own copy of the
// model when the fast provider is on: Conv followed by an activation (Relu,
// Clip with constant bounds), by Add of a same-shaped tensor, or by Add then
// Relu, becomes one onnxkit.fast::FusedConv node, so that the activation and
// the residual sum run as oneDNN post-ops instead of as passes over memory.

#include "onnxkit/infer/infer.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::runtime::fast {

/// Rewrites `graph` (not its subgraphs) in place and re-sorts it; `analysis`
/// gives the element types and shapes. Returns the number of Convs fused.
std::size_t fuse_conv_activations(ir::Graph& graph, const infer::Analysis& analysis);

}  // namespace onnxkit::runtime::fast
