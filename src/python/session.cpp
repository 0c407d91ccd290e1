// onnxkit.InferenceSession and onnxkit.SessionOptions: ONNX Runtime's Python
// API over runtime::Session, created through passes::make_session so that
// graph optimizations apply. numpy arrays cross without copies where the
// memory allows: inputs are viewed in place, outputs are arrays over the
// runtime's buffers.

#include "onnxkit/runtime/session.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "convert.h"
#include "custom_ops.h"
#include "onnxkit/core/error.h"
#include "onnxkit/passes/pass_manager.h"
#include "onnxkit/passes/session_factory.h"
#include "onnxkit/proto/reader.h"
#include "runtime_bindings.h"

namespace onnxkit::python {
namespace {

using runtime::Value;

constexpr const char* kCpuProvider = "CPUExecutionProvider";

/// ONNX Runtime's GraphOptimizationLevel values.
enum class GraphOptimizationLevel : int {
  ORT_DISABLE_ALL = 0,
  ORT_ENABLE_BASIC = 1,
  ORT_ENABLE_EXTENDED = 2,
  ORT_ENABLE_ALL = 99,
};

/// onnxkit.SessionOptions. Options that ONNX Runtime has and onnxkit does not
/// are absent rather than accepted and ignored. Custom-op libraries attach
/// here (register_custom_ops_library) and reach the session through
/// runtime_options().
struct PySessionOptions {
  /// Intra-op threads; 0 (the default, as ONNX Runtime) uses every core.
  int intra_op_num_threads = 0;
  GraphOptimizationLevel graph_optimization_level = GraphOptimizationLevel::ORT_ENABLE_ALL;

