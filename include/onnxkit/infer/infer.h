#pragma once
/// Type and shape inference: the element type and shape of every value,
/// written into the graph's value_info as onnx.shape_inference.infer_shapes
/// does, with
///   - symbolic dims kept and related: N stays N through broadcasting,
///     elementwise ops, Reshape/Concat/Transpose...; a dim no rule can name
///     gets a fresh name "unk__0", "unk__1", ... when written;
///   - small-value propagation: the contents of small tensors (integers and
///     bools; float scalars and vectors as reals) are tracked through
///     Shape → Gather → Unsqueeze → Concat → Reshape chains, Constant,
///     initializers, Cast, arithmetic, Ceil/Floor, Max/Min, comparisons,
///     symbolic dims included, so that Reshape, Expand, ConstantOfShape,
///     Slice, Tile, Range... get exact shapes;
///   - If/Loop/Scan bodies inferred with their outer scope; an If whose
///     condition is known takes its branch's facts, a Loop whose trip count
///     is known and whose condition stays true gives its scan outputs that
///     length;
///   - custom ops through their schema's `inference` rule (an ONNX op name,
///     or "same_as_input_0" (type and shape of input 0)); without one, output
///     element types follow the schema's type constraints.
///
/// Rules are chosen by the schema's `inference` id (for ONNX ops, the op
/// name); an op without a rule gets its output element types from its
/// schema when they are determined (a concrete type, or a type parameter
/// bound by an input).

#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::infer {

namespace detail {
class Engine;
}

struct InferOptions {
  /// Schemas (and so rule ids) to use; null (the default) means
  /// schema::SchemaRegistry::onnx().
  const schema::SchemaRegistry* registry = nullptr;
  /// Track the contents of small tensors (default true), as
  /// infer_shapes(data_prop=True) does: integers and bools (Shape → Gather →
  /// Concat → Reshape), and float scalars and vectors (Range's expanded
  /// body: Sub → Div → Ceil → Cast gives a Loop's trip count).
  bool data_propagation = true;
};

/// An inconsistency found while inferring: the location of the node (or
/// value) and what does not fit, e.g. an inferred shape that contradicts a
/// declared one, or inputs whose shapes do not broadcast.
struct InferIssue {
  std::string location;
  std::string message;
};

/// What inference learnt about a value, in the ir::Type form the rules of
/// rare ops and the callers that write types use.
struct ValueFacts {
  ir::Type type;
  /// For small integer tensors of rank 0 or 1: their elements, each a
  /// number, a symbol (a dim taken from a shape) or unknown. (Tracked float
  /// elements exist only in the compact form, DimFact::kReal; here they are
  /// unknown.)
  std::optional<Shape> values;
};

/// A dim as the analysis keeps it: a number, a symbol (an interned name, see
/// Analysis::symbol()) or unknown; as a tracked element of a small tensor also
/// a real (a float element, kept as a double). 16 bytes and no allocation,
/// where a Dim holds two strings.
struct DimFact {
  static constexpr std::uint32_t kNumber = 0;
  static constexpr std::uint32_t kUnknown = 1;
  /// A tracked float element; its double's bits are in `value`.
  static constexpr std::uint32_t kReal = 2;
  /// The number when `sym == kNumber` (the bits of a double for kReal), else 0.
  std::int64_t value = 0;
  /// kNumber, kUnknown, kReal, or kFirstSymbol + the symbol's index.
  std::uint32_t sym = kUnknown;
  static constexpr std::uint32_t kFirstSymbol = 3;

