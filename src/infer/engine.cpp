#include "onnxkit/infer/infer.h"

#include <cstring>
#include <functional>

#include "infer/context.h"
#include "onnxkit/core/error.h"

namespace onnxkit::infer {
namespace detail {

namespace {

using Kind = ir::Type::Kind;

/// The element type of a concrete "tensor(xxx)" type string.
std::optional<DataType> tensor_elem_of(std::string_view ts) {
  if (!ts.starts_with("tensor(") || !ts.ends_with(")")) return std::nullopt;
  return data_type_from_name(ts.substr(7, ts.size() - 8));
}

std::string dims_text(const ir::Type& t) { return ir::type_to_string(t); }

/// Merges `inferred` into `declared` (both of one value). Returns the merged
/// type, or a message on a contradiction.
std::variant<ir::Type, std::string> merge_types(const ir::Type& declared, const ir::Type& inferred) {
  if (declared.kind == Kind::kNone) return inferred;
  if (inferred.kind == Kind::kNone) return declared;
  if (declared.kind != inferred.kind) {
    return "inferred " + dims_text(inferred) + " but it is declared as " + dims_text(declared);
  }
  if (declared.kind == Kind::kSequence || declared.kind == Kind::kOptional) {
    if (!declared.elem) return inferred;
    if (!inferred.elem) return declared;
    auto inner = merge_types(*declared.elem, *inferred.elem);
    if (auto* msg = std::get_if<std::string>(&inner)) return *msg;
    ir::Type out = declared;
    out.elem = std::make_unique<ir::Type>(std::get<ir::Type>(std::move(inner)));
    return out;
  }
  if (declared.kind != Kind::kTensor && declared.kind != Kind::kSparseTensor) return declared;
  ir::Type out = declared;
  if (declared.elem_type == DataType::kUndefined) {
    out.elem_type = inferred.elem_type;
  } else if (inferred.elem_type != DataType::kUndefined && inferred.elem_type != declared.elem_type) {
    return "inferred element type " + std::string(data_type_name(inferred.elem_type)) +
           " but it is declared as " + dims_text(declared);
  }
  if (!inferred.shape) return out;
  if (!declared.shape) {
    out.shape = inferred.shape;
    return out;
  }
  const Shape& a = declared.shape->dims;
  const Shape& b = inferred.shape->dims;
  if (a.size() != b.size()) {
    return "inferred rank " + std::to_string(b.size()) + " (" + dims_text(inferred) +
           ") but it is declared with rank " + std::to_string(a.size()) + " (" + dims_text(declared) + ")";
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto m = merge_dim(a[i], b[i]);
    if (!m) {
      return "inferred " + dims_text(inferred) + " but it is declared as " + dims_text(declared) +
             " (dim " + std::to_string(i) + ")";
    }
    // A declared symbol stays (N is more telling than a number only when the
    // number is unknown); a number from inference fills an unknown or symbolic dim.
    out.shape->dims[i] = a[i].is_value() ? a[i] : *m;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- helpers

std::optional<Dim> merge_dim(const Dim& a, const Dim& b) {
  if (a.is_value() && b.is_value()) {
    if (a.value != b.value) return std::nullopt;
    return a;
  }
  if (a.is_value()) return a;
  if (b.is_value()) return b;
  if (a.is_param()) return a;
  return b;
}

Shape broadcast(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const Dim* da = i + a.size() >= rank ? &a[i + a.size() - rank] : nullptr;
    const Dim* db = i + b.size() >= rank ? &b[i + b.size() - rank] : nullptr;
    if (da == nullptr) {
      out[i] = *db;
    } else if (db == nullptr) {
      out[i] = *da;
    } else if (da->is_value() && db->is_value()) {
      if (da->value == db->value || db->value == 1) {
        out[i] = *da;
      } else if (da->value == 1) {
        out[i] = *db;
      } else {
        throw RuleError{"shapes [" + shape_to_string(a) + "] and [" + shape_to_string(b) +
                        "] do not broadcast (dim " + std::to_string(da->value) + " against " +
                        std::to_string(db->value) + ")"};
      }
    } else if (da->is_value()) {
      out[i] = da->value == 1 ? *db : *da;
    } else if (db->is_value()) {
      out[i] = db->value == 1 ? *da : *db;
    } else if (da->is_param() && db->is_param() && da->param == db->param) {
      out[i] = *da;
    } else {
      out[i] = Dim::unknown();
    }
  }
  return out;
}

std::optional<std::int64_t> dims_product(const Shape& s, std::size_t begin, std::size_t end) {
  std::int64_t p = 1;
  for (std::size_t i = begin; i < end && i < s.size(); ++i) {
    if (!s[i].is_value()) return std::nullopt;
    p *= s[i].value;
  }
  return p;
}

ValueFacts constant_facts(const ir::TensorData& data) {
  ValueFacts f;
  Shape dims;
  dims.reserve(data.dims.size());
  for (std::int64_t d : data.dims) dims.push_back(Dim::of(d));
  f.type = ir::Type::tensor(data.data_type, std::move(dims));
  const bool integer = data.data_type == DataType::kInt64 || data.data_type == DataType::kInt32;
  if (!integer || data.dims.size() > 1 || data.element_count() > kMaxTrackedValues) return f;
  const std::uint64_t n = data.element_count();
  Shape values;
  values.reserve(n);
  if (data.data_type == DataType::kInt64 && data.int64_data.size() == n) {
    for (std::int64_t v : data.int64_data) values.push_back(Dim::of(v));
  } else if (data.data_type == DataType::kInt32 && data.int32_data.size() == n) {
    for (std::int32_t v : data.int32_data) values.push_back(Dim::of(v));
  } else {
    Buffer bytes;
    try {
      bytes = data.bytes();
    } catch (const Error&) {
      return f;
    }
    const std::size_t width = data.data_type == DataType::kInt64 ? 8 : 4;
    if (bytes.size() != n * width) return f;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (width == 8) {
        std::int64_t v;
        std::memcpy(&v, bytes.bytes().data() + i * 8, 8);
        values.push_back(Dim::of(v));
      } else {
        std::int32_t v;
        std::memcpy(&v, bytes.bytes().data() + i * 4, 4);
        values.push_back(Dim::of(v));
      }
    }
  }
  f.values = std::move(values);
  return f;
}

// ---------------------------------------------------------------- InferContext

InferContext::InferContext(Engine& engine, const ir::Node& node, const schema::OpSchema* schema,
                           std::int64_t opset, const std::string& graph_location)
    : engine_(engine),
      node_(node),
      schema_(schema),
      opset_(opset),
      graph_location_(graph_location),
      outputs_(node.outputs().size()) {}

bool InferContext::has_input(std::size_t i) const {
  return i < node_.inputs().size() && !node_.inputs()[i]->is_empty();
}

const ValueFacts* InferContext::input(std::size_t i) const {
  if (!has_input(i)) return nullptr;
  return engine_.facts(node_.inputs()[i]);
}

DataType InferContext::input_elem(std::size_t i) const {
  const ValueFacts* f = input(i);
  return f == nullptr ? DataType::kUndefined : f->type.elem_type;
}

const Shape* InferContext::input_shape(std::size_t i) const {
  const ValueFacts* f = input(i);
  if (f == nullptr || f->type.kind != Kind::kTensor) return nullptr;
  return f->type.dims();
}

const Shape* InferContext::input_values(std::size_t i) const {
  const ValueFacts* f = input(i);
  return f == nullptr || !f->values ? nullptr : &*f->values;
}

std::optional<std::vector<std::int64_t>> InferContext::input_ints(std::size_t i) const {
  const Shape* v = input_values(i);
  if (v == nullptr) return std::nullopt;
  std::vector<std::int64_t> out;
  for (const Dim& d : *v) {
    if (!d.is_value()) return std::nullopt;
    out.push_back(d.value);
  }
  return out;
}

std::int64_t InferContext::attr_int(std::string_view name, std::int64_t fallback) const {
  if (const ir::Attribute* a = node_.attribute(name)) return a->i;
  if (schema_ != nullptr) {
    if (const schema::AttributeSpec* s = schema_->attribute(name)) {
      if (auto* v = std::get_if<std::int64_t>(&s->default_value)) return *v;
    }
  }
  return fallback;
}

float InferContext::attr_float(std::string_view name, float fallback) const {
  if (const ir::Attribute* a = node_.attribute(name)) return a->f;
  return fallback;
}

std::string InferContext::attr_string(std::string_view name, std::string fallback) const {
  if (const ir::Attribute* a = node_.attribute(name)) return a->s;
  if (schema_ != nullptr) {
    if (const schema::AttributeSpec* s = schema_->attribute(name)) {
      if (auto* v = std::get_if<std::string>(&s->default_value)) return *v;
    }
  }
  return fallback;
}

std::optional<std::vector<std::int64_t>> InferContext::attr_ints(std::string_view name) const {
  if (const ir::Attribute* a = node_.attribute(name)) return a->ints;
  if (schema_ != nullptr) {
    if (const schema::AttributeSpec* s = schema_->attribute(name)) {
      if (auto* v = std::get_if<std::vector<std::int64_t>>(&s->default_value)) return *v;
    }
  }
  return std::nullopt;
}

void InferContext::set_output(std::size_t i, ir::Type type) {
  if (i >= outputs_.size() || node_.outputs()[i]->is_empty()) return;
  if (!outputs_[i]) outputs_[i].emplace();
  outputs_[i]->type = std::move(type);
}

void InferContext::set_tensor(std::size_t i, DataType elem, std::optional<Shape> shape) {
  set_output(i, ir::Type::tensor(elem, std::move(shape)));
}

void InferContext::set_values(std::size_t i, Shape values) {
  if (!engine_.data_propagation() || i >= outputs_.size() || !outputs_[i]) return;
  if (values.size() > kMaxTrackedValues) return;
  outputs_[i]->values = std::move(values);
}

ValueFacts* InferContext::output(std::size_t i) {
  return i < outputs_.size() && outputs_[i] ? &*outputs_[i] : nullptr;
}

std::int64_t InferContext::axis(std::int64_t a, std::int64_t rank, std::string_view what) const {
  if (a < -rank || a >= rank) {
    fail(std::string(what) + " " + std::to_string(a) + " is out of range for rank " +
         std::to_string(rank));
  }
  return a < 0 ? a + rank : a;
}

// ---------------------------------------------------------------- Engine

Engine::Engine(const ir::Model& model, const InferOptions& options)
    : model_(model),
      options_(options),
      registry_(options.registry != nullptr ? options.registry : &schema::SchemaRegistry::onnx()) {
  for (const ir::OpsetId& o : model.opset_import) {
    opsets_.emplace(std::string(schema::canonical_domain(o.domain)), o.version);
  }
  if (opsets_.empty() && model.ir_version > 0 && model.ir_version < 3) opsets_.emplace("", 1);
}

const ValueFacts* Engine::facts(const ir::Tensor* t) {
  if (t == nullptr || t->is_empty()) return nullptr;
  auto it = facts_.find(t);
  if (it != facts_.end()) return &it->second;
  if (no_facts_.count(t) != 0) return nullptr;
  ValueFacts f;
  if (const ir::TensorData* data = t->data()) {
    f = constant_facts(*data);
    if (const auto& declared = t->info().type) {
      auto merged = merge_types(*declared, f.type);
      if (auto* ty = std::get_if<ir::Type>(&merged)) f.type = std::move(*ty);
    }
  } else if (auto type = t->type()) {
    f.type = std::move(*type);
  } else {
    no_facts_.insert(t);
    return nullptr;
  }
  return &facts_.emplace(t, std::move(f)).first->second;
}

void Engine::assign(const ir::Tensor* t, ValueFacts f, const std::string& location) {
  assign_at(t, std::move(f), [&]() -> const std::string& { return location; });
}

void Engine::assign(const ir::Tensor* t, ValueFacts f, const InferContext& cx) {
  assign_at(t, std::move(f), [&]() -> const std::string& { return cx.location(); });
}

template <typename Location>
void Engine::assign_at(const ir::Tensor* t, ValueFacts f, const Location& location) {
  if (t == nullptr || t->is_empty()) return;
  if (const auto& declared = t->info().type) {
    auto merged = merge_types(*declared, f.type);
    if (auto* msg = std::get_if<std::string>(&merged)) {
      issue(location() + " › output '" + t->name() + "'", *msg);
      f.type = *declared;
    } else {
      f.type = std::get<ir::Type>(std::move(merged));
    }
  }
  if (!no_facts_.empty()) no_facts_.erase(t);
  facts_.insert_or_assign(t, std::move(f));
}

void Engine::infer_graph(const ir::Graph& g, const std::string& location) {
  for (const auto& n : g.nodes()) infer_node(*n, location);
}

const Engine::OpEntry& Engine::op_entry(const ir::Node& n) {
  const std::pair<std::string_view, std::string_view> key(n.domain(), n.op_type());
  auto cached = ops_.find(key);
  if (cached != ops_.end()) return cached->second;
  OpEntry e;
  const std::string domain(schema::canonical_domain(n.domain()));
  auto opset = opsets_.find(domain);
  e.version = opset == opsets_.end() ? 0 : opset->second;
  e.schema = e.version > 0 ? registry_->find(domain, n.op_type(), e.version) : nullptr;
  if (e.schema != nullptr && !e.schema->inference.empty()) {
    const auto& table = rule_table().rules;
    auto it = table.find(e.schema->inference);
    if (it == table.end() && domain.empty()) it = table.find(n.op_type());
    if (it != table.end()) {
      e.rule = it->second;
    } else {
      e.custom = registry_->inference_function(e.schema->inference);
    }
  }
  return ops_.emplace(key, e).first->second;
}

// A custom op's function rule sees plain types, so it needs nothing of the
// engine's internals; its errors become issues like a built-in rule's.
void Engine::apply_custom(const schema::InferenceFunction& fn, InferContext& cx) {
  std::vector<ir::Type> inputs(cx.num_inputs());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (const ValueFacts* f = cx.input(i)) inputs[i] = f->type;
  }
  std::vector<ir::Type> outputs;
  try {
    outputs = fn(cx.node(), inputs);
  } catch (const Error& e) {
    throw RuleError{e.message()};
  } catch (const std::exception& e) {
    throw RuleError{std::string("inference function failed: ") + e.what()};
  }
  for (std::size_t i = 0; i < outputs.size() && i < cx.num_outputs(); ++i) {
    if (outputs[i].kind != ir::Type::Kind::kNone && !cx.node().outputs()[i]->is_empty()) {
      cx.set_output(i, std::move(outputs[i]));
    }
  }
}

void Engine::infer_node(const ir::Node& n, const std::string& graph_location) {
  const OpEntry& op = op_entry(n);
  const schema::OpSchema* s = op.schema;
  InferContext cx(*this, n, s, op.version, graph_location);
  try {
    if (op.rule != nullptr) op.rule(cx);
    if (op.custom != nullptr) apply_custom(*op.custom, cx);
  } catch (const RuleError& e) {
    issue(cx.location(), e.message);
  }
  if (s != nullptr) fallback(cx);
  for (std::size_t i = 0; i < n.outputs().size(); ++i) {
    if (cx.outputs_[i]) assign(n.outputs()[i], std::move(*cx.outputs_[i]), cx);
  }
}

// Outputs the rule did not set: element types from the schema, where the
// output's type is concrete or a type parameter that an input binds.
void Engine::fallback(InferContext& cx) {
  const schema::OpSchema& s = *cx.schema();
  const ir::Node& n = cx.node();
  auto formal = [](const std::vector<schema::FormalParameter>& list,
                   std::size_t i) -> const schema::FormalParameter* {
    if (i < list.size()) return &list[i];
    if (!list.empty() && list.back().option == schema::FormalOption::kVariadic) return &list.back();
    return nullptr;
  };
  for (std::size_t i = 0; i < n.outputs().size(); ++i) {
    if (cx.outputs_[i] || n.outputs()[i]->is_empty()) continue;
    const schema::FormalParameter* f = formal(s.outputs, i);
    if (f == nullptr) continue;
    if (auto elem = tensor_elem_of(f->type)) {
      cx.set_tensor(i, *elem, std::nullopt);
      continue;
    }
    const schema::TypeConstraint* tc = s.type_constraint(f->type);
    if (tc == nullptr) continue;
    // Each value of a heterogeneous variadic output has its own type.
    if (f->option == schema::FormalOption::kVariadic && !f->homogeneous) continue;
    bool done = false;
    for (std::size_t j = 0; j < n.inputs().size() && !done; ++j) {
      const schema::FormalParameter* fi = formal(s.inputs, j);
      if (fi == nullptr || fi->type != f->type) continue;
      if (fi->option == schema::FormalOption::kVariadic && !fi->homogeneous) continue;
      const ValueFacts* in = cx.input(j);
      if (in == nullptr || in->type.kind == Kind::kNone) continue;
      ir::Type t = in->type;
      if (t.kind == Kind::kTensor) t.shape.reset();
      cx.set_output(i, std::move(t));
      done = true;
    }
    if (!done && tc->allowed.size() == 1) {
      if (auto elem = tensor_elem_of(tc->allowed[0])) cx.set_tensor(i, *elem, std::nullopt);
    }
  }
}

Analysis Engine::run() {
  if (model_.graph != nullptr) {
    facts_.reserve(model_.graph->owned_tensors().size());
    infer_graph(*model_.graph, model_.graph->describe());
  }
  Analysis a;
  a.facts = std::move(facts_);
  a.issues = std::move(issues_);
  return a;
}

}  // namespace detail

Analysis analyze(const ir::Model& model, const InferOptions& options) {
  return detail::Engine(model, options).run();
}

namespace {

/// Names unknown dims "unk__N" (numbered across the model) where written.
void name_unknown_dims(ir::Type& t, std::size_t& counter) {
  if (t.elem) name_unknown_dims(*t.elem, counter);
  if (!t.shape) return;
  for (Dim& d : t.shape->dims) {
    if (d.is_unknown()) d = Dim::named("unk__" + std::to_string(counter++));
  }
}

bool has_unknown_dims(const ir::Type& t) {
  if (t.elem && has_unknown_dims(*t.elem)) return true;
  if (!t.shape) return false;
  for (const Dim& d : t.shape->dims) {
    if (d.is_unknown()) return true;
  }
  return false;
}

/// Dims as shape_to_string prints them: equal when printed the same.
bool same_dim_text(const Dim& a, const Dim& b) {
  if (a.kind == b.kind) {
    if (a.is_value()) return a.value == b.value;
    if (a.is_param()) return a.param == b.param;
    return true;
  }
  if (a.is_unknown() || b.is_unknown()) {
    const Dim& p = a.is_unknown() ? b : a;
    return p.is_param() && p.param == "?";
  }
  const Dim& v = a.is_value() ? a : b;
  const Dim& p = a.is_value() ? b : a;
  return p.param == std::to_string(v.value);
}

/// Dim names that could print like other dims: empty, or holding a comma.
bool has_comma_param(const ir::Type& t) {
  if (t.elem && has_comma_param(*t.elem)) return true;
  if (!t.shape) return false;
  for (const Dim& d : t.shape->dims) {
    if (d.is_param() && (d.param.empty() || d.param.find(',') != std::string::npos)) return true;
  }
  return false;
}

/// type_to_string(a) == type_to_string(b), without building the strings.
bool same_text(const ir::Type& a, const ir::Type& b) {
  using K = ir::Type::Kind;
  if (a.kind != b.kind) return false;  // each kind prints its own form
  switch (a.kind) {
    case K::kTensor:
    case K::kSparseTensor: {
      if (data_type_name(a.elem_type) != data_type_name(b.elem_type)) return false;
      if (!a.shape || !b.shape) {
        // "?" for an unknown rank; a shape prints "?" only as one unknown dim.
        if (!a.shape && !b.shape) return true;
        const ir::TypeShape& s = a.shape ? *a.shape : *b.shape;
        return s.dims.size() == 1 && same_dim_text(s.dims[0], Dim::unknown());
      }
      const Shape& x = a.shape->dims;
      const Shape& y = b.shape->dims;
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!same_dim_text(x[i], y[i])) return false;
      }
      return true;
    }
    case K::kSequence:
    case K::kOptional:
    case K::kMap:
      if (a.kind == K::kMap && data_type_name(a.key_type) != data_type_name(b.key_type)) return false;
      if (!a.elem || !b.elem) {
        if (!a.elem && !b.elem) return true;
        return ir::type_to_string(a) == ir::type_to_string(b);
      }
      return same_text(*a.elem, *b.elem);
    case K::kOpaque:
      return ir::type_to_string(a) == ir::type_to_string(b);
    case K::kNone:
      return true;
  }
  return false;
}

