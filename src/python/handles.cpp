#include "handles.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace onnxkit::python {
namespace {

// Top graph -> its Root. Weak: a Root lives as long as Python holds it.
std::unordered_map<const ir::Graph*, std::weak_ptr<Root>>& top_graphs() {
  static auto* map = new std::unordered_map<const ir::Graph*, std::weak_ptr<Root>>();
  return *map;
}

// IR object -> its handle and Python object (borrowed; the handle erases itself).
struct CacheEntry {
  PyObject* obj;
  Handle* handle;
};
std::unordered_map<const void*, CacheEntry>& cache() {
  static auto* map = new std::unordered_map<const void*, CacheEntry>();
  return *map;
}

struct Classes {
  PyObject* graph = nullptr;
  PyObject* node = nullptr;
  PyObject* variable = nullptr;
  PyObject* constant = nullptr;
};
Classes& classes() {
  static Classes c;
  return c;
}

void set_class(py::handle obj, PyObject* cls) {
  // Only between the registered subclasses (same layout); a base-class handle stays as it is.
  const Classes& c = classes();
  auto* type = reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()));
  if (cls == nullptr || type == cls || (type != c.variable && type != c.constant)) return;
  obj.attr("__class__") = py::handle(cls);
}

// A new Python object for handle `h` (owned by it from here), of class `cls`
// (a Python subclass registered by onnxkit.gs) or of the handle's own class.
template <class H>
py::object make_object(H* h, PyObject* cls) {
  if (cls == nullptr) return py::cast(h, py::return_value_policy::take_ownership);
  py::type base = py::type::of<H>();
  py::tuple no_args;
  PyObject* raw = reinterpret_cast<PyTypeObject*>(base.ptr())
                      ->tp_new(reinterpret_cast<PyTypeObject*>(cls), no_args.ptr(), nullptr);
  if (raw == nullptr) {
    delete h;
    throw py::error_already_set();
  }
  auto obj = py::reinterpret_steal<py::object>(raw);
  base.attr("__init__")(obj, py::capsule(static_cast<void*>(h)));
  return obj;
}

template <class H, class T>
py::object wrap_impl(T* p, PyObject* cls) {
  if (p == nullptr) return py::none();
  auto& c = cache();
  if (auto it = c.find(p); it != c.end()) return py::reinterpret_borrow<py::object>(it->second.obj);
  const ir::Graph* g = nullptr;
  if constexpr (std::is_same_v<T, ir::Graph>) {
    g = p;
  } else {
    g = p->graph();
  }
  auto* h = new H(root_of(g), p);
  py::object obj = make_object(h, cls);
  c[p] = CacheEntry{obj.ptr(), h};
  return obj;
}

void retarget(const void* p, const std::shared_ptr<Root>& root) {
  auto& c = cache();
  if (auto it = c.find(p); it != c.end()) it->second.handle->root = root;
}

// Points the handles of `node` and everything inside its subgraphs at `root`.
void retarget_node_tree(ir::Node* node, const std::shared_ptr<Root>& root);
void retarget_graph_tree(ir::Graph* g, const std::shared_ptr<Root>& root) {
  retarget(g, root);
  for (const auto& t : g->owned_tensors()) retarget(t.get(), root);
  for (const auto& n : g->nodes()) retarget_node_tree(n.get(), root);
}
void retarget_node_tree(ir::Node* node, const std::shared_ptr<Root>& root) {
  retarget(node, root);
  for (ir::Graph* g : node->subgraphs()) retarget_graph_tree(g, root);
}

void keep_alive(Root& holder, const std::shared_ptr<Root>& kept) {
  if (kept.get() == &holder) return;
  for (const auto& k : holder.keep) {
    if (k == kept) return;
  }
  holder.keep.push_back(kept);
}

bool is_empty_root(const Root& r) {
  return r.model.graph == nullptr ||
         (r.model.graph->nodes().empty() && r.model.graph->owned_tensors().empty());
}

// Tensors that `node` and its subgraphs read or write and that live in `pool`.
void tensors_in(const ir::Node* node, const ir::Graph* pool, std::vector<ir::Tensor*>& out) {
  for (ir::Tensor* t : node->inputs()) {
    if (t->graph() == pool) out.push_back(t);
  }
  for (ir::Tensor* t : node->outputs()) {
    if (t->graph() == pool) out.push_back(t);
  }
  for (ir::Graph* g : node->subgraphs()) {
    for (const auto& n : g->nodes()) tensors_in(n.get(), pool, out);
  }
}

}  // namespace

