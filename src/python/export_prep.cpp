#include "export_prep.h"

#include <algorithm>
#include <unordered_set>

#include "onnxkit/core/error.h"

namespace onnxkit::python {
namespace {

void prepare_graph(ir::Graph& g, bool do_type_check, std::vector<std::string>& domains) {
  if (do_type_check) {
    for (const auto* list : {&g.inputs(), &g.outputs()}) {
      for (const ir::Tensor* t : *list) {
        if (t->dtype() == DataType::kUndefined && t->type() == std::nullopt) {
          fail(g.describe(), "graph input and output tensors must include dtype information; "
                             "set the dtype of '" + t->name() + "' (or export with do_type_check=False)");
        }
      }
    }
  }
  std::unordered_set<const ir::Tensor*> io(g.inputs().begin(), g.inputs().end());
  io.insert(g.outputs().begin(), g.outputs().end());

  std::vector<ir::Tensor*> order;
  std::unordered_set<const ir::Tensor*> seen;
  auto visit = [&](ir::Tensor* t) {
    if (!t->is_empty() && seen.insert(t).second) order.push_back(t);
  };
  for (ir::Tensor* t : g.inputs()) visit(t);
  for (const auto& n : g.nodes()) {
    for (ir::Tensor* t : n->inputs()) visit(t);
    for (ir::Tensor* t : n->outputs()) visit(t);
    if (!n->domain().empty() && n->domain() != "ai.onnx") {
      if (std::find(domains.begin(), domains.end(), n->domain()) == domains.end()) domains.push_back(n->domain());
    }
  }
  for (ir::Tensor* t : g.outputs()) visit(t);

  std::vector<ir::Tensor*> inits;
  for (ir::Tensor* t : order) {
    if (t->graph() == &g && t->is_constant() && t->data() != nullptr) inits.push_back(t);
  }
  g.initializers() = std::move(inits);
  std::erase_if(g.sparse_initializers(), [&](const ir::Tensor* t) { return !seen.count(t); });

  std::vector<ir::Tensor*> vi;
  std::unordered_set<const ir::Tensor*> listed;
  for (ir::Tensor* t : g.value_info()) {
    if (seen.count(t) && !t->is_constant() && listed.insert(t).second) vi.push_back(t);
  }
  for (ir::Tensor* t : order) {
    if (t->graph() != &g || t->is_constant() || io.count(t) || listed.count(t)) continue;
    if (t->info().type && listed.insert(t).second) vi.push_back(t);
  }
  g.value_info() = std::move(vi);

  for (const auto& n : g.nodes()) {
    for (ir::Graph* s : n->subgraphs()) prepare_graph(*s, false, domains);
  }
}

}  // namespace

void prepare_for_export(ir::Model& model, bool do_type_check) {
  if (!model.graph) return;
  std::vector<std::string> domains;
  prepare_graph(*model.graph, do_type_check, domains);
  for (const std::string& d : domains) {
    bool have = false;
    for (const auto& op : model.opset_import) have = have || op.domain == d;
    if (!have) {
      ir::OpsetId id;
      id.domain = d;
      id.version = 1;
      model.opset_import.push_back(std::move(id));
    }
  }
}

}  // namespace onnxkit::python