  static DimFact of(std::int64_t v) noexcept { return DimFact{v, kNumber}; }
  static DimFact unknown() noexcept { return DimFact{}; }
  /// A real element; NaN and the infinities are kept as unknown (no shape
  /// follows from them).
  static DimFact real(double v) noexcept {
    if (!(v - v == 0.0)) return unknown();
    if (v == 0.0) v = 0.0;  // -0.0 and 0.0 compare equal as facts
    return DimFact{std::bit_cast<std::int64_t>(v), kReal};
  }
  bool is_value() const noexcept { return sym == kNumber; }
  bool is_unknown() const noexcept { return sym == kUnknown; }
  bool is_real() const noexcept { return sym == kReal; }
  bool is_symbol() const noexcept { return sym >= kFirstSymbol; }
  /// The real of a kReal fact.
  double real_value() const noexcept { return std::bit_cast<double>(value); }
  /// A number or a real as a double; nullopt for symbols and unknowns.
  std::optional<double> number() const noexcept {
    if (is_value()) return static_cast<double>(value);
    if (is_real()) return real_value();
    return std::nullopt;
  }
  bool operator==(const DimFact&) const = default;
};

/// What inference knows about one value, in 32 bytes: for tensors (and
/// sparse tensors) the element type and the dims, a range of the analysis's
/// dim arena, and for small integer tensors their tracked contents, another
/// range; for other kinds (sequence, optional, map, opaque) the full
/// ir::Type, kept aside. A rule that passes a tensor through shares its
/// input's range: nothing is copied.
struct Fact {
  ir::Type::Kind kind = ir::Type::Kind::kNone;
  DataType elem = DataType::kUndefined;
  /// Tensor kinds: the rank, or -1 when unknown.
  std::int32_t rank = -1;
  /// First dim in the arena (tensor kinds with a known rank).
  std::uint32_t dims = 0;
  /// Number of tracked elements, or -1 when the contents are not tracked.
  std::int32_t num_values = -1;
  /// First tracked element in the arena.
  std::uint32_t values = 0;
  /// Other kinds: index of the ir::Type kept aside.
  std::uint32_t other = 0;

  bool is_tensor_kind() const noexcept {
    return kind == ir::Type::Kind::kTensor || kind == ir::Type::Kind::kSparseTensor;
  }
  bool has_rank() const noexcept { return is_tensor_kind() && rank >= 0; }
  bool has_values() const noexcept { return num_values >= 0; }
};

/// The result of analyze(): a fact per value (keyed by the tensors of the
/// model analyzed, in flat arrays), and the issues found.
class Analysis {
 public:
  Analysis();
  ~Analysis();
  Analysis(Analysis&&) noexcept;
  Analysis& operator=(Analysis&&) noexcept;

  std::vector<InferIssue> issues;

  /// The fact known about `t`, or null when nothing was inferred or declared.
  const Fact* fact(const ir::Tensor* t) const;
  /// The dims and the tracked contents of a fact (empty when unknown).
  std::span<const DimFact> dims(const Fact& f) const;
  std::span<const DimFact> values(const Fact& f) const;
  /// The name of a symbolic dim.
  std::string_view symbol(const DimFact& d) const;
  /// A dim in the IR's form.
  Dim to_dim(const DimFact& d) const;
  /// The fact in the IR's form; `into` (a declared type, say) keeps its
  /// denotations and wire details where the kinds agree.
  ir::Type to_type(const Fact& f, const ir::Type* into = nullptr) const;

  /// The inferred type of `t` in the IR's form, made on first use and kept
  /// (so the pointer stays valid as long as the analysis), or null when
  /// nothing was inferred.
  const ir::Type* type(const ir::Tensor* t) const;
  /// How many values have a fact.
  std::size_t size() const;

  /// The arrays behind the facts (internal to the infer layer).
  struct Store;

 private:
  friend class detail::Engine;
  std::unique_ptr<Store> store_;
};

/// Infers every value of `model` (main graph, subgraphs, not function bodies)
/// without changing it. Declared types are the starting point and are merged
/// with what the rules find. Never throws on a bad model: problems become issues.
Analysis analyze(const ir::Model& model, const InferOptions& options = {});

struct InferReport {
  /// Values whose type was written or completed.
  std::size_t values_typed = 0;
  std::vector<InferIssue> issues;
};

/// analyze(), then writes the results: node outputs get their type in
/// Tensor::info().type and are listed in their graph's value_info; declared
/// types of graph outputs are completed (unknown dims, missing shapes). Dims
/// that stay unknown are named "unk__N".
InferReport infer_shapes(ir::Model& model, const InferOptions& options = {});

}  // namespace onnxkit::infer
