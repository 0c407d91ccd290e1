#pragma once
// The data behind the page, before it becomes JSON: per graph, boxes (nodes,
// graph inputs and outputs) and edges between them. A diff page fills the
// same structures from two models.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "onnxkit/infer/infer.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::view::detail {

enum class DiffStatus : std::uint8_t { kSame = 0, kAdded = 1, kRemoved = 2, kChanged = 3 };

struct Box {
  enum class Kind : std::uint8_t { kNode = 0, kInput = 1, kOutput = 2 };
  Kind kind = Kind::kNode;
  int side = 0;  ///< which model (0, or 1 for the second model of a diff)
  const ir::Node* node = nullptr;
  const ir::Tensor* tensor = nullptr;  ///< for inputs and outputs
  DiffStatus status = DiffStatus::kSame;
  std::vector<std::string> notes;  ///< diff details, one per line
  std::uint32_t index = 0;         ///< position of `node` in its graph's node list
};

struct Edge {
  std::uint32_t from = 0, to = 0;
  int side = 0;
  const ir::Tensor* tensor = nullptr;
};

struct GraphData {
  std::string name;
  int parent = -1;
  std::string owner;  ///< "node 'If_0' (If) › then_branch"; empty for the main graph
  const ir::Graph* graph = nullptr;
  int side = 0;
  std::vector<Box> boxes;
  std::vector<Edge> edges;
};

/// True for a Constant node drawn inside its consumers instead of as a box.
bool is_folded_constant(const ir::Node& node);
/// The data of a Constant node or initializer `t` reads, or null.
const ir::TensorData* weight_data(const ir::Tensor* t);

/// An attribute's value as the sidebar shows it: "[1, 1]", "0.5", "float32[3]".
std::string attribute_text(const ir::Attribute& a);

/// Boxes and edges of `graph` (not its subgraphs).
GraphData graph_data(const ir::Graph& graph, int side);

/// Emits the page JSON for `graphs` (subgraph entries appended as found when
/// `add_subgraphs`), `models` being the one or two models they come from.
class PageWriter {
 public:
  PageWriter(std::vector<const ir::Model*> models, const schema::SchemaRegistry* registry);
  /// Appends a graph and, with `add_subgraphs`, every subgraph inside it
  /// (breadth first). Returns its index.
  int add_graph(GraphData data, bool add_subgraphs);
  /// The whole JSON document. `mode` is "view" or "diff"; `extra` is appended
  /// as further members (",\"diff\":{...}") when not empty.
  std::string write(std::string_view mode, bool editable, const std::string& extra);

 private:
  void write_graph(std::string& out, const GraphData& g);
  /// What a box shows, for its size.
  struct BoxText {
    std::string title;
    std::vector<std::string> lines;
  };
  void write_box(std::string& out, const GraphData& g, const Box& box, BoxText& text);
  void write_model(std::string& out);
  void write_weights(std::string& out);
  std::string type_text(int side, const ir::Tensor* t) const;
  /// The current graph's index of `t` in its tensor table ("tn", "ty"),
  /// added on first use; -1 for an absent optional value.
  int tensor_id(int side, const ir::Tensor* t);
  /// Index of a type text in the page's shared table ("types", "labels").
  int type_id(const std::string& text, const ir::Type* type);
  const ir::Type* type_of(int side, const ir::Tensor* t) const;
  int weight_index(const ir::Tensor* t);
  /// Index of (model, domain, op) in the page's op table ("ops": type,
  /// domain, category, schema version, parameter names, custom schema).
  int op_id(int side, const ir::Node& n, const schema::OpSchema* schema);
  /// The schema in force for `n` in model `side`, or null.
  const schema::OpSchema* find_schema(int side, const ir::Node& n) const;

  std::vector<const ir::Model*> models_;
  const schema::SchemaRegistry* registry_;
  std::vector<infer::Analysis> analyses_;
  std::vector<GraphData> graphs_;
  std::unordered_map<const ir::Graph*, int> graph_index_;
  std::unordered_map<const ir::Tensor*, int> weight_index_;
  std::vector<const ir::Tensor*> weights_;
  // Tensor table of the graph being written, and the page's type table.
  std::unordered_map<const ir::Tensor*, int> tensor_ids_;
  std::string tensor_names_, tensor_types_;
  std::unordered_map<std::string, int> type_ids_;
  std::string types_, labels_;
  std::unordered_map<std::string, int> op_ids_;
  std::string ops_;
  bool editable_ = false;
  double total_flops_ = 0;
  std::uint64_t total_params_ = 0;
};

}  // namespace onnxkit::view::detail
