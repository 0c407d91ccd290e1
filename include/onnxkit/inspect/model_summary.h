#pragma once
/// What `onnxkit inspect` reports: Netron's model-properties panel and more.
/// summarize() collects the facts once; the text and JSON forms only format them.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "onnxkit/core/data_type.h"
#include "onnxkit/core/shape.h"
#include "onnxkit/ir/model.h"

namespace onnxkit::inspect {

/// A graph input or output.
struct ValueSummary {
  std::string name;
  /// True when the value is declared as a tensor (then elem_type and shape apply).
  bool is_tensor = false;
  DataType elem_type = DataType::kUndefined;
  /// Dims, symbolic names kept; nullopt when the rank is unknown or not a tensor.
  std::optional<Shape> shape;
  /// The whole type in short form: "float32[N,3,128,128]", "seq(float32[?])",
  /// "float32" (tensor of unknown rank), "?" (no type declared).
  std::string type;
};

/// How many nodes run one operator, "Conv" or "devtech::FooOp".
struct OpCount {
  std::string op;
  std::uint64_t count = 0;
};

/// One file named by external-data references.
struct ExternalDataFile {
  std::string location;       ///< as written in the model: relative to its folder
  std::uint64_t tensors = 0;  ///< tensors stored there
  std::uint64_t bytes = 0;    ///< their payload, packed
};

struct ModelSummary {
  /// The file name the model was read from (no folder), or "" when built in memory.
  std::string source;
  std::int64_t ir_version = 0;
  std::string producer_name, producer_version, domain, doc_string, graph_name;
  std::int64_t model_version = 0;
  /// opset_import as written; the default domain is spelled "" in the file.
  std::vector<std::pair<std::string, std::int64_t>> opset_imports;
  std::vector<std::pair<std::string, std::string>> metadata;  ///< metadata_props, in file order
  /// Graph inputs that are not initializers (those count as parameters, as in
  /// Netron), and graph outputs.
  std::vector<ValueSummary> inputs, outputs;
  /// Dense and sparse initializers of the main graph and all its subgraphs.
  std::uint64_t initializer_count = 0;
  std::uint64_t parameter_count = 0;   ///< elements in those initializers
  std::uint64_t parameter_bytes = 0;   ///< their payload, packed (strings not counted)
  std::uint64_t node_count = 0;        ///< main graph
  std::uint64_t node_count_total = 0;  ///< including subgraphs and function bodies
  /// Every node counted in node_count_total, most frequent first, ties in order
  /// of first appearance.
  std::vector<OpCount> op_histogram;
  /// Domains of nodes other than the standard ones ("", "ai.onnx", "ai.onnx.ml",
  /// "ai.onnx.preview.training"), sorted.
  std::vector<std::string> custom_domains;
  /// Where subgraphs hang: "node 'If_0' (If) › then_branch", nested paths joined with " › ".
  std::vector<std::string> subgraphs;
  /// Local functions: "domain::name" (":overload" appended when set).
  std::vector<std::string> functions;
  /// Files named by external-data references (initializers and tensor
  /// attributes, subgraphs included), sorted by location.
  std::vector<ExternalDataFile> external_data_files;
  std::uint64_t training_info_count = 0;
};

/// True for "", "ai.onnx", "ai.onnx.ml" and "ai.onnx.preview.training".
bool is_standard_domain(std::string_view domain);

/// "float32", "float64", "int64", "bfloat16", ... (numpy-style names, as Netron
/// shows them); "?" for kUndefined.
std::string element_type_name(DataType type);

ModelSummary summarize(const ir::Model& model);

/// A clean aligned report, one fact per line; empty sections are left out.
std::string summary_to_text(const ModelSummary& summary);

/// The same facts as a pretty-printed JSON object (2-space indent, arrays of
/// plain values such as dims on one line, keys in a fixed order, every key
/// always present), ending in a newline. Dims are numbers, symbolic names
/// strings, unknown dims null; "shape" and "elem_type" are null where unknown.
std::string summary_to_json(const ModelSummary& summary);

}  // namespace onnxkit::inspect
