#include "edit/graph_tree.h"

#include <algorithm>
#include <cctype>

namespace onnxkit::edit::detail {

std::vector<ir::Graph*> graph_tree(const ir::Graph& root) {
  std::vector<ir::Graph*> out;
  std::vector<ir::Graph*> stack{const_cast<ir::Graph*>(&root)};
  // Children are pushed reversed so that they come out in order.
  while (!stack.empty()) {
    ir::Graph* g = stack.back();
    stack.pop_back();
    out.push_back(g);
    std::vector<ir::Graph*> subs = g->subgraphs();
    stack.insert(stack.end(), subs.rbegin(), subs.rend());
  }
  return out;
}

std::vector<ir::Node*> nodes_in_tree(const ir::Graph& root) {
  std::vector<ir::Node*> out;
  // Stack of (graph, next node index).
  std::vector<std::pair<const ir::Graph*, std::size_t>> stack{{&root, 0}};
  while (!stack.empty()) {
    auto& [g, i] = stack.back();
    if (i == g->node_count()) {
      stack.pop_back();
      continue;
    }
    ir::Node* node = g->nodes()[i++].get();
    out.push_back(node);
    std::vector<ir::Graph*> subs = node->subgraphs();
    for (auto it = subs.rbegin(); it != subs.rend(); ++it) stack.emplace_back(*it, 0);
  }
  return out;
}

void collect_outer_reads(const ir::Graph& sub, const ir::Graph& outer,
                         std::vector<ir::Tensor*>& out) {
  for (const ir::Graph* g : graph_tree(sub)) {
    for (ir::Tensor* t : g->outputs()) {
      if (t->graph() == &outer) out.push_back(t);  // returned as is
    }
    for (const auto& node : g->nodes()) {
      for (ir::Tensor* t : node->inputs()) {
        if (t->graph() == &outer) out.push_back(t);
      }
    }
  }
}

bool contains(const std::vector<ir::Tensor*>& list, const ir::Tensor* t) {
  return std::find(list.begin(), list.end(), t) != list.end();
}

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::string similar(const std::vector<std::string_view>& names, std::string_view text,
                    std::size_t limit) {
  const std::string want = lower(text);
  if (want.empty()) return {};
  std::vector<std::string_view> hits;
  for (std::string_view n : names) {
    if (n.empty()) continue;
    const std::string have = lower(n);
    if (have.find(want) != std::string::npos || want.find(have) != std::string::npos) {
      hits.push_back(n);
    }
  }
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  return hits.empty() ? std::string() : quoted_list(hits, limit);
}

std::string quoted_list(const std::vector<std::string_view>& names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i == limit) return out + ", ...";
    if (i > 0) out += ", ";
    out += "'" + std::string(names[i]) + "'";
  }
  return out;
}

}  // namespace onnxkit::edit::detail
