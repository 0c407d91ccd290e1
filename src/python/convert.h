#pragma once
// Conversions between Python values (numpy included) and IR values.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>

#include "onnxkit/ir/graph.h"

namespace onnxkit::python {

namespace py = pybind11;

/// numpy dtype of `t`, or the TensorProto code (int) where numpy has none;
/// None for kUndefined.
py::object dtype_to_py(DataType t);
/// Accepts numpy dtypes and types, dtype names and TensorProto codes; None
/// gives kUndefined. Throws TypeError otherwise.
DataType dtype_from_py(py::handle obj);

/// [int | str | None, ...], or None for an unknown rank.
py::object shape_to_py(const std::optional<Shape>& shape);
/// Accepts a sequence of int (negative: unknown), str (symbolic) or None; None: unknown rank.
std::optional<Shape> shape_from_py(py::handle obj);

/// The values of `data` as a numpy array viewing its bytes (read-only; the
/// array keeps the bytes alive). Strings give an object array of bytes.
py::array values_to_numpy(const ir::TensorData& data);
/// A TensorData holding a copy of `array`'s values.
ir::TensorData values_from_numpy(py::handle array);

/// The Python value of an attribute (int, float, str, lists, Constant, Graph).
py::object attribute_to_py(ir::Attribute& attr);
/// Sets `node`'s attribute `name` from a Python value (onnx.helper.make_attribute's rules).
void set_attribute_from_py(ir::Node* node, const std::string& name, py::handle value);

}  // namespace onnxkit::python