  runtime::SessionOptions runtime_options() const {
    runtime::SessionOptions o;
    o.threads = intra_op_num_threads;
    o.optimization_level = graph_optimization_level == GraphOptimizationLevel::ORT_DISABLE_ALL
                               ? passes::kOptimizeNone
                               : passes::kOptimizeBasic;
    python_custom_ops().configure(o);
    return o;
  }
};

/// onnxruntime.NodeArg: a graph input or output.
struct NodeArg {
  std::string name;
  py::object shape;  // [int | str | None, ...]
  std::string type;  // "tensor(float)"
};

NodeArg node_arg(const runtime::ValueInfo& info) {
  NodeArg a;
  a.name = info.name;
  a.shape = info.shape ? shape_to_py(info.shape) : py::list();
  a.type = "tensor(" + std::string(data_type_name(info.dtype)) + ")";
  return a;
}

/// Keeps a Python object alive from C++ code that may run without the GIL.
std::shared_ptr<const void> keep_alive(py::object obj) {
  return std::shared_ptr<const void>(new py::object(std::move(obj)), [](const void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<const py::object*>(p);
  });
}

/// A runtime value viewing `obj` (a numpy array or anything numpy.asarray takes).
Value value_from_py(const std::string& name, py::handle obj) {
  py::module_ np = py::module_::import("numpy");
  py::array arr = np.attr("ascontiguousarray")(obj);
  runtime::Dims dims(arr.shape(), arr.shape() + arr.ndim());
  const std::string kind(1, arr.dtype().kind());
  if (kind == "U" || kind == "S" || kind == "O") {
    std::vector<std::string> strings;
    for (py::handle item : arr.attr("ravel")()) {
      strings.push_back(py::isinstance<py::bytes>(item) ? item.cast<std::string>()
                                                        : py::str(item).cast<std::string>());
    }
    return Value::strings(std::move(dims), std::move(strings));
  }
  DataType dtype;
  try {
    dtype = dtype_from_py(arr.dtype());
  } catch (const py::type_error& e) {
    throw py::type_error("input '" + name + "': " + e.what());
  }
  const auto* data = static_cast<const std::byte*>(arr.data());
  const std::size_t bytes = static_cast<std::size_t>(arr.nbytes());
  return Value::view(dtype, std::move(dims), {data, bytes}, keep_alive(arr));
}

/// A writable numpy array over `v`'s storage, or a copy when the runtime's
/// value is read-only (bfloat16, which numpy lacks, becomes float32).
py::object value_to_py(const Value& v) {
  if (!v.is_tensor()) return py::none();
  std::vector<py::ssize_t> shape(v.dims().begin(), v.dims().end());
  if (v.dtype() == DataType::kString) {
    py::list items;
    for (const std::string& s : v.string_data()) items.append(py::str(s));
    py::module_ np = py::module_::import("numpy");
    return np.attr("array")(items, py::arg("dtype") = "object")
        .attr("reshape")(py::tuple(py::cast(shape)));
  }
  if (v.dtype() == DataType::kBfloat16) {
    py::array_t<float> out(shape);
    const auto* bits = reinterpret_cast<const std::uint16_t*>(v.raw_data());
    float* dst = out.mutable_data();
    for (std::int64_t i = 0; i < v.size(); ++i) {
      const std::uint32_t w = static_cast<std::uint32_t>(bits[i]) << 16;
      std::memcpy(dst + i, &w, sizeof(float));
    }
    return out;
  }
  py::object dt = dtype_to_py(v.dtype());
  if (!py::isinstance<py::dtype>(dt)) {
    throw Error("output",
                "values of " + std::string(data_type_name(v.dtype())) + " have no numpy type");
  }
  if (!v.writable()) {
    // A constant or a view of an input: copied, so that writing into the
    // array (ONNX Runtime's outputs are writable) cannot change the session.
    py::array arr(dt.cast<py::dtype>(), shape);
    std::memcpy(arr.mutable_data(), v.raw_data(), v.byte_size());
    return arr;
  }
  auto* keeper = new Value(v);
  py::capsule base(keeper, [](void* p) { delete static_cast<Value*>(p); });
  return py::array(dt.cast<py::dtype>(), shape, {}, v.raw_data(), base);
}

/// Providers asked for, as ONNX Runtime takes them (names, or (name, options)).
std::vector<std::string> provider_names(py::handle providers) {
  std::vector<std::string> out;
  if (providers.is_none()) return out;
  for (py::handle p : providers) {
    out.push_back(py::isinstance<py::str>(p) ? p.cast<std::string>()
                                             : py::handle(p[py::int_(0)]).cast<std::string>());
  }
  return out;
}

class InferenceSession {
 public:
  InferenceSession(py::object model, std::optional<PySessionOptions> options, py::object providers)
      : options_(options.value_or(PySessionOptions())) {
    for (const std::string& p : provider_names(providers)) {
      if (p != kCpuProvider) {
        PyErr_WarnEx(
            PyExc_UserWarning,
            ("onnxkit: provider '" + p + "' is not available; available: ['" + kCpuProvider + "']")
                .c_str(),
            1);
      }
    }
    ir::Model ir_model;
    if (py::hasattr(model, "SerializeToString")) model = model.attr("SerializeToString")();
    if (py::isinstance<py::bytes>(model)) {
      std::string_view bytes = model.cast<std::string_view>();
      Buffer buf = Buffer::owned(bytes);
      py::gil_scoped_release unlocked;
      ir_model = proto::read_model(buf);
    } else if (py::isinstance<py::str>(model) || py::hasattr(model, "__fspath__")) {
      const std::filesystem::path path =
          py::module_::import("os").attr("fspath")(model).cast<std::string>();
      py::gil_scoped_release unlocked;
      ir_model = proto::read_model_file(path);
    } else {
      throw py::type_error("InferenceSession expects a path, bytes or an onnx.ModelProto, got " +
                           py::str(py::type::of(model).attr("__name__")).cast<std::string>());
    }
    const runtime::SessionOptions ro = options_.runtime_options();
    py::gil_scoped_release unlocked;
    session_ = passes::make_session(ir_model, ro);
  }

  py::list run(py::object output_names, py::dict input_feed) const {
    runtime::NamedValues feeds;
    for (auto [k, v] : input_feed) {
      const std::string name = py::str(k).cast<std::string>();
      feeds.emplace_back(name, value_from_py(name, v));
    }
    std::vector<std::string> names;
    if (!output_names.is_none()) names = output_names.cast<std::vector<std::string>>();
    runtime::NamedValues outputs;
    {
      py::gil_scoped_release unlocked;
      outputs = session_->run(feeds, names);
      feeds.clear();  // drops input views (their keepers take the GIL)
    }
    py::list out;
    for (const auto& [name, value] : outputs) out.append(value_to_py(value));
    return out;
  }

