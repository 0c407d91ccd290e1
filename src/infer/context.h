#pragma once
// Internal to the infer layer: what a rule sees of one node (its inputs'
// facts, its attributes with the schema's defaults) and how it states its
// outputs' facts.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "onnxkit/infer/infer.h"
#include "onnxkit/schema/op_schema.h"

namespace onnxkit::infer::detail {

class Engine;

/// Thrown by a rule when the node's inputs contradict each other or the op.
struct RuleError {
  std::string message;
};

class InferContext {
 public:
  /// `graph_location` names the graph holding the node; the node's own
  /// location is built from it only when asked for (issues, subgraphs).
  InferContext(Engine& engine, const ir::Node& node, const schema::OpSchema* schema,
               std::int64_t opset, const std::string& graph_location);

  const ir::Node& node() const { return node_; }
  const schema::OpSchema* schema() const { return schema_; }
  std::int64_t opset() const { return opset_; }
  const std::string& location() const {
    if (!location_) location_ = graph_location_ + " › " + node_.describe();
    return *location_;
  }

  std::size_t num_inputs() const { return node_.inputs().size(); }
  std::size_t num_outputs() const { return node_.outputs().size(); }
  /// True when input `i` is given (not absent, not past the end).
  bool has_input(std::size_t i) const;
  /// Facts of input `i`, or null when absent or unknown.
  const ValueFacts* input(std::size_t i) const;
  /// Element type of input `i` (a tensor), or kUndefined.
  DataType input_elem(std::size_t i) const;
  /// Dims of input `i` (a tensor), or null when its rank is unknown.
  const Shape* input_shape(std::size_t i) const;
  /// Tracked contents of input `i` (small integer tensors), or null.
  const Shape* input_values(std::size_t i) const;
  /// Input `i`'s contents as plain numbers when every one is known.
  std::optional<std::vector<std::int64_t>> input_ints(std::size_t i) const;

  // Attributes, falling back to the schema's default.
  const ir::Attribute* attr(std::string_view name) const { return node_.attribute(name); }
  std::int64_t attr_int(std::string_view name, std::int64_t fallback) const;
  float attr_float(std::string_view name, float fallback) const;
  std::string attr_string(std::string_view name, std::string fallback) const;
  std::optional<std::vector<std::int64_t>> attr_ints(std::string_view name) const;

  // Outputs.
  void set_output(std::size_t i, ir::Type type);
  void set_tensor(std::size_t i, DataType elem, std::optional<Shape> shape);
  void set_values(std::size_t i, Shape values);
  /// The output's facts set so far by this rule (null when none).
  ValueFacts* output(std::size_t i);

  /// A dim nobody can name (written as "unk__N").
  Dim unknown_dim() const { return Dim::unknown(); }

  [[noreturn]] void fail(std::string message) const { throw RuleError{std::move(message)}; }

  /// Normalizes a possibly negative axis against `rank`; fails when out of range.
  std::int64_t axis(std::int64_t a, std::int64_t rank, std::string_view what = "axis") const;

  Engine& engine() { return engine_; }

 private:
  Engine& engine_;
  const ir::Node& node_;
  const schema::OpSchema* schema_;
  std::int64_t opset_;
  const std::string& graph_location_;
  mutable std::optional<std::string> location_;
  std::vector<std::optional<ValueFacts>> outputs_;
  friend class Engine;
};

using Rule = void (*)(InferContext&);

/// The rules by inference id; filled by the rules_*.cpp files.
struct RuleTable {
  std::unordered_map<std::string, Rule> rules;
  void add(std::string_view id, Rule r) { rules.emplace(std::string(id), r); }
};
const RuleTable& rule_table();

void add_elementwise_rules(RuleTable& t);
void add_shape_rules(RuleTable& t);
void add_nn_rules(RuleTable& t);
void add_control_rules(RuleTable& t);

/// One inference run over a model: the facts known so far, per tensor.
class Engine {
 public:
  Engine(const ir::Model& model, const InferOptions& options);

  Analysis run();

  /// Facts of `t`: inferred, or else declared / given by its constant data
  /// (computed on first use). Null when nothing is known.
  const ValueFacts* facts(const ir::Tensor* t);
  /// Records facts of `t` (a node output or subgraph input), merged with its
  /// declared type; contradictions become issues at `location`.
  void assign(const ir::Tensor* t, ValueFacts f, const std::string& location);
  /// The same, at the location of `cx`'s node (built only for an issue).
  void assign(const ir::Tensor* t, ValueFacts f, const InferContext& cx);

  /// Infers the nodes of `g` in order (a subgraph sees its enclosing graphs' facts).
  void infer_graph(const ir::Graph& g, const std::string& location);
  void issue(std::string location, std::string message) {
    issues_.push_back({std::move(location), std::move(message)});
  }
  bool data_propagation() const { return options_.data_propagation; }

 private:
  void infer_node(const ir::Node& n, const std::string& graph_location);
  void fallback(InferContext& cx);
  void apply_custom(const schema::InferenceFunction& fn, InferContext& cx);
  template <typename Location>
  void assign_at(const ir::Tensor* t, ValueFacts f, const Location& location);

  /// What a node's (domain, op_type) resolves to: looked up once per pair
  /// (the opsets are the model's, fixed for the run).
  struct OpEntry {
    std::int64_t version = 0;
    const schema::OpSchema* schema = nullptr;
    Rule rule = nullptr;
    const schema::InferenceFunction* custom = nullptr;  // a custom op's function rule
  };
  struct OpKeyHash {
    std::size_t operator()(const std::pair<std::string_view, std::string_view>& k) const noexcept {
      const std::size_t a = std::hash<std::string_view>{}(k.first);
      const std::size_t b = std::hash<std::string_view>{}(k.second);
      return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    }
  };
  const OpEntry& op_entry(const ir::Node& n);

  const ir::Model& model_;
  InferOptions options_;
  const schema::SchemaRegistry* registry_;
  std::unordered_map<std::string, std::int64_t> opsets_;
  std::unordered_map<const ir::Tensor*, ValueFacts> facts_;
  std::unordered_set<const ir::Tensor*> no_facts_;
  std::vector<InferIssue> issues_;
  // Keys view the nodes' own domain and op_type strings (the model is const
  // and outlives the run).
  std::unordered_map<std::pair<std::string_view, std::string_view>, OpEntry, OpKeyHash> ops_;
};

// ---- helpers shared by the rules

/// Numpy broadcasting of two shapes, keeping symbols (N with N or 1 is N).
/// Throws RuleError when two fixed dims differ and neither is 1.
Shape broadcast(const Shape& a, const Shape& b);

/// `a` and `b` describe the same dim: the more precise of the two; fails
/// (returns nullopt) when both are numbers that differ.
std::optional<Dim> merge_dim(const Dim& a, const Dim& b);

/// The product of dims when all are numbers.
std::optional<std::int64_t> dims_product(const Shape& s, std::size_t begin, std::size_t end);

/// Facts of a constant tensor: its type and, for small integer tensors of
/// rank <= 1, its values.
ValueFacts constant_facts(const ir::TensorData& data);

/// The largest tensor whose values are tracked.
inline constexpr std::uint64_t kMaxTrackedValues = 64;

}  // namespace onnxkit::infer::detail
