#pragma once
// Internal to the check layer: the state of one check_model() run, shared by
// the files that check the model, graphs, nodes and tensors.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnxkit/check/checker.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::check::detail {

/// Names defined so far in a graph, seen through to the enclosing graphs'
/// names that were defined before the node holding the subgraph.
struct Scope {
  const Scope* parent = nullptr;
  std::unordered_set<std::string_view> names;

  bool defines(std::string_view name) const {
    for (const Scope* s = this; s != nullptr; s = s->parent) {
      if (s->names.count(name) != 0) return true;
    }
    return false;
  }
};

/// Where the graph being checked sits and what it may use.
struct GraphContext {
  /// "graph 'main'" or "... › attribute 'body' › graph 'body'".
  std::string location;
  /// The scope of the enclosing graph (at the node holding this subgraph), or null.
  const Scope* outer = nullptr;
  bool is_main = true;
  /// Opset versions in force: the model's, or a function's.
  const std::unordered_map<std::string, std::int64_t>* opsets = nullptr;
  /// Inside a function body: attribute references are allowed.
  bool in_function = false;
};

class Context {
 public:
  Context(const ir::Model& model, const CheckOptions& options);

  std::vector<Problem> run();

  // ---- reporting
  void error(std::string location, std::string message) {
    problems_.push_back({Severity::kError, std::move(location), std::move(message)});
  }
  void warning(std::string location, std::string message) {
    problems_.push_back({Severity::kWarning, std::move(location), std::move(message)});
  }

  // ---- the pieces (check_graph.cpp, check_node.cpp, check_tensor.cpp)
  void check_graph(const ir::Graph& graph, const GraphContext& gc);
  void check_node(const ir::Node& node, const GraphContext& gc, const Scope& scope);
  /// A TensorProto: data type, data fields, sizes, external data.
  void check_tensor_data(const ir::TensorData& data, const std::string& location);
  void check_sparse_data(const ir::SparseTensorData& data, const std::string& location);

  std::int64_t ir_version() const { return model_.ir_version; }
  const ir::Model& model() const { return model_; }
  const CheckOptions& options() const { return options_; }
  const schema::SchemaRegistry& registry() const { return *registry_; }

  /// The type of a value: inferred (declared types included), or declared.
  std::optional<ir::Type> type_of(const ir::Tensor* t) const {
    if (t == nullptr || t->is_empty()) return std::nullopt;
    if (const ir::Type* inferred = analysis_.type(t)) return *inferred;
    return t->type();
  }

  /// The model-local function (domain, name), or null.
  const ir::Function* find_function(std::string_view domain, std::string_view name) const;

  /// "graph 'main' › node 'x' (Op)".
  static std::string node_location(const GraphContext& gc, const ir::Node& node) {
    return gc.location + " › " + node.describe();
  }

 private:
  void check_model_fields();
  void check_functions();

  const ir::Model& model_;
  CheckOptions options_;
  const schema::SchemaRegistry* registry_;
  std::unordered_map<std::string, std::int64_t> model_opsets_;
  std::vector<std::unordered_map<std::string, std::int64_t>> function_opsets_;
  std::vector<Problem> problems_;
  infer::Analysis analysis_;
};

/// True for the domains whose operators ONNX itself defines: a node there
/// without a schema is an error whatever --strict says.
bool is_onnx_domain(std::string_view domain);

}  // namespace onnxkit::check::detail
