#pragma once
/// TypeProto: tensor, sequence, map, optional, sparse tensor, opaque.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "onnxkit/core/data_type.h"
#include "onnxkit/core/shape.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

/// What a TensorShapeProto.Dimension carries beside its value or name.
struct DimExtras {
  std::string denotation;
  WireExtras wire;

  bool empty() const noexcept { return denotation.empty() && wire.empty(); }
};

/// TensorShapeProto: dims plus the wire details of each message.
struct TypeShape {
  Shape dims;
  std::vector<DimExtras> dim_extras;  ///< empty (the usual case), or one per dim
  WireExtras extras;
};

struct Type {
  enum class Kind : std::uint8_t {
    kNone,
    kTensor,
    kSparseTensor,
    kSequence,
    kMap,
    kOptional,
    kOpaque
  };

  Kind kind = Kind::kNone;
  /// Tensor and sparse tensor: element type. Map: value type lives in `elem`.
  DataType elem_type = DataType::kUndefined;
  /// Map: key type.
  DataType key_type = DataType::kUndefined;
  /// Tensor and sparse tensor: shape; nullopt means unknown rank.
  std::optional<TypeShape> shape;
  /// Sequence, optional: element type. Map: value type.
  std::unique_ptr<Type> elem;

  WireExtras extras;        ///< of TypeProto
  WireExtras inner_extras;  ///< of the oneof member (TypeProto.Tensor, .Sequence, ...)

  /// Opaque: domain and name. TypeProto.denotation. Rare: kept out of line,
  /// "" until set (infer writes a Type per value of a big graph).
  const std::string& opaque_domain() const noexcept {
    return text_ ? text_->opaque_domain : kEmpty;
  }
  const std::string& opaque_name() const noexcept { return text_ ? text_->opaque_name : kEmpty; }
  const std::string& denotation() const noexcept { return text_ ? text_->denotation : kEmpty; }
  void set_opaque_domain(std::string domain);
  void set_opaque_name(std::string name);
  void set_denotation(std::string denotation);

  // User-provided, so that value-initialization (optional::emplace(), Type())
  // runs the member initializers without zeroing the object first.
  Type() noexcept {}
  Type(const Type& other);
  Type& operator=(const Type& other);
  Type(Type&&) noexcept = default;
  Type& operator=(Type&&) noexcept = default;

  /// A tensor type with the given element type and shape.
  static Type tensor(DataType elem, std::optional<Shape> shape);

  bool is_tensor() const noexcept { return kind == Kind::kTensor; }
  /// Dims of a tensor type, or nullptr when the rank is unknown.
  const Shape* dims() const noexcept { return shape ? &shape->dims : nullptr; }

 private:
  struct Text {
    std::string opaque_domain, opaque_name, denotation;
  };
  Text& text() {
    if (!text_) text_ = std::make_unique<Text>();
    return *text_;
  }
  static const std::string kEmpty;
  std::unique_ptr<Text> text_;
};

/// Human form: "float[N,3,128,128]", "seq(float[?])", "map(int64,float)".
std::string type_to_string(const Type& type);

}  // namespace onnxkit::ir
