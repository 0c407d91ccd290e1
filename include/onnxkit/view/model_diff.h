#pragma once
/// Comparing two models: nodes matched by name, then by structure (same op
/// reading the matched producers), attributes and weights compared, and the
/// result as a text summary (for CI logs) or as the viewer page in
/// comparison mode.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/view/page.h"

namespace onnxkit::view {

struct NodeDiff {
  enum class Kind : std::uint8_t { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  const ir::Node* a = nullptr;  ///< in the first model (null when added)
  const ir::Node* b = nullptr;  ///< in the second model (null when removed)
  /// One line per difference of a changed node: "attribute strides: [1, 1] → [2, 2]",
  /// "weight W (conv1.weight): max |a-b| 0.0123", "input 0: from 'X' → from 'Y'".
  std::vector<std::string> details;
};

struct ModelDiff {
  /// Node differences of the main graphs, removed nodes first (in the first
  /// model's order), then added and changed nodes (in the second's).
  std::vector<NodeDiff> nodes;
  std::size_t nodes_a = 0, nodes_b = 0, unchanged = 0;
  /// Graph inputs, outputs and model fields that differ, one line each.
  std::vector<std::string> graph_changes;
  /// Pairs of matched nodes (first model, second model), in the second's order.
  std::vector<std::pair<const ir::Node*, const ir::Node*>> matches;

  bool identical() const { return nodes.empty() && graph_changes.empty(); }
};

/// Compares the main graphs of `a` and `b` (subgraphs count as attributes:
/// a changed body shows as a changed node).
ModelDiff diff_models(const ir::Model& a, const ir::Model& b);

/// The text summary: a count line, then one line per difference ("- removed
/// node 'Foo_3' (devtech::FooOp)", "+ added ...", "~ changed ...: detail").
std::string diff_summary(const ModelDiff& diff, std::string_view name_a, std::string_view name_b);

/// The page data in comparison mode: the second model's graph with removed
/// nodes of the first added back, each box coloured by its status.
std::string diff_view_json(const ir::Model& a, const ir::Model& b, const ModelDiff& diff,
                           std::string_view summary, const ViewOptions& options = {});

}  // namespace onnxkit::view
