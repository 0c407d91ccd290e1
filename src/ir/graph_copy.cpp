// Graph::copy(): a deep copy of a graph tree. Tensors are copied first, so that
// nodes, graph lists and subgraphs can be rewired through one map from
// original to copy; a tensor the map does not know belongs to a graph above
// the copied tree and is read as it is.

#include <memory>

#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/model.h"

namespace onnxkit::ir {
namespace {

Tensor* mapped(const Graph::TensorMap& map, Tensor* t) {
  auto it = map.find(t);
  return it == map.end() ? t : it->second;
}

std::vector<Tensor*> mapped(const Graph::TensorMap& map, const std::vector<Tensor*>& list) {
  std::vector<Tensor*> out;
  out.reserve(list.size());
  for (Tensor* t : list) out.push_back(mapped(map, t));
  return out;
}

}  // namespace

std::unique_ptr<Graph> Graph::copy() const {
  TensorMap map;
  return copy(parent_, map);
}

std::unique_ptr<Graph> Graph::copy(Graph* new_parent, TensorMap& map) const {
  auto dst = std::make_unique<Graph>(new_parent);
  copy_into(*dst, map);
  return dst;
}

void Graph::copy_into(Graph& dst, TensorMap& map) const {
  dst.name_ = name_;
  dst.doc_string_ = doc_string_;

  dst.tensors_.reserve(tensors_.size());
  for (const auto& t : tensors_) {
    auto c = std::unique_ptr<Tensor>(new Tensor(&dst, t->name_));
    c->kind_ = t->kind_;
    if (t->info_) c->info_ = std::make_unique<ValueInfo>(*t->info_);
    if (const TensorData* data = t->data()) c->reset_payload(new TensorData(*data));
    if (const SparseTensorData* sparse = t->sparse_data()) {
      c->reset_payload(new SparseTensorData(*sparse), true);
    }
    map[t.get()] = c.get();
    dst.tensors_.push_back(std::move(c));
  }
  // The same index, duplicates and renames included (keys view the copies' names).
  dst.index_.reserve(index_.size());
  index_.for_each([&](Tensor* t) { dst.index_add(mapped(map, t)); });

  dst.nodes_.reserve(nodes_.size());
  for (const auto& node : nodes_) {
    Node* n = dst.make_node({}, {}, node->name_);
    n->op_type_ = node->op_type_;
    n->domain_ = node->domain_;
    if (node->rare_) n->rare_ = std::make_unique<Node::Rare>(*node->rare_);
    for (Tensor* t : node->inputs_) n->add_input(mapped(map, t));
    for (Tensor* t : node->outputs_) n->add_output(mapped(map, t));
    n->attrs_.reserve(node->attrs_.size());
    for (const Attribute& a : node->attrs_) {
      Attribute c = a.copy_values();
      if (a.g) c.g = a.g->copy(&dst, map);
      c.graphs.reserve(a.graphs.size());
      for (const auto& g : a.graphs) c.graphs.push_back(g->copy(&dst, map));
      n->attrs_.push_back(std::move(c));
    }
  }

  dst.inputs_ = mapped(map, inputs_);
  dst.outputs_ = mapped(map, outputs_);
  dst.value_info_ = mapped(map, value_info_);
  dst.initializers_ = mapped(map, initializers_);
  dst.sparse_initializers_ = mapped(map, sparse_initializers_);
  dst.quant_ = quant_;
  dst.metadata_props_ = metadata_props_;
  dst.overrides_ = overrides_;
  dst.extras_ = extras_;
  dst.name_counter_ = name_counter_;
}

Model Model::copy() const {
  Model m;
  m.ir_version = ir_version;
  m.opset_import = opset_import;
  m.producer_name = producer_name;
  m.producer_version = producer_version;
  m.domain = domain;
  m.model_version = model_version;
  m.doc_string = doc_string;
  m.metadata_props = metadata_props;
  m.extras = extras;
  m.path = path;

  Graph::TensorMap map;
  if (graph) m.graph = graph->copy(nullptr, map);
  // A graph hanging off the model whose parent is the main graph reads the copy.
  auto copy_other = [&](const Graph& g) {
    Graph* parent = g.parent();
    if (graph && parent == graph.get()) parent = m.graph.get();
    Graph::TensorMap local = map;
    return g.copy(parent, local);
  };
  for (const TrainingInfo& t : training_info) {
    TrainingInfo c;
    if (t.initialization) c.initialization = copy_other(*t.initialization);
    if (t.algorithm) c.algorithm = copy_other(*t.algorithm);
    c.initialization_binding = t.initialization_binding;
    c.update_binding = t.update_binding;
    c.extras = t.extras;
    m.training_info.push_back(std::move(c));
  }
  for (const Function& f : functions) {
    Function c;
    c.name = f.name;
    c.domain = f.domain;
    c.overload = f.overload;
    c.doc_string = f.doc_string;
    c.attribute = f.attribute;
    for (const Attribute& a : f.attribute_proto) {
      Attribute ac = a.copy_values();
      // Default values of function attributes hold no graphs in practice;
      // copy any as standalone graphs.
      if (a.g) ac.g = a.g->copy();
      for (const auto& g : a.graphs) ac.graphs.push_back(g->copy());
      c.attribute_proto.push_back(std::move(ac));
    }
    c.opset_import = f.opset_import;
    c.metadata_props = f.metadata_props;
    c.body = f.body ? copy_other(*f.body) : nullptr;
    c.extras = f.extras;
    m.functions.push_back(std::move(c));
  }
  return m;
}

}  // namespace onnxkit::ir
