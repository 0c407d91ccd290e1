// bypass_node() / remove_node(): taking a node out of a graph, either joining
// its input to its consumers (bypass) or cutting there (remove).

#include <algorithm>
#include <unordered_set>

#include "edit/graph_tree.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {
namespace {

using detail::contains;

bool is_default_domain(std::string_view d) { return d.empty() || d == "ai.onnx"; }

/// An initializer, or the output of a Constant node.
bool is_constant_value(const ir::Tensor& t) {
  if (t.is_constant()) return true;
  return t.producers().size() == 1 && t.producers()[0]->op_type() == "Constant" &&
         is_default_domain(t.producers()[0]->domain());
}

std::string quoted(const ir::Tensor& t) { return "'" + t.name() + "'"; }

/// Every reading slot of `from` in `node` reads `to` instead.
void replace_input(ir::Node& node, const ir::Tensor* from, ir::Tensor* to) {
  for (std::size_t k = 0; k < node.inputs().size(); ++k) {
    if (node.inputs()[k] == from) node.set_input(k, to);
  }
}

/// Each distinct consumer of `from`, except `skip`, reads `to` instead.
void move_consumers(ir::Tensor& from, ir::Tensor* to, const ir::Node* skip) {
  std::vector<ir::Node*> readers(from.consumers().begin(), from.consumers().end());
  std::sort(readers.begin(), readers.end());
  readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
  for (ir::Node* r : readers) {
    if (r != skip) replace_input(*r, &from, to);
  }
}

struct BypassPlan {
  ir::Tensor* data;  ///< the input that passes through
  ir::Tensor* out;   ///< the output it replaces
};

BypassPlan plan_bypass(const ir::Node& node) {
  const ir::Graph& g = *node.graph();
  std::vector<ir::Tensor*> data;
  for (ir::Tensor* t : node.inputs()) {
    if (t->is_empty() || is_constant_value(*t) || contains(data, t)) continue;
    data.push_back(t);
  }
  if (data.empty()) {
    fail(node.describe(), node.inputs().empty()
                              ? "has no inputs, so nothing can take its place"
                              : "has only constant inputs; bypass needs one data input");
  }
  if (data.size() > 1) {
    std::vector<std::string_view> names;
    for (const ir::Tensor* t : data) names.push_back(t->name());
    fail(node.describe(), "has " + std::to_string(data.size()) + " non-constant inputs (" +
                              detail::quoted_list(names) +
                              "); bypass needs exactly one data input, the others constants "
                              "or initializers");
  }
  if (node.outputs().empty() || node.outputs()[0]->is_empty()) {
    fail(node.describe(), "has no first output to pass its input through to");
  }
  ir::Tensor* out = node.outputs()[0];
  if (out->producers().size() != 1) {
    fail(node.describe(), "output " + quoted(*out) + " has " +
                              std::to_string(out->producers().size()) + " producers");
  }
  for (std::size_t k = 1; k < node.outputs().size(); ++k) {
    const ir::Tensor* t = node.outputs()[k];
    if (t->is_empty()) continue;
    if (!t->consumers().empty() || contains(g.outputs(), t)) {
      fail(node.describe(),
           "output " + std::to_string(k) + " " + quoted(*t) + " is used (" +
               (t->consumers().empty() ? std::string("a graph output")
                                       : "read by " + t->consumers()[0]->describe()) +
               "); only the first output can be passed through");
    }
  }
  if (contains(g.outputs(), out) && contains(g.outputs(), data[0])) {
    fail(node.describe(), "its input " + quoted(*data[0]) + " and its output " + quoted(*out) +
                              " are both graph outputs; bypassing would merge them");
  }
  return {data[0], out};
}

/// Rewires around `node` and disconnects it; erases it from its graph when
/// `erase` (else a cleanup will: a node without outputs is never live).
void do_bypass(ir::Node& node, const BypassPlan& plan, Notes* notes, bool erase) {
  ir::Graph& g = *node.graph();
  ir::Tensor* d = plan.data;
  ir::Tensor* o = plan.out;
  const std::string who = node.describe();  // before its outputs go
  ir::Node* producer = d->producers().size() == 1 ? d->producers()[0] : nullptr;
  const bool producer_writes_output = producer != nullptr && producer->graph() == &g &&
                                      d->graph() == &g && !contains(g.outputs(), d) &&
                                      !contains(g.inputs(), d) && !d->is_constant();
  if (producer_writes_output) {
    // The recipe: the producer writes the node's output tensor.
    const auto& outs = producer->outputs();
    const auto slot =
        static_cast<std::size_t>(std::find(outs.begin(), outs.end(), d) - outs.begin());
    producer->set_output(slot, o);
    node.clear_outputs();
    move_consumers(*d, o, &node);  // other readers of the old input
  } else {
    node.clear_outputs();
    move_consumers(*o, d, &node);
    auto& outputs = g.outputs();
    if (contains(outputs, o)) {
      std::replace(outputs.begin(), outputs.end(), o, d);
      if (notes != nullptr && g.parent() == nullptr) {
        const char* why = contains(g.inputs(), d) ? "a graph input"
                          : d->is_constant()      ? "an initializer"
                                                  : "not renamable here";
        notes->push_back("bypassing " + who + ": graph output " + quoted(*o) + " is now " +
                         quoted(*d) + " (" + why + ", it cannot take the output's name)");
      }
    }
  }
  node.clear_inputs();
  if (erase) g.remove_node(&node);
}

struct RemovePlan {
  std::vector<ir::Tensor*> new_inputs;
};

/// `going`: other nodes removed in the same call; reads by them do not count.
RemovePlan plan_remove(const ir::Node& node,
                       const std::unordered_set<const ir::Node*>& going = {}) {
  const ir::Graph& g = *node.graph();
  auto still_read = [&](const ir::Tensor* t) {
    return std::any_of(t->consumers().begin(), t->consumers().end(),
                       [&](const ir::Node* c) { return going.count(c) == 0; });
  };
  RemovePlan plan;
  for (ir::Tensor* t : node.outputs()) {
    if (t->is_empty()) continue;
    if (contains(g.outputs(), t)) {
      fail(node.describe(), "writes graph output " + quoted(*t) +
                                ", which would be left without a producer; bypass the node to "
                                "pass its input through, or extract the graph before it");
    }
    if (!still_read(t) || contains(plan.new_inputs, t)) continue;
    if (g.parent() != nullptr) {
      fail(node.describe(), "output " + quoted(*t) + " is read by " +
                                t->consumers()[0]->describe() +
                                "; inside a subgraph it cannot become a graph input");
    }
    plan.new_inputs.push_back(t);
  }
  return plan;
}

void do_remove(ir::Node& node, const RemovePlan& plan, Notes* notes, bool erase) {
  ir::Graph& g = *node.graph();
  for (ir::Tensor* t : plan.new_inputs) {
    g.inputs().push_back(t);
    std::erase(g.value_info(), t);
    if (notes != nullptr) {
      notes->push_back("removing " + node.describe() + ": " + quoted(*t) + " (read by " +
                       t->consumers()[0]->describe() + ") is now a graph input" +
                       (t->type() ? "" : " without a known type; run onnxkit infer"));
    }
  }
  node.clear_inputs();
  node.clear_outputs();
  if (erase) g.remove_node(&node);
}

/// The selected nodes, innermost first, so that removing a node never
/// destroys a subgraph that holds another selected node before its turn.
std::vector<ir::Node*> innermost_first(std::vector<ir::Node*> nodes) {
  std::reverse(nodes.begin(), nodes.end());
  return nodes;
}

}  // namespace

