#include "onnxkit/schema/registry.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "onnxkit/core/error.h"
#include "onnxkit/schema/schema_json.h"
#include "schema/validate.h"

namespace onnxkit::schema {

namespace {

// Key of one operator: domain and name joined by a byte that neither contains.
std::string op_key(std::string_view domain, std::string_view op) {
  std::string key(canonical_domain(domain));
  key += '\n';
  key += op;
  return key;
}

void validate_formals(const OpSchema& s, const std::vector<FormalParameter>& params,
                      std::string_view kind) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const FormalParameter& p = params[i];
    const std::string where = std::string(kind) + "[" + std::to_string(i) + "]";
    if (p.name.empty()) fail(where, "empty name");
    if (!names.insert(p.name).second)
      fail(where,
           "a second " + std::string(kind).substr(0, kind.size() - 1) + " named '" + p.name + "'");
    if (p.option == FormalOption::kVariadic && i + 1 != params.size()) {
      fail(where,
           "only the last " + std::string(kind).substr(0, kind.size() - 1) + " may be variadic");
    }
    if (p.min_arity < 0) fail(where, "min_arity below 0");
    if (!s.type_constraint(p.type) && !valid_type_string(p.type)) {
      fail(where,
           "type '" + p.type +
               "' is neither a type constraint of this schema nor a type such as tensor(float)");
    }
  }
}

bool default_matches(const AttributeSpec& a) {
  using T = ir::AttributeType;
  const AttributeValue& v = a.default_value;
  switch (v.index()) {
    case 0:
      return true;
    case 1:
      return a.type == T::kFloat;
    case 2:
      return a.type == T::kInt;
    case 3:
      return a.type == T::kString;
    case 4:
      return a.type == T::kFloats;
    case 5:
      return a.type == T::kInts;
    case 6:
      return a.type == T::kStrings;
    default:
      return false;
  }
}

}  // namespace

namespace detail {

void validate_unlocated(const OpSchema& s) {
  {
    if (s.name.empty()) fail("", "empty op name");
    if (s.since_version < 1)
      fail("since_version", "must be 1 or more, not " + std::to_string(s.since_version));
    std::set<std::string_view> params;
    for (std::size_t i = 0; i < s.type_constraints.size(); ++i) {
      const TypeConstraint& t = s.type_constraints[i];
      const std::string where = "type_constraints[" + std::to_string(i) + "]";
      if (t.param.empty()) fail(where, "empty param");
      if (!params.insert(t.param).second) fail(where, "a second constraint for '" + t.param + "'");
      if (!s.deprecated && t.allowed.empty()) fail(where, "no allowed types");
      for (const std::string& type : t.allowed) {
        if (!valid_type_string(type)) {
          fail(where,
               "'" + type +
                   "' is not a type such as tensor(float), seq(tensor(int64)), map(int64, float)");
        }
      }
    }
    validate_formals(s, s.inputs, "inputs");
    validate_formals(s, s.outputs, "outputs");
    std::set<std::string_view> attrs;
    for (std::size_t i = 0; i < s.attributes.size(); ++i) {
      const AttributeSpec& a = s.attributes[i];
      const std::string where = "attributes[" + std::to_string(i) + "]";
      if (a.name.empty()) fail(where, "empty name");
      if (!attrs.insert(a.name).second) fail(where, "a second attribute named '" + a.name + "'");
      if (a.type == ir::AttributeType::kUndefined)
        fail(where, "attribute '" + a.name + "' has no type");
      if (a.required && a.has_default())
        fail(where, "required attribute '" + a.name + "' has a default");
      if (!default_matches(a)) {
        fail(where, "default of attribute '" + a.name + "' is not of its type " +
                        std::string(ir::attribute_type_name(a.type)));
      }
    }
  }
}

}  // namespace detail

void validate(const OpSchema& s) {
  try {
    detail::validate_unlocated(s);
  } catch (const Error& e) {
    throw e.within(s.display_name());
  }
}

struct SchemaRegistry::Impl {
  std::deque<OpSchema> schemas;  // a deque keeps pointers stable as schemas are added
  // op_key -> versions, sorted by since_version
  std::unordered_map<std::string, std::vector<const OpSchema*>> by_op;
  std::map<std::string, std::int64_t, std::less<>> max_version;  // domain -> largest since_version
  std::map<std::string, InferenceFunction, std::less<>> inference_functions;
};

SchemaRegistry::SchemaRegistry(const SchemaRegistry* parent)
    : impl_(std::make_unique<Impl>()), parent_(parent) {}
SchemaRegistry::SchemaRegistry(SchemaRegistry&&) noexcept = default;
SchemaRegistry& SchemaRegistry::operator=(SchemaRegistry&&) noexcept = default;
SchemaRegistry::~SchemaRegistry() = default;