Root::~Root() {
  if (model.graph) {
    auto& tg = top_graphs();
    auto it = tg.find(model.graph.get());
    if (it != tg.end() && it->second.expired()) tg.erase(it);
  }
}

std::shared_ptr<Root> make_root(ir::Model model, bool detached) {
  auto root = std::make_shared<Root>();
  root->model = std::move(model);
  root->detached = detached;
  if (!root->model.graph) root->model.graph = std::make_unique<ir::Graph>();
  register_top_graph(root->model.graph.get(), root);
  return root;
}

std::shared_ptr<Root> make_detached_root() { return make_root(ir::Model{}, true); }

std::shared_ptr<Root> root_of(const ir::Graph* graph) {
  const ir::Graph* top = graph;
  while (top->parent() != nullptr) top = top->parent();
  auto& tg = top_graphs();
  auto it = tg.find(top);
  if (it != tg.end()) {
    if (auto r = it->second.lock()) return r;
  }
  throw std::logic_error("onnxkit: internal error: a graph without a root");
}

void unregister_top_graph(const ir::Graph* graph) { top_graphs().erase(graph); }

void register_top_graph(const ir::Graph* graph, const std::shared_ptr<Root>& root) {
  top_graphs()[graph] = root;
}

Handle::~Handle() {
  if (ptr == nullptr) return;
  auto& c = cache();
  auto it = c.find(ptr);
  if (it != c.end() && it->second.handle == this) c.erase(it);
}

void throw_dead(const char* what) {
  throw py::value_error(std::string("this ") + what +
                        " no longer exists (its graph was destroyed)");
}

ir::Node* NodeHandle::get() const {
  if (ptr == nullptr) throw_dead("node");
  return static_cast<ir::Node*>(ptr);
}
ir::Tensor* TensorHandle::get() const {
  if (ptr == nullptr) throw_dead("tensor");
  return static_cast<ir::Tensor*>(ptr);
}
ir::Graph* GraphHandle::get() const {
  if (ptr == nullptr) throw_dead("graph");
  return static_cast<ir::Graph*>(ptr);
}

void set_classes(py::handle graph, py::handle node, py::handle variable, py::handle constant) {
  Classes& c = classes();
  for (PyObject* old : {c.graph, c.node, c.variable, c.constant}) Py_XDECREF(old);
  c.graph = graph.inc_ref().ptr();
  c.node = node.inc_ref().ptr();
  c.variable = variable.inc_ref().ptr();
  c.constant = constant.inc_ref().ptr();
}

void refresh_tensor_class(py::handle obj, const ir::Tensor* t) {
  set_class(obj, t->is_constant() ? classes().constant : classes().variable);
}

py::object wrap(ir::Node* node) { return wrap_impl<NodeHandle>(node, classes().node); }
py::object wrap(ir::Tensor* tensor) {
  if (tensor == nullptr) return py::none();
  return wrap_impl<TensorHandle>(tensor,
                                 tensor->is_constant() ? classes().constant : classes().variable);
}
py::object wrap(ir::Graph* graph) { return wrap_impl<GraphHandle>(graph, classes().graph); }

std::vector<Handle*> handles_of(const Root* root) {
  std::vector<Handle*> out;
  for (const auto& [p, e] : cache()) {
    if (e.handle->root.get() == root) out.push_back(e.handle);
  }
  return out;
}

Handle* find_handle(const void* ptr) {
  auto& c = cache();
  auto it = c.find(ptr);
  return it == c.end() ? nullptr : it->second.handle;
}

void link_tensor(ir::Graph* graph, ir::Tensor* tensor) {
  ir::Graph* tg = tensor->graph();
  if (tg == graph) return;
  std::shared_ptr<Root> to = root_of(graph);
  std::shared_ptr<Root> from = root_of(tg);
  if (from == to) return;
  if (!from->detached) {
    keep_alive(*to, from);
    return;
  }
  graph->adopt_tensor(tensor);
  retarget(tensor, to);
  if (!is_empty_root(*from)) keep_alive(*from, to);  // its nodes may still read the tensor
}

