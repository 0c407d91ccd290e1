#pragma once
// Bindings over the runtime and passes layers: onnxkit.InferenceSession and
// SessionOptions (session.cpp), and the folding behind
// onnxkit.gs.Graph.fold_constants() (folding.cpp).

#include <pybind11/pybind11.h>

namespace onnxkit::python {

namespace py = pybind11;

void bind_session(py::module_& m);
void bind_folding(py::module_& m);

}  // namespace onnxkit::python
