#include "convert.h"

#include <cstring>

#include "handles.h"

namespace onnxkit::python {
namespace {

struct NumpyName {
  DataType type;
  const char* name;
};
constexpr NumpyName kNumpyNames[] = {
    {DataType::kFloat, "float32"},
    {DataType::kUint8, "uint8"},
    {DataType::kInt8, "int8"},
    {DataType::kUint16, "uint16"},
    {DataType::kInt16, "int16"},
    {DataType::kInt32, "int32"},
    {DataType::kInt64, "int64"},
    {DataType::kString, "object"},
    {DataType::kBool, "bool"},
    {DataType::kFloat16, "float16"},
    {DataType::kDouble, "float64"},
    {DataType::kUint32, "uint32"},
    {DataType::kUint64, "uint64"},
    {DataType::kComplex64, "complex64"},
    {DataType::kComplex128, "complex128"},
};

const char* numpy_name(DataType t) {
  for (const auto& n : kNumpyNames) {
    if (n.type == t) return n.name;
  }
  return nullptr;
}

std::int64_t as_int(py::handle v) {
  return py::int_(py::reinterpret_borrow<py::object>(v)).cast<std::int64_t>();
}
float as_float(py::handle v) {
  return py::float_(py::reinterpret_borrow<py::object>(v)).cast<float>();
}

py::module_& numpy() {
  static py::module_* np = new py::module_(py::module_::import("numpy"));
  return *np;
}

}  // namespace

py::object dtype_to_py(DataType t) {
  if (t == DataType::kUndefined) return py::none();
  if (const char* name = numpy_name(t)) return py::dtype(std::string(name));
  return py::int_(static_cast<int>(t));
}

DataType dtype_from_py(py::handle obj) {
  if (obj.is_none()) return DataType::kUndefined;
  if (py::isinstance<py::int_>(obj) && !py::isinstance<py::bool_>(obj)) {
    int code = obj.cast<int>();
    if (code == 0 || data_type_known(code)) return static_cast<DataType>(code);
    throw py::type_error("unknown TensorProto data type " + std::to_string(code));
  }
  if (py::isinstance<py::str>(obj)) {
    if (auto t = data_type_from_name(obj.cast<std::string>())) return *t;
  }
  py::object dt;
  try {
    dt = numpy().attr("dtype")(obj);
  } catch (py::error_already_set&) {
    throw py::type_error("not a data type: " + py::repr(obj).cast<std::string>());
  }
  std::string name = dt.attr("name").cast<std::string>();
  if (name.rfind("str", 0) == 0 || name.rfind("bytes", 0) == 0) return DataType::kString;
  for (const auto& n : kNumpyNames) {
    if (name == n.name) return n.type;
  }
  throw py::type_error("numpy dtype '" + name + "' has no ONNX equivalent");
}

py::object shape_to_py(const std::optional<Shape>& shape) {
  if (!shape) return py::none();
  py::list out;
  for (const Dim& d : *shape) {
    if (d.is_value()) {
      out.append(py::int_(d.value));
    } else if (d.is_param()) {
      out.append(py::str(d.param));
    } else {
      out.append(py::none());
    }
  }
  return out;
}

std::optional<Shape> shape_from_py(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  Shape shape;
  for (py::handle d : obj) {
    if (d.is_none()) {
      shape.push_back(Dim::unknown());
    } else if (py::isinstance<py::str>(d)) {
      shape.push_back(Dim::named(d.cast<std::string>()));
    } else {
      auto v = as_int(d);
      shape.push_back(v < 0 ? Dim::unknown() : Dim::of(v));
    }
  }
  return shape;
}

py::array values_to_numpy(const ir::TensorData& data) {
  std::vector<py::ssize_t> shape(data.dims.begin(), data.dims.end());
  if (data.data_type == DataType::kString) {
    py::list items;
    for (const std::string& s : data.string_data) items.append(py::bytes(s));
    py::object arr = numpy().attr("array")(items, py::arg("dtype") = "object");
    return arr.attr("reshape")(py::tuple(py::cast(shape)));
  }
  const char* name = numpy_name(data.data_type);
  if (name == nullptr) {
    throw py::type_error("values of " + std::string(data_type_name(data.data_type)) +
                         " tensors have no numpy type (not supported yet)");
  }
  auto* keeper = new Buffer(data.bytes());
  py::capsule base(keeper, [](void* p) { delete static_cast<Buffer*>(p); });
  py::dtype dt{std::string(name)};
  const auto expected = data.byte_size();
  if (expected && *expected != keeper->size()) {
    throw py::value_error("tensor '" + data.name + "' holds " + std::to_string(keeper->size()) +
                          " bytes, its dims say " + std::to_string(*expected));
  }
  py::array arr(dt, shape, {}, keeper->bytes().data(), base);
  arr.attr("setflags")(py::arg("write") = false);
  return arr;
}

ir::TensorData values_from_numpy(py::handle value) {
  py::object arr = numpy().attr("ascontiguousarray")(value);
  ir::TensorData data;
  std::string kind = arr.attr("dtype").attr("kind").cast<std::string>();
  for (py::handle d : arr.attr("shape")) data.dims.push_back(d.cast<std::int64_t>());
  if (kind == "O" || kind == "U" || kind == "S") {
    data.data_type = DataType::kString;
    for (py::handle item : arr.attr("ravel")().attr("tolist")()) {
      if (py::isinstance<py::bytes>(item)) {
        data.string_data.push_back(item.cast<std::string>());
      } else {
        data.string_data.push_back(py::str(item).cast<std::string>());
      }
    }
    return data;
  }
  data.data_type = dtype_from_py(arr.attr("dtype"));
  py::buffer_info info = py::array(arr).request();
  const auto* p = static_cast<const std::byte*>(info.ptr);
  auto n = static_cast<std::size_t>(info.size * info.itemsize);
  data.set_raw(Buffer::owned(std::vector<std::byte>(p, p + n)));
  data.has_raw_data = true;
  return data;
}

py::object attribute_to_py(ir::Attribute& a) {
  using T = ir::AttributeType;
  auto str = [](const std::string& s) -> py::object {
    PyObject* u = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), nullptr);
    if (u == nullptr) {
      PyErr_Clear();
      return py::bytes(s);
    }
    return py::reinterpret_steal<py::object>(u);
  };
  auto constant = [](const ir::TensorData& d) {
    auto pool = make_detached_root();
    return wrap(pool->model.graph->add_constant(d.name, d));
  };
  switch (a.type) {
    case T::kFloat:
      return py::float_(a.f);
    case T::kInt:
      return py::int_(a.i);
    case T::kString:
      return str(a.s);
    case T::kFloats:
      return py::cast(a.floats);
    case T::kInts:
      return py::cast(a.ints);
    case T::kStrings: {
      py::list l;
      for (const auto& s : a.strings) l.append(str(s));
      return l;
    }
    case T::kTensor:
      return a.t ? constant(*a.t) : py::none();
    case T::kTensors: {
      py::list l;
      for (const auto& t : a.tensors) l.append(constant(t));
      return l;
    }
    case T::kGraph:
      return wrap(a.g.get());
    case T::kGraphs: {
      py::list l;
      for (const auto& g : a.graphs) l.append(wrap(g.get()));
      return l;
    }
    default:
      throw py::type_error("attribute '" + a.name + "' of type " +
                           std::string(ir::attribute_type_name(a.type)) +
                           " is not supported in Python yet");
  }
}

