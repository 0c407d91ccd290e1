#pragma once
/// Operator schemas by (domain, op, since_version), and the lookup ONNX does:
/// the schema in force at an opset version is the one with the largest
/// since_version not above it, unless that one marks the op as removed.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/schema/op_schema.h"

namespace onnxkit::ir {
class Node;
}

namespace onnxkit::schema {

/// A custom op's type and shape inference as a function: given the node and
/// the inferred type of each input (kind kNone when unknown or absent), the
/// type of each output (kind kNone: unknown, left to the schema's type
/// constraints). Throwing onnxkit::Error reports an inconsistency, located
/// at the node. Registered under an inference id, which a schema's
/// `inference` names.
using InferenceFunction =
    std::function<std::vector<ir::Type>(const ir::Node& node, const std::vector<ir::Type>& inputs)>;

class SchemaRegistry {
 public:
  /// The ONNX operators (domains "" = ai.onnx, ai.onnx.ml, ai.onnx.preview,
  /// ai.onnx.preview.training), compiled into the library and parsed on first
  /// use. Thread-safe; lives until the program ends.
  static const SchemaRegistry& onnx();

  /// An empty registry whose lookups fall back to `parent` for ops it does not
  /// define itself (nullptr: no fallback). `parent` must outlive this registry.
  explicit SchemaRegistry(const SchemaRegistry* parent = nullptr);
  /// An empty registry over the ONNX operators: the usual start for custom ops.
  static SchemaRegistry with_onnx() { return SchemaRegistry(&onnx()); }

  SchemaRegistry(SchemaRegistry&&) noexcept;
  SchemaRegistry& operator=(SchemaRegistry&&) noexcept;
  ~SchemaRegistry();

  /// Adds one schema. Throws Error when this registry already holds the same
  /// (domain, op, since_version), or when the schema is malformed (see validate()).
  /// A domain spelled "ai.onnx" is stored as "".
  void add(OpSchema schema);

  /// Adds every schema of a JSON document in the onnxkit-op-schemas format
  /// (schema_json.h). `source` names the document in error locations.
  /// Nothing is added when any schema is wrong.
  void add_json(std::string_view json_text, std::string_view source);
  /// Reads `path` and adds its schemas as add_json() does.
  void add_json_file(const std::string& path);

  /// The schema in force for `op` of `domain` at `opset_version`: the largest
  /// since_version <= opset_version. nullptr when the op is unknown, not yet
  /// defined at that version, or deprecated (removed) by then. When this
  /// registry defines any version of (domain, op), the parent is not asked.
  const OpSchema* find(std::string_view domain, std::string_view op,
                       std::int64_t opset_version) const;

  /// As find(), but a deprecated schema is returned rather than nullptr, so a
  /// checker can say when the op was removed.
  const OpSchema* find_including_deprecated(std::string_view domain, std::string_view op,
                                            std::int64_t opset_version) const;

  /// Every version of (domain, op), oldest first (this registry's, else the parent's).
  std::vector<const OpSchema*> versions(std::string_view domain, std::string_view op) const;

  /// Every schema of this registry (not the parent's), ordered by (domain, name, since_version).
  std::vector<const OpSchema*> all() const;

  /// The largest since_version in `domain` here and in the parent; 0 when none.
  std::int64_t max_since_version(std::string_view domain) const;

  /// Registers `fn` as the inference rule with id `id` (a schema's
  /// `inference`). The built-in rules (ONNX op names, "same_as_input_0") take
  /// precedence, so choose an id of your own, e.g. "devtech::FooOp". Throws
  /// Error when this registry already has a function with that id.
  void add_inference_function(std::string id, InferenceFunction fn);
  /// The function registered as `id` here or in the parent; null when none.
  const InferenceFunction* inference_function(std::string_view id) const;

  /// Number of schemas in this registry (not counting the parent).
  std::size_t size() const;

  const SchemaRegistry* parent() const noexcept { return parent_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const SchemaRegistry* parent_ = nullptr;
};

/// Throws Error (location: the schema's display name) when a schema is malformed:
/// empty name, since_version < 1, a variadic parameter that is not last, an
/// option/arity out of range, a formal type that is neither a declared
/// constraint nor a valid type string, a constraint with an invalid or no type,
/// duplicate names, an attribute default of the wrong type.
void validate(const OpSchema& schema);

}  // namespace onnxkit::schema
