// extract(): the part of a graph between given tensors, as
// onnx.utils.extract_model, done in place with an iterative backward walk.

#include <algorithm>
#include <unordered_set>

#include "edit/graph_tree.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {
namespace {

using detail::contains;

ir::Tensor* resolve(const ir::Graph& g, const std::string& name, std::string_view role) {
  if (name.empty()) fail(g.describe(), "empty " + std::string(role) + " tensor name");
  if (ir::Tensor* t = g.find_local_tensor(name)) return t;
  std::vector<std::string_view> names;
  for (const auto& t : g.owned_tensors()) names.push_back(t->name());
  std::string msg = "no tensor named '" + name + "' (given as " + std::string(role) + ")";
  if (std::string hint = detail::similar(names, name); !hint.empty()) {
    msg += "; similar names: " + hint;
  }
  fail(g.describe(), msg);
}

}  // namespace

void extract(ir::Graph& graph, std::span<const std::string> input_names,
             std::span<const std::string> output_names, Notes* notes) {
  if (output_names.empty()) fail(graph.describe(), "extract needs at least one output tensor");
  std::vector<ir::Tensor*> inputs, outputs;
  for (const std::string& n : input_names) {
    ir::Tensor* t = resolve(graph, n, "input");
    if (!contains(inputs, t)) inputs.push_back(t);
  }
  for (const std::string& n : output_names) outputs.push_back(resolve(graph, n, "output"));
  const bool keep_original_inputs = inputs.empty();

  // Walk back from the outputs, stopping at the new inputs and at constants.
  const std::unordered_set<const ir::Tensor*> stop(inputs.begin(), inputs.end());
  std::unordered_set<const ir::Tensor*> seen;
  std::unordered_set<const ir::Node*> seen_nodes;
  std::vector<ir::Tensor*> stack(outputs.begin(), outputs.end());
  std::vector<ir::Tensor*> needed_graph_inputs;
  while (!stack.empty()) {
    ir::Tensor* t = stack.back();
    stack.pop_back();
    if (t->is_empty() || t->graph() != &graph || !seen.insert(t).second) continue;
    if (stop.count(t) || t->is_constant()) continue;
    if (t->producers().empty()) {
      if (contains(graph.inputs(), t)) {
        if (keep_original_inputs) {
          needed_graph_inputs.push_back(t);
          continue;
        }
        fail(graph.describe(), "the outputs depend on graph input '" + t->name() +
                                   "', which is not among the inputs given; add it to them");
      }
      fail(graph.describe(), "the outputs depend on tensor '" + t->name() +
                                 "', which has no producer and is not a graph input");
    }
    for (ir::Node* p : t->producers()) {
      if (!seen_nodes.insert(p).second) continue;
      stack.insert(stack.end(), p->inputs().begin(), p->inputs().end());
      for (const ir::Graph* sub : p->subgraphs()) detail::collect_outer_reads(*sub, graph, stack);
    }
  }
  if (keep_original_inputs) {
    // In their original order.
    for (ir::Tensor* t : graph.inputs()) {
      if (contains(needed_graph_inputs, t)) inputs.push_back(t);
    }
  }

  // A new input is no longer computed: its producer stops writing it.
  for (ir::Tensor* t : inputs) {
    for (ir::Node* p : std::vector<ir::Node*>(t->producers())) {
      for (std::size_t k = p->outputs().size(); k-- > 0;) {
        if (p->outputs()[k] != t) continue;
        if (k + 1 == p->outputs().size()) {
          p->remove_output(k);
        } else {
          p->set_output(k, graph.add_empty_tensor());  // outputs are positional
        }
      }
    }
  }
  graph.inputs() = inputs;
  graph.outputs() = outputs;
  std::erase_if(graph.value_info(),
                [&](const ir::Tensor* t) { return contains(inputs, t) || contains(outputs, t); });
  graph.declaration_overrides().clear();  // list positions changed
  graph.cleanup();

  if (notes != nullptr) {
    for (const ir::Tensor* t : inputs) {
      if (!t->type()) notes->push_back("extract: input '" + t->name() + "' has no known type");
    }
    for (const ir::Tensor* t : outputs) {
      if (!t->type()) notes->push_back("extract: output '" + t->name() + "' has no known type");
    }
  }
}

void extract(ir::Model& model, std::span<const std::string> inputs,
             std::span<const std::string> outputs, Notes* notes) {
  if (!model.graph) fail("model", "has no graph to extract from");
  extract(*model.graph, inputs, outputs, notes);
}

}  // namespace onnxkit::edit
