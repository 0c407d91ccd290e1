#pragma once
// Internal to the infer layer: what a rule sees of one node (its inputs'
// facts, its attributes with the schema's defaults) and how it states its
// outputs' facts.
//
// Two ways to read and write facts:
//   - compact (fact(), dims(), set_dims(), pass_through()): Fact and DimFact
//     straight from the analysis's arrays, no allocation; the ops that fill
//     big graphs (elementwise, broadcasting, Constant, Cast...) use these;
//   - IR form (input(), input_shape(), set_tensor(), set_output()...): Shape
//     and ir::Type, made on first use per node; the rules of the other ops.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "infer/store.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/schema/op_schema.h"

namespace onnxkit::infer::detail {

class Engine;

/// Thrown by a rule when the node's inputs contradict each other or the op.
struct RuleError {
  std::string message;
};

/// An output's fact as a rule stated it, before it is merged and stored: its
/// dims and values are offsets into the engine's scratch or the arena.
struct PendingOut {
  Fact fact;
  bool set = false;
  bool dims_in_scratch = false;
  bool values_in_scratch = false;
};

class InferContext {
 public:
  /// `graph_location` names the graph holding the node; the node's own
  /// location is built from it only when asked for (issues, subgraphs).
  InferContext(Engine& engine, const ir::Node& node, const schema::OpSchema* schema,
               std::int64_t opset, const std::string& graph_location);
  ~InferContext();
  InferContext(const InferContext&) = delete;
  InferContext& operator=(const InferContext&) = delete;

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

  // ---- compact facts of the inputs (valid while the rule runs)

  /// Fact of input `i`, or null when absent or unknown.
  const Fact* fact(std::size_t i) const;
  /// Element type of input `i` (a tensor), or kUndefined.
  DataType input_elem(std::size_t i) const;
  /// True when input `i` is a tensor of known rank.
  bool has_rank(std::size_t i) const;
  /// Dims of input `i` (empty when the rank is unknown: ask has_rank()).
  std::span<const DimFact> dims(std::size_t i) const;
  /// Tracked contents of input `i` (null when not tracked).
  std::optional<std::span<const DimFact>> values(std::size_t i) const;
  /// Input `i`'s contents as plain numbers when every one is known.
  std::optional<std::vector<std::int64_t>> input_ints(std::size_t i) const;

  // ---- compact outputs

  /// Output `i` gets input `j`'s fact (type and dims; the tracked contents
  /// too with `keep_values`). Nothing when input `j` is unknown.
  void pass_through(std::size_t i, std::size_t j, bool keep_values = false);
  /// Output `i` gets `f`, whose dims and values are in the analysis's arena.
  void set_fact(std::size_t i, const Fact& f);
  /// Output `i` is a tensor of `elem` with `dims` (a range of an input's dims
  /// is shared, not copied).
  void set_dims(std::size_t i, DataType elem, std::span<const DimFact> dims);
  /// Output `i` is a tensor of `elem` of unknown rank.
  void set_unranked(std::size_t i, DataType elem);
  /// Tracked contents of output `i` (set after its type).
  void set_value_facts(std::size_t i, std::span<const DimFact> values);
  /// Output `i` was set by the rule.
  bool output_set(std::size_t i) const;

  /// A symbolic dim named `name`.
  DimFact symbol(std::string_view name) const;

  // ---- the IR form, made on first use per node

  /// Facts of input `i`, or null when absent or unknown.
  const ValueFacts* input(std::size_t i) const;
  /// Dims of input `i` (a tensor), or null when its rank is unknown.
  const Shape* input_shape(std::size_t i) const;
  /// Tracked contents of input `i` (small integer tensors), or null.
  const Shape* input_values(std::size_t i) const;

  void set_output(std::size_t i, const ir::Type& type);
  void set_tensor(std::size_t i, DataType elem, const std::optional<Shape>& shape);
  void set_values(std::size_t i, const Shape& values);

