// The extension module `_onnxkit`: IR objects, load/save, and the pieces that
// onnxkit.gs (python/onnxkit/gs.py) builds onnx-graphsurgeon's API from.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <unordered_map>

#include "convert.h"
#include "custom_ops.h"
#include "export_prep.h"
#include "handles.h"
#include "list_kinds.h"
#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"
#include "runtime_bindings.h"

namespace py = pybind11;

namespace onnxkit::python {
namespace {

/// A model as Python holds it: shares the Root with the handles inside it.
struct ModelHandle {
  std::shared_ptr<Root> root;
};

/// graph.tensors(): names to tensors in onnx-graphsurgeon's order (graph
/// inputs, node inputs and outputs, graph outputs); handles made on access.
struct TensorMap {
  py::object owner;
  std::vector<ir::Tensor*> order;
  std::unordered_map<std::string, std::size_t> index;
  ir::Tensor* find(const std::string& name) const {
    auto it = index.find(name);
    return it == index.end() ? nullptr : order[it->second];
  }
};

std::vector<std::string> keys_of(const TensorMap& t) {
  std::vector<std::string> out;
  out.reserve(t.order.size());
  for (const ir::Tensor* x : t.order) out.push_back(x->name());
  return out;
}

TensorMap make_tensor_map(py::object graph_obj, bool check_duplicates) {
  ir::Graph* g = graph_obj.cast<GraphHandle&>().get();
  TensorMap m{graph_obj, {}, {}};
  auto add = [&](ir::Tensor* t) {
    if (t->is_empty()) return;
    auto [it, fresh] = m.index.emplace(t->name(), m.order.size());
    if (fresh) {
      m.order.push_back(t);
    } else if (m.order[it->second] != t) {
      if (check_duplicates) {
        throw Error(g->describe(),
                    "found distinct tensors that share the name '" + t->name() + "'");
      }
      m.order[it->second] = t;  // as onnx-graphsurgeon: the later one wins
    }
  };
  for (ir::Tensor* t : g->inputs()) add(t);
  for (const auto& n : g->nodes()) {
    for (ir::Tensor* t : n->inputs()) add(t);
    for (ir::Tensor* t : n->outputs()) add(t);
  }
  for (ir::Tensor* t : g->outputs()) add(t);
  return m;
}

ModelHandle load_bytes(py::bytes data, bool load_external_data, const std::string& base_dir) {
  std::string_view view = data;
  Buffer buf = Buffer::owned(view);
  proto::ReadOptions opts;
  opts.load_external_data = load_external_data;
  ir::Model model;
  {
    py::gil_scoped_release unlocked;
    model = proto::read_model(buf, opts, base_dir);
  }
  return ModelHandle{make_root(std::move(model), false)};
}

ModelHandle load_file(const std::string& path, bool load_external_data) {
  proto::ReadOptions opts;
  opts.load_external_data = load_external_data;
  ir::Model model;
  {
    py::gil_scoped_release unlocked;
    model = proto::read_model_file(path, opts);
  }
  return ModelHandle{make_root(std::move(model), false)};
}

std::shared_ptr<Root> top_root(GraphHandle& g) {
  ir::Graph* graph = g.get();
  if (g.root->model.graph.get() != graph) return nullptr;
  return g.root;
}

ir::Model& model_of(GraphHandle& g) {
  auto r = top_root(g);
  if (!r) {
    // A subgraph: model-level fields come from the model that holds it.
    return g.root->model;
  }
  return r->model;
}

std::int64_t default_opset(const ir::Model& m) {
  for (const auto& op : m.opset_import) {
    if (op.domain.empty() || op.domain == "ai.onnx") return op.version;
  }
  return 0;
}

void set_default_opset(ir::Model& m, std::int64_t v) {
  for (auto& op : m.opset_import) {
    if (op.domain.empty() || op.domain == "ai.onnx") {
      op.version = v;
      return;
    }
  }
  ir::OpsetId id;
  id.version = v;
  m.opset_import.insert(m.opset_import.begin(), std::move(id));
}

py::list opsets_to_py(const ir::Model& m) {
  py::list out;
  for (const auto& op : m.opset_import) out.append(py::make_tuple(op.domain, op.version));
  return out;
}

void opsets_from_py(ir::Model& m, py::handle v) {
  std::vector<ir::OpsetId> ops;
  for (py::handle item : v) {
    ir::OpsetId id;
    if (py::hasattr(item, "domain") && py::hasattr(item, "version")) {
      id.domain = item.attr("domain").cast<std::string>();
      id.version = item.attr("version").cast<std::int64_t>();
    } else {
      auto t = item.cast<std::pair<std::string, std::int64_t>>();
      id.domain = t.first;
      id.version = t.second;
    }
    ops.push_back(std::move(id));
  }
  m.opset_import = std::move(ops);
}

// A subgraph exported alone gets a model of its own (a copy).
ir::Model model_for_export(GraphHandle& g) {
  ir::Model m;
  const ir::Model& owner = g.root->model;
  m.ir_version = owner.ir_version;
  m.opset_import = owner.opset_import;
  m.producer_name = owner.producer_name;
  m.producer_version = owner.producer_version;
  m.graph = g.get()->copy();
  m.graph->set_parent(nullptr);
  return m;
}

py::bytes export_bytes(GraphHandle& g, bool do_type_check) {
  std::string bytes;
  if (auto r = top_root(g)) {
    prepare_for_export(r->model, do_type_check);
    py::gil_scoped_release unlocked;
    bytes = proto::write_model(r->model);
  } else {
    ir::Model m = model_for_export(g);
    prepare_for_export(m, do_type_check);
    py::gil_scoped_release unlocked;
    bytes = proto::write_model(m);
  }
  return py::bytes(bytes);
}

// gs.export_model(): export's rules applied to the IR, no bytes. A top graph's
// own model is prepared in place (as _export_bytes does before writing); a
// subgraph gets a model of its own.
ModelHandle export_model(GraphHandle& g, bool do_type_check) {
  if (auto r = top_root(g)) {
    prepare_for_export(r->model, do_type_check);
    return ModelHandle{r};
  }
  ir::Model m = model_for_export(g);
  prepare_for_export(m, do_type_check);
  return ModelHandle{make_root(std::move(m), false)};
}

void bind_model(py::module_& m) {
  py::class_<ModelHandle>(m, "Model", "An ONNX model (ModelProto).")
      .def(py::init([] {
        ir::Model model;
        model.graph = std::make_unique<ir::Graph>();
        return ModelHandle{make_root(std::move(model), false)};
      }))
      .def_property_readonly("graph",
                             [](ModelHandle& h) { return wrap(h.root->model.graph.get()); })
#define ONNXKIT_MODEL_FIELD(field)                                \
  .def_property(                                                  \
      #field, [](ModelHandle& h) { return h.root->model.field; }, \
      [](ModelHandle& h, decltype(ir::Model::field) v) { h.root->model.field = std::move(v); })
          ONNXKIT_MODEL_FIELD(ir_version) ONNXKIT_MODEL_FIELD(producer_name)
              ONNXKIT_MODEL_FIELD(producer_version) ONNXKIT_MODEL_FIELD(domain)
                  ONNXKIT_MODEL_FIELD(model_version) ONNXKIT_MODEL_FIELD(doc_string)
#undef ONNXKIT_MODEL_FIELD
      .def_property(
          "opset_import", [](ModelHandle& h) { return opsets_to_py(h.root->model); },
          [](ModelHandle& h, py::handle v) { opsets_from_py(h.root->model, v); },
          "[(domain, version), ...]")
      .def(
          "to_bytes",
          [](ModelHandle& h) {
            std::string bytes;
            {
              py::gil_scoped_release unlocked;
              bytes = proto::write_model(h.root->model);
            }
            return py::bytes(bytes);
          },
          "The model as ONNX protobuf bytes (every tensor inline).")
      .def("copy",
           [](ModelHandle& h) { return ModelHandle{make_root(h.root->model.copy(), false)}; });

  m.def("load", &load_file, py::arg("path"), py::arg("load_external_data") = true,
        "Reads an ONNX model file (weights stay in the mapped file until changed).");
  m.def("load_from_bytes", &load_bytes, py::arg("data"), py::arg("load_external_data") = true,
        py::arg("base_dir") = std::string(),
        "Reads an ONNX model from protobuf bytes; external data resolves against base_dir.");
  m.def(
      "save",
      [](ModelHandle& h, const std::string& path, const std::string& external_data,
         const std::string& location, std::uint64_t size_threshold) {
        proto::WriteOptions opts;
        if (external_data == "keep") {
          opts.external_data = proto::WriteOptions::ExternalData::kKeep;
        } else if (external_data == "inline") {
          opts.external_data = proto::WriteOptions::ExternalData::kInline;
        } else if (external_data == "one_file") {
          opts.external_data = proto::WriteOptions::ExternalData::kOneFile;
          opts.external_file = location.empty() ? path + ".data" : location;
        } else {
          throw py::value_error("external_data must be 'keep', 'inline' or 'one_file'");
        }
        opts.size_threshold = size_threshold;
        py::gil_scoped_release unlocked;
        proto::write_model_file(h.root->model, path, opts);
      },
      py::arg("model"), py::arg("path"), py::arg("external_data") = "keep",
      py::arg("location") = "", py::arg("size_threshold") = 1024,
      "Writes `model` to `path` (temporary file + rename). external_data: 'keep' (default), "
      "'inline', or 'one_file' (tensors of at least size_threshold bytes go to `location`, "
      "default '<file name>.data').");
}

void bind_tensor(py::module_& m) {
  py::class_<TensorHandle>(m, "Tensor", py::dynamic_attr(),
                           "A tensor of a graph: a Variable or a Constant.")
      .def(py::init([](py::capsule c) {
        return std::unique_ptr<TensorHandle>(static_cast<TensorHandle*>(c.get_pointer()));
      }))
      .def_property(
          "name", [](TensorHandle& h) { return h.get()->name(); },
          [](TensorHandle& h, const std::string& v) { h.get()->set_name(v); })
      .def("is_empty", [](TensorHandle& h) { return h.get()->is_empty(); })
      .def_property_readonly("is_constant", [](TensorHandle& h) { return h.get()->is_constant(); })
      .def_property(
          "dtype", [](TensorHandle& h) { return dtype_to_py(h.get()->dtype()); },
          [](TensorHandle& h, py::handle v) {
            ir::Tensor* t = h.get();
            DataType dt = dtype_from_py(v);
            auto& type = t->info().type;
            if (dt == DataType::kUndefined && (!type || !type->shape)) {
              type.reset();
              return;
            }
            if (!type) type = ir::Type::tensor(dt, std::nullopt);
            type->elem_type = dt;
          })
      .def_property(
          "shape", [](TensorHandle& h) { return shape_to_py(h.get()->shape()); },
          [](TensorHandle& h, py::handle v) {
            ir::Tensor* t = h.get();
            auto& type = t->info().type;
            std::optional<Shape> s = shape_from_py(v);
            if (!type) {
              if (!s) return;
              type = ir::Type::tensor(DataType::kUndefined, std::nullopt);
            }
            if (s) {
              ir::TypeShape ts;
              ts.dims = std::move(*s);
              type->shape = std::move(ts);
            } else {
              type->shape.reset();
            }
          })
      .def_property(
          "type",
          [](TensorHandle& h) -> std::string {
            const auto t = h.get()->type();
            if (!t) return "tensor_type";
            switch (t->kind) {
              case ir::Type::Kind::kSequence:
                return "sequence_type";
              case ir::Type::Kind::kSparseTensor:
                return "sparse_tensor_type";
              case ir::Type::Kind::kMap:
                return "map_type";
              case ir::Type::Kind::kOptional:
                return "optional_type";
              default:
                return "tensor_type";
            }
          },
          [](TensorHandle& h, const std::string& v) {
            ir::Tensor* t = h.get();
            if (v == "tensor_type") return;
            if (v != "sequence_type") throw py::value_error("unsupported tensor type '" + v + "'");
            auto& type = t->info().type;
            ir::Type elem = type ? *type : ir::Type::tensor(DataType::kUndefined, std::nullopt);
            ir::Type seq;
            seq.kind = ir::Type::Kind::kSequence;
            seq.elem = std::make_unique<ir::Type>(std::move(elem));
            type = std::move(seq);
          })
      .def_property(
          "inputs", [](py::object self) { return tensor_nodes(self, false); },
          [](py::object self, py::handle v) { self.attr("_set_inputs")(v); })
      .def_property(
          "outputs", [](py::object self) { return tensor_nodes(self, true); },
          [](py::object self, py::handle v) { self.attr("_set_outputs")(v); })
      .def("_set_inputs",
           [](py::object self, py::handle v) {
             auto l = tensor_nodes(self, false);
             l.ops->assign(materialize(v));
           })
      .def("_set_outputs",
           [](py::object self, py::handle v) {
             auto l = tensor_nodes(self, true);
             l.ops->assign(materialize(v));
           })
      .def_property(
          "values",
          [](TensorHandle& h) -> py::object {
            ir::Tensor* t = h.get();
            if (t->data() == nullptr) {
              throw py::attribute_error("tensor '" + t->name() +
                                        "' is a Variable: it has no values");
            }
            return values_to_numpy(*t->data());
          },
          [](py::object self, py::handle v) {
            ir::Tensor* t = self.cast<TensorHandle&>().get();
            t->to_constant(values_from_numpy(v));
            refresh_tensor_class(self, t);
          })
      .def("_to_constant",
           [](py::object self, py::handle values) {
             ir::Tensor* t = self.cast<TensorHandle&>().get();
             t->to_constant(values_from_numpy(values));
             t->info().type.reset();
             refresh_tensor_class(self, t);
           })
      .def("_to_variable",
           [](py::object self) {
             ir::Tensor* t = self.cast<TensorHandle&>().get();
             t->to_variable();
             refresh_tensor_class(self, t);
           })
      .def_property_readonly("data_location",
                             [](TensorHandle& h) -> py::object {
                               const ir::TensorData* d = h.get()->data();
                               if (d == nullptr || !d->is_external()) return py::none();
                               return py::int_(1);
                             })
      .def("_copy", [](TensorHandle& h) {
        ir::Tensor* t = h.get();
        auto pool = make_detached_root();
        ir::Tensor* c = pool->model.graph->add_variable(t->name());
        c->info() = t->info();
        if (t->data() != nullptr) c->to_constant(*t->data());
        return wrap(c);
      });

  m.def(
      "_new_variable",
      [](const std::string& name) {
        auto pool = make_detached_root();
        return wrap(pool->model.graph->add_variable(name));
      },
      py::arg("name"));
  m.def(
      "_new_constant",
      [](const std::string& name, py::handle values) {
        auto pool = make_detached_root();
        return wrap(pool->model.graph->add_constant(name, values_from_numpy(values)));
      },
      py::arg("name"), py::arg("values"));
}

void bind_node(py::module_& m) {
  py::class_<NodeHandle>(m, "Node", py::dynamic_attr(), "A node (an operator call) of a graph.")
      .def(py::init([](py::capsule c) {
        return std::unique_ptr<NodeHandle>(static_cast<NodeHandle*>(c.get_pointer()));
      }))
      .def_property(
          "op", [](NodeHandle& h) { return h.get()->op_type(); },
          [](NodeHandle& h, std::string v) { h.get()->set_op_type(std::move(v)); })
      .def_property(
          "name", [](NodeHandle& h) { return h.get()->name(); },
          [](NodeHandle& h, py::handle v) {
            h.get()->set_name(v.is_none() ? std::string() : v.cast<std::string>());
          })
      .def_property(
          "domain",
          [](NodeHandle& h) -> py::object {
            const std::string& d = h.get()->domain();
            if (d.empty()) return py::none();
            return py::str(d);
          },
          [](NodeHandle& h, py::handle v) {
            h.get()->set_domain(v.is_none() ? std::string() : v.cast<std::string>());
          })
      .def_property(
          "doc_string", [](NodeHandle& h) { return h.get()->doc_string(); },
          [](NodeHandle& h, std::string v) { h.get()->set_doc_string(std::move(v)); })
      .def_property(
          "inputs", [](py::object self) { return node_tensors(self, false); },
          [](py::object self, py::handle v) { self.attr("_set_inputs")(v); })
      .def_property(
          "outputs", [](py::object self) { return node_tensors(self, true); },
          [](py::object self, py::handle v) { self.attr("_set_outputs")(v); })
      .def("_set_inputs",
           [](py::object self, py::handle v) {
             auto l = node_tensors(self, false);
             if (py::isinstance<ListProxy>(v) && v.cast<ListProxy&>().ops->same(*l.ops)) return;
             l.ops->assign(materialize(v));
           })
      .def("_set_outputs",
           [](py::object self, py::handle v) {
             auto l = node_tensors(self, true);
             if (py::isinstance<ListProxy>(v) && v.cast<ListProxy&>().ops->same(*l.ops)) return;
             l.ops->assign(materialize(v));
           })
      .def(
          "i",
          [](NodeHandle& h, std::size_t tensor_idx, std::size_t producer_idx) {
            return wrap(h.get()->i(tensor_idx, producer_idx));
          },
          py::arg("tensor_idx") = 0, py::arg("producer_idx") = 0,
          "Producer `producer_idx` of input `tensor_idx` (node.inputs[t].inputs[p]); "
          "IndexError when out of range.")
      .def(
          "o",
          [](NodeHandle& h, std::size_t consumer_idx, std::size_t tensor_idx) {
            return wrap(h.get()->o(consumer_idx, tensor_idx));
          },
          py::arg("consumer_idx") = 0, py::arg("tensor_idx") = 0,
          "Consumer `consumer_idx` of output `tensor_idx` (node.outputs[t].outputs[c]); "
          "IndexError when out of range.")
      .def("_attr_names",
           [](NodeHandle& h) {
             std::vector<std::string> names;
             for (const auto& a : h.get()->attributes()) names.push_back(a.name);
             return names;
           })
      .def("_attr_get",
           [](NodeHandle& h, const std::string& name) -> py::object {
             ir::Attribute* a = h.get()->attribute(name);
             if (a == nullptr) throw py::key_error(name);
             return attribute_to_py(*a);
           })
      .def("_attr_set", [](NodeHandle& h, const std::string& name,
                           py::handle v) { set_attribute_from_py(h.get(), name, v); })
      .def("_attr_del",
           [](NodeHandle& h, const std::string& name) {
             ir::Node* n = h.get();
             auto& attrs = n->attributes();
             for (std::size_t i = 0; i < attrs.size(); ++i) {
               if (attrs[i].name != name) continue;
               auto from = root_of(n->graph());
               evict_graph(std::move(attrs[i].g), from);
               for (auto& g : attrs[i].graphs) evict_graph(std::move(g), from);
               attrs.erase(attrs.begin() + static_cast<std::ptrdiff_t>(i));
               return;
             }
             throw py::key_error(name);
           })
      .def("_in_graph",
           [](NodeHandle& h) {
             ir::Node* n = h.get();
             return !(h.root->detached && n->graph() == h.root->model.graph.get());
           })
      .def("_subgraphs", [](NodeHandle& h) {
        py::list out;
        for (ir::Graph* g : h.get()->subgraphs()) out.append(wrap(g));
        return out;
      });

  m.def(
      "_new_node",
      [](const std::string& op, const std::string& name, const std::string& domain) {
        auto pool = make_detached_root();
        return wrap(pool->model.graph->add_node(op, domain, name));
      },
      py::arg("op"), py::arg("name") = "", py::arg("domain") = "");
}

void bind_graph(py::module_& m) {
  py::class_<TensorMap>(m, "TensorMap", "graph.tensors(): tensor names to tensors, in graph order.")
      .def("__len__", [](const TensorMap& t) { return t.order.size(); })
      .def("__getitem__",
           [](const TensorMap& t, const std::string& name) {
             ir::Tensor* x = t.find(name);
             if (x == nullptr) throw py::key_error(name);
             return wrap(x);
           })
      .def("__contains__",
           [](const TensorMap& t, py::handle k) {
             return py::isinstance<py::str>(k) && t.find(k.cast<std::string>()) != nullptr;
           })
      .def("__iter__", [](const TensorMap& t) { return py::iter(py::cast(keys_of(t))); })
      .def("keys", [](const TensorMap& t) { return keys_of(t); });

  py::class_<GraphHandle>(m, "Graph", py::dynamic_attr(), "A graph (GraphProto).")
      .def(py::init([](py::capsule c) {
        return std::unique_ptr<GraphHandle>(static_cast<GraphHandle*>(c.get_pointer()));
      }))
      .def_property(
          "name", [](GraphHandle& h) { return h.get()->name(); },
          [](GraphHandle& h, std::string v) { h.get()->set_name(std::move(v)); })
      .def_property(
          "doc_string", [](GraphHandle& h) { return h.get()->doc_string(); },
          [](GraphHandle& h, std::string v) { h.get()->set_doc_string(std::move(v)); })
      .def_property(
          "nodes", [](py::object self) { return graph_nodes(self); },
          [](py::object self, py::handle v) { self.attr("_set_nodes")(v); })
      .def_property(
          "inputs", [](py::object self) { return graph_tensors(self, false); },
          [](py::object self, py::handle v) { self.attr("_set_inputs")(v); })
      .def_property(
          "outputs", [](py::object self) { return graph_tensors(self, true); },
          [](py::object self, py::handle v) { self.attr("_set_outputs")(v); })
      .def("_set_nodes",
           [](py::object self, py::handle v) {
             auto l = graph_nodes(self);
             if (py::isinstance<ListProxy>(v) && v.cast<ListProxy&>().ops->same(*l.ops)) return;
             l.ops->assign(materialize(v));
           })
      .def("_set_inputs",
           [](py::object self, py::handle v) {
             auto l = graph_tensors(self, false);
             l.ops->assign(materialize(v));
           })
      .def("_set_outputs",
           [](py::object self, py::handle v) {
             auto l = graph_tensors(self, true);
             l.ops->assign(materialize(v));
           })
      .def_property_readonly("parent", [](GraphHandle& h) { return wrap(h.get()->parent()); })
      .def_property(
          "opset", [](GraphHandle& h) { return default_opset(model_of(h)); },
          [](GraphHandle& h, std::int64_t v) { set_default_opset(model_of(h), v); })
      .def_property(
          "opset_import", [](GraphHandle& h) { return opsets_to_py(model_of(h)); },
          [](GraphHandle& h, py::handle v) { opsets_from_py(model_of(h), v); })
      .def_property(
          "ir_version", [](GraphHandle& h) { return model_of(h).ir_version; },
          [](GraphHandle& h, std::int64_t v) { model_of(h).ir_version = v; })
      .def_property(
          "producer_name", [](GraphHandle& h) { return model_of(h).producer_name; },
          [](GraphHandle& h, std::string v) { model_of(h).producer_name = std::move(v); })
      .def_property(
          "producer_version", [](GraphHandle& h) { return model_of(h).producer_version; },
          [](GraphHandle& h, std::string v) { model_of(h).producer_version = std::move(v); })
      .def_property_readonly("model",
                             [](GraphHandle& h) -> py::object {
                               auto r = top_root(h);
                               if (!r) return py::none();
                               return py::cast(ModelHandle{r});
                             })
      .def(
          "_cleanup",
          [](GraphHandle& h, bool remove_unused_node_outputs, bool recurse_subgraphs,
             bool remove_unused_graph_inputs) {
            ir::CleanupOptions o;
            o.remove_unused_node_outputs = remove_unused_node_outputs;
            o.recurse_subgraphs = recurse_subgraphs;
            o.remove_unused_graph_inputs = remove_unused_graph_inputs;
            ir::Graph* g = h.get();
            std::size_t removed = 0;
            guarded(h.root, [&] { removed = g->cleanup(o); });
            return removed;
          },
          py::arg("remove_unused_node_outputs") = false, py::arg("recurse_subgraphs") = true,
          py::arg("remove_unused_graph_inputs") = false)
      .def(
          "_toposort",
          [](GraphHandle& h, bool recurse_subgraphs) {
            std::vector<ir::Graph*> stack{h.get()};
            while (!stack.empty()) {
              ir::Graph* g = stack.back();
              stack.pop_back();
              g->toposort();
              if (recurse_subgraphs) {
                for (ir::Graph* s : g->subgraphs()) stack.push_back(s);
              }
            }
          },
          py::arg("recurse_subgraphs") = true)
      .def(
          "_tensors",
          [](py::object self, bool check_duplicates) {
            return make_tensor_map(self, check_duplicates);
          },
          py::arg("check_duplicates") = false)
      .def("_unique_tensor_name",
           [](GraphHandle& h, const std::string& prefix) {
             return h.get()->unique_tensor_name(prefix);
           })
      .def("_unique_node_name",
           [](GraphHandle& h, const std::string& prefix) {
             return h.get()->unique_node_name(prefix);
           })
      .def("_copy",
           [](GraphHandle& h) {
             ir::Model copied;
             if (auto r = top_root(h)) {
               copied = r->model.copy();
             } else {
               copied = model_for_export(h);
             }
             auto root = make_root(std::move(copied), false);
             return wrap(root->model.graph.get());
           })
      .def("_export_bytes", &export_bytes, py::arg("do_type_check") = true)
      .def("_export_model", &export_model, py::arg("do_type_check") = true)
      .def("_drop_initializer_inputs",
           [](GraphHandle& h) {
             std::vector<ir::Graph*> stack{h.get()};
             while (!stack.empty()) {
               ir::Graph* g = stack.back();
               stack.pop_back();
               std::erase_if(g->inputs(), [](const ir::Tensor* t) { return t->is_constant(); });
               for (ir::Graph* s : g->subgraphs()) stack.push_back(s);
             }
           })
      .def("_subgraphs", [](GraphHandle& h) {
        py::list out;
        for (ir::Graph* g : h.get()->subgraphs()) out.append(wrap(g));
        return out;
      });

  m.def(
      "_new_graph",
      [](std::int64_t ir_version, std::int64_t opset) {
        ir::Model model;
        model.ir_version = ir_version;
        ir::OpsetId id;
        id.version = opset;
        model.opset_import.push_back(std::move(id));
        model.graph = std::make_unique<ir::Graph>();
        auto root = make_root(std::move(model), false);
        return wrap(root->model.graph.get());
      },
      py::arg("ir_version"), py::arg("opset"));
}

}  // namespace
}  // namespace onnxkit::python

PYBIND11_MODULE(_onnxkit, m) {
  namespace ok = onnxkit::python;
  m.doc() = "onnxkit: native ONNX toolkit (IR, load/save, graph editing)";
  static py::exception<onnxkit::Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const onnxkit::ir::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const onnxkit::Error& e) {
      error(e.what());
    }
  });
  ok::bind_list_proxy(m);
  ok::bind_model(m);
  ok::bind_tensor(m);
  ok::bind_node(m);
  ok::bind_graph(m);
  ok::bind_folding(m);
  ok::bind_session(m);
  ok::bind_custom_ops(m);
  m.def("_set_classes", &ok::set_classes, py::arg("graph"), py::arg("node"), py::arg("variable"),
        py::arg("constant"),
        "Python classes for new handles (onnxkit.gs registers its subclasses).");
}
