#include "onnxkit/view/layout.h"

#include <algorithm>
#include <numeric>

namespace onnxkit::view {
namespace {

using u32 = std::uint32_t;

/// Adjacency in compressed rows: the neighbours of v are idx[begin[v]..begin[v+1]).
struct Csr {
  std::vector<u32> begin, idx;

  static Csr build(std::size_t n, const std::vector<std::pair<u32, u32>>& edges, bool reverse) {
    Csr c;
    c.begin.assign(n + 1, 0);
    for (const auto& [a, b] : edges) ++c.begin[(reverse ? b : a) + 1];
    std::partial_sum(c.begin.begin(), c.begin.end(), c.begin.begin());
    c.idx.resize(edges.size());
    std::vector<u32> fill(c.begin.begin(), c.begin.end() - 1);
    for (const auto& [a, b] : edges) c.idx[fill[reverse ? b : a]++] = reverse ? a : b;
    return c;
  }
  std::size_t size(u32 v) const { return begin[v + 1] - begin[v]; }
};

/// Kahn's order; nodes on cycles follow in index order.
std::vector<u32> topological_order(std::size_t n, const std::vector<std::pair<u32, u32>>& edges) {
  const Csr out = Csr::build(n, edges, false);
  std::vector<u32> indeg(n, 0);
  for (const auto& e : edges) ++indeg[e.second];
  std::vector<u32> order;
  order.reserve(n);
  for (u32 v = 0; v < n; ++v) {
    if (indeg[v] == 0) order.push_back(v);
  }
  std::vector<char> placed(n, 0);
  for (std::size_t head = 0;; ++head) {
    if (head == order.size()) {
      // A cycle blocks the rest: release its smallest unplaced node.
      u32 v = 0;
      while (v < n && (placed[v] || indeg[v] == 0)) ++v;
      if (v == n) break;
      indeg[v] = 0;
      order.push_back(v);
    }
    const u32 v = order[head];
    placed[v] = 1;
    for (u32 k = out.begin[v]; k < out.begin[v + 1]; ++k) {
      const u32 w = out.idx[k];
      if (indeg[w] > 0 && --indeg[w] == 0) order.push_back(w);
    }
  }
  return order;
}

/// Least-squares fit of positions to `desired` that keeps the order and the
/// minimum separations `sep` (sep[i] between i and i+1): isotonic regression
/// of desired - offset by pooling adjacent violators, O(n).
void fit_in_order(std::vector<float>& pos, const std::vector<float>& desired,
                  const std::vector<float>& sep) {
  const std::size_t n = desired.size();
  std::vector<double> offset(n, 0);
  for (std::size_t i = 1; i < n; ++i) offset[i] = offset[i - 1] + sep[i - 1];
  struct Block {
    double sum;
    std::size_t count;
  };
  std::vector<Block> blocks;
  blocks.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    blocks.push_back({desired[i] - offset[i], 1});
    while (blocks.size() > 1) {
      Block& b = blocks.back();
      Block& a = blocks[blocks.size() - 2];
      if (a.sum / static_cast<double>(a.count) <= b.sum / static_cast<double>(b.count)) break;
      a.sum += b.sum;
      a.count += b.count;
      blocks.pop_back();
    }
  }
  std::size_t i = 0;
  for (const Block& b : blocks) {
    const double mean = b.sum / static_cast<double>(b.count);
    for (std::size_t k = 0; k < b.count; ++k, ++i) pos[i] = static_cast<float>(mean + offset[i]);
  }
}

}  // namespace

