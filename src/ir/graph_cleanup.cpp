// Graph::cleanup(): onnx-graphsurgeon's semantics (see CleanupOptions), done
// iteratively: a backward walk from the graph outputs marks what is live.

#include <algorithm>
#include <unordered_set>

#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {
namespace {

void collect_outer_reads(const Graph& sub, std::vector<Tensor*>& out) {
  for (Tensor* t : sub.outputs()) {
    if (t->graph() != &sub) out.push_back(t);  // an enclosing tensor returned as is
  }
  for (const auto& node : sub.nodes()) {
    for (Tensor* t : node->inputs()) {
      if (t->graph() != &sub) out.push_back(t);  // read from an enclosing scope
    }
    for (Graph* g : node->subgraphs()) collect_outer_reads(*g, out);
  }
}

bool referenced(const Tensor* t) { return !t->producers().empty() || !t->consumers().empty(); }

bool has_subgraph(const Node& node) {
  for (const Attribute& a : node.attributes()) {
    if (a.g || !a.graphs.empty()) return true;
  }
  return false;
}

// Walks over nodes_ visit nodes scattered in memory (a shuffled file, or
// nodes made at different times): asking for the node a few steps ahead
// overlaps the cache misses instead of taking them one at a time.
constexpr std::size_t kAhead = 8;

void prefetch(const void* p) { __builtin_prefetch(p); }

}  // namespace

std::size_t Graph::cleanup(const CleanupOptions& options) {
  // A graph input has no producer by definition.
  for (Tensor* in : inputs_) {
    for (Node* p : std::vector<Node*>(in->producers_)) {
      auto& outs = p->outputs_;
      for (std::size_t k = outs.size(); k-- > 0;) {
        if (outs[k] != in) continue;
        // Outputs are positional: an inner slot becomes "", only a last one goes.
        if (k + 1 == outs.size()) {
          p->remove_output(k);
        } else {
          p->set_output(k, add_empty_tensor());
        }
      }
    }
  }

  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i + kAhead < nodes_.size()) prefetch(nodes_[i + kAhead].get());
    nodes_[i]->mark_ = 0;
  }
  // Breadth first, from the graph outputs: the nodes still to visit are known
  // in advance, so each is fetched in stages a few steps ahead (the node, its
  // input list, those tensors, their producer lists, the producers), and the
  // cache misses of a scattered graph overlap instead of coming in turn.
  std::vector<Node*> queue;
  queue.reserve(nodes_.size());
  auto visit_tensor = [&](const Tensor* t) {
    for (Node* p : t->producers_) {
      if (p->graph_ == this && p->mark_ == 0) {
        p->mark_ = 1;
        queue.push_back(p);
      }
    }
  };
  for (const Tensor* out : outputs_) visit_tensor(out);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::size_t queued = queue.size();
    if (head + 12 < queued) prefetch(queue[head + 12]);
    if (head + 8 < queued) prefetch(queue[head + 8]->inputs_.data());
    if (head + 5 < queued) {
      for (const Tensor* t : queue[head + 5]->inputs_) prefetch(t);
    }
    if (head + 3 < queued) {
      for (const Tensor* t : queue[head + 3]->inputs_) prefetch(t->producers_.data());
    }
    if (head + 1 < queued) {
      for (const Tensor* t : queue[head + 1]->inputs_) {
        for (const Node* p : t->producers_) prefetch(p);
      }
    }
    Node* node = queue[head];
    for (const Tensor* t : node->inputs_) visit_tensor(t);
    if (!has_subgraph(*node)) continue;
    std::vector<Tensor*> outer;
    for (Graph* g : node->subgraphs()) collect_outer_reads(*g, outer);
    for (const Tensor* t : outer) visit_tensor(t);
  }

  const std::size_t before = nodes_.size();
  std::vector<std::unique_ptr<Node>> live;
  live.reserve(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i + kAhead < nodes_.size()) prefetch(nodes_[i + kAhead].get());
    auto& node = nodes_[i];
    if (node->mark_ == 1) {
      live.push_back(std::move(node));
    } else {
      node->clear_inputs();
      node->clear_outputs();
    }
  }
  nodes_.clear();  // dead nodes die here, while every tensor is still alive
  nodes_ = std::move(live);
  const std::size_t removed = before - nodes_.size();

  const std::unordered_set<const Tensor*> graph_outputs(outputs_.begin(), outputs_.end());
  if (options.remove_unused_node_outputs) {
    for (auto& node : nodes_) {
      auto& outs = node->outputs_;
      for (std::size_t k = 0; k < outs.size(); ++k) {
        Tensor* t = outs[k];
        if (t->is_empty() || !t->consumers_.empty() || graph_outputs.count(t)) continue;
        // Positions matter for optional outputs: trailing ones go, inner ones become "".
        if (k + 1 == outs.size()) {
          node->remove_output(k);
          --k;
          while (!outs.empty() && outs.back()->is_empty()) node->remove_output(outs.size() - 1);
        } else {
          node->set_output(k, add_empty_tensor());
        }
      }
    }
  }
  if (options.remove_unused_graph_inputs) {
    std::erase_if(
        inputs_, [&](const Tensor* t) { return t->consumers_.empty() && !graph_outputs.count(t); });
  }
  if (options.recurse_subgraphs) {
    CleanupOptions sub = options;
    sub.remove_unused_graph_inputs = false;  // subgraph inputs are positional
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (i + kAhead < nodes_.size()) prefetch(nodes_[i + kAhead].get());
      const Node& node = *nodes_[i];
      if (node.attrs_.empty() || !has_subgraph(node)) continue;  // no vector made per node
      for (Graph* g : node.subgraphs()) g->cleanup(sub);
    }
  }

  // Drop tensors nothing refers to any more. Tensor::mark_ flags the ones
  // kept for being listed (only this graph's own tensors are flagged, and
  // every flag is cleared again below).
  auto flag = [&](const std::vector<Tensor*>& list) {
    for (Tensor* t : list) {
      if (t->graph_ == this) t->mark_ = 1;
    }
  };
  auto unused = [](const Tensor* t) { return !referenced(t) && t->mark_ != 1; };
  flag(inputs_);
  flag(outputs_);
  std::erase_if(initializers_, unused);
  std::erase_if(sparse_initializers_, unused);
  std::erase_if(value_info_, unused);
  flag(initializers_);
  flag(sparse_initializers_);
  flag(value_info_);
  std::erase_if(tensors_, [&](const std::unique_ptr<Tensor>& t) {
    if (referenced(t.get()) || t->mark_ == 1) {
      t->mark_ = 0;
      return false;
    }
    index_remove(t.get());
    return true;
  });
  if (removed > 0) overrides_.clear();  // list positions no longer meaningful
  return removed;
}

}  // namespace onnxkit::ir