void bypass_node(ir::Node& node, Notes* notes) { do_bypass(node, plan_bypass(node), notes, true); }

std::size_t bypass(ir::Graph& graph, const NodeSelector& selector, Notes* notes,
                   const BypassOptions& options) {
  const std::vector<ir::Node*> nodes = innermost_first(selector.select(graph));
  for (const ir::Node* n : nodes) plan_bypass(*n);  // every check before any change
  // With a cleanup to follow, the disconnected nodes go in one pass there
  // (erasing them one by one from the node list is quadratic).
  for (ir::Node* n : nodes) do_bypass(*n, plan_bypass(*n), notes, !options.cleanup);
  if (options.cleanup) graph.cleanup();
  return nodes.size();
}

void remove_node(ir::Node& node, Notes* notes) { do_remove(node, plan_remove(node), notes, true); }

std::size_t remove_nodes(ir::Graph& graph, const NodeSelector& selector, Notes* notes,
                         const RemoveOptions& options) {
  const std::vector<ir::Node*> nodes = innermost_first(selector.select(graph));
  std::unordered_set<const ir::Node*> going(nodes.begin(), nodes.end());
  for (const ir::Node* n : nodes) plan_remove(*n, going);
  for (ir::Node* n : nodes) {
    going.erase(n);  // reads by the nodes still to go do not count
    do_remove(*n, plan_remove(*n, going), notes, !options.cleanup);
  }
  if (options.cleanup) graph.cleanup();
  return nodes.size();
}

}  // namespace onnxkit::edit
