// Custom operators from Python: plug-in libraries (register_custom_ops_library)
// and Python kernels (register_op), both into one process-wide registry that
// sessions made from Python use (python_custom_ops()).

#include "custom_ops.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <filesystem>

#include "convert.h"
#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/runtime/session.h"

namespace onnxkit::python {
namespace {

using runtime::KernelContext;
using runtime::Value;

/// A Python object whose last reference may go on any thread: dropped under the GIL.
std::shared_ptr<py::object> keep(py::object o) {
  return std::shared_ptr<py::object>(new py::object(std::move(o)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

py::array to_numpy(const Value& v) {
  if (v.dtype() == DataType::kString) {
    py::list items;
    for (const std::string& s : v.string_data()) items.append(py::bytes(s));
    return py::array(items).attr("reshape")(v.dims());
  }
  py::object dt = dtype_to_py(v.dtype());
  if (!py::isinstance<py::dtype>(dt)) {
    fail("", "a Python kernel cannot take " + v.describe() + " (no numpy type)");
  }
  // A read-only view: the capsule keeps the value's storage alive.
  auto* keeper = new Value(v);
  py::capsule base(keeper, [](void* p) { delete static_cast<Value*>(p); });
  std::vector<py::ssize_t> shape(v.dims().begin(), v.dims().end());
  py::array a(py::reinterpret_borrow<py::dtype>(dt), shape, v.raw_data(), base);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

std::string shape_text(const std::vector<std::int64_t>& dims) {
  return runtime::dims_to_string(dims);
}

/// What register_op() was given.
struct PythonOp {
  std::string name;  // "devtech::FooOp"
  std::shared_ptr<py::object> fn, shape_rule;
  std::size_t num_outputs = 1;
  std::vector<DataType> output_dtypes;  // empty: each output has input 0's type
};

/// Output shapes from the shape rule (or input 0's shape when there is none).
std::vector<py::object> expected_shapes(const PythonOp& op, const py::list& input_shapes) {
  std::vector<py::object> out;
  if (!op.shape_rule || op.shape_rule->is_none()) {
    for (std::size_t i = 0; i < op.num_outputs; ++i)
      out.push_back(input_shapes.size() ? py::object(input_shapes[0]) : py::object(py::none()));
    return out;
  }
  py::object r = (*op.shape_rule)(input_shapes);
  // One output: a shape, or a list holding one shape.
  const bool list_of_one =
      py::isinstance<py::list>(r) && py::len(r) == 1 &&
      (py::isinstance<py::list>(r[py::int_(0)]) || py::isinstance<py::tuple>(r[py::int_(0)]));
  if (op.num_outputs == 1 && list_of_one) {
    out.push_back(r[py::int_(0)]);
  } else if (op.num_outputs == 1) {
    out.push_back(r);
  } else {
    for (py::handle h : r) out.push_back(py::reinterpret_borrow<py::object>(h));
  }
  if (out.size() != op.num_outputs) {
    fail("", op.name + " shape_rule returned " + std::to_string(out.size()) + " shapes for " +
                 std::to_string(op.num_outputs) + " outputs");
  }
  return out;
}

void run_python_kernel(const PythonOp& op, KernelContext& ctx) {
  py::gil_scoped_acquire gil;
  try {
    py::list args, shapes;
    DataType first = DataType::kUndefined;
    for (std::size_t i = 0; i < ctx.input_count(); ++i) {
      const Value* v = ctx.input(i);
      if (v == nullptr) {
        args.append(py::none());
        shapes.append(py::none());
        continue;
      }
      if (i == 0) first = v->dtype();
      args.append(to_numpy(*v));
      shapes.append(py::tuple(py::cast(v->dims())));
    }
    py::object result = (*op.fn)(*args);
    std::vector<py::object> results;
    if (op.num_outputs == 1 && !py::isinstance<py::tuple>(result) &&
        !py::isinstance<py::list>(result)) {
      results.push_back(result);
    } else {
      for (py::handle h : result) results.push_back(py::reinterpret_borrow<py::object>(h));
    }
    if (results.size() != op.num_outputs) {
      fail("", "the Python kernel of " + op.name + " returned " + std::to_string(results.size()) +
                   " outputs, expected " + std::to_string(op.num_outputs));
    }
    const std::vector<py::object> want_shapes = expected_shapes(op, shapes);
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (i >= ctx.output_count()) break;  // trailing outputs the node omits
      py::array a = py::array::ensure(results[i]);
      if (!a)
        fail("", "the Python kernel of " + op.name + " returned output " + std::to_string(i) +
                     " that is not an array");
      const DataType want = i < op.output_dtypes.size() ? op.output_dtypes[i] : first;
      const DataType got = dtype_from_py(a.dtype());
      if (got != want) {
        fail("", "the Python kernel of " + op.name + " returned output " + std::to_string(i) +
                     " of dtype " + std::string(data_type_name(got)) + ", expected " +
                     std::string(data_type_name(want)));
      }
      runtime::Dims dims(a.shape(), a.shape() + a.ndim());
      if (!want_shapes[i].is_none()) {
        runtime::Dims expect;
        for (py::handle d : want_shapes[i]) expect.push_back(d.cast<std::int64_t>());
        if (expect != dims) {
          fail("", "the Python kernel of " + op.name + " returned output " + std::to_string(i) +
                       " of shape " + shape_text(dims) + ", expected " + shape_text(expect) +
                       " (from its shape_rule)");
        }
      }
      if (want == DataType::kString) fail("", "Python kernels cannot return strings yet");
      py::array c = py::array::ensure(a, py::array::c_style);
      Value& out = ctx.output(i, want, dims);
      std::memcpy(out.mutable_bytes().data(), c.data(), out.byte_size());
    }
  } catch (py::error_already_set& e) {
    fail("", "the Python kernel of " + op.name + " raised " + e.what());
  }
}

/// A shape rule as an inference function for check and infer (symbolic dims as str).
schema::InferenceFunction inference_of(std::shared_ptr<PythonOp> op) {
  return [op](const ir::Node&, const std::vector<ir::Type>& inputs) {
    py::gil_scoped_acquire gil;
    std::vector<ir::Type> out(op->num_outputs);
    if (inputs.empty() || !inputs[0].is_tensor()) return out;
    py::list shapes;
    for (const ir::Type& t : inputs) {
      py::object s = t.is_tensor()
                         ? shape_to_py(t.dims() ? std::optional<Shape>(*t.dims()) : std::nullopt)
                         : py::none();
      shapes.append(s.is_none() ? s : py::tuple(s));
    }
    std::vector<py::object> rule;
    try {
      rule = expected_shapes(*op, shapes);
    } catch (py::error_already_set& e) {
      fail("", op->name + " shape_rule raised " + e.what());
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      const DataType elem =
          i < op->output_dtypes.size() ? op->output_dtypes[i] : inputs[0].elem_type;
      out[i] = ir::Type::tensor(elem, rule[i].is_none() ? std::nullopt : shape_from_py(rule[i]));
    }
    return out;
  };
}

void register_op(const std::string& domain, const std::string& op_type, py::object fn,
                 py::object shape_rule, std::size_t num_inputs, std::size_t num_outputs,
                 py::object output_dtypes) {
  if (!PyCallable_Check(fn.ptr())) throw py::type_error("register_op: fn must be callable");
  if (!shape_rule.is_none() && !PyCallable_Check(shape_rule.ptr())) {
    throw py::type_error("register_op: shape_rule must be callable or None");
  }
  auto op = std::make_shared<PythonOp>();
  op->name = domain.empty() ? op_type : domain + "::" + op_type;
  op->fn = keep(fn);
  op->shape_rule = keep(shape_rule);
  op->num_outputs = num_outputs;
  if (!output_dtypes.is_none()) {
    for (py::handle h : output_dtypes) op->output_dtypes.push_back(dtype_from_py(h));
  }
  runtime::CustomOpRegistry& registry = python_custom_ops();

  // The schema: inputs of any type (input 0's type T is the outputs' unless given).
  schema::OpSchema s;
  s.domain = domain;
  s.name = op_type;
  std::vector<std::string> any;
  for (const char* t : {"float", "double", "float16", "int8", "int16", "int32", "int64", "uint8",
                        "uint16", "uint32", "uint64", "bool"}) {
    any.push_back("tensor(" + std::string(t) + ")");
  }
  for (std::size_t i = 0; i < num_inputs; ++i) {
    const std::string param = "T" + std::to_string(i);
    s.inputs.push_back({i == 0 ? "X" : "X" + std::to_string(i), param});
    s.type_constraints.push_back({param, any});
  }
  for (std::size_t i = 0; i < num_outputs; ++i) {
    std::string type = "T0";
    if (i < op->output_dtypes.size())
      type = "tensor(" + std::string(data_type_name(op->output_dtypes[i])) + ")";
    s.outputs.push_back({i == 0 ? "Y" : "Y" + std::to_string(i), type});
  }
  s.inference = "python:" + op->name;

  runtime::KernelDef def;
  def.domain = domain;
  def.op = op_type;
  def.prepare = [op](const runtime::KernelInfo&) {
    return runtime::make_kernel([op](KernelContext& ctx) { run_python_kernel(*op, ctx); });
  };
  if (registry.schemas().inference_function(s.inference) == nullptr) {
    registry.schemas().add_inference_function(s.inference, inference_of(op));
  }
  const bool declared = registry.schemas().find(domain, op_type, 1) != nullptr;
  registry.add_kernel(std::move(def), "python");
  if (!declared) registry.schemas().add(std::move(s));
}

py::list run_with_custom_ops(const std::string& path, const py::dict& feeds) {
  const ir::Model model = proto::read_model_file(path);
  runtime::SessionOptions options;
  python_custom_ops().configure(options);
  const runtime::Session session(model, options);
  runtime::NamedValues values;
  for (auto [k, v] : feeds) {
    py::array a = py::array::ensure(v, py::array::c_style);
    const DataType t = dtype_from_py(a.dtype());
    Value x = Value::tensor(t, runtime::Dims(a.shape(), a.shape() + a.ndim()));
    std::memcpy(x.mutable_bytes().data(), a.data(), x.byte_size());
    values.emplace_back(k.cast<std::string>(), std::move(x));
  }
  runtime::NamedValues out;
  {
    py::gil_scoped_release release;  // Python kernels take it back
    out = session.run(values);
  }
  py::list result;
  for (const auto& [name, v] : out) result.append(to_numpy(v).attr("copy")());
  return result;
}

}  // namespace

runtime::CustomOpRegistry& python_custom_ops() {
  // Never destroyed: Python kernels hold Python objects, which must not be
  // released after the interpreter is gone.
  static auto* registry = new runtime::CustomOpRegistry();
  return *registry;
}

void register_custom_ops_library(const std::string& path) {
  python_custom_ops().load_library(path);
}

void bind_custom_ops(py::module_& m) {
  m.def("register_custom_ops_library", &register_custom_ops_library, py::arg("path"),
        "Loads a custom-op plug-in library (onnxkit/plugin/onnxkit_plugin.h): its schemas and "
        "kernels are "
        "used by every session made from Python. Raises onnxkit.Error on a bad path, a library "
        "without "
        "the entry point, an ABI mismatch, or an op already registered.");
  m.def("register_op", &register_op, py::arg("domain"), py::arg("op_type"), py::arg("fn"),
        py::arg("shape_rule") = py::none(), py::arg("num_inputs") = 1, py::arg("num_outputs") = 1,
        py::arg("output_dtypes") = py::none(),
        "Registers a Python kernel: fn(*inputs) takes numpy arrays (read-only views) and returns "
        "one array "
        "(or a tuple, num_outputs > 1). shape_rule(input_shapes) -> output shape(s) (tuples; "
        "symbolic dims "
        "are str, unknown None) feeds check/infer and is checked against what fn returns; default "
        "None: "
        "each output has input 0's shape. output_dtypes (default: input 0's dtype) likewise.");
  m.def("_run_with_custom_ops", &run_with_custom_ops, py::arg("path"), py::arg("feeds"),
        "Runs a model with the registered custom ops (interim, until onnxkit.InferenceSession): "
        "returns the outputs as a list of numpy arrays.");
}

}  // namespace onnxkit::python