Layout layered_layout(const LayoutGraph& graph, const LayoutOptions& options) {
  const std::size_t n = graph.width.size();
  Layout out;
  out.x.assign(n, 0);
  out.y.assign(n, 0);
  out.layer.assign(n, 0);
  out.bend_begin.assign(graph.edges.size() + 1, 0);
  if (n == 0) return out;
  const bool tb = options.direction == LayoutDirection::kTopToBottom;

  // 1. Orient edges along a topological order (cycles broken), drop self-loops
  // and edges naming no node.
  std::vector<std::pair<u32, u32>> valid;
  valid.reserve(graph.edges.size());
  for (const auto& [a, b] : graph.edges) {
    if (a != b && a < n && b < n) valid.emplace_back(a, b);
  }
  const std::vector<u32> order = topological_order(n, valid);
  std::vector<u32> rank(n);
  for (u32 i = 0; i < n; ++i) rank[order[i]] = i;
  std::vector<std::pair<u32, u32>> dag;  // oriented edges
  std::vector<u32> dag_of_edge(graph.edges.size(), UINT32_MAX);
  std::vector<char> reversed(graph.edges.size(), 0);
  dag.reserve(graph.edges.size());
  for (std::size_t i = 0; i < graph.edges.size(); ++i) {
    auto [a, b] = graph.edges[i];
    if (a == b || a >= n || b >= n) continue;
    if (rank[a] > rank[b]) {
      std::swap(a, b);
      reversed[i] = 1;
    }
    dag_of_edge[i] = static_cast<u32>(dag.size());
    dag.emplace_back(a, b);
  }

  // 2. Layering: longest path from the sources, then sources move down next
  // to their first consumer (weights and inputs sit just above their reader).
  const Csr preds = Csr::build(n, dag, true);
  const Csr succs = Csr::build(n, dag, false);
  std::vector<u32>& layer = out.layer;
  for (u32 v : order) {
    for (u32 k = preds.begin[v]; k < preds.begin[v + 1]; ++k) {
      layer[v] = std::max(layer[v], layer[preds.idx[k]] + 1);
    }
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const u32 v = *it;
    if (preds.size(v) != 0 || succs.size(v) == 0) continue;
    u32 lowest = UINT32_MAX;
    for (u32 k = succs.begin[v]; k < succs.begin[v + 1]; ++k)
      lowest = std::min(lowest, layer[succs.idx[k]]);
    layer[v] = lowest - 1;
  }
  const u32 layer_count = *std::max_element(layer.begin(), layer.end()) + 1;

  // 3. The expanded graph: a bend node on every layer a long edge crosses,
  // within the budget; edges past it join their ends directly.
  std::vector<u32> lay(layer);  // layer of every node, bends included
  std::vector<std::pair<u32, u32>> xedges;
  xedges.reserve(dag.size());
  std::vector<u32> bend_first(dag.size(), 0), bend_count(dag.size(), 0);
  const auto budget = static_cast<std::size_t>(options.max_bends_per_node * static_cast<float>(n));
  std::size_t bends = 0;
  for (std::size_t i = 0; i < dag.size(); ++i) {
    const auto [a, b] = dag[i];
    const u32 span = layer[b] - layer[a];
    if (span <= 1 || bends + span - 1 > budget) {
      xedges.emplace_back(a, b);
      continue;
    }
    bend_first[i] = static_cast<u32>(lay.size());
    bend_count[i] = span - 1;
    u32 prev = a;
    for (u32 l = layer[a] + 1; l < layer[b]; ++l) {
      const auto d = static_cast<u32>(lay.size());
      lay.push_back(l);
      xedges.emplace_back(prev, d);
      prev = d;
    }
    xedges.emplace_back(prev, b);
    bends += span - 1;
  }
  const std::size_t total = lay.size();
  const Csr xpreds = Csr::build(total, xedges, true);
  const Csr xsuccs = Csr::build(total, xedges, false);

  // 4. Initial order: depth-first from the sources (iterative), so chains stay together.
  std::vector<std::vector<u32>> layers(layer_count);
  {
    std::vector<char> seen(total, 0);
    std::vector<u32> stack;
    auto visit_from = [&](u32 root) {
      if (seen[root]) return;
      seen[root] = 1;
      stack.push_back(root);
      while (!stack.empty()) {
        const u32 v = stack.back();
        stack.pop_back();
        layers[lay[v]].push_back(v);
        for (u32 k = xsuccs.begin[v + 1]; k-- > xsuccs.begin[v];) {
          const u32 w = xsuccs.idx[k];
          if (!seen[w]) {
            seen[w] = 1;
            stack.push_back(w);
          }
        }
      }
    };
    for (u32 v : order) {
      if (xpreds.size(v) == 0) visit_from(v);
    }
    for (u32 v = 0; v < total; ++v) visit_from(v);
  }

  // 5. Crossing reduction: barycentres of normalized neighbour positions.
  std::vector<float> frac(total, 0);
  auto renumber = [&](const std::vector<u32>& row) {
    const float size = static_cast<float>(row.size());
    for (std::size_t i = 0; i < row.size(); ++i)
      frac[row[i]] = (static_cast<float>(i) + 0.5f) / size;
  };
  for (const auto& row : layers) renumber(row);
  std::vector<std::pair<float, u32>> keyed;
  for (int sweep = 0; sweep < options.order_sweeps; ++sweep) {
    const bool down = sweep % 2 == 0;
    const Csr& nb = down ? xpreds : xsuccs;
    for (u32 step = 1; step < layer_count; ++step) {
      auto& row = layers[down ? step : layer_count - 1 - step];
      keyed.clear();
      for (u32 v : row) {
        float sum = 0;
        for (u32 k = nb.begin[v]; k < nb.begin[v + 1]; ++k) sum += frac[nb.idx[k]];
        const std::size_t deg = nb.size(v);
        keyed.emplace_back(deg ? sum / static_cast<float>(deg) : frac[v], v);
      }
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& p, const auto& q) { return p.first < q.first; });
      for (std::size_t i = 0; i < row.size(); ++i) row[i] = keyed[i].second;
      renumber(row);
    }
  }

  // 6. Coordinates across the flow: packed, then pulled towards neighbours.
  auto across_size = [&](u32 v) -> float {
    if (v >= n) return 0;
    return tb ? graph.width[v] : graph.height[v];
  };
  auto along_size = [&](u32 v) -> float {
    if (v >= n) return 0;
    return tb ? graph.height[v] : graph.width[v];
  };
  std::vector<float> across(total, 0);
  std::vector<std::vector<float>> seps(layer_count);
  for (u32 l = 0; l < layer_count; ++l) {
    const auto& row = layers[l];
    auto& sep = seps[l];
    sep.resize(row.empty() ? 0 : row.size() - 1);
    float cursor = 0;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) {
        const bool bend_pair = row[i] >= n && row[i - 1] >= n;
        sep[i - 1] = (across_size(row[i - 1]) + across_size(row[i])) / 2 +
                     (bend_pair ? options.node_gap / 2 : options.node_gap);
        cursor += sep[i - 1];
      }
      across[row[i]] = cursor;
    }
  }
  std::vector<float> desired, pos;
  for (int pass = 0; pass < options.coordinate_passes; ++pass) {
    const bool down = pass % 2 == 0;
    const Csr& nb = down ? xpreds : xsuccs;
    for (u32 step = 0; step < layer_count; ++step) {
      const u32 l = down ? step : layer_count - 1 - step;
      const auto& row = layers[l];
      if (row.empty()) continue;
      desired.resize(row.size());
      pos.resize(row.size());
      for (std::size_t i = 0; i < row.size(); ++i) {
        const u32 v = row[i];
        float sum = 0;
        for (u32 k = nb.begin[v]; k < nb.begin[v + 1]; ++k) sum += across[nb.idx[k]];
        const std::size_t deg = nb.size(v);
        desired[i] = deg ? sum / static_cast<float>(deg) : across[v];
      }
      fit_in_order(pos, desired, seps[l]);
      for (std::size_t i = 0; i < row.size(); ++i) across[row[i]] = pos[i];
    }
  }
  float lo = 0, hi = 0;
  bool any = false;
  for (u32 v = 0; v < total; ++v) {
    const float half = across_size(v) / 2;
    if (!any || across[v] - half < lo) lo = across[v] - half;
    if (!any || across[v] + half > hi) hi = across[v] + half;
    any = true;
  }

  // 7. Coordinates along the flow: each layer as thick as its biggest box.
  std::vector<float> layer_mid(layer_count, 0);
  float cursor = 0;
  for (u32 l = 0; l < layer_count; ++l) {
    float thick = 0;
    for (u32 v : layers[l]) thick = std::max(thick, along_size(v));
    layer_mid[l] = cursor + thick / 2;
    cursor += thick + options.layer_gap;
  }
  const float along_extent = std::max(0.f, cursor - options.layer_gap);

  auto place = [&](u32 v, float& px, float& py) {
    const float a = across[v] - lo, b = layer_mid[lay[v]];
    px = tb ? a : b;
    py = tb ? b : a;
  };
  for (u32 v = 0; v < n; ++v) place(v, out.x[v], out.y[v]);
  out.width = tb ? hi - lo : along_extent;
  out.height = tb ? along_extent : hi - lo;

  for (std::size_t i = 0; i < graph.edges.size(); ++i) {
    out.bend_begin[i] = static_cast<u32>(out.points.size() / 2);
    const u32 d = dag_of_edge[i];
    if (d == UINT32_MAX || bend_count[d] == 0) continue;
    const std::size_t first = out.points.size();
    for (u32 k = 0; k < bend_count[d]; ++k) {
      float px = 0, py = 0;
      place(bend_first[d] + k, px, py);
      out.points.push_back(px);
      out.points.push_back(py);
    }
    if (reversed[i]) {
      // Points were made from the oriented edge's start: flip them pairwise.
      for (std::size_t p = first, q = out.points.size() - 2; p < q; p += 2, q -= 2) {
        std::swap(out.points[p], out.points[q]);
        std::swap(out.points[p + 1], out.points[q + 1]);
      }
    }
  }
  out.bend_begin[graph.edges.size()] = static_cast<u32>(out.points.size() / 2);
  return out;
}

