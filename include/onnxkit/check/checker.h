#pragma once
/// Validation of a model against the ONNX specification, as onnx.checker
/// does it (check_model with full_check), but reporting every problem with
/// its location instead of stopping at the first.
///
/// What is checked (docs/ARCHITECTURE.md, "Checking"): IR version and opset
/// imports; graph, node, value and tensor names; SSA form (every value defined
/// once, before use, nodes in topological order, cycles named); attributes
/// against the operator's schema (unknown, required, type); input and output
/// counts and absent non-optional values; type constraints on every value
/// whose type is declared or inferred; initializers against their declared
/// types and their data fields; external data references (location, offset,
/// length, the file staying inside the model's folder); subgraphs of
/// If/Loop/Scan and the outer names they read; model-local functions.

#include <string>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::check {

enum class Severity : std::uint8_t { kError, kWarning };

/// "error" or "warning".
std::string_view severity_name(Severity s);

/// One finding.
struct Problem {
  Severity severity = Severity::kError;
  /// Where, outermost first, joined with " › ":
  /// "graph 'main' › node 'Conv_3' (Conv) › attribute 'pads'". May be empty
  /// for model-level problems.
  std::string location;
  /// What is wrong and, where known, how to fix it.
  std::string message;
};

/// "error: graph 'main' › node 'Conv_3' (Conv) › attribute 'pads': ..."
std::string problem_to_string(const Problem& p);

/// The problems as a JSON document: {"valid": bool, "errors": N,
/// "warnings": N, "problems": [{"severity", "location", "message"}...]}.
std::string problems_to_json(const std::vector<Problem>& problems);

/// True when any problem is an error.
bool has_errors(const std::vector<Problem>& problems);

struct CheckOptions {
  /// Schemas to check nodes against; null (the default) means
  /// schema::SchemaRegistry::onnx(). Pass a with_onnx() registry holding
  /// custom schemas to have custom ops checked too.
  const schema::SchemaRegistry* registry = nullptr;
  /// An op of a domain no schema declares is a warning (default) or, with
  /// `strict`, an error.
  bool strict = false;
  /// Check external-data files on disk (exist, stay in the model's folder,
  /// are long enough), relative to Model::path's folder. Default true; with
  /// an empty Model::path only the references themselves are checked.
  bool check_external_files = true;
};

/// Every problem of `model`, errors and warnings, in a stable order (model,
/// then graph by graph in file order). An empty result means the model is
/// valid. Never throws on a bad model.
std::vector<Problem> check_model(const ir::Model& model, const CheckOptions& options = {});

}  // namespace onnxkit::check
