// Graph::toposort(): Kahn's algorithm with a min-heap on the current position,
// so that a graph already in order keeps it, and no recursion (a 1M-node chain
// is fine). A cycle is reported by walking it and naming its nodes.

#include <algorithm>
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
  for (std::size_t i = 0; i < n; ++i) nodes_[i]->mark_ = i;
  auto index_of = [&](const Node* p) -> std::size_t {
    // A producer elsewhere (another graph, or removed) is not a dependency here.
    return (p->graph_ == this && p->mark_ < n && nodes_[p->mark_].get() == p) ? p->mark_
                                                                               : kNotHere;
  };

  // Dependencies per node: producers of its inputs, explicit and through subgraphs.
  std::vector<std::vector<std::size_t>> deps(n);
  std::vector<Tensor*> reads;
  for (std::size_t i = 0; i < n; ++i) {
    const Node& node = *nodes_[i];
    reads.assign(node.inputs_.begin(), node.inputs_.end());
    if (!node.attrs_.empty()) {
      for (Graph* g : node.subgraphs()) collect_outer_reads(*g, this, reads);
    }
    for (Tensor* t : reads) {
      for (Node* p : t->producers_) {
        const std::size_t j = index_of(p);
        if (j != kNotHere) deps[i].push_back(j);  // j == i: a cycle of one
      }
    }
    std::sort(deps[i].begin(), deps[i].end());
    deps[i].erase(std::unique(deps[i].begin(), deps[i].end()), deps[i].end());
  }

  std::vector<std::size_t> pending(n);
  std::vector<std::vector<std::size_t>> users(n);
  for (std::size_t i = 0; i < n; ++i) {
    pending[i] = deps[i].size();
    for (std::size_t j : deps[i]) users[j].push_back(i);
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<Node*> order;
  order.reserve(n);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(nodes_[i].get());
    for (std::size_t u : users[i]) {
      if (--pending[u] == 0) ready.push(u);
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
      for (std::size_t j : deps[at]) {
        if (pending[j] != 0) {
          at = j;
          break;
        }
      }
    }
    std::string names;
    for (std::size_t k = path.size(); k-- > seen_at[at];) {
      names += nodes_[path[k]]->describe() + " → ";
    }
    names += nodes_[path.back()]->describe();
    fail(describe(), "cycle: " + names + " (" + std::to_string(n - order.size()) +
                         " nodes cannot be ordered)");
  }
  reorder_nodes(order);
}

}  // namespace onnxkit::ir
