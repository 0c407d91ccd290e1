#include "export_prep.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "onnxkit/core/error.h"

namespace onnxkit::python {
namespace {

/// A set of pointers: open addressing, linear probing, insert-only. Export
/// asks "seen?" for every tensor of the graph; this is several times faster
/// than std::unordered_set and allocates once.
class PtrSet {
 public:
  explicit PtrSet(std::size_t expected) {
    std::size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    slots_.assign(cap, nullptr);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(cap));
  }
  /// True when `p` was not in the set yet.
  bool insert(const void* p) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    return put(p);
  }
  bool contains(const void* p) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(p);; i = (i + 1) & mask) {
      if (slots_[i] == p) return true;
      if (slots_[i] == nullptr) return false;
    }
  }

 private:
  std::size_t home(const void* p) const {
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(p) * 0x9e3779b97f4a7c15ull) >>
                                    shift_);
  }
  bool put(const void* p) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(p);; i = (i + 1) & mask) {
      if (slots_[i] == p) return false;
      if (slots_[i] == nullptr) {
        slots_[i] = p;
        ++size_;
        return true;
      }
    }
  }
  void grow() {
    std::vector<const void*> old = std::move(slots_);
    slots_.assign(old.size() * 2, nullptr);
    --shift_;
    size_ = 0;
    for (const void* p : old) {
      if (p != nullptr) put(p);
    }
  }
  std::vector<const void*> slots_;
  unsigned shift_ = 60;
  std::size_t size_ = 0;
};

void prepare_graph(ir::Graph& g, bool do_type_check, std::vector<std::string>& domains) {
  if (do_type_check) {
    for (const auto* list : {&g.inputs(), &g.outputs()}) {
      for (const ir::Tensor* t : *list) {
        if (t->dtype() == DataType::kUndefined && t->type() == std::nullopt) {
          fail(g.describe(),
               "graph input and output tensors must include dtype information; "
               "set the dtype of '" +
                   t->name() + "' (or export with do_type_check=False)");
        }
      }
    }
  }
  PtrSet io(g.inputs().size() + g.outputs().size());
  for (const ir::Tensor* t : g.inputs()) io.insert(t);
  for (const ir::Tensor* t : g.outputs()) io.insert(t);

  // Every tensor the graph refers to, in onnx-graphsurgeon's order.
  const std::vector<ir::Tensor*> order = g.tensors_in_order();
  PtrSet seen(order.size());
  for (const ir::Tensor* t : order) seen.insert(t);

  // One walk over the tensors (scattered in memory after a shuffled file or
  // edits) for both lists: initializers, and value_info after the listed ones.
  std::vector<ir::Tensor*> inits, vi;
  PtrSet listed(g.value_info().size() + 16);
  for (ir::Tensor* t : g.value_info()) {
    if (seen.contains(t) && !t->is_constant() && listed.insert(t)) vi.push_back(t);
  }
  std::vector<ir::Tensor*> described;  // value_info candidates in order, checked below
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 8 < order.size()) __builtin_prefetch(order[i + 8]);
    ir::Tensor* t = order[i];
    if (t->graph() != &g) continue;
    if (t->is_constant()) {
      if (t->data() != nullptr) inits.push_back(t);
    } else if (t->has_info() && !io.contains(t) && std::as_const(*t).info().type) {
      described.push_back(t);
    }
  }
  for (ir::Tensor* t : described) {
    if (listed.insert(t)) vi.push_back(t);
  }
  g.initializers() = std::move(inits);
  std::erase_if(g.sparse_initializers(), [&](const ir::Tensor* t) { return !seen.contains(t); });
  g.value_info() = std::move(vi);

  // One walk over the nodes: custom domains (this graph's first, then its
  // subgraphs'), and the subgraphs.
  const auto& nodes = g.nodes();
  std::vector<ir::Graph*> subgraphs;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i + 8 < nodes.size()) __builtin_prefetch(nodes[i + 8].get());
    const ir::Node& n = *nodes[i];
    const std::string& d = n.domain();
    if (!d.empty() && d != "ai.onnx" &&
        std::find(domains.begin(), domains.end(), d) == domains.end()) {
      domains.push_back(d);
    }
    if (n.attributes().empty()) continue;
    for (ir::Graph* s : n.subgraphs()) subgraphs.push_back(s);
  }
  for (ir::Graph* s : subgraphs) prepare_graph(*s, false, domains);
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
