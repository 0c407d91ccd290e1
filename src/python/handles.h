#pragma once
// Python handles on IR objects. Ownership stays in the IR: every object lives
// in a Root (an imported or built model, or the hidden graph that holds
// standalone objects made in Python), and every Python handle keeps its Root
// alive. Handles are made lazily, one per object (a cache keeps `a is b`
// true), and move with their object when a graph adopts it.

#include <pybind11/pybind11.h>

#include <memory>
#include <vector>

#include "onnxkit/ir/model.h"

namespace onnxkit::python {

namespace py = pybind11;

/// One tree of IR objects reachable from Python.
struct Root {
  ir::Model model;  ///< model.graph is the top graph (never null while registered)
  /// True for the hidden graph of standalone objects (gs.Variable(...),
  /// gs.Node(...), nodes taken out of a graph): its tensors move into the graph
  /// of whatever links them.
  bool detached = false;
  /// Roots whose tensors this root's nodes read (kept alive for them).
  std::vector<std::shared_ptr<Root>> keep;

  Root() = default;
  ~Root();
  Root(const Root&) = delete;
  Root& operator=(const Root&) = delete;
};

/// A new Root owning `model` (which must have a graph).
std::shared_ptr<Root> make_root(ir::Model model, bool detached);
/// A new detached Root with an empty graph.
std::shared_ptr<Root> make_detached_root();
/// The Root whose tree contains `graph`.
std::shared_ptr<Root> root_of(const ir::Graph* graph);
/// Forgets that `graph` is a top graph (it was moved into an attribute).
void unregister_top_graph(const ir::Graph* graph);
/// Registers `graph` (now owned by `root`) as a top graph.
void register_top_graph(const ir::Graph* graph, const std::shared_ptr<Root>& root);

/// The Python side of one IR object: its Root and the object (null once the
/// object was destroyed, e.g. by cleanup(); using it then raises).
struct Handle {
  std::shared_ptr<Root> root;
  void* ptr = nullptr;
  Handle(std::shared_ptr<Root> r, void* p) : root(std::move(r)), ptr(p) {}
  virtual ~Handle();
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};
struct NodeHandle : Handle {
  using Handle::Handle;
  ir::Node* get() const;
};
struct TensorHandle : Handle {
  using Handle::Handle;
  ir::Tensor* get() const;
};
struct GraphHandle : Handle {
  using Handle::Handle;
  ir::Graph* get() const;
};

/// Python classes used for new handles (onnxkit.gs registers its subclasses).
void set_classes(py::handle graph, py::handle node, py::handle variable, py::handle constant);
/// Sets the Python class of a tensor handle from its kind (Variable/Constant).
void refresh_tensor_class(py::handle obj, const ir::Tensor* t);

/// The handle of an object (made on first use); None for null.
py::object wrap(ir::Node* node);
py::object wrap(ir::Tensor* tensor);
py::object wrap(ir::Graph* graph);

/// Handles alive for objects of `root`.
std::vector<Handle*> handles_of(const Root* root);
/// The handle of `ptr`, or null.
Handle* find_handle(const void* ptr);

// ---- moving objects between roots
/// Makes `tensor` usable by objects of `graph`: a standalone tensor moves into
/// `graph`; a tensor of another model stays, and `graph`'s root keeps it alive.
void link_tensor(ir::Graph* graph, ir::Tensor* tensor);
/// Inserts standalone `node` into `graph` before `index` (its tensors follow).
/// Throws ValueError if the node already belongs to a graph.
void adopt_node(ir::Graph* graph, ir::Node* node, std::size_t index);
/// Takes the node at `index` out of `graph`: into a standalone root when
/// Python holds it (links kept), destroyed otherwise.
void release_node(ir::Graph* graph, std::size_t index);
/// Makes `g` the subgraph in `slot` of `node`: a top graph moves; any other
/// graph is copied. The previous subgraph in the slot is handed to
/// evict_graph().
void place_subgraph(ir::Node* node, std::unique_ptr<ir::Graph>& slot, ir::Graph* g);
/// A subgraph leaving its node: it survives in a root of its own when Python
/// holds anything in it, and is destroyed otherwise.
void evict_graph(std::unique_ptr<ir::Graph> g, const std::shared_ptr<Root>& from);

/// Runs `op` (which may destroy nodes and tensors of `root`'s tree) so that
/// handles never dangle: objects Python holds that `op` destroys come back as
/// standalone, disconnected copies (as onnx-graphsurgeon's removed nodes stay
/// usable Python objects).
template <class Op>
void guarded(const std::shared_ptr<Root>& root, Op&& op);

struct Ghosts;
struct GhostsDeleter {
  void operator()(Ghosts* g) const;
};
using GhostsPtr = std::unique_ptr<Ghosts, GhostsDeleter>;
GhostsPtr snapshot_handles(const std::shared_ptr<Root>& root);
void restore_handles(const std::shared_ptr<Root>& root, GhostsPtr ghosts);

template <class Op>
void guarded(const std::shared_ptr<Root>& root, Op&& op) {
  GhostsPtr ghosts = snapshot_handles(root);
  op();
  restore_handles(root, std::move(ghosts));
}

/// Raised for a handle whose object is gone.
[[noreturn]] void throw_dead(const char* what);

}  // namespace onnxkit::python
