#include "onnxkit/check/checker.h"

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "check/context.h"
#include "onnxkit/schema/op_schema.h"

namespace onnxkit::check {

namespace {

/// The newest IR version this build knows (ONNX 1.19+ writes 12 and 13 is
/// planned; a newer file may use fields we cannot check).
constexpr std::int64_t kMaxIrVersion = 13;
/// Opset imports arrived with IR version 3.
constexpr std::int64_t kFirstIrWithOpsets = 3;

}  // namespace

std::string_view severity_name(Severity s) { return s == Severity::kError ? "error" : "warning"; }

std::string problem_to_string(const Problem& p) {
  std::string out(severity_name(p.severity));
  out += ": ";
  if (!p.location.empty()) out.append(p.location).append(": ");
  return out + p.message;
}

bool has_errors(const std::vector<Problem>& problems) {
  return std::any_of(problems.begin(), problems.end(),
                     [](const Problem& p) { return p.severity == Severity::kError; });
}

std::string problems_to_json(const std::vector<Problem>& problems) {
  nlohmann::ordered_json doc;
  std::size_t errors = 0;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Problem& p : problems) {
    errors += p.severity == Severity::kError ? 1 : 0;
    list.push_back({{"severity", severity_name(p.severity)},
                    {"location", p.location},
                    {"message", p.message}});
  }
  doc["valid"] = errors == 0;
  doc["errors"] = errors;
  doc["warnings"] = problems.size() - errors;
  doc["problems"] = std::move(list);
  return doc.dump(2) + "\n";
}

std::vector<Problem> check_model(const ir::Model& model, const CheckOptions& options) {
  return detail::Context(model, options).run();
}

namespace detail {

bool is_onnx_domain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain == "ai.onnx.ml" ||
         domain == "ai.onnx.preview" || domain == "ai.onnx.preview.training" ||
         domain == "ai.onnx.training";
}

Context::Context(const ir::Model& model, const CheckOptions& options)
    : model_(model),
      options_(options),
      registry_(options.registry != nullptr ? options.registry : &schema::SchemaRegistry::onnx()) {}

const ir::Function* Context::find_function(std::string_view domain, std::string_view name) const {
  for (const ir::Function& f : model_.functions) {
    if (f.name == name && schema::canonical_domain(f.domain) == schema::canonical_domain(domain)) {
      return &f;
    }
  }
  return nullptr;
}

const ir::Type* Context::type_of(const ir::Tensor* t) {
  if (t == nullptr || t->is_empty()) return nullptr;
  if (const ir::Type* inferred = analysis_.type(t)) return inferred;
  if (const auto& declared = t->info().type) return &*declared;
  if (t->data() == nullptr && t->sparse_data() == nullptr) return nullptr;
  auto it = other_types_.find(t);
  if (it == other_types_.end()) it = other_types_.emplace(t, t->type()).first;
  return it->second ? &*it->second : nullptr;
}

std::string_view Context::tensor_text(DataType elem) {
  const auto code = static_cast<std::uint32_t>(elem);
  if (code >= tensor_text_.size())
    return *other_text_.insert(schema::type_string(ir::Type::tensor(elem, std::nullopt))).first;
  std::string& text = tensor_text_[code];
  if (text.empty() && elem != DataType::kUndefined)
    text = schema::type_string(ir::Type::tensor(elem, std::nullopt));
  return text;
}

std::string_view Context::type_text(const ir::Type& type) {
  if (type.kind == ir::Type::Kind::kTensor) return tensor_text(type.elem_type);
  return *other_text_.insert(schema::type_string(type)).first;
}

std::string_view Context::value_type_text(const ir::Tensor* t, DataType* tensor_elem) {
  *tensor_elem = DataType::kUndefined;
  if (t == nullptr || t->is_empty()) return {};
  if (const infer::Fact* f = analysis_.fact(t);
      f != nullptr && f->kind == ir::Type::Kind::kTensor) {
    *tensor_elem = f->elem;
    return tensor_text(f->elem);
  }
  const ir::Type* type = type_of(t);
  if (type == nullptr) return {};
  if (type->kind == ir::Type::Kind::kTensor) *tensor_elem = type->elem_type;
  return type_text(*type);
}