bool same_type(const std::optional<ir::Type>& a, const ir::Type& b) {
  if (!a) return false;
  // Empty dim names or commas inside them can make different dim lists print
  // alike: compare the text then.
  if (has_comma_param(*a) || has_comma_param(b)) return ir::type_to_string(*a) == ir::type_to_string(b);
  return same_text(*a, b);
}

/// A set of tensors: open addressing, no allocation per element (a graph's
/// value_info can list a tensor per node).
class TensorSet {
 public:
  explicit TensorSet(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    slots_.assign(cap, nullptr);
  }
  /// Adds `t`; false when it was there already.
  bool insert(const ir::Tensor* t) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    const ir::Tensor** s = probe(t);
    if (*s != nullptr) return false;
    *s = t;
    ++size_;
    return true;
  }
  bool contains(const ir::Tensor* t) const { return *const_cast<TensorSet*>(this)->probe(t) != nullptr; }

 private:
  const ir::Tensor** probe(const ir::Tensor* t) {
    const std::size_t mask = slots_.size() - 1;
    auto h = reinterpret_cast<std::uintptr_t>(t);
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    for (std::size_t i = (h >> 20) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == nullptr || slots_[i] == t) return &slots_[i];
    }
  }
  void grow() {
    std::vector<const ir::Tensor*> old = std::move(slots_);
    slots_.assign(old.size() * 2, nullptr);
    size_ = 0;
    for (const ir::Tensor* t : old) {
      if (t != nullptr) insert(t);
    }
  }
  std::vector<const ir::Tensor*> slots_;
  std::size_t size_ = 0;
};

