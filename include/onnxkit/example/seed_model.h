#pragma once
/// The built-in example: the origin document's model, built through the IR.

#include <cstdint>
#include <optional>
#include <string_view>

#include "onnxkit/ir/model.h"

namespace onnxkit::example {

enum class SeedVariant : std::uint8_t {
  /// Conv(3→16,3x3,s2) BN ReLU Conv(16→64,3x3,s2) BN ReLU; input "input"
  /// float[N,3,128,128], output "output" float[N,64,31,31], opset 13.
  kSeed,
  /// One block, Conv(3→16,3x3,s2) BN ReLU, followed by a custom devtech::FooOp
  /// (identity) as last node; output "output" float[N,16,63,63]; opset_import
  /// also holds ("devtech", 1). Mirrors FooModel of the seed export script.
  kFoo,
};

/// "seed" or "foo".
std::string_view seed_variant_name(SeedVariant variant);
/// Inverse of seed_variant_name(); nullopt for any other name.
std::optional<SeedVariant> seed_variant_from_name(std::string_view name);

/// Seeded random weights and non-trivial BatchNorm statistics; the same
/// `seed` gives the same model bit for bit.
///
/// The model is what torch.onnx.export (opset 13, BatchNorm kept) writes for
/// the module: ir_version 7, opset ai.onnx 13, producer "onnxkit" with the
/// project version, graph "main_graph", node names "Conv_0", "BatchNormalization_1",
/// ..., initializers "conv1.weight", "bn1.running_mean", ..., Conv attributes
/// dilations/group/kernel_shape/pads/strides spelled out, BatchNormalization
/// epsilon 1e-5 and momentum 0.9. Weights: conv weights and biases uniform in
/// ±1/sqrt(fan_in) (PyTorch's default init); BatchNorm scale ~U(0.25,1.75),
/// bias ~N(0,0.5), running mean ~N(0,0.5), running var ~U(0.5,2.0).
ir::Model make_seed_model(SeedVariant variant = SeedVariant::kSeed, std::uint64_t seed = 1234);

}  // namespace onnxkit::example