std::optional<std::size_t> Context::rank_of(const ir::Tensor* t) {
  if (t == nullptr || t->is_empty()) return std::nullopt;
  if (const infer::Fact* f = analysis_.fact(t)) {
    if (f->kind != ir::Type::Kind::kTensor || f->rank < 0) return std::nullopt;
    return static_cast<std::size_t>(f->rank);
  }
  const ir::Type* type = type_of(t);
  if (!type || type->kind != ir::Type::Kind::kTensor || !type->shape) return std::nullopt;
  return type->shape->dims.size();
}

const Context::AllowedTypes& Context::allowed_types(const schema::OpSchema& s,
                                                    const schema::FormalParameter& f) {
  auto it = allowed_.find(&f);
  if (it != allowed_.end()) return it->second;
  AllowedTypes& a = allowed_[&f];
  a.list = s.allowed_types(f);
  for (const std::string& t : a.list) a.set.insert(t);
  a.constrained = s.type_constraint(f.type) != nullptr;
  for (std::uint32_t code = 1; code < 64; ++code) {
    if (!data_type_known(static_cast<std::int32_t>(code))) continue;
    if (a.contains(tensor_text(static_cast<DataType>(code))))
      a.tensor_mask |= std::uint64_t{1} << code;
  }
  return a;
}

const Context::OpLookup& Context::lookup_op(
    const ir::Node& node, const std::unordered_map<std::string, std::int64_t>& opsets) {
  // Op types and domains are interned (ir/interned_string.h): equal strings
  // are one object, so the cache compares addresses. A miss falls back to
  // the map, keyed by the strings.
  const auto bits = reinterpret_cast<std::uintptr_t>(&node.op_type()) ^
                    (reinterpret_cast<std::uintptr_t>(&node.domain()) << 1);
  OpCacheSlot& slot = op_cache_[((bits * 0x9e3779b97f4a7c15ULL) >> 58) % op_cache_.size()];
  if (slot.lookup != nullptr && slot.opsets == &opsets &&
      &slot.node->op_type() == &node.op_type() && &slot.node->domain() == &node.domain()) {
    return *slot.lookup;
  }
  const OpKey key{&opsets, node.domain(), node.op_type()};
  auto it = ops_.find(key);
  if (it == ops_.end()) {
    OpLookup op;
    op.domain = std::string(schema::canonical_domain(node.domain()));
    auto opset = opsets.find(op.domain);
    if (opset != opsets.end()) {
      op.imported = true;
      op.version = opset->second;
      op.schema = registry().find_including_deprecated(op.domain, node.op_type(), op.version);
    }
    if (const schema::OpSchema* s = op.schema) {
      op.min_inputs = s->min_inputs();
      op.max_inputs = s->max_inputs();
      op.min_outputs = s->min_outputs();
      op.max_outputs = s->max_outputs();
      const std::string& name = node.op_type();
      op.conv_family =
          op.domain.empty() && (name == "Conv" || name == "ConvTranspose" || name == "MaxPool" ||
                                name == "AveragePool" || name == "LpPool" ||
                                name == "ConvInteger" || name == "QLinearConv");
      auto param_index = [&](const schema::FormalParameter& f) {
        for (std::size_t k = 0; k < s->type_constraints.size(); ++k) {
          if (s->type_constraints[k].param == f.type) return static_cast<int>(k);
        }
        return -1;
      };
      for (const schema::FormalParameter& f : s->inputs) {
        op.input_types.push_back(&allowed_types(*s, f));
        op.input_param.push_back(param_index(f));
      }
      for (const schema::FormalParameter& f : s->outputs) {
        op.output_types.push_back(&allowed_types(*s, f));
        op.output_param.push_back(param_index(f));
      }
    }
    it = ops_.emplace(key, std::move(op)).first;
  }
  slot = OpCacheSlot{&opsets, &node, &it->second};
  return it->second;
}

std::vector<Problem> Context::run() {
  check_model_fields();
  // Full check, as onnx.checker's full_check: inferred types take part in the
  // type-constraint checks, and what inference finds inconsistent is an error.
  infer::InferOptions io;
  io.registry = registry_;
  try {
    analysis_ = infer::analyze(model_, io);
  } catch (const std::exception& e) {
    warning("model", std::string("type inference stopped: ") + e.what());
  }
  for (const infer::InferIssue& i : analysis_.issues) error(i.location, i.message);
  if (model_.graph == nullptr) {
    error("", "the model has no graph");
  } else {
    GraphContext gc;
    gc.location = model_.graph->describe();
    gc.opsets = &model_opsets_;
    check_graph(*model_.graph, gc);
  }
  check_functions();
  return std::move(problems_);
}