void write_graph(ir::Graph& g, Analysis& a, std::size_t& counter, InferReport& report) {
  TensorSet listed(g.value_info().size() + g.nodes().size());
  for (const ir::Tensor* t : g.value_info()) listed.insert(t);
  TensorSet outputs(g.outputs().size());
  for (const ir::Tensor* t : g.outputs()) outputs.insert(t);
  for (const auto& n : g.nodes()) {
    for (ir::Tensor* t : n->outputs()) {
      if (t->is_empty()) continue;
      auto it = a.facts.find(t);
      if (it == a.facts.end()) continue;
      ir::Type& type = it->second.type;
      if (type.kind == ir::Type::Kind::kNone) continue;
      if (type.kind == ir::Type::Kind::kTensor && type.elem_type == DataType::kUndefined) continue;
      // The analysis is ours: its types are moved into the model, not copied.
      // (Names for unknown dims are numbered in node order, as before.)
      if (has_unknown_dims(type)) name_unknown_dims(type, counter);
      if (!same_type(t->info().type, type)) {
        t->info().type = std::move(type);
        // A tensor listed twice (two producers) finds its facts gone.
        a.facts.erase(it);
        ++report.values_typed;
      }
      if (!outputs.contains(t) && listed.insert(t)) g.value_info().push_back(t);
    }
    for (ir::Graph* sub : n->subgraphs()) write_graph(*sub, a, counter, report);
  }
}

}  // namespace

InferReport infer_shapes(ir::Model& model, const InferOptions& options) {
  InferReport report;
  Analysis a = analyze(model, options);
  std::size_t counter = 0;
  if (model.graph != nullptr) write_graph(*model.graph, a, counter, report);
  report.issues = std::move(a.issues);
  return report;
}

}  // namespace onnxkit::infer
