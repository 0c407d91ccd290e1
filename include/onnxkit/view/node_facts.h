#pragma once
/// Facts the viewer shows per node and per weight: the op's category (its
/// colour), FLOPs and parameter counts, and weight statistics.
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "onnxkit/ir/node.h"
#include "onnxkit/ir/tensor_data.h"
#include "onnxkit/ir/type.h"

namespace onnxkit::view {

/// "conv", "layer" (Gemm, MatMul), "activation", "normalization", "pooling",
/// "shape", "data" (data movement), "control" (If/Loop/Scan), "constant",
/// "custom" (a non-standard domain), or "other".
std::string_view op_category(std::string_view domain, std::string_view op_type);

/// The type of a tensor as known to the caller (inferred or declared), or null.
using TypeOf = std::function<const ir::Type*(const ir::Tensor*)>;

/// Floating-point operations of one run of `node`, counting a multiply-add as
/// two: Conv/ConvTranspose, Gemm, MatMul, pooling, normalization and
/// elementwise ops. Symbolic and unknown dims count as 1 (per batch item).
/// nullopt when the op is not covered or a needed shape is unknown.
std::optional<std::uint64_t> node_flops(const ir::Node& node, const TypeOf& type_of);

/// Summary statistics of a weight, over all its elements.
struct WeightStats {
  std::uint64_t count = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;
  double sparsity = 0;          ///< share of elements equal to zero, in [0, 1]
  std::vector<double> preview;  ///< the first elements (at most 16)
  /// Elements the statistics were computed from: `count`, or fewer when the
  /// tensor was sampled (see weight_stats()).
  std::uint64_t sampled = 0;
};

/// Statistics of a numeric tensor (floating, integer, bool types); nullopt
/// for strings, complex and packed sub-byte types, or unreadable data.
/// Tensors of more than `max_elements` elements (default 2^20) are sampled:
/// 256 contiguous blocks spread evenly over the data, `max_elements` in all,
/// so that multi-gigabyte weights stay quick to show.
std::optional<WeightStats> weight_stats(const ir::TensorData& data,
                                        std::uint64_t max_elements = std::uint64_t{1} << 20);

}  // namespace onnxkit::view