std::uint64_t count_adjacent_crossings(const LayoutGraph& graph, const Layout& layout) {
  // Segments between adjacent layers, keyed by (upper layer, across positions).
  struct Seg {
    std::uint32_t layer;
    float a, b;
  };
  std::vector<Seg> segs;
  for (const auto& [u, v] : graph.edges) {
    if (u == v) continue;
    std::uint32_t lu = layout.layer[u], lv = layout.layer[v];
    if (lu == lv || (lu > lv ? lu - lv : lv - lu) != 1) continue;
    const bool vertical_flow = layout.y[u] != layout.y[v];
    float au = vertical_flow ? layout.x[u] : layout.y[u];
    float av = vertical_flow ? layout.x[v] : layout.y[v];
    if (lu > lv) {
      std::swap(lu, lv);
      std::swap(au, av);
    }
    segs.push_back({lu, au, av});
  }
  std::sort(segs.begin(), segs.end(), [](const Seg& p, const Seg& q) {
    return p.layer != q.layer ? p.layer < q.layer : (p.a != q.a ? p.a < q.a : p.b < q.b);
  });
  std::uint64_t crossings = 0;
  // Quadratic within a layer pair; meant for test-sized graphs.
  for (std::size_t i = 0; i < segs.size(); ++i) {
    for (std::size_t j = i + 1; j < segs.size() && segs[j].layer == segs[i].layer; ++j) {
      if (segs[j].a > segs[i].a && segs[j].b < segs[i].b) ++crossings;
    }
  }
  return crossings;
}

}  // namespace onnxkit::view
