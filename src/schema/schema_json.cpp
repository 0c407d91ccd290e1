#include "onnxkit/schema/schema_json.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>

#include "onnxkit/core/error.h"
#include "schema/validate.h"

namespace onnxkit::schema {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "onnxkit-op-schemas";
constexpr std::int64_t kFormatVersion = 1;

// Errors inside one schema carry a path of keys below it ("inputs[1] › option");
// parse_schemas_json() puts the source and the schema in front.
[[noreturn]] void fail_at(const std::string& where, std::string message) {
  fail(where, std::move(message));
}

std::string join(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : where + " › " + std::string(key);
}

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

std::string_view kind_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    default:
      return "a value";
  }
}

void expect_keys(const json& obj, const std::string& where,
                 std::initializer_list<std::string_view> known) {
  if (!obj.is_object()) fail_at(where, "expected an object, found " + std::string(kind_name(obj)));
  for (const auto& item : obj.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || item.key() == k;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    fail_at(join(where, item.key()), "unknown key (known keys: " + list + ")");
  }
}

const json* member(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string get_string(const json& obj, std::string_view key, const std::string& where,
                       bool required, std::string fallback = {}) {
  const json* v = member(obj, key);
  if (!v) {
    if (required) fail_at(where, "missing key '" + std::string(key) + "'");
    return fallback;
  }
  if (!v->is_string())
    fail_at(join(where, key), "expected a string, found " + std::string(kind_name(*v)));
  return v->get<std::string>();
}

bool get_bool(const json& obj, std::string_view key, const std::string& where, bool fallback) {
  const json* v = member(obj, key);
  if (!v) return fallback;
  if (!v->is_boolean())
    fail_at(join(where, key), "expected true or false, found " + std::string(kind_name(*v)));
  return v->get<bool>();
}

std::int64_t get_int(const json& obj, std::string_view key, const std::string& where,
                     std::int64_t fallback) {
  const json* v = member(obj, key);
  if (!v) return fallback;
  if (!v->is_number_integer())
    fail_at(join(where, key), "expected an integer, found " + std::string(kind_name(*v)));
  return v->get<std::int64_t>();
}

const json& get_array(const json& obj, std::string_view key, const std::string& where) {
  static const json kEmpty = json::array();
  const json* v = member(obj, key);
  if (!v) return kEmpty;
  if (!v->is_array())
    fail_at(join(where, key), "expected an array, found " + std::string(kind_name(*v)));
  return *v;
}

FormalParameter formal_from(const json& j, const std::string& where) {
  expect_keys(j, where, {"name", "type", "option", "homogeneous", "min_arity"});
  FormalParameter p;
  p.name = get_string(j, "name", where, true);
  p.type = get_string(j, "type", where, true);
  const std::string option = get_string(j, "option", where, false, "single");
  auto o = formal_option_from_name(option);
  if (!o)
    fail_at(join(where, "option"),
            "unknown option '" + option + "' (expected single, optional or variadic)");
  p.option = *o;
  p.homogeneous = get_bool(j, "homogeneous", where, true);
  const std::int64_t arity = get_int(j, "min_arity", where, 1);
  if (arity < 0 || arity > 1000000)
    fail_at(join(where, "min_arity"), "out of range: " + std::to_string(arity));
  p.min_arity = static_cast<int>(arity);
  if (p.option != FormalOption::kVariadic && (member(j, "homogeneous") || member(j, "min_arity"))) {
    fail_at(where, "'homogeneous' and 'min_arity' apply to variadic parameters only");
  }
  return p;
}

std::optional<ir::AttributeType> attribute_type_from(std::string_view name) {
  for (int code = 1; code <= static_cast<int>(ir::AttributeType::kTypeProtos); ++code) {
    const auto t = static_cast<ir::AttributeType>(code);
    if (ir::attribute_type_name(t) == name) return t;
  }
  return std::nullopt;
}

float float_from(const json& j, const std::string& where) {
  if (!j.is_number()) fail_at(where, "expected a number, found " + std::string(kind_name(j)));
  const double d = j.get<double>();
  if (std::isfinite(d) &&
      std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max()) * (1 + 1e-7)) {
    fail_at(where, "out of the range of float");
  }
  return static_cast<float>(d);
}

std::int64_t int_from(const json& j, const std::string& where) {
  if (!j.is_number_integer())
    fail_at(where, "expected an integer, found " + std::string(kind_name(j)));
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    fail_at(where, "out of the range of int64");
  }
  return j.get<std::int64_t>();
}

