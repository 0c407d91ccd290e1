#include "onnxkit/ir/type.h"

namespace onnxkit::ir {

Type::Type(const Type& other)
    : kind(other.kind),
      elem_type(other.elem_type),
      key_type(other.key_type),
      shape(other.shape),
      elem(other.elem ? std::make_unique<Type>(*other.elem) : nullptr),
      extras(other.extras),
      inner_extras(other.inner_extras),
      text_(other.text_ ? std::make_unique<Text>(*other.text_) : nullptr) {}

Type& Type::operator=(const Type& other) {
  if (this != &other) *this = Type(other);
  return *this;
}

const std::string Type::kEmpty;

void Type::set_opaque_domain(std::string domain) { text().opaque_domain = std::move(domain); }

void Type::set_opaque_name(std::string name) { text().opaque_name = std::move(name); }

void Type::set_denotation(std::string denotation) { text().denotation = std::move(denotation); }

Type Type::tensor(DataType elem, std::optional<Shape> shape) {
  Type t;
  t.kind = Kind::kTensor;
  t.elem_type = elem;
  if (shape) t.shape = TypeShape{std::move(*shape), {}, {}};
  return t;
}

std::string type_to_string(const Type& type) {
  auto tensor_form = [&](std::string_view prefix) {
    std::string out(prefix);
    out += data_type_name(type.elem_type);
    out += '[';
    out += type.shape ? shape_to_string(type.shape->dims) : std::string("?");
    out += ']';
    return out;
  };
  auto inner = [&] { return type.elem ? type_to_string(*type.elem) : std::string("?"); };
  switch (type.kind) {
    case Type::Kind::kTensor:
      return tensor_form("");
    case Type::Kind::kSparseTensor:
      return tensor_form("sparse ");
    case Type::Kind::kSequence:
      return "seq(" + inner() + ")";
    case Type::Kind::kOptional:
      return "optional(" + inner() + ")";
    case Type::Kind::kMap:
      return "map(" + std::string(data_type_name(type.key_type)) + "," + inner() + ")";
    case Type::Kind::kOpaque:
      return "opaque(" + type.opaque_domain() + "," + type.opaque_name() + ")";
    case Type::Kind::kNone:
      break;
  }
  return "?";
}

}  // namespace onnxkit::ir

#if defined(__GLIBCXX__) && defined(__x86_64__)
// infer writes a Type per value and a Dim per dim of a big graph.
static_assert(sizeof(onnxkit::ir::Type) <= 112, "Type grew: see docs/ARCHITECTURE.md");
static_assert(sizeof(onnxkit::Dim) <= 48, "Dim grew: see docs/ARCHITECTURE.md");
static_assert(sizeof(onnxkit::ir::WireExtras) == sizeof(void*), "WireExtras is one pointer");
#endif
