// The layered layout: layers follow the edges, boxes in a layer never
// overlap, crossing reduction untangles what it can, and big or cyclic
// graphs lay out without recursion.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "onnxkit/view/layout.h"

namespace onnxkit::view {
namespace {

LayoutGraph boxes(std::size_t n, float w = 40, float h = 20) {
  LayoutGraph g;
  g.width.assign(n, w);
  g.height.assign(n, h);
  return g;
}

/// No two boxes of one layer overlap along the layer.
void expect_no_overlap(const LayoutGraph& g, const Layout& l, bool top_to_bottom) {
  std::map<std::uint32_t, std::vector<std::size_t>> by_layer;
  for (std::size_t v = 0; v < g.width.size(); ++v) by_layer[l.layer[v]].push_back(v);
  for (auto& [layer, vs] : by_layer) {
    auto across = [&](std::size_t v) { return top_to_bottom ? l.x[v] : l.y[v]; };
    auto size = [&](std::size_t v) { return top_to_bottom ? g.width[v] : g.height[v]; };
    std::sort(vs.begin(), vs.end(), [&](auto a, auto b) { return across(a) < across(b); });
    for (std::size_t i = 1; i < vs.size(); ++i) {
      EXPECT_GE(across(vs[i]) - across(vs[i - 1]), (size(vs[i]) + size(vs[i - 1])) / 2 - 1e-3)
          << "layer " << layer;
    }
  }
}

TEST(ViewLayout, ChainFlowsDownAndLeft) {
  LayoutGraph g = boxes(4);
  g.edges = {{0, 1}, {1, 2}, {2, 3}};
  const Layout l = layered_layout(g);
  for (std::uint32_t v = 0; v < 4; ++v) EXPECT_EQ(l.layer[v], v);
  for (int v = 1; v < 4; ++v) {
    EXPECT_GT(l.y[v], l.y[v - 1]);
    EXPECT_FLOAT_EQ(l.x[v], l.x[0]);  // a chain is straight
  }
  LayoutOptions lr;
  lr.direction = LayoutDirection::kLeftToRight;
  const Layout h = layered_layout(g, lr);
  for (int v = 1; v < 4; ++v) EXPECT_GT(h.x[v], h.x[v - 1]);
}

TEST(ViewLayout, EveryEdgePointsForwardAndLongEdgesBend) {
  // 0 → 1 → 2 → 3 and a skip 0 → 3: the skip gets two bends.
  LayoutGraph g = boxes(4);
  g.edges = {{0, 1}, {1, 2}, {2, 3}, {0, 3}};
  const Layout l = layered_layout(g);
  for (const auto& [a, b] : g.edges) EXPECT_LT(l.layer[a], l.layer[b]);
  ASSERT_EQ(l.bend_begin.size(), 5u);
  EXPECT_EQ(l.bend_begin[4] - l.bend_begin[3], 2u);
  expect_no_overlap(g, l, true);
}

TEST(ViewLayout, SourcesSitNextToTheirReader) {
  // A weight-like source 4 read only by the last node sits in the layer above it.
  LayoutGraph g = boxes(5);
  g.edges = {{0, 1}, {1, 2}, {2, 3}, {4, 3}};
  const Layout l = layered_layout(g);
  EXPECT_EQ(l.layer[4], l.layer[3] - 1);
}

TEST(ViewLayout, CrossingReductionUntanglesSwappedPairs) {
  // Two parallel chains whose middle layer starts in the crossed order.
  LayoutGraph g = boxes(6);
  g.edges = {{0, 3}, {1, 2}, {3, 4}, {2, 5}};
  const Layout l = layered_layout(g);
  EXPECT_EQ(count_adjacent_crossings(g, l), 0u);
  expect_no_overlap(g, l, true);
}

TEST(ViewLayout, CyclesAndSelfLoopsDoNotHang) {
  LayoutGraph g = boxes(3);
  g.edges = {{0, 1}, {1, 2}, {2, 0}, {1, 1}};
  const Layout l = layered_layout(g);
  ASSERT_EQ(l.x.size(), 3u);
  // The reversed edge still reports its bends in its own direction (none here).
  EXPECT_EQ(l.bend_begin.back(), l.points.size() / 2);
}

TEST(ViewLayout, DeepChainAndWideFanNeedNoRecursion) {
  constexpr std::uint32_t kDeep = 200000;
  LayoutGraph chain = boxes(kDeep);
  for (std::uint32_t v = 1; v < kDeep; ++v) chain.edges.emplace_back(v - 1, v);
  const Layout l = layered_layout(chain);
  EXPECT_EQ(l.layer[kDeep - 1], kDeep - 1);

  constexpr std::uint32_t kWide = 50000;
  LayoutGraph fan = boxes(kWide + 2);
  for (std::uint32_t v = 1; v <= kWide; ++v) {
    fan.edges.emplace_back(0, v);
    fan.edges.emplace_back(v, kWide + 1);
  }
  const Layout f = layered_layout(fan);
  EXPECT_EQ(f.layer[kWide + 1], 2u);
  expect_no_overlap(fan, f, true);
  // The sink is centred under its readers.
  EXPECT_NEAR(f.x[kWide + 1], f.width / 2, f.width * 0.01);
}

TEST(ViewLayout, EmptyGraph) {
  const Layout l = layered_layout(LayoutGraph{});
  EXPECT_TRUE(l.x.empty());
  EXPECT_EQ(l.bend_begin.size(), 1u);
}

}  // namespace
}  // namespace onnxkit::view
