#pragma once
/// One version of one operator: what a node of that (domain, op, version) may
/// have as inputs, outputs and attributes, and which types it accepts.
///
/// The ONNX operators come from src/schema/data/*.json (compiled into the
/// library); custom operators are added at run time (SchemaRegistry::add) or
/// read from a JSON file of the same format (schema_json.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "onnxkit/ir/attribute.h"
#include "onnxkit/ir/type.h"

namespace onnxkit::schema {

/// How many actual values one formal input or output takes.
enum class FormalOption : std::uint8_t {
  kSingle,    ///< exactly one
  kOptional,  ///< zero or one ("" on the wire when absent and followed by others)
  kVariadic,  ///< min_arity or more; always the last formal parameter
};

/// "single", "optional", "variadic".
std::string_view formal_option_name(FormalOption o);
std::optional<FormalOption> formal_option_from_name(std::string_view name);

/// A formal input or output of an operator.
struct FormalParameter {
  std::string name;
  /// A type-constraint parameter ("T") or a concrete type string ("tensor(int64)").
  std::string type;
  FormalOption option = FormalOption::kSingle;
  /// Variadic only: all actual values share one type (false: each has its own).
  bool homogeneous = true;
  /// Variadic only: the fewest actual values allowed (default 1; Loop's v_initial has 0).
  int min_arity = 1;

  bool operator==(const FormalParameter&) const = default;
};

/// A default attribute value; std::monostate when there is none.
/// Float defaults are float32 values, as ONNX stores them.
using AttributeValue =
    std::variant<std::monostate, float, std::int64_t, std::string, std::vector<float>,
                 std::vector<std::int64_t>, std::vector<std::string>>;

/// An attribute an operator accepts.
struct AttributeSpec {
  std::string name;
  ir::AttributeType type = ir::AttributeType::kUndefined;
  bool required = false;
  AttributeValue default_value;  ///< std::monostate: no default

  bool has_default() const noexcept {
    return !std::holds_alternative<std::monostate>(default_value);
  }
  bool operator==(const AttributeSpec&) const = default;
};

/// A type parameter ("T") and the type strings it may stand for
/// ("tensor(float)", "seq(tensor(int64))", "map(int64, float)", ...).
struct TypeConstraint {
  std::string param;
  std::vector<std::string> allowed;

  /// True when `type_str` is one of `allowed`.
  bool allows(std::string_view type_str) const;
  bool operator==(const TypeConstraint&) const = default;
};

/// Where a number of inputs or outputs counts as unbounded.
inline constexpr int kUnbounded = 2147483647;

/// One version of one operator.
struct OpSchema {
  std::string domain;  ///< "" for the default ONNX domain (also spelled "ai.onnx")
  std::string name;
  std::int64_t since_version = 1;
  /// The op was removed at since_version: nodes of this or a later version are invalid.
  bool deprecated = false;
  std::vector<FormalParameter> inputs;
  std::vector<FormalParameter> outputs;
  std::vector<AttributeSpec> attributes;  ///< sorted by name
  std::vector<TypeConstraint> type_constraints;
  /// Hook for type and shape inference: the id of the rule (for ONNX ops, the op name);
  /// empty when the op declares none.
  std::string inference;
  /// Where facts were completed by hand (see src/schema/data/README.md); empty for most.
  std::vector<std::string> notes;

  /// Fewest and most actual inputs (kUnbounded when the last one is variadic), as ONNX counts them.
  int min_inputs() const;
  int max_inputs() const;
  int min_outputs() const;
  int max_outputs() const;

  const AttributeSpec* attribute(std::string_view attr_name) const;
  const TypeConstraint* type_constraint(std::string_view param) const;
  /// The allowed types of a formal parameter: its constraint's list, or its concrete type alone.
  std::vector<std::string> allowed_types(const FormalParameter& p) const;

  /// "Conv-11" or "devtech::FooOp-1".
  std::string display_name() const;

  bool operator==(const OpSchema&) const = default;
};

/// The ONNX type string of a value type, as type constraints spell it: "tensor(float)",
/// "seq(tensor(int64))", "optional(tensor(bool))", "sparse_tensor(float)", and
/// "map(string, float)" for a map to tensor(float) (ONNX's defs name a map's tensor
/// value by its element type). Types without an element type give "".
std::string type_string(const ir::Type& type);

/// True when `text` is a well-formed type string over known element types.
bool valid_type_string(std::string_view text);

/// "" for "ai.onnx", otherwise the domain unchanged.
std::string_view canonical_domain(std::string_view domain) noexcept;

}  // namespace onnxkit::schema
