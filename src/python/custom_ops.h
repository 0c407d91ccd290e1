#pragma once
// Custom operators from Python (custom_ops.cpp): the process-wide registry
// that sessions made from Python use, and its bindings.

#include <pybind11/pybind11.h>

#include <string>

#include "onnxkit/runtime/custom_op.h"

namespace onnxkit::python {

namespace py = pybind11;

/// Custom ops registered from Python (plug-ins and Python kernels). A
/// session made from Python calls python_custom_ops().configure(options)
/// (onnxkit.SessionOptions' runtime_options() does, and its method
/// register_custom_ops_library(path) calls the function below).
runtime::CustomOpRegistry& python_custom_ops();

/// onnxkit.register_custom_ops_library(path); what
/// SessionOptions.register_custom_ops_library(path) calls.
void register_custom_ops_library(const std::string& path);

/// register_custom_ops_library, register_op, _run_with_custom_ops.
void bind_custom_ops(py::module_& m);

}  // namespace onnxkit::python
