#pragma once
/// A layered (Sugiyama) layout of a directed graph, computed natively so that
/// the page only draws: layering by longest path, crossing reduction by
/// barycentric sweeps, coordinates by order-preserving least squares. Every
/// step is iterative and O(V + E) per sweep (plus a sort per layer), so graphs
/// of hundreds of thousands of nodes lay out in well under a second.
#include <cstdint>
#include <utility>
#include <vector>

namespace onnxkit::view {

/// The graph to lay out: box sizes per node and directed edges (from, to).
/// Cycles are allowed (a bad model): edges against a topological order are
/// laid out reversed. Self-loops are ignored.
struct LayoutGraph {
  std::vector<float> width, height;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
};

enum class LayoutDirection : std::uint8_t { kTopToBottom, kLeftToRight };

struct LayoutOptions {
  LayoutDirection direction = LayoutDirection::kTopToBottom;
  float layer_gap = 36;       ///< between layers, along the flow (default 36)
  float node_gap = 18;        ///< between neighbours in a layer (default 18)
  int order_sweeps = 8;       ///< crossing-reduction sweeps, alternating down/up (default 8)
  int coordinate_passes = 6;  ///< coordinate-smoothing passes (default 6)
  /// Bends (dummy nodes on edges spanning several layers) allowed, as a
  /// multiple of the node count (default 4); longer edges past the budget are
  /// drawn straight.
  float max_bends_per_node = 4;
};

struct Layout {
  /// Box centres, one per node.
  std::vector<float> x, y;
  /// Layer of each node (0 = first along the flow).
  std::vector<std::uint32_t> layer;
  /// Bend points of edge i: points[2*k], points[2*k+1] for k in
  /// [bend_begin[i], bend_begin[i+1]), in the edge's direction.
  std::vector<std::uint32_t> bend_begin;
  std::vector<float> points;
  float width = 0, height = 0;  ///< extent of the drawing (origin at 0,0)
};

Layout layered_layout(const LayoutGraph& graph, const LayoutOptions& options = {});

/// Number of crossings between consecutive layers of `layout` (for tests and
/// benchmarks; counts straight segments between adjacent-layer endpoints).
std::uint64_t count_adjacent_crossings(const LayoutGraph& graph, const Layout& layout);

}  // namespace onnxkit::view
