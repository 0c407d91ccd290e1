#include "lists.h"

#include <pybind11/stl.h>

#include <algorithm>

namespace onnxkit::python {
namespace {

std::size_t norm_index(const ListProxy& l, py::ssize_t i, bool for_insert = false) {
  auto n = static_cast<py::ssize_t>(l.ops->size());
  if (i < 0) i += n;
  if (for_insert) return static_cast<std::size_t>(std::clamp<py::ssize_t>(i, 0, n));
  if (i < 0 || i >= n) throw py::index_error("list index out of range");
  return static_cast<std::size_t>(i);
}

}  // namespace

py::list ListProxy::to_list() const {
  py::list out;
  const std::size_t n = ops->size();
  for (std::size_t i = 0; i < n; ++i) out.append(ops->get(i));
  return out;
}

py::list materialize(py::handle iterable) {
  if (py::isinstance<ListProxy>(iterable)) return iterable.cast<const ListProxy&>().to_list();
  py::list out;
  for (py::handle v : iterable) out.append(v);
  return out;
}

void bind_list_proxy(py::module_& m) {
  py::class_<ListProxy>(m, "SynchronizedList",
                        "A list view of an IR list: every change keeps both sides of links true.")
      .def("__len__", [](const ListProxy& l) { return l.ops->size(); })
      .def("__bool__", [](const ListProxy& l) { return l.ops->size() != 0; })
      .def("__getitem__",
           [](const ListProxy& l, py::ssize_t i) { return l.ops->get(norm_index(l, i)); })
      .def("__getitem__",
           [](const ListProxy& l, const py::slice& s) -> py::object { return l.to_list()[s]; })
      .def("__setitem__",
           [](ListProxy& l, py::ssize_t i, py::handle v) { l.ops->set(norm_index(l, i), v); })
      .def("__setitem__",
           [](ListProxy& l, const py::slice& s, py::handle v) {
             py::list items = l.to_list();
             items[s] = materialize(v);
             l.ops->assign(items);
           })
      .def("__delitem__", [](ListProxy& l, py::ssize_t i) { l.ops->erase(norm_index(l, i)); })
      .def("__delitem__",
           [](ListProxy& l, const py::slice& s) {
             py::list items = l.to_list();
             PyObject_DelItem(items.ptr(), s.ptr());
             l.ops->assign(items);
           })
      .def("__iter__", [](const ListProxy& l) { return py::iter(l.to_list()); })
      .def("__reversed__",
           [](const ListProxy& l) {
             py::list items = l.to_list();
             items.attr("reverse")();
             return py::iter(items);
           })
      .def("__contains__", [](const ListProxy& l, py::handle v) { return l.to_list().contains(v); })
      .def("index", [](const ListProxy& l, py::handle v) { return l.to_list().attr("index")(v); })
      .def("count", [](const ListProxy& l, py::handle v) { return l.to_list().attr("count")(v); })
      .def("append", [](ListProxy& l, py::handle v) { l.ops->insert(l.ops->size(), v); })
      .def("extend",
           [](ListProxy& l, py::handle vs) {
             for (py::handle v : materialize(vs)) l.ops->insert(l.ops->size(), v);
           })
      .def("insert", [](ListProxy& l, py::ssize_t i,
                        py::handle v) { l.ops->insert(norm_index(l, i, true), v); })
      .def("remove",
           [](ListProxy& l, py::handle v) {
             py::list items = l.to_list();
             const std::size_t n = items.size();
             for (std::size_t i = 0; i < n; ++i) {
               if (items[i].ptr() == v.ptr()) {
                 l.ops->erase(i);
                 return;
               }
             }
             for (std::size_t i = 0; i < n; ++i) {
               if (py::reinterpret_borrow<py::object>(items[i]).equal(
                       py::reinterpret_borrow<py::object>(v))) {
                 l.ops->erase(i);
                 return;
               }
             }
             throw py::value_error("list.remove(x): x not in list");
           })
      .def(
          "pop",
          [](ListProxy& l, py::ssize_t i) {
            if (l.ops->size() == 0) throw py::index_error("pop from empty list");
            std::size_t k = norm_index(l, i);
            py::object v = l.ops->get(k);
            l.ops->erase(k);
            return v;
          },
          py::arg("index") = -1)
      .def("clear", [](ListProxy& l) { l.ops->clear(); })
      .def("copy", [](const ListProxy& l) { return l.to_list(); })
      .def("__copy__", [](const ListProxy& l) { return l.to_list(); })
      .def("__deepcopy__", [](const ListProxy& l, py::handle) { return l.to_list(); })
      .def("__iadd__",
           [](py::object self, py::handle vs) {
             auto& l = self.cast<ListProxy&>();
             for (py::handle v : materialize(vs)) l.ops->insert(l.ops->size(), v);
             return self;
           })
      .def("__add__",
           [](const ListProxy& l, py::handle other) {
             py::list out = l.to_list();
             for (py::handle v : materialize(other)) out.append(v);
             return out;
           })
      .def("__radd__",
           [](const ListProxy& l, py::handle other) {
             py::list out = materialize(other);
             for (py::handle v : l.to_list()) out.append(v);
             return out;
           })
      .def("__eq__",
           [](const ListProxy& l, py::handle other) -> py::object {
             if (!py::isinstance<ListProxy>(other) && !py::isinstance<py::list>(other) &&
                 !py::isinstance<py::tuple>(other)) {
               return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             }
             py::list mine = l.to_list();
             py::list theirs = materialize(other);
             return py::bool_(mine.equal(theirs));
           })
      .def("__repr__", [](const ListProxy& l) { return py::repr(l.to_list()); })
      .attr("__hash__") = py::none();
}

}  // namespace onnxkit::python