std::string string_from(const json& j, const std::string& where) {
  if (!j.is_string()) fail_at(where, "expected a string, found " + std::string(kind_name(j)));
  return j.get<std::string>();
}

template <typename T, typename F>
std::vector<T> list_from(const json& j, const std::string& where, F one) {
  if (!j.is_array()) fail_at(where, "expected an array, found " + std::string(kind_name(j)));
  std::vector<T> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i)
    out.push_back(one(j[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

AttributeValue default_from(const json& j, ir::AttributeType type, const std::string& where) {
  using T = ir::AttributeType;
  switch (type) {
    case T::kFloat:
      return float_from(j, where);
    case T::kInt:
      return int_from(j, where);
    case T::kString:
      return string_from(j, where);
    case T::kFloats:
      return list_from<float>(j, where, float_from);
    case T::kInts:
      return list_from<std::int64_t>(j, where, int_from);
    case T::kStrings:
      return list_from<std::string>(j, where, string_from);
    default:
      break;
  }
  fail_at(where,
          "a default is supported for float, int, string, floats, ints and strings attributes "
          "only, not " +
              std::string(ir::attribute_type_name(type)));
}

AttributeSpec attribute_from(const json& j, const std::string& where) {
  expect_keys(j, where, {"name", "type", "required", "default"});
  AttributeSpec a;
  a.name = get_string(j, "name", where, true);
  const std::string type = get_string(j, "type", where, true);
  auto t = attribute_type_from(type);
  if (!t) {
    fail_at(join(where, "type"),
            "unknown attribute type '" + type +
                "' (expected float, int, string, tensor, graph, sparse_tensor, type_proto, "
                "or one of these with an s: floats, ints, ...)");
  }
  a.type = *t;
  a.required = get_bool(j, "required", where, false);
  if (const json* d = member(j, "default")) {
    if (a.required) fail_at(where, "a required attribute has no default");
    a.default_value = default_from(*d, a.type, join(where, "default"));
  }
  return a;
}

TypeConstraint constraint_from(const json& j, const std::string& where) {
  expect_keys(j, where, {"param", "types"});
  TypeConstraint c;
  c.param = get_string(j, "param", where, true);
  const json* types = member(j, "types");
  if (!types) fail_at(where, "missing key 'types'");
  c.allowed = list_from<std::string>(*types, join(where, "types"), string_from);
  return c;
}

std::string schema_label(const json& j, std::size_t index) {
  std::string label = "schema " + std::to_string(index);
  if (!j.is_object()) return label;
  const json* name = member(j, "name");
  if (!name || !name->is_string()) return label;
  std::string id;
  const json* domain = member(j, "domain");
  if (domain && domain->is_string() && !domain->get<std::string>().empty())
    id = domain->get<std::string>() + "::";
  id += name->get<std::string>();
  const json* since = member(j, "since_version");
  if (since && since->is_number_integer()) id += "-" + std::to_string(since->get<std::int64_t>());
  return label + " (" + id + ")";
}

OpSchema schema_from(const json& j) {
  const std::string where;
  expect_keys(j, where,
              {"domain", "name", "since_version", "deprecated", "inputs", "outputs", "attributes",
               "type_constraints", "inference", "notes", "doc"});
  OpSchema s;
  // The domain is required, so that a custom op is never silently put in the ONNX domain.
  s.domain = std::string(canonical_domain(get_string(j, "domain", where, true)));
  s.name = get_string(j, "name", where, true);
  s.since_version = get_int(j, "since_version", where, 1);
  s.deprecated = get_bool(j, "deprecated", where, false);
  const json& inputs = get_array(j, "inputs", where);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    s.inputs.push_back(formal_from(inputs[i], indexed("inputs", i)));
  const json& outputs = get_array(j, "outputs", where);
  for (std::size_t i = 0; i < outputs.size(); ++i)
    s.outputs.push_back(formal_from(outputs[i], indexed("outputs", i)));
  const json& attrs = get_array(j, "attributes", where);
  for (std::size_t i = 0; i < attrs.size(); ++i)
    s.attributes.push_back(attribute_from(attrs[i], indexed("attributes", i)));
  const json& tcs = get_array(j, "type_constraints", where);
  for (std::size_t i = 0; i < tcs.size(); ++i) {
    s.type_constraints.push_back(constraint_from(tcs[i], indexed("type_constraints", i)));
  }
  s.inference = get_string(j, "inference", where, false);
  if (const json* notes = member(j, "notes"))
    s.notes = list_from<std::string>(*notes, "notes", string_from);
  get_string(j, "doc", where, false);  // accepted for the reader's benefit; not kept
  std::sort(s.attributes.begin(), s.attributes.end(),
            [](const AttributeSpec& a, const AttributeSpec& b) { return a.name < b.name; });
  detail::validate_unlocated(s);  // the caller names the schema
  return s;
}

// "source:LINE:COLUMN" for a byte offset (nlohmann counts bytes from 1, past the bad one).
std::string text_position(std::string_view source, std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2:
// " prefix.
std::string plain_message(const std::string& what) {
  std::string msg = what;
  if (auto p = msg.find("] "); msg.starts_with("[json.exception.") && p != std::string::npos)
    msg = msg.substr(p + 2);
  if (auto p = msg.find(": "); msg.starts_with("parse error") && p != std::string::npos)
    msg = msg.substr(p + 2);
  return msg;
}

using ordered = nlohmann::ordered_json;  // keeps keys in the order written

ordered value_json(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> ordered {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) {
          return nullptr;
        } else {
          return x;
        }
      },
      v);
}

ordered formal_json(const FormalParameter& p) {
  ordered j = ordered::object();
  j["name"] = p.name;
  j["type"] = p.type;
  if (p.option != FormalOption::kSingle) j["option"] = formal_option_name(p.option);
  if (p.option == FormalOption::kVariadic) {
    if (!p.homogeneous) j["homogeneous"] = false;
    if (p.min_arity != 1) j["min_arity"] = p.min_arity;
  }
  return j;
}

}  // namespace

std::vector<OpSchema> parse_schemas_json(std::string_view json_text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    fail(text_position(source, json_text, e.byte), "invalid JSON: " + plain_message(e.what()));
  }
  const std::string src(source);
  const json* list = &doc;
  if (doc.is_object()) {
    try {
      expect_keys(doc, "", {"format", "format_version", "source", "schemas"});
      const std::string format = get_string(doc, "format", "", false, std::string(kFormat));
      if (format != kFormat)
        fail_at("format", "expected \"" + std::string(kFormat) + "\", found \"" + format + "\"");
      const std::int64_t version = get_int(doc, "format_version", "", kFormatVersion);
      if (version != kFormatVersion) {
        fail_at("format_version", "this onnxkit reads version " + std::to_string(kFormatVersion) +
                                      ", not " + std::to_string(version));
      }
      get_string(doc, "source", "", false);
      list = member(doc, "schemas");
      if (!list) fail_at("", "missing key 'schemas'");
      if (!list->is_array())
        fail_at("schemas", "expected an array, found " + std::string(kind_name(*list)));
    } catch (const Error& e) {
      throw e.within(src);
    }
  } else if (!doc.is_array()) {
    fail(src, "expected an object with \"schemas\", or an array of schemas");
  }
  std::vector<OpSchema> out;
  out.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    try {
      out.push_back(schema_from((*list)[i]));
    } catch (const Error& e) {
      throw e.within(src + " › " + schema_label((*list)[i], i));
    }
  }
  return out;
}