  std::vector<NodeArg> inputs() const {
    std::vector<NodeArg> out;
    for (const auto& i : session_->inputs()) out.push_back(node_arg(i));
    return out;
  }
  std::vector<NodeArg> outputs() const {
    std::vector<NodeArg> out;
    for (const auto& o : session_->outputs()) out.push_back(node_arg(o));
    return out;
  }
  const PySessionOptions& options() const { return options_; }
  std::vector<std::string> plan() const { return session_->describe_plan(); }

 private:
  PySessionOptions options_;
  std::unique_ptr<runtime::Session> session_;
};

}  // namespace

void bind_session(py::module_& m) {
  py::enum_<GraphOptimizationLevel>(
      m, "GraphOptimizationLevel",
      "ONNX Runtime's levels; onnxkit has two: ORT_DISABLE_ALL (none) and "
      "any other (basic rewrites: constant folding, Conv+BN folding, "
      "Identity/Dropout removal)")
      .value("ORT_DISABLE_ALL", GraphOptimizationLevel::ORT_DISABLE_ALL)
      .value("ORT_ENABLE_BASIC", GraphOptimizationLevel::ORT_ENABLE_BASIC)
      .value("ORT_ENABLE_EXTENDED", GraphOptimizationLevel::ORT_ENABLE_EXTENDED)
      .value("ORT_ENABLE_ALL", GraphOptimizationLevel::ORT_ENABLE_ALL);

  py::class_<PySessionOptions>(m, "SessionOptions",
                               "Options of an InferenceSession (ONNX Runtime's names).")
      .def(py::init<>())
      .def_readwrite("intra_op_num_threads", &PySessionOptions::intra_op_num_threads,
                     "Intra-op threads; 0 (default) uses every core.")
      .def_readwrite(
          "graph_optimization_level", &PySessionOptions::graph_optimization_level,
          "GraphOptimizationLevel (default ORT_ENABLE_ALL; ORT_DISABLE_ALL turns rewrites off).")
      .def(
          "register_custom_ops_library",
          [](PySessionOptions&, const std::string& path) { register_custom_ops_library(path); },
          py::arg("path"),
          "Loads a custom-op plug-in library, as in ONNX Runtime. Its ops are registered for "
          "every session of this process (onnxkit keeps one custom-op registry per process).");

  py::class_<NodeArg>(m, "NodeArg",
                      "A graph input or output: name, shape (ints, str for symbolic dims), type.")
      .def_readonly("name", &NodeArg::name)
      .def_readonly("shape", &NodeArg::shape)
      .def_readonly("type", &NodeArg::type)
      .def("__repr__", [](const NodeArg& a) {
        return "NodeArg(name='" + a.name + "', type='" + a.type +
               "', shape=" + py::repr(a.shape).cast<std::string>() + ")";
      });

  py::class_<InferenceSession>(m, "InferenceSession",
                               "Runs a model on the CPU with ONNX Runtime's Python API:\n"
                               "  sess = onnxkit.InferenceSession('model.onnx')\n"
                               "  outputs = sess.run(None, {'input': x})")
      .def(py::init<py::object, std::optional<PySessionOptions>, py::object>(),
           py::arg("path_or_bytes"), py::arg("sess_options") = py::none(),
           py::arg("providers") = py::none(),
           "A session over a model file path, serialized bytes or an onnx.ModelProto. Raises "
           "onnxkit.Error "
           "naming the node when an op has no kernel.")
      .def("run", &InferenceSession::run, py::arg("output_names"), py::arg("input_feed"),
           "Runs the model on `input_feed` ({name: numpy array}); returns the outputs named in "
           "`output_names` (None: all, in graph order) as numpy arrays. The GIL is released while "
           "it runs.")
      .def("get_inputs", &InferenceSession::inputs)
      .def("get_outputs", &InferenceSession::outputs)
      .def("get_providers",
           [](const InferenceSession&) { return std::vector<std::string>{kCpuProvider}; })
      .def("get_session_options", &InferenceSession::options)
      .def("describe_plan", &InferenceSession::plan,
           "onnxkit's own: the kernel each node got, in execution order (after graph "
           "optimizations).");
}

}  // namespace onnxkit::python