void Context::check_model_fields() {
  if (model_.ir_version <= 0) {
    error("model", "ir_version is not set (every model must state the IR version it follows)");
  } else if (model_.ir_version > kMaxIrVersion) {
    warning("model", "ir_version " + std::to_string(model_.ir_version) +
                         " is newer than this build knows (" + std::to_string(kMaxIrVersion) +
                         "); fields it added are not checked");
  }

  std::unordered_set<std::string_view> keys;
  for (const ir::StringEntry& e : model_.metadata_props) {
    if (!keys.insert(e.key).second) {
      error("model › metadata_props", "duplicate key '" + e.key + "'");
    }
  }

  for (const ir::OpsetId& o : model_.opset_import) {
    const std::string domain(schema::canonical_domain(o.domain));
    if (!model_opsets_.emplace(domain, o.version).second) {
      error("model › opset_import", "domain '" + o.domain + "' is imported more than once");
    }
    if (o.version < 1) {
      error("model › opset_import", "domain '" + o.domain + "' has version " +
                                        std::to_string(o.version) + "; versions start at 1");
    }
    if (is_onnx_domain(domain)) {
      const std::int64_t newest = registry_->max_since_version(domain);
      if (newest > 0 && o.version > newest) {
        warning("model › opset_import",
                "domain '" + (domain.empty() ? std::string("ai.onnx") : domain) + "' version " +
                    std::to_string(o.version) + " is newer than this build knows (" +
                    std::to_string(newest) + "); operators are checked against version " +
                    std::to_string(newest) + " and older");
      }
    }
  }
  if (model_.ir_version >= kFirstIrWithOpsets) {
    if (model_opsets_.empty()) {
      error(
          "model › opset_import",
          "no opset imports: a model of IR version 3 or later must import the ONNX opset it uses");
    }
  } else if (model_.ir_version > 0) {
    if (!model_opsets_.empty()) {
      error("model › opset_import",
            "a model of IR version " + std::to_string(model_.ir_version) +
                " cannot have opset imports (they arrived with IR version 3)");
    } else {
      model_opsets_.emplace("", 1);
    }
  }
}

void Context::check_functions() {
  std::unordered_set<std::string> seen;
  function_opsets_.reserve(model_.functions.size());
  for (std::size_t i = 0; i < model_.functions.size(); ++i) {
    const ir::Function& f = model_.functions[i];
    const std::string loc =
        "function '" + (f.domain.empty() ? f.name : f.domain + "::" + f.name) + "'";
    if (f.name.empty()) error("function #" + std::to_string(i), "function has no name");
    if (!seen.insert(f.domain + "\n" + f.name + "\n" + f.overload).second) {
      error(loc, "function is defined more than once (same domain, name and overload)");
    }
    auto& opsets = function_opsets_.emplace_back();
    for (const ir::OpsetId& o : f.opset_import) {
      const std::string domain(schema::canonical_domain(o.domain));
      opsets.emplace(domain, o.version);
      auto it = model_opsets_.find(domain);
      if (it != model_opsets_.end() && it->second != o.version) {
        warning(loc + " › opset_import",
                "imports '" + (domain.empty() ? std::string("ai.onnx") : domain) + "' version " +
                    std::to_string(o.version) + " but the model imports version " +
                    std::to_string(it->second));
      }
    }
    if (f.opset_import.empty()) opsets = model_opsets_;

    std::unordered_set<std::string_view> attrs;
    for (const std::string& a : f.attribute) {
      if (!attrs.insert(a).second) error(loc, "attribute '" + a + "' is declared twice");
    }
    for (const ir::Attribute& a : f.attribute_proto) {
      if (!attrs.insert(a.name).second) error(loc, "attribute '" + a.name + "' is declared twice");
    }

    GraphContext gc;
    gc.location = loc;
    gc.is_main = false;
    gc.opsets = &opsets;
    gc.in_function = true;
    check_graph(*f.body, gc);
  }
}

}  // namespace detail
}  // namespace onnxkit::check