void SchemaRegistry::add_inference_function(std::string id, InferenceFunction fn) {
  if (!fn) fail("schema registry", "inference function '" + id + "' is empty");
  if (impl_->inference_functions.count(id) != 0) {
    fail("schema registry", "an inference function '" + id + "' is already registered");
  }
  impl_->inference_functions.emplace(std::move(id), std::move(fn));
}

const InferenceFunction* SchemaRegistry::inference_function(std::string_view id) const {
  auto it = impl_->inference_functions.find(id);
  if (it != impl_->inference_functions.end()) return &it->second;
  return parent_ != nullptr ? parent_->inference_function(id) : nullptr;
}

void SchemaRegistry::add(OpSchema schema) {
  schema.domain = std::string(canonical_domain(schema.domain));
  validate(schema);
  std::vector<const OpSchema*>& versions = impl_->by_op[op_key(schema.domain, schema.name)];
  auto pos =
      std::lower_bound(versions.begin(), versions.end(), schema.since_version,
                       [](const OpSchema* s, std::int64_t v) { return s->since_version < v; });
  if (pos != versions.end() && (*pos)->since_version == schema.since_version) {
    fail(schema.display_name(), "this registry already has a schema for that op and version");
  }
  std::int64_t& max = impl_->max_version[schema.domain];
  max = std::max(max, schema.since_version);
  impl_->schemas.push_back(std::move(schema));
  versions.insert(pos, &impl_->schemas.back());
}

void SchemaRegistry::add_json(std::string_view json_text, std::string_view source) {
  std::vector<OpSchema> parsed = parse_schemas_json(json_text, source);
  // Check every one before adding any, so a failure leaves the registry as it was.
  std::set<std::tuple<std::string, std::string, std::int64_t>> seen;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const OpSchema& s = parsed[i];
    const bool dup_here = !seen.emplace(s.domain, s.name, s.since_version).second;
    bool dup_before = false;
    if (auto it = impl_->by_op.find(op_key(s.domain, s.name)); it != impl_->by_op.end()) {
      for (const OpSchema* have : it->second)
        dup_before = dup_before || have->since_version == s.since_version;
    }
    if (dup_here || dup_before) {
      fail(std::string(source) + " › schema " + std::to_string(i) + " (" + s.display_name() + ")",
           dup_here ? "declared twice in this file" : "already declared");
    }
  }
  for (OpSchema& s : parsed) add(std::move(s));
}

void SchemaRegistry::add_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, "cannot read the file");
  add_json(text.str(), path);
}

const OpSchema* SchemaRegistry::find_including_deprecated(std::string_view domain,
                                                          std::string_view op,
                                                          std::int64_t opset_version) const {
  for (const SchemaRegistry* r = this; r; r = r->parent_) {
    auto it = r->impl_->by_op.find(op_key(domain, op));
    if (it == r->impl_->by_op.end()) continue;
    const std::vector<const OpSchema*>& versions = it->second;
    auto pos =
        std::upper_bound(versions.begin(), versions.end(), opset_version,
                         [](std::int64_t v, const OpSchema* s) { return v < s->since_version; });
    return pos == versions.begin() ? nullptr : *(pos - 1);
  }
  return nullptr;
}

const OpSchema* SchemaRegistry::find(std::string_view domain, std::string_view op,
                                     std::int64_t opset_version) const {
  const OpSchema* s = find_including_deprecated(domain, op, opset_version);
  return s && !s->deprecated ? s : nullptr;
}

std::vector<const OpSchema*> SchemaRegistry::versions(std::string_view domain,
                                                      std::string_view op) const {
  for (const SchemaRegistry* r = this; r; r = r->parent_) {
    auto it = r->impl_->by_op.find(op_key(domain, op));
    if (it != r->impl_->by_op.end()) return it->second;
  }
  return {};
}

std::vector<const OpSchema*> SchemaRegistry::all() const {
  std::vector<const OpSchema*> out;
  out.reserve(impl_->schemas.size());
  for (const OpSchema& s : impl_->schemas) out.push_back(&s);
  std::sort(out.begin(), out.end(), [](const OpSchema* a, const OpSchema* b) {
    return std::tie(a->domain, a->name, a->since_version) <
           std::tie(b->domain, b->name, b->since_version);
  });
  return out;
}

std::int64_t SchemaRegistry::max_since_version(std::string_view domain) const {
  std::int64_t best = parent_ ? parent_->max_since_version(domain) : 0;
  auto it = impl_->max_version.find(canonical_domain(domain));
  return it == impl_->max_version.end() ? best : std::max(best, it->second);
}

std::size_t SchemaRegistry::size() const { return impl_->schemas.size(); }

}  // namespace onnxkit::schema