namespace {

bool is_tensor_handle(py::handle v) { return py::isinstance<TensorHandle>(v); }
bool is_graph_handle(py::handle v) { return py::isinstance<GraphHandle>(v); }
bool is_integral(py::handle v) {
  return py::isinstance<py::int_>(v) || py::isinstance(v, numpy().attr("integer")) ||
         py::isinstance(v, numpy().attr("bool_"));
}
bool is_real(py::handle v) {
  return is_integral(v) || py::isinstance<py::float_>(v) ||
         py::isinstance(v, numpy().attr("floating"));
}
bool is_text(py::handle v) { return py::isinstance<py::str>(v) || py::isinstance<py::bytes>(v); }
std::string text(py::handle v) {
  if (py::isinstance<py::bytes>(v)) return v.cast<std::string>();
  return py::str(v).cast<std::string>();
}

ir::TensorData constant_data(py::handle v) {
  ir::Tensor* t = v.cast<TensorHandle&>().get();
  if (t->data() == nullptr) {
    throw py::type_error("tensor attribute values must be Constants; '" + t->name() +
                         "' is a Variable");
  }
  return *t->data();
}

}  // namespace

void set_attribute_from_py(ir::Node* node, const std::string& name, py::handle value) {
  using T = ir::AttributeType;
  ir::Attribute a;
  a.name = name;
  py::object v = py::reinterpret_borrow<py::object>(value);
  // Replacing a graph attribute: its subgraphs leave the node (kept alive if Python holds them).
  auto evict_old = [&] {
    if (ir::Attribute* old = node->attribute(name)) {
      auto from = root_of(node->graph());
      evict_graph(std::move(old->g), from);
      for (auto& g : old->graphs) evict_graph(std::move(g), from);
      old->graphs.clear();
    }
  };
  if (py::isinstance(v, numpy().attr("ndarray"))) v = v.attr("tolist")();
  // A dtype given as a type (np.float32) or np.dtype means its TensorProto code.
  if (py::isinstance(v, numpy().attr("dtype")) || (PyType_Check(v.ptr()) && !is_tensor_handle(v))) {
    a.type = T::kInt;
    a.i = static_cast<std::int64_t>(dtype_from_py(v));
  } else if (py::isinstance<py::bool_>(v) || is_integral(v)) {
    a.type = T::kInt;
    a.i = as_int(v);
  } else if (is_real(v)) {
    a.type = T::kFloat;
    a.f = as_float(v);
  } else if (is_text(v)) {
    a.type = T::kString;
    a.s = text(v);
  } else if (is_tensor_handle(v)) {
    a.type = T::kTensor;
    a.t = std::make_unique<ir::TensorData>(constant_data(v));
  } else if (is_graph_handle(v)) {
    a.type = T::kGraph;
    evict_old();
    node->set_attribute(std::move(a));
    ir::Attribute* slot = node->attribute(name);
    place_subgraph(node, slot->g, v.cast<GraphHandle&>().get());
    return;
  } else if (py::isinstance<py::sequence>(v)) {
    py::list items(v);
    bool all_int = true, all_real = true, all_text = true, all_tensor = true, all_graph = true;
    for (py::handle it : items) {
      all_int = all_int && is_integral(it);
      all_real = all_real && is_real(it);
      all_text = all_text && is_text(it);
      all_tensor = all_tensor && is_tensor_handle(it);
      all_graph = all_graph && is_graph_handle(it);
    }
    if (items.empty() || all_int) {
      a.type = T::kInts;
      for (py::handle it : items) a.ints.push_back(as_int(it));
    } else if (all_real) {
      a.type = T::kFloats;
      for (py::handle it : items) a.floats.push_back(as_float(it));
    } else if (all_text) {
      a.type = T::kStrings;
      for (py::handle it : items) a.strings.push_back(text(it));
    } else if (all_tensor) {
      a.type = T::kTensors;
      for (py::handle it : items) a.tensors.push_back(constant_data(it));
    } else if (all_graph) {
      a.type = T::kGraphs;
      evict_old();
      node->set_attribute(std::move(a));
      ir::Attribute* slot = node->attribute(name);
      for (py::handle it : items) {
        slot->graphs.emplace_back();
        place_subgraph(node, slot->graphs.back(), it.cast<GraphHandle&>().get());
      }
      return;
    } else {
      throw py::type_error("attribute '" + name + "': cannot infer an ONNX type for " +
                           py::repr(v).cast<std::string>());
    }
  } else {
    throw py::type_error("attribute '" + name + "': unsupported value " +
                         py::repr(v).cast<std::string>());
  }
  evict_old();
  node->set_attribute(std::move(a));
}

}  // namespace onnxkit::python
