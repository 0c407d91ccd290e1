// Graph._fold_constants(): onnxkit.gs's fold_constants() over passes::fold_constants.

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>

#include "handles.h"
#include "onnxkit/passes/constant_folding.h"
#include "runtime_bindings.h"

namespace onnxkit::python {

void bind_folding(py::module_& m) {
  m.def(
      "_fold_constants",
      [](py::object graph_obj, bool fold_shapes, bool recurse_subgraphs, bool error_ok,
         std::optional<std::uint64_t> size_threshold, py::object should_exclude_node,
         bool flatten_subgraphs) {
        ir::Graph* graph = graph_obj.cast<GraphHandle&>().get();
        std::shared_ptr<Root> root = root_of(graph);
        passes::FoldOptions options;
        options.fold_shapes = fold_shapes;
        options.recurse_subgraphs = recurse_subgraphs;
        options.error_ok = error_ok;
        options.size_threshold = size_threshold;
        if (!should_exclude_node.is_none()) {
          options.exclude = [should_exclude_node](const ir::Node& node) {
            return py::bool_(should_exclude_node(wrap(const_cast<ir::Node*>(&node)))).cast<bool>();
          };
        }
        const passes::FoldReport report = passes::fold_constants(root->model, *graph, options);
        for (ir::Tensor* t : report.folded) {
          if (find_handle(t) != nullptr) refresh_tensor_class(wrap(t), t);
        }
        if (flatten_subgraphs) guarded(root, [&] { passes::flatten_constant_ifs(*graph); });
        return report.errors;
      },
      py::arg("graph"), py::arg("fold_shapes"), py::arg("recurse_subgraphs"), py::arg("error_ok"),
      py::arg("size_threshold"), py::arg("should_exclude_node"), py::arg("flatten_subgraphs"),
      "Folds constants of `graph` in place (see onnxkit.gs.Graph.fold_constants); returns "
      "the errors of nodes that could not be evaluated.");
}

}  // namespace onnxkit::python