  // Attributes, falling back to the schema's default.
  const ir::Attribute* attr(std::string_view name) const { return node_.attribute(name); }
  std::int64_t attr_int(std::string_view name, std::int64_t fallback) const;
  float attr_float(std::string_view name, float fallback) const;
  std::string attr_string(std::string_view name, std::string fallback) const;
  std::optional<std::vector<std::int64_t>> attr_ints(std::string_view name) const;
  std::optional<std::vector<float>> attr_floats(std::string_view name) const;

  /// A dim nobody can name (written as "unk__N").
  Dim unknown_dim() const { return Dim::unknown(); }

  [[noreturn]] void fail(std::string message) const { throw RuleError{std::move(message)}; }

  /// Normalizes a possibly negative axis against `rank`; fails when out of range.
  std::int64_t axis(std::int64_t a, std::int64_t rank, std::string_view what = "axis") const;

  Engine& engine() { return engine_; }
  /// The name of a symbolic dim.
  std::string_view symbol_name(const DimFact& d) const;

 private:
  friend class Engine;
  PendingOut& pending(std::size_t i);
  const PendingOut& pending(std::size_t i) const;

  Engine& engine_;
  const ir::Node& node_;
  const schema::OpSchema* schema_;
  std::int64_t opset_;
  const std::string& graph_location_;
  mutable std::optional<std::string> location_;
  // Bases of this node's entries in the engine's stacks (a rule of If/Loop/
  // Scan infers a body while its own entries stay below).
  std::size_t in_base_, out_base_, scratch_base_;
  // The IR forms of the inputs, made on first use.
  mutable std::unique_ptr<std::optional<ValueFacts>[]> ir_inputs_;
  mutable std::unique_ptr<bool[]> ir_made_;
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
void add_attention_rules(RuleTable& t);
void add_tensor_op_rules(RuleTable& t);

/// One inference run over a model: the facts known so far, per tensor.
class Engine {
 public:
  Engine(const ir::Model& model, const InferOptions& options);

  Analysis run();

  /// The slot of `t` (its facts computed on first look: declared, or given
  /// by its constant data); TensorSlots::kNone for an absent value.
  std::uint32_t resolve(const ir::Tensor* t);
  /// Fact of `t`, or null when nothing is known. Stays valid for the run.
  const Fact* fact(const ir::Tensor* t);
  /// Facts of `t` in the IR form, or nullopt when nothing is known.
  std::optional<ValueFacts> value_facts(const ir::Tensor* t);
  /// Records facts of `t` (a subgraph input), merged with its declared type;
  /// contradictions become issues at `location`.
  void assign(const ir::Tensor* t, const ValueFacts& f, const std::string& location);

  /// Infers the nodes of `g` in order (a subgraph sees its enclosing graphs' facts).
  void infer_graph(const ir::Graph& g, const std::string& location);
  void issue(std::string location, std::string message) {
    analysis_.issues.push_back({std::move(location), std::move(message)});
  }
  /// Issues so far; drop_issues_from(n) forgets those after the first n (a
  /// branch that a known condition never takes contradicts nothing).
  std::size_t issue_count() const { return analysis_.issues.size(); }
  void drop_issues_from(std::size_t n) { analysis_.issues.resize(n); }
  bool data_propagation() const { return options_.data_propagation; }
  Analysis::Store& store() { return *analysis_.store_; }

  /// The compact form of an IR type: tensor dims go to `dims_out` (and
  /// `f.dims` indexes it); other kinds are kept aside in the store.
  Fact fact_of_type(const ir::Type& type, std::vector<DimFact>& dims_out);
  /// The fact of constant data (dims, and contents of small integer
  /// tensors), in the arena.
  Fact fact_of_data(const ir::TensorData& data);

