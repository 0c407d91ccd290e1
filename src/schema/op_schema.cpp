#include "onnxkit/schema/op_schema.h"

#include <algorithm>

namespace onnxkit::schema {

std::string_view formal_option_name(FormalOption o) {
  switch (o) {
    case FormalOption::kSingle:
      return "single";
    case FormalOption::kOptional:
      return "optional";
    case FormalOption::kVariadic:
      return "variadic";
  }
  return "single";
}

std::optional<FormalOption> formal_option_from_name(std::string_view name) {
  if (name == "single") return FormalOption::kSingle;
  if (name == "optional") return FormalOption::kOptional;
  if (name == "variadic") return FormalOption::kVariadic;
  return std::nullopt;
}

bool TypeConstraint::allows(std::string_view type_str) const {
  return std::find(allowed.begin(), allowed.end(), type_str) != allowed.end();
}

namespace {

struct Counts {
  int min = 0;
  int max = 0;
};

// ONNX's count: each single parameter raises both bounds; an optional one only
// the maximum; a variadic one (last) adds its min_arity and lifts the maximum.
Counts count(const std::vector<FormalParameter>& params) {
  Counts c;
  for (const FormalParameter& p : params) {
    switch (p.option) {
      case FormalOption::kSingle:
        ++c.max;
        c.min = c.max;
        break;
      case FormalOption::kOptional:
        ++c.max;
        break;
      case FormalOption::kVariadic:
        c.min = c.max + p.min_arity;
        c.max = kUnbounded;
        return c;
    }
  }
  return c;
}

}  // namespace

int OpSchema::min_inputs() const { return count(inputs).min; }
int OpSchema::max_inputs() const { return count(inputs).max; }
int OpSchema::min_outputs() const { return count(outputs).min; }
int OpSchema::max_outputs() const { return count(outputs).max; }

const AttributeSpec* OpSchema::attribute(std::string_view attr_name) const {
  for (const AttributeSpec& a : attributes) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

const TypeConstraint* OpSchema::type_constraint(std::string_view param) const {
  for (const TypeConstraint& t : type_constraints) {
    if (t.param == param) return &t;
  }
  return nullptr;
}

std::vector<std::string> OpSchema::allowed_types(const FormalParameter& p) const {
  if (const TypeConstraint* t = type_constraint(p.type)) return t->allowed;
  return {p.type};
}

std::string OpSchema::display_name() const {
  std::string out;
  if (!domain.empty()) out = domain + "::";
  out += name;
  out += '-';
  out += std::to_string(since_version);
  return out;
}

std::string type_string(const ir::Type& type) {
  using Kind = ir::Type::Kind;
  switch (type.kind) {
    case Kind::kTensor:
    case Kind::kSparseTensor: {
      if (type.elem_type == DataType::kUndefined) return {};
      std::string out = type.kind == Kind::kTensor ? "tensor(" : "sparse_tensor(";
      out += data_type_name(type.elem_type);
      return out + ")";
    }
    case Kind::kSequence:
    case Kind::kOptional: {
      if (!type.elem) return {};
      std::string inner = type_string(*type.elem);
      if (inner.empty()) return {};
      return (type.kind == Kind::kSequence ? "seq(" : "optional(") + inner + ")";
    }
    case Kind::kMap: {
      if (!type.elem || type.key_type == DataType::kUndefined) return {};
      // ONNX's defs spell a tensor value of a map by its element type alone: "map(int64, float)".
      std::string value = type.elem->kind == ir::Type::Kind::kTensor
                              ? std::string(type.elem->elem_type == DataType::kUndefined
                                                ? std::string_view()
                                                : data_type_name(type.elem->elem_type))
                              : type_string(*type.elem);
      if (value.empty()) return {};
      return "map(" + std::string(data_type_name(type.key_type)) + ", " + value + ")";
    }
    case Kind::kNone:
    case Kind::kOpaque:
      break;
  }
  return {};
}

namespace {

// Recursive descent over: tensor(E) | sparse_tensor(E) | seq(T) | optional(T) | map(E, E|T).
// Returns the rest of `text` after one type, or nullopt.
std::optional<std::string_view> parse_type(std::string_view text, int depth) {
  if (depth > 8) return std::nullopt;
  const std::size_t open = text.find('(');
  if (open == std::string_view::npos) return std::nullopt;
  const std::string_view head = text.substr(0, open);
  std::string_view rest = text.substr(open + 1);
  auto element = [&](std::string_view& in, std::string_view stop) -> bool {
    const std::size_t end = in.find_first_of(stop);
    if (end == std::string_view::npos) return false;
    const auto dt = data_type_from_name(in.substr(0, end));
    // data_type_from_name() also takes "FLOAT"; type strings use the lowercase spelling only.
    if (!dt || data_type_name(*dt) != in.substr(0, end)) return false;
    in.remove_prefix(end);
    return true;
  };
  if (head == "tensor" || head == "sparse_tensor") {
    if (!element(rest, ")")) return std::nullopt;
  } else if (head == "seq" || head == "optional") {
    auto r = parse_type(rest, depth + 1);
    if (!r) return std::nullopt;
    rest = *r;
  } else if (head == "map") {
    if (!element(rest, ",") || !rest.starts_with(", ")) return std::nullopt;
    rest.remove_prefix(2);
    // The value: a bare element type (a tensor of it, as ONNX's defs write it) or a type.
    if (rest.find('(') == std::string_view::npos || rest.find('(') > rest.find(')')) {
      if (!element(rest, ")")) return std::nullopt;
    } else {
      auto r = parse_type(rest, depth + 1);
      if (!r) return std::nullopt;
      rest = *r;
    }
  } else {
    return std::nullopt;
  }
  if (!rest.starts_with(')')) return std::nullopt;
  return rest.substr(1);
}

}  // namespace

bool valid_type_string(std::string_view text) {
  auto rest = parse_type(text, 0);
  return rest && rest->empty();
}

std::string_view canonical_domain(std::string_view domain) noexcept {
  return domain == "ai.onnx" ? std::string_view() : domain;
}

}  // namespace onnxkit::schema
