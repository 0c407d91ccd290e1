#pragma once
/// Shapes with symbolic dims, as TensorShapeProto holds them.

#include <cstdint>
#include <string>
#include <vector>

namespace onnxkit {

/// One dimension: a number, a symbolic name ("N"), or unknown (neither set).
/// (A dim's denotation, which few files carry, is kept beside the dims by the
/// IR's TypeShape, so that a Dim stays small: infer writes one per dim.)
struct Dim {
  enum class Kind : std::uint8_t { kUnknown, kValue, kParam };
  Kind kind = Kind::kUnknown;
  std::int64_t value = 0;  ///< valid when kind == kValue
  std::string param;       ///< valid when kind == kParam

  static Dim of(std::int64_t v) { return Dim{Kind::kValue, v, {}}; }
  static Dim named(std::string p) { return Dim{Kind::kParam, 0, std::move(p)}; }
  static Dim unknown() { return Dim{}; }

  bool is_value() const noexcept { return kind == Kind::kValue; }
  bool is_param() const noexcept { return kind == Kind::kParam; }
  bool is_unknown() const noexcept { return kind == Kind::kUnknown; }
  bool operator==(const Dim&) const = default;
};

using Shape = std::vector<Dim>;

/// "N,3,128,128" ("?" for unknown dims).
std::string shape_to_string(const Shape& shape);

}  // namespace onnxkit