 private:
  friend class InferContext;
  void infer_node(const ir::Node& n, const std::string& graph_location);
  void fallback(InferContext& cx);
  void apply_custom(const schema::InferenceFunction& fn, InferContext& cx);
  /// Stores `f` (dims and values already in the arena) as the fact of `t`,
  /// merged with its declared type; a contradiction is reported at `where()`.
  template <typename Where>
  void commit(const ir::Tensor* t, Fact f, const Where& where);
  Fact merge_declared(const ir::Type& declared, const Fact& inferred, std::string* message);

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
  Analysis analysis_;
  // Keys view the nodes' own domain and op_type strings (the model is const
  // and outlives the run).
  std::unordered_map<std::pair<std::string_view, std::string_view>, OpEntry, OpKeyHash> ops_;
  // A direct-mapped cache in front of the map, keyed by the addresses of the
  // node's interned op type and domain strings.
  struct OpCacheSlot {
    const std::string* op = nullptr;
    const std::string* domain = nullptr;
    const OpEntry* entry = nullptr;
  };
  std::array<OpCacheSlot, 64> op_cache_{};

  // Stacks shared by the nodes being inferred (see InferContext's bases).
  std::vector<const Fact*> in_facts_;
  std::vector<PendingOut> outs_;
  std::vector<DimFact> scratch_;
  std::vector<DimFact> declared_buf_, merged_buf_, data_buf_;
};

// ---- helpers shared by the rules

/// Numpy broadcasting of two shapes, keeping symbols (N with N or 1 is N).
/// Throws RuleError when two fixed dims differ and neither is 1.
Shape broadcast(const Shape& a, const Shape& b);

/// `a` and `b` describe the same dim: the more precise of the two; fails
/// (returns nullopt) when both are numbers that differ.
std::optional<Dim> merge_dim(const Dim& a, const Dim& b);
std::optional<DimFact> merge_dim(const DimFact& a, const DimFact& b);

/// The product of dims when all are numbers.
std::optional<std::int64_t> dims_product(const Shape& s, std::size_t begin, std::size_t end);

/// Facts of a constant tensor: its type and, for small integer tensors of
/// rank <= 1, its values.
ValueFacts constant_facts(const ir::TensorData& data);

/// FNV-1a: cheaper than std::hash for the short names of ops.
inline std::size_t short_hash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return static_cast<std::size_t>(h ^ (h >> 29));
}

/// The float contents of input `i` when it is a small constant (an
/// initializer or a Constant node's value, at most kMaxTrackedValues).
std::optional<std::vector<float>> const_floats(const InferContext& cx, std::size_t i);

/// The largest tensor whose values are tracked.
inline constexpr std::uint64_t kMaxTrackedValues = 64;
/// The largest float tensor whose values are read from constant data: the
/// floats that decide shapes are scalars (Range's bounds, scale factors) or
/// a few (Resize's scales); larger ones are weights, and reading every
/// bias of a big graph would cost time and memory for nothing.
inline constexpr std::uint64_t kMaxTrackedReals = 8;

// ---- small-value propagation (small_values.cpp)

/// float, double, float16, bfloat16: tracked elements are reals.
bool is_real_type(DataType t);
/// Element types whose contents are tracked: the integers, bool, the float types.
bool tracks_values(DataType t);
/// The elements of a constant of rank <= 1 and at most kMaxTrackedValues
/// elements (numbers; reals for float types, at most kMaxTrackedReals), or false when it is not
/// one or its bytes cannot be read.
bool small_value_facts(const ir::TensorData& data, std::vector<DimFact>& out);
/// A real of element type `t` (rounded to float for kFloat).
DimFact round_to(DataType t, double v);
/// An element converted as Cast to `to` converts it: reals truncate toward
/// zero into integers, numbers become reals, anything non-zero is true;
/// unknown where the result is not determined (a narrowing cast that wraps).
DimFact cast_value(const DimFact& d, DataType to);

}  // namespace onnxkit::infer::detail