void adopt_node(ir::Graph* graph, ir::Node* node, std::size_t index) {
  ir::Graph* pool = node->graph();
  std::shared_ptr<Root> from = root_of(pool);
  if (!from->detached || pool != from->model.graph.get()) {
    throw py::value_error("node '" + node->name() + "' (" + node->op_type() +
                          ") already belongs to a graph; remove it from that graph's nodes first");
  }
  std::shared_ptr<Root> to = root_of(graph);
  std::unique_ptr<ir::Node> owned = pool->release_node(pool->node_index(node));
  graph->adopt_node(std::move(owned), index);
  retarget_node_tree(node, to);
  std::vector<ir::Tensor*> pending;
  tensors_in(node, pool, pending);
  for (ir::Tensor* t : pending) link_tensor(graph, t);
  // Tensors of other models read by the node (or its subgraphs) keep their models alive.
  for (const auto& k : from->keep) keep_alive(*to, k);
  if (!is_empty_root(*from)) keep_alive(*from, to);
}

void release_node(ir::Graph* graph, std::size_t index) {
  std::unique_ptr<ir::Node> owned = graph->release_node(index);
  ir::Node* node = owned.get();
  if (find_handle(node) == nullptr) {
    owned->clear_inputs();
    owned->clear_outputs();
    return;  // nothing in Python refers to it: it dies here
  }
  std::shared_ptr<Root> from = root_of(graph);
  std::shared_ptr<Root> to = make_detached_root();
  to->model.graph->adopt_node(std::move(owned));
  retarget_node_tree(node, to);
  keep_alive(*to, from);
}

void evict_graph(std::unique_ptr<ir::Graph> g, const std::shared_ptr<Root>& from) {
  if (!g) return;
  bool held = false;
  std::vector<ir::Graph*> stack{g.get()};
  while (!stack.empty() && !held) {
    ir::Graph* cur = stack.back();
    stack.pop_back();
    held = find_handle(cur) != nullptr;
    for (const auto& t : cur->owned_tensors()) held = held || find_handle(t.get()) != nullptr;
    for (const auto& n : cur->nodes()) {
      held = held || find_handle(n.get()) != nullptr;
      for (ir::Graph* s : n->subgraphs()) stack.push_back(s);
    }
  }
  if (!held) return;  // nothing in Python refers to it: it dies here
  auto root = std::make_shared<Root>();
  root->detached = false;
  g->set_parent(nullptr);
  root->model.graph = std::move(g);
  register_top_graph(root->model.graph.get(), root);
  keep_alive(*root, from);
  retarget_graph_tree(root->model.graph.get(), root);
}

void place_subgraph(ir::Node* node, std::unique_ptr<ir::Graph>& slot, ir::Graph* g) {
  std::shared_ptr<Root> to = root_of(node->graph());
  std::shared_ptr<Root> from = root_of(g);
  for (const ir::Graph* p = node->graph(); p != nullptr; p = p->parent()) {
    if (p == g) throw py::value_error("a graph cannot be a subgraph of one of its own nodes");
  }
  std::unique_ptr<ir::Graph> incoming;
  if (from->model.graph.get() == g) {
    unregister_top_graph(g);
    incoming = std::move(from->model.graph);
    for (const auto& k : from->keep) keep_alive(*to, k);
  } else {
    incoming = g->copy();
    keep_alive(*to, from);  // the copy may read tensors of graphs above `g`
  }
  incoming->set_parent(node->graph());
  retarget_graph_tree(incoming.get(), to);
  std::unique_ptr<ir::Graph> old = std::move(slot);
  slot = std::move(incoming);
  evict_graph(std::move(old), to);
}

// ---- handles that survive destruction of their objects

struct Ghosts {
  struct NodeGhost {
    Handle* handle;
    std::string op_type, domain, name, doc_string;
    std::vector<ir::Attribute> attrs;
  };
  struct TensorGhost {
    Handle* handle;
    std::string name;
    bool constant;
    ir::ValueInfo info;
    std::unique_ptr<ir::TensorData> data;
  };
  std::vector<NodeGhost> nodes;
  std::vector<TensorGhost> tensors;
  std::vector<Handle*> graphs;
};

void GhostsDeleter::operator()(Ghosts* g) const { delete g; }