std::string schemas_to_json(const std::vector<const OpSchema*>& schemas) {
  std::string out = "{\"format\": \"onnxkit-op-schemas\", \"format_version\": 1, \"schemas\": [\n";
  bool first = true;
  for (const OpSchema* s : schemas) {
    ordered j = ordered::object();
    j["domain"] = s->domain;
    j["name"] = s->name;
    j["since_version"] = s->since_version;
    if (s->deprecated) j["deprecated"] = true;
    j["inputs"] = ordered::array();
    for (const auto& p : s->inputs) j["inputs"].push_back(formal_json(p));
    j["outputs"] = ordered::array();
    for (const auto& p : s->outputs) j["outputs"].push_back(formal_json(p));
    j["attributes"] = ordered::array();
    for (const auto& a : s->attributes) {
      ordered ja = {{"name", a.name}, {"type", ir::attribute_type_name(a.type)}};
      if (a.required) ja["required"] = true;
      if (a.has_default()) ja["default"] = value_json(a.default_value);
      j["attributes"].push_back(std::move(ja));
    }
    j["type_constraints"] = ordered::array();
    for (const auto& t : s->type_constraints) {
      j["type_constraints"].push_back(ordered{{"param", t.param}, {"types", t.allowed}});
    }
    if (!s->inference.empty()) j["inference"] = s->inference;
    if (!s->notes.empty()) j["notes"] = s->notes;
    out += first ? " " : ",\n ";
    first = false;
    out += j.dump();
  }
  out += "\n]}\n";
  return out;
}

}  // namespace onnxkit::schema
