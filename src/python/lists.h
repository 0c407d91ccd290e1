#pragma once
// List-like proxies over IR lists (node.inputs, tensor.outputs, graph.nodes,
// graph.inputs, ...). Every mutation goes through the IR, so both sides of a
// link stay true; nothing is copied into Python until an element is read.

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace onnxkit::python {

namespace py = pybind11;

/// What one kind of list does; `owner` is the Python handle that holds it.
struct ListOps {
  virtual ~ListOps() = default;
  virtual std::size_t size() const = 0;
  virtual py::object get(std::size_t i) const = 0;
  virtual void set(std::size_t i, py::handle v) = 0;
  virtual void insert(std::size_t i, py::handle v) = 0;
  virtual void erase(std::size_t i) = 0;
  /// Replaces the whole list (elements already converted to a Python list).
  virtual void assign(const py::list& items) = 0;
  virtual void clear() {
    for (std::size_t n = size(); n > 0; --n) erase(n - 1);
  }
  /// True if `other` shows the same IR list.
  virtual bool same(const ListOps& other) const = 0;
};

/// The Python object: a ListOps plus the handle object that keeps it valid.
struct ListProxy {
  std::unique_ptr<ListOps> ops;
  py::object owner;
  py::list to_list() const;
};

/// Binds class ListProxy as `name` in `m`.
void bind_list_proxy(py::module_& m);

/// Elements of any iterable (a ListProxy included) as a fresh Python list.
py::list materialize(py::handle iterable);

}  // namespace onnxkit::python