GhostsPtr snapshot_handles(const std::shared_ptr<Root>& root) {
  GhostsPtr ghosts(new Ghosts);
  for (const auto& [p, e] : cache()) {
    Handle* h = e.handle;
    if (h->root != root) continue;
    if (auto* nh = dynamic_cast<NodeHandle*>(h)) {
      const ir::Node* n = nh->get();
      Ghosts::NodeGhost g{h, n->op_type(), n->domain(), n->name(), n->doc_string(), {}};
      for (const ir::Attribute& a : n->attributes()) g.attrs.push_back(a.clone());
      ghosts->nodes.push_back(std::move(g));
    } else if (auto* th = dynamic_cast<TensorHandle*>(h)) {
      const ir::Tensor* t = th->get();
      Ghosts::TensorGhost g{h, t->name(), t->is_constant(), t->info(), nullptr};
      if (t->data() != nullptr) g.data = std::make_unique<ir::TensorData>(*t->data());
      ghosts->tensors.push_back(std::move(g));
    } else {
      ghosts->graphs.push_back(h);
    }
  }
  return ghosts;
}

namespace {

// Finds which of `held` (objects Python holds) are still in the tree of `top`.
// Pointers are compared without following them, so a walk costs nothing per
// object beyond the comparison; subgraphs are entered (which reads every node)
// only while some held object is still unaccounted for.
class AliveSearch {
 public:
  explicit AliveSearch(std::unordered_set<const void*> held) : held_(std::move(held)) {}

  std::unordered_set<const void*> run(const ir::Graph* top) {
    std::vector<const ir::Graph*> level{top};
    while (!level.empty() && found_.size() < held_.size()) {
      for (const ir::Graph* g : level) scan(g);
      if (found_.size() == held_.size()) break;
      std::vector<const ir::Graph*> next;
      for (const ir::Graph* g : level) {
        for (const auto& n : g->nodes()) {
          if (n->attributes().empty()) continue;
          for (const ir::Graph* s : n->subgraphs()) next.push_back(s);
        }
      }
      level = std::move(next);
    }
    return std::move(found_);
  }

 private:
  void note(const void* p) {
    if (held_.count(p)) found_.insert(p);
  }
  void scan(const ir::Graph* g) {
    note(g);
    for (const auto& t : g->owned_tensors()) note(t.get());
    for (const auto& n : g->nodes()) note(n.get());
  }

  std::unordered_set<const void*> held_, found_;
};

}  // namespace

void restore_handles(const std::shared_ptr<Root>& root, GhostsPtr ghosts) {
  const ir::Graph* top = root->model.graph.get();
  std::unordered_set<const void*> held;
  for (const auto& g : ghosts->nodes) held.insert(g.handle->ptr);
  for (const auto& g : ghosts->tensors) held.insert(g.handle->ptr);
  for (const Handle* h : ghosts->graphs) {
    if (h->ptr != top) held.insert(h->ptr);  // the top graph outlives any edit
  }
  if (held.empty()) return;
  const std::unordered_set<const void*> alive = AliveSearch(std::move(held)).run(top);
  auto& c = cache();
  auto forget = [&](Handle* h) {
    auto it = c.find(h->ptr);
    if (it != c.end() && it->second.handle == h) c.erase(it);
  };
  for (auto& g : ghosts->nodes) {
    if (alive.count(g.handle->ptr)) continue;
    PyObject* obj = c.at(g.handle->ptr).obj;
    forget(g.handle);
    auto pool = make_detached_root();
    ir::Node* n = pool->model.graph->add_node(g.op_type, g.domain, g.name);
    n->set_doc_string(g.doc_string);
    for (auto& a : g.attrs) n->set_attribute(std::move(a));
    for (ir::Graph* s : n->subgraphs()) s->set_parent(pool->model.graph.get());
    g.handle->root = pool;
    g.handle->ptr = n;
    c[n] = CacheEntry{obj, g.handle};
  }
  for (auto& g : ghosts->tensors) {
    if (alive.count(g.handle->ptr)) continue;
    PyObject* obj = c.at(g.handle->ptr).obj;
    forget(g.handle);
    auto pool = make_detached_root();
    ir::Tensor* t = pool->model.graph->add_variable(g.name);
    t->info() = std::move(g.info);
    if (g.constant && g.data) t->to_constant(std::move(*g.data));
    g.handle->root = pool;
    g.handle->ptr = t;
    c[t] = CacheEntry{obj, g.handle};
  }
  for (Handle* h : ghosts->graphs) {
    if (h->ptr == top || alive.count(h->ptr)) continue;
    forget(h);
    h->ptr = nullptr;  // a subgraph of a removed node: using it raises
  }
}

}  // namespace onnxkit::python
