// Graph::toposort(): Kahn's algorithm with a min-heap on the current position,
// so that a graph already in order keeps it, and no recursion (a 1M-node chain
// is fine). A cycle is reported by walking it and naming its nodes.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_set>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {
namespace {

constexpr std::size_t kNotHere = static_cast<std::size_t>(-1);

// Tensors of `outer` that a subgraph tree reads: implicit inputs of the node
// that holds it.
void collect_outer_reads(const Graph& sub, const Graph* outer, std::vector<Tensor*>& out) {
  for (Tensor* t : sub.outputs()) {
    if (t->graph() == outer) out.push_back(t);  // returned as is
  }
  for (const auto& node : sub.nodes()) {
    for (Tensor* t : node->inputs()) {
      if (t->graph() == outer) out.push_back(t);
    }
    for (Graph* g : node->subgraphs()) collect_outer_reads(*g, outer, out);
  }
}

}  // namespace

void Graph::toposort() {
  const std::size_t n = nodes_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 8 < n) __builtin_prefetch(nodes_[i + 8].get());
    nodes_[i]->mark_ = i;
  }
  auto index_of = [&](const Node* p) -> std::size_t {
    // A producer elsewhere (another graph, or removed) is not a dependency here.
    return (p->graph_ == this && p->mark_ < n && nodes_[p->mark_].get() == p) ? p->mark_ : kNotHere;
  };
  using Index = std::uint32_t;  // 4 billion nodes are out of reach of one graph

  // Dependencies per node (producers of its inputs, explicit and through
  // subgraphs), deduplicated, in one flat array: deps[dep_at[i] .. dep_at[i+1]).
  std::vector<Index> dep_at(n + 1);
  std::vector<Index> deps;
  deps.reserve(n + n / 2);
  std::vector<Tensor*> reads;
  for (std::size_t i = 0; i < n; ++i) {
    // Nodes may lie scattered in memory (a shuffled file): ask for the node,
    // then its inputs, their tensors, their producer lists and the producers
    // a few steps ahead, each stage once the one before it has arrived.
    if (i + 12 < n) __builtin_prefetch(nodes_[i + 12].get());
    if (i + 8 < n) __builtin_prefetch(nodes_[i + 8]->inputs_.data());
    if (i + 5 < n) {
      for (const Tensor* t : nodes_[i + 5]->inputs_) __builtin_prefetch(t);
    }
    if (i + 3 < n) {
      for (const Tensor* t : nodes_[i + 3]->inputs_) __builtin_prefetch(t->producers_.data());
    }
    if (i + 1 < n) {
      for (const Tensor* t : nodes_[i + 1]->inputs_) {
        for (const Node* p : t->producers_) __builtin_prefetch(p);
      }
    }
    const Node& node = *nodes_[i];
    const std::size_t first = deps.size();
    dep_at[i] = static_cast<Index>(first);
    auto add_reads = [&](const auto& list) {
      for (const Tensor* t : list) {
        for (const Node* p : t->producers_) {
          const std::size_t j = index_of(p);
          if (j != kNotHere) deps.push_back(static_cast<Index>(j));  // j == i: a cycle of one
        }
      }
    };
    add_reads(node.inputs_);
    if (!node.attrs_.empty()) {
      reads.clear();
      for (Graph* g : node.subgraphs()) collect_outer_reads(*g, this, reads);
      add_reads(reads);
    }
    const auto begin = deps.begin() + static_cast<std::ptrdiff_t>(first);
    if (deps.size() - first > 1) {
      std::sort(begin, deps.end());
      deps.erase(std::unique(begin, deps.end()), deps.end());
    }
  }
  dep_at[n] = static_cast<Index>(deps.size());

  // Users per node, the same way.
  std::vector<Index> pending(n);
  std::vector<Index> user_at(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    pending[i] = dep_at[i + 1] - dep_at[i];
    for (Index k = dep_at[i]; k < dep_at[i + 1]; ++k) ++user_at[deps[k] + 1];
  }
  for (std::size_t i = 0; i < n; ++i) user_at[i + 1] += user_at[i];
  std::vector<Index> users(deps.size());
  {
    std::vector<Index> fill(user_at.begin(), user_at.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      for (Index k = dep_at[i]; k < dep_at[i + 1]; ++k)
        users[fill[deps[k]]++] = static_cast<Index>(i);
    }
  }

  std::priority_queue<Index, std::vector<Index>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(static_cast<Index>(i));
  }
  std::vector<Index> order;
  order.reserve(n);
  while (!ready.empty()) {
    const Index i = ready.top();
    ready.pop();
    order.push_back(i);
    for (Index k = user_at[i]; k < user_at[i + 1]; ++k) {
      if (--pending[users[k]] == 0) ready.push(users[k]);
    }
  }

  if (order.size() != n) {
    // Walk back along unsorted producers until a node repeats: that is a cycle.
    std::size_t at = 0;
    while (pending[at] == 0) ++at;
    std::vector<std::size_t> path;
    std::vector<std::size_t> seen_at(n, kNotHere);
    while (seen_at[at] == kNotHere) {
      seen_at[at] = path.size();
      path.push_back(at);
      for (Index k = dep_at[at]; k < dep_at[at + 1]; ++k) {
        if (pending[deps[k]] != 0) {
          at = deps[k];
          break;
        }
      }
    }
    std::string names;
    for (std::size_t k = path.size(); k-- > seen_at[at];) {
      names += nodes_[path[k]]->describe() + " → ";
    }
    names += nodes_[path.back()]->describe();
    fail(describe(),
         "cycle: " + names + " (" + std::to_string(n - order.size()) + " nodes cannot be ordered)");
  }
  bool moved = false;
  for (std::size_t i = 0; i < n && !moved; ++i) moved = order[i] != i;
  if (!moved) return;
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(n);
  for (Index i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
}

}  // namespace onnxkit::ir
