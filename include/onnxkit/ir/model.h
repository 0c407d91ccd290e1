#pragma once
/// ModelProto and the messages that hang off it: FunctionProto,
/// TrainingInfoProto.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "onnxkit/ir/attribute.h"
#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

/// FunctionProto. Its body is a Graph whose inputs and outputs are the
/// function's formal parameters (untyped Variables).
struct Function {
  std::string name, domain, overload, doc_string;
  std::vector<std::string> attribute;      ///< attribute names without defaults
  std::vector<Attribute> attribute_proto;  ///< attributes with defaults
  std::vector<OpsetId> opset_import;
  std::vector<StringEntry> metadata_props;
  std::unique_ptr<Graph> body = std::make_unique<Graph>();
  WireExtras extras;
};

/// TrainingInfoProto.
struct TrainingInfo {
  std::unique_ptr<Graph> initialization;  ///< null when absent
  std::unique_ptr<Graph> algorithm;       ///< null when absent
  std::vector<StringEntry> initialization_binding;
  std::vector<StringEntry> update_binding;
  WireExtras extras;
};

struct Model {
  std::int64_t ir_version = 0;
  std::vector<OpsetId> opset_import;
  std::string producer_name, producer_version, domain;
  std::int64_t model_version = 0;
  std::string doc_string;
  std::unique_ptr<Graph> graph;  ///< null when absent
  std::vector<StringEntry> metadata_props;
  std::vector<TrainingInfo> training_info;
  std::vector<Function> functions;
  WireExtras extras;

  /// The file the model was read from (empty if built in memory); external
  /// data locations are relative to its folder.
  std::filesystem::path path;

  /// Version of `domain` in opset_import ("" and "ai.onnx" are the same), or 0.
  std::int64_t opset_version(std::string_view op_domain) const;

  /// A deep copy (Graph::copy() for the graph, training graphs and function
  /// bodies; training graphs that read the main graph read its copy).
  /// Weights share their Buffers.
  Model copy() const;
};

}  // namespace onnxkit::ir
