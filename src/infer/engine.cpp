#include <cstring>
#include <functional>

#include "infer/context.h"
#include "onnxkit/core/error.h"
#include "onnxkit/infer/infer.h"

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
std::variant<ir::Type, std::string> merge_types(const ir::Type& declared,
                                                const ir::Type& inferred) {
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
  } else if (inferred.elem_type != DataType::kUndefined &&
             inferred.elem_type != declared.elem_type) {
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
           ") but it is declared with rank " + std::to_string(a.size()) + " (" +
           dims_text(declared) + ")";
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

namespace {

/// The elements of a small integer tensor of rank <= 1, or false when it is
/// not one (or its bytes cannot be read).
bool small_int_values(const ir::TensorData& data, std::vector<std::int64_t>& out) {
  const bool integer = data.data_type == DataType::kInt64 || data.data_type == DataType::kInt32;
  if (!integer || data.dims.size() > 1 || data.element_count() > kMaxTrackedValues) return false;
  const std::uint64_t n = data.element_count();
  out.clear();
  if (data.data_type == DataType::kInt64 && data.int64_data.size() == n) {
    out.assign(data.int64_data.begin(), data.int64_data.end());
    return true;
  }
  if (data.data_type == DataType::kInt32 && data.int32_data.size() == n) {
    out.assign(data.int32_data.begin(), data.int32_data.end());
    return true;
  }
  Buffer bytes;
  try {
    bytes = data.bytes();
  } catch (const Error&) {
    return false;
  }
  const std::size_t width = data.data_type == DataType::kInt64 ? 8 : 4;
  if (bytes.size() != n * width) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (width == 8) {
      std::int64_t v;
      std::memcpy(&v, bytes.bytes().data() + i * 8, 8);
      out.push_back(v);
    } else {
      std::int32_t v;
      std::memcpy(&v, bytes.bytes().data() + i * 4, 4);
      out.push_back(v);
    }
  }
  return true;
}

}  // namespace

ValueFacts constant_facts(const ir::TensorData& data) {
  ValueFacts f;
  Shape dims;
  dims.reserve(data.dims.size());
  for (std::int64_t d : data.dims) dims.push_back(Dim::of(d));
  f.type = ir::Type::tensor(data.data_type, std::move(dims));
  std::vector<std::int64_t> ints;
  if (!small_int_values(data, ints)) return f;
  Shape values;
  values.reserve(ints.size());
  for (std::int64_t v : ints) values.push_back(Dim::of(v));
  f.values = std::move(values);
  return f;
}

std::optional<DimFact> merge_dim(const DimFact& a, const DimFact& b) {
  if (a.is_value() && b.is_value()) {
    if (a.value != b.value) return std::nullopt;
    return a;
  }
  if (a.is_value()) return a;
  if (b.is_value()) return b;
  if (a.is_symbol()) return a;
  return b;
}

// ---------------------------------------------------------------- InferContext

InferContext::InferContext(Engine& engine, const ir::Node& node, const schema::OpSchema* schema,
                           std::int64_t opset, const std::string& graph_location)
    : engine_(engine),
      node_(node),
      schema_(schema),
      opset_(opset),
      graph_location_(graph_location),
      in_base_(engine.in_facts_.size()),
      out_base_(engine.outs_.size()),
      scratch_base_(engine.scratch_.size()) {
  // Every input's fact is looked up now: while the rule runs, the arena does
  // not grow, so spans of input dims stay valid.
  // Facts sit in a deque, so their addresses stay valid as slots are added:
  // the rule reads them without indexing the deque again.
  Analysis::Store& st = engine.store();
  for (const ir::Tensor* t : node.inputs()) {
    const std::uint32_t slot = engine.resolve(t);
    engine.in_facts_.push_back(slot == TensorSlots::kNone ? nullptr : &st.facts[slot]);
  }
  engine.outs_.resize(out_base_ + node.outputs().size());
}

InferContext::~InferContext() {
  engine_.in_facts_.resize(in_base_);
  engine_.outs_.resize(out_base_);
  engine_.scratch_.resize(scratch_base_);
}

PendingOut& InferContext::pending(std::size_t i) { return engine_.outs_[out_base_ + i]; }
const PendingOut& InferContext::pending(std::size_t i) const {
  return engine_.outs_[out_base_ + i];
}

bool InferContext::has_input(std::size_t i) const {
  return i < node_.inputs().size() && !node_.inputs()[i]->is_empty();
}

const Fact* InferContext::fact(std::size_t i) const {
  if (i >= node_.inputs().size()) return nullptr;
  const Fact* f = engine_.in_facts_[in_base_ + i];
  return f == nullptr || f->kind == Kind::kNone ? nullptr : f;
}

DataType InferContext::input_elem(std::size_t i) const {
  const Fact* f = fact(i);
  return f == nullptr ? DataType::kUndefined : f->elem;
}

bool InferContext::has_rank(std::size_t i) const {
  const Fact* f = fact(i);
  return f != nullptr && f->kind == Kind::kTensor && f->rank >= 0;
}

std::span<const DimFact> InferContext::dims(std::size_t i) const {
  const Fact* f = fact(i);
  if (f == nullptr || f->kind != Kind::kTensor || f->rank < 0) return {};
  return {engine_.store().dims.data() + f->dims, static_cast<std::size_t>(f->rank)};
}

std::optional<std::span<const DimFact>> InferContext::values(std::size_t i) const {
  const Fact* f = fact(i);
  if (f == nullptr || !f->has_values()) return std::nullopt;
  return std::span<const DimFact>(engine_.store().dims.data() + f->values,
                                  static_cast<std::size_t>(f->num_values));
}

std::optional<std::vector<std::int64_t>> InferContext::input_ints(std::size_t i) const {
  auto v = values(i);
  if (!v) return std::nullopt;
  std::vector<std::int64_t> out;
  out.reserve(v->size());
  for (const DimFact& d : *v) {
    if (!d.is_value()) return std::nullopt;
    out.push_back(d.value);
  }
  return out;
}

void InferContext::pass_through(std::size_t i, std::size_t j, bool keep_values) {
  const Fact* f = fact(j);
  if (f == nullptr || i >= num_outputs() || node_.outputs()[i]->is_empty()) return;
  PendingOut& p = pending(i);
  p = PendingOut{*f, true, false, false};
  if (!keep_values || !engine_.data_propagation()) p.fact.num_values = -1;
}

void InferContext::set_fact(std::size_t i, const Fact& f) {
  if (i >= num_outputs() || node_.outputs()[i]->is_empty()) return;
  pending(i) = PendingOut{f, true, false, false};
  if (!engine_.data_propagation() || f.num_values > static_cast<std::int32_t>(kMaxTrackedValues)) {
    pending(i).fact.num_values = -1;
  }
}

namespace {

/// Where a span of dims lives: the arena (shared), or copied to the scratch.
std::uint32_t place_dims(Analysis::Store& st, std::vector<DimFact>& scratch,
                         std::span<const DimFact> d, bool& in_scratch) {
  const DimFact* arena = st.dims.data();
  if (!d.empty() && d.data() >= arena && d.data() < arena + st.dims.size()) {
    in_scratch = false;
    return static_cast<std::uint32_t>(d.data() - arena);
  }
  in_scratch = true;
  const auto at = static_cast<std::uint32_t>(scratch.size());
  scratch.insert(scratch.end(), d.begin(), d.end());
  return at;
}

}  // namespace

void InferContext::set_dims(std::size_t i, DataType elem, std::span<const DimFact> d) {
  if (i >= num_outputs() || node_.outputs()[i]->is_empty()) return;
  PendingOut& p = pending(i);
  p = PendingOut{};
  p.set = true;
  p.fact.kind = Kind::kTensor;
  p.fact.elem = elem;
  p.fact.rank = static_cast<std::int32_t>(d.size());
  p.fact.dims = place_dims(engine_.store(), engine_.scratch_, d, p.dims_in_scratch);
}

void InferContext::set_unranked(std::size_t i, DataType elem) {
  if (i >= num_outputs() || node_.outputs()[i]->is_empty()) return;
  PendingOut& p = pending(i);
  p = PendingOut{};
  p.set = true;
  p.fact.kind = Kind::kTensor;
  p.fact.elem = elem;
}

void InferContext::set_value_facts(std::size_t i, std::span<const DimFact> v) {
  if (!engine_.data_propagation() || i >= num_outputs() || !pending(i).set) return;
  if (v.size() > kMaxTrackedValues) return;
  PendingOut& p = pending(i);
  p.fact.num_values = static_cast<std::int32_t>(v.size());
  p.fact.values = place_dims(engine_.store(), engine_.scratch_, v, p.values_in_scratch);
}

bool InferContext::output_set(std::size_t i) const { return i < num_outputs() && pending(i).set; }

std::string_view InferContext::symbol_name(const DimFact& d) const {
  return engine_.store().symbols.name(d);
}

DimFact InferContext::symbol(std::string_view name) const {
  return engine_.store().symbols.intern(name);
}

const ValueFacts* InferContext::input(std::size_t i) const {
  if (i >= num_inputs()) return nullptr;
  if (!ir_inputs_) {
    ir_inputs_ = std::make_unique<std::optional<ValueFacts>[]>(num_inputs());
    ir_made_ = std::make_unique<bool[]>(num_inputs());
  }
  if (!ir_made_[i]) {
    ir_made_[i] = true;
    if (has_input(i)) ir_inputs_[i] = engine_.value_facts(node_.inputs()[i]);
  }
  return ir_inputs_[i] ? &*ir_inputs_[i] : nullptr;
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

void InferContext::set_output(std::size_t i, const ir::Type& type) {
  if (i >= num_outputs() || node_.outputs()[i]->is_empty()) return;
  Analysis::Store& st = engine_.store();
  PendingOut& p = pending(i);
  p = PendingOut{};
  p.set = true;
  if (type.kind == Kind::kTensor || type.kind == Kind::kSparseTensor) {
    p.fact.kind = type.kind;
    p.fact.elem = type.elem_type;
    if (type.shape) {
      p.fact.rank = static_cast<std::int32_t>(type.shape->dims.size());
      p.fact.dims = static_cast<std::uint32_t>(engine_.scratch_.size());
      p.dims_in_scratch = true;
      for (const Dim& d : type.shape->dims) engine_.scratch_.push_back(st.dim_fact(d));
    }
    return;
  }
  p.fact.kind = type.kind;
  p.fact.other = static_cast<std::uint32_t>(st.others.size());
  st.others.push_back(type);
}

void InferContext::set_tensor(std::size_t i, DataType elem, const std::optional<Shape>& shape) {
  if (i >= num_outputs() || node_.outputs()[i]->is_empty()) return;
  if (!shape) return set_unranked(i, elem);
  Analysis::Store& st = engine_.store();
  PendingOut& p = pending(i);
  p = PendingOut{};
  p.set = true;
  p.fact.kind = Kind::kTensor;
  p.fact.elem = elem;
  p.fact.rank = static_cast<std::int32_t>(shape->size());
  p.fact.dims = static_cast<std::uint32_t>(engine_.scratch_.size());
  p.dims_in_scratch = true;
  for (const Dim& d : *shape) engine_.scratch_.push_back(st.dim_fact(d));
}

void InferContext::set_values(std::size_t i, const Shape& values) {
  if (!engine_.data_propagation() || i >= num_outputs() || !pending(i).set) return;
  if (values.size() > kMaxTrackedValues) return;
  Analysis::Store& st = engine_.store();
  PendingOut& p = pending(i);
  p.fact.num_values = static_cast<std::int32_t>(values.size());
  p.fact.values = static_cast<std::uint32_t>(engine_.scratch_.size());
  p.values_in_scratch = true;
  for (const Dim& d : values) engine_.scratch_.push_back(st.dim_fact(d));
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
  if (schema_ != nullptr) {
    if (const schema::AttributeSpec* s = schema_->attribute(name)) {
      if (auto* v = std::get_if<float>(&s->default_value)) return *v;
    }
  }
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

std::optional<std::vector<float>> InferContext::attr_floats(std::string_view name) const {
  if (const ir::Attribute* a = node_.attribute(name)) return a->floats;
  return std::nullopt;
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

Fact Engine::fact_of_type(const ir::Type& type, std::vector<DimFact>& dims_out) {
  Analysis::Store& st = store();
  Fact f;
  f.kind = type.kind;
  if (type.kind == Kind::kTensor || type.kind == Kind::kSparseTensor) {
    f.elem = type.elem_type;
    if (type.shape) {
      f.rank = static_cast<std::int32_t>(type.shape->dims.size());
      f.dims = static_cast<std::uint32_t>(dims_out.size());
      for (const Dim& d : type.shape->dims) dims_out.push_back(st.dim_fact(d));
    }
  } else if (type.kind != Kind::kNone) {
    f.other = static_cast<std::uint32_t>(st.others.size());
    st.others.push_back(type);
  }
  return f;
}

Fact Engine::fact_of_data(const ir::TensorData& data) {
  Analysis::Store& st = store();
  Fact f;
  f.kind = Kind::kTensor;
  f.elem = data.data_type;
  f.rank = static_cast<std::int32_t>(data.dims.size());
  f.dims = static_cast<std::uint32_t>(st.dims.size());
  for (std::int64_t d : data.dims) st.dims.push_back(DimFact::of(d));
  if (tracks_values(data.data_type) && data.dims.size() <= 1 &&
      data.element_count() <=
          (is_real_type(data.data_type) ? kMaxTrackedReals : kMaxTrackedValues) &&
      small_value_facts(data, data_buf_)) {
    f.num_values = static_cast<std::int32_t>(data_buf_.size());
    f.values = static_cast<std::uint32_t>(st.dims.size());
    st.dims.insert(st.dims.end(), data_buf_.begin(), data_buf_.end());
  }
  return f;
}

std::uint32_t Engine::resolve(const ir::Tensor* t) {
  if (t == nullptr || t->is_empty()) return TensorSlots::kNone;
  Analysis::Store& st = store();
  // The slot is taken now (one probe); its fact is pushed below, before
  // anything else can add a slot.
  const auto fresh = static_cast<std::uint32_t>(st.facts.size());
  const std::uint32_t slot = st.slots.find_or_insert(t, fresh);
  if (slot != fresh) return slot;
  Fact f;
  const ir::Type* declared = t->has_info() && t->info().type ? &*t->info().type : nullptr;
  if (const ir::TensorData* data = t->data()) {
    f = fact_of_data(*data);
    if (declared != nullptr) {
      std::string message;
      Fact merged = merge_declared(*declared, f, &message);
      if (message.empty()) f = merged;
    }
  } else if (declared != nullptr) {
    f = fact_of_type(*declared, st.dims);
  } else if (t->sparse_data() != nullptr) {
    if (auto type = t->type()) f = fact_of_type(*type, st.dims);
  }
  st.facts.push_back(f);
  return slot;
}

const Fact* Engine::fact(const ir::Tensor* t) {
  const std::uint32_t slot = resolve(t);
  if (slot == TensorSlots::kNone) return nullptr;
  const Fact& f = store().facts[slot];
  return f.kind == Kind::kNone ? nullptr : &f;
}

std::optional<ValueFacts> Engine::value_facts(const ir::Tensor* t) {
  const Fact* f = fact(t);
  if (f == nullptr) return std::nullopt;
  ValueFacts out;
  out.type = analysis_.to_type(*f);
  if (f->has_values()) {
    Shape v;
    for (const DimFact& d : analysis_.values(*f)) v.push_back(analysis_.to_dim(d));
    out.values = std::move(v);
  }
  return out;
}

void Engine::assign(const ir::Tensor* t, const ValueFacts& vf, const std::string& location) {
  if (t == nullptr || t->is_empty()) return;
  Fact f = fact_of_type(vf.type, store().dims);
  if (vf.values && data_propagation() && vf.values->size() <= kMaxTrackedValues) {
    Analysis::Store& st = store();
    f.num_values = static_cast<std::int32_t>(vf.values->size());
    f.values = static_cast<std::uint32_t>(st.dims.size());
    for (const Dim& d : *vf.values) st.dims.push_back(st.dim_fact(d));
  }
  commit(t, f, [&]() -> const std::string& { return location; });
}

Fact Engine::merge_declared(const ir::Type& declared, const Fact& inferred, std::string* message) {
  Analysis::Store& st = store();
  if (declared.kind == Kind::kNone) return inferred;
  auto declared_fact = [&] {
    Fact d = fact_of_type(declared, st.dims);
    d.num_values = inferred.num_values;
    d.values = inferred.values;
    return d;
  };
  if (inferred.kind == Kind::kNone) return declared_fact();
  const bool tensors = inferred.is_tensor_kind() && declared.kind == inferred.kind;
  if (!tensors) {
    // Sequences, optionals, maps, or kinds that differ: the IR form.
    const ir::Type inferred_type = analysis_.to_type(inferred);
    auto merged = merge_types(declared, inferred_type);
    if (auto* msg = std::get_if<std::string>(&merged)) {
      *message = std::move(*msg);
      return declared_fact();
    }
    Fact out = fact_of_type(std::get<ir::Type>(merged), st.dims);
    out.num_values = inferred.num_values;
    out.values = inferred.values;
    return out;
  }
  declared_buf_.clear();
  const Fact d = fact_of_type(declared, declared_buf_);
  Fact out = inferred;
  auto contradiction = [&](std::string text) {
    *message = std::move(text);
    Fact r = d;
    r.dims = st.append_dims(declared_buf_);
    r.num_values = inferred.num_values;
    r.values = inferred.values;
    return r;
  };
  auto text = [&](const Fact& f) { return dims_text(analysis_.to_type(f)); };
  if (d.elem != DataType::kUndefined) {
    if (inferred.elem != DataType::kUndefined && inferred.elem != d.elem) {
      return contradiction("inferred element type " + std::string(data_type_name(inferred.elem)) +
                           " but it is declared as " + dims_text(declared));
    }
    out.elem = d.elem;
  }
  if (d.rank < 0) return out;
  if (inferred.rank < 0) {
    out.rank = d.rank;
    out.dims = st.append_dims(declared_buf_);
    return out;
  }
  if (d.rank != inferred.rank) {
    return contradiction("inferred rank " + std::to_string(inferred.rank) + " (" + text(inferred) +
                         ") but it is declared with rank " + std::to_string(d.rank) + " (" +
                         dims_text(declared) + ")");
  }
  const auto rank = static_cast<std::size_t>(d.rank);
  merged_buf_.resize(rank);
  bool same = true;
  for (std::size_t i = 0; i < rank; ++i) {
    const DimFact a = declared_buf_[i];
    const DimFact b = st.dims[inferred.dims + i];
    auto m = merge_dim(a, b);
    if (!m) {
      return contradiction("inferred " + text(inferred) + " but it is declared as " +
                           dims_text(declared) + " (dim " + std::to_string(i) + ")");
    }
    // A declared symbol stays (N is more telling than a number only when the
    // number is unknown); a number from inference fills an unknown or symbolic dim.
    merged_buf_[i] = a.is_value() ? a : *m;
    same = same && merged_buf_[i] == b;
  }
  if (!same) out.dims = st.append_dims(merged_buf_);
  return out;
}

template <typename Where>
void Engine::commit(const ir::Tensor* t, Fact f, const Where& where) {
  if (t == nullptr || t->is_empty()) return;
  if (t->has_info() && t->info().type) {
    std::string message;
    f = merge_declared(*t->info().type, f, &message);
    if (!message.empty()) issue(where() + " › output '" + t->name() + "'", std::move(message));
  }
  Analysis::Store& st = store();
  const auto fresh = static_cast<std::uint32_t>(st.facts.size());
  const std::uint32_t slot = st.slots.find_or_insert(t, fresh);
  if (slot != fresh) {
    st.facts[slot] = f;
  } else {
    st.facts.push_back(f);
  }
}

void Engine::infer_graph(const ir::Graph& g, const std::string& location) {
  for (const auto& n : g.nodes()) infer_node(*n, location);
}

namespace {

/// ONNX ops defined by a function body and no inference function of their
/// own (python3-onnx infers through the body), whose rule here gives what
/// the body would: comparisons that broadcast to bool.
bool is_function_op_with_rule(std::string_view op) {
  return op == "GreaterOrEqual" || op == "LessOrEqual";
}

}  // namespace

const Engine::OpEntry& Engine::op_entry(const ir::Node& n) {
  // Nodes keep interned op types and domains (one string per distinct value,
  // see ir/interned_string.h): the cache is keyed by their addresses. A miss
  // falls back to the map, keyed by the strings, so it is right either way.
  const auto key_bits = reinterpret_cast<std::uintptr_t>(&n.op_type()) ^
                        (reinterpret_cast<std::uintptr_t>(&n.domain()) << 1);
  OpCacheSlot& slot = op_cache_[((key_bits * 0x9e3779b97f4a7c15ULL) >> 58) % op_cache_.size()];
  if (slot.entry != nullptr && slot.op == &n.op_type() && slot.domain == &n.domain())
    return *slot.entry;
  const std::pair<std::string_view, std::string_view> key(n.domain(), n.op_type());
  auto cached = ops_.find(key);
  if (cached == ops_.end()) {
    OpEntry e;
    const std::string domain(schema::canonical_domain(n.domain()));
    auto opset = opsets_.find(domain);
    e.version = opset == opsets_.end() ? 0 : opset->second;
    e.schema = e.version > 0 ? registry_->find(domain, n.op_type(), e.version) : nullptr;
    if (e.schema != nullptr && e.schema->inference.empty() && domain.empty() &&
        is_function_op_with_rule(n.op_type())) {
      e.rule = rule_table().rules.at(n.op_type());
    } else if (e.schema != nullptr && !e.schema->inference.empty()) {
      const auto& table = rule_table().rules;
      auto it = table.find(e.schema->inference);
      if (it == table.end() && domain.empty()) it = table.find(n.op_type());
      if (it != table.end()) {
        e.rule = it->second;
      } else {
        e.custom = registry_->inference_function(e.schema->inference);
      }
    }
    cached = ops_.emplace(key, e).first;
  }
  slot = OpCacheSlot{&n.op_type(), &n.domain(), &cached->second};
  return cached->second;
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
  Analysis::Store& st = store();
  for (std::size_t i = 0; i < n.outputs().size(); ++i) {
    const PendingOut& p = cx.pending(i);
    if (!p.set) continue;
    Fact f = p.fact;
    if (p.dims_in_scratch && f.rank >= 0) {
      f.dims = st.append_dims({scratch_.data() + f.dims, static_cast<std::size_t>(f.rank)});
    }
    if (p.values_in_scratch && f.num_values >= 0) {
      f.values =
          st.append_dims({scratch_.data() + f.values, static_cast<std::size_t>(f.num_values)});
    }
    commit(n.outputs()[i], f, [&]() -> const std::string& { return cx.location(); });
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
    if (cx.output_set(i) || n.outputs()[i]->is_empty()) continue;
    const schema::FormalParameter* f = formal(s.outputs, i);
    if (f == nullptr) continue;
    if (auto elem = tensor_elem_of(f->type)) {
      cx.set_unranked(i, *elem);
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
      const Fact* in = cx.fact(j);
      if (in == nullptr) continue;
      Fact out = *in;
      out.num_values = -1;
      if (out.is_tensor_kind()) out.rank = -1;
      cx.set_fact(i, out);
      done = true;
    }
    if (!done && tc->allowed.size() == 1) {
      if (auto elem = tensor_elem_of(tc->allowed[0])) cx.set_unranked(i, *elem);
    }
  }
}

Analysis Engine::run() {
  if (model_.graph != nullptr) {
    store().slots.reserve(model_.graph->owned_tensors().size());
    infer_graph(*model_.graph, model_.graph->describe());
  }
  return std::move(analysis_);
}

}  // namespace detail

// ---------------------------------------------------------------- Analysis

Analysis::Analysis() : store_(std::make_unique<Store>()) {}
Analysis::~Analysis() = default;
Analysis::Analysis(Analysis&&) noexcept = default;
Analysis& Analysis::operator=(Analysis&&) noexcept = default;

const Fact* Analysis::fact(const ir::Tensor* t) const {
  if (t == nullptr || !store_) return nullptr;
  const std::uint32_t slot = store_->slots.find(t);
  if (slot == detail::TensorSlots::kNone) return nullptr;
  const Fact& f = store_->facts[slot];
  return f.kind == ir::Type::Kind::kNone ? nullptr : &f;
}

std::span<const DimFact> Analysis::dims(const Fact& f) const {
  if (!f.is_tensor_kind() || f.rank < 0) return {};
  return {store_->dims.data() + f.dims, static_cast<std::size_t>(f.rank)};
}

std::span<const DimFact> Analysis::values(const Fact& f) const {
  if (f.num_values < 0) return {};
  return {store_->dims.data() + f.values, static_cast<std::size_t>(f.num_values)};
}

std::string_view Analysis::symbol(const DimFact& d) const { return store_->symbols.name(d); }

Dim Analysis::to_dim(const DimFact& d) const {
  if (d.is_value()) return Dim::of(d.value);
  if (d.is_symbol()) return Dim::named(std::string(symbol(d)));
  return Dim::unknown();
}

ir::Type Analysis::to_type(const Fact& f, const ir::Type* into) const {
  using Kind = ir::Type::Kind;
  if (f.kind == Kind::kNone) return ir::Type{};
  if (!f.is_tensor_kind()) return store_->others[f.other];
  ir::Type out;
  if (into != nullptr && into->kind == f.kind) {
    out = *into;
  } else {
    out.kind = f.kind;
  }
  out.elem_type = f.elem;
  if (f.rank < 0) {
    out.shape.reset();
    return out;
  }
  const auto rank = static_cast<std::size_t>(f.rank);
  if (!out.shape || out.shape->dims.size() != rank) {
    out.shape.emplace();
    out.shape->dims.resize(rank);
  }
  for (std::size_t i = 0; i < rank; ++i) {
    Dim& d = out.shape->dims[i];
    const Dim fresh = to_dim(store_->dims[f.dims + i]);
    d.kind = fresh.kind;
    d.value = fresh.value;
    d.param = fresh.param;
  }
  return out;
}

const ir::Type* Analysis::type(const ir::Tensor* t) const {
  const Fact* f = fact(t);
  if (f == nullptr) return nullptr;
  auto it = store_->materialized.find(t);
  if (it == store_->materialized.end()) it = store_->materialized.emplace(t, to_type(*f)).first;
  return &it->second;
}

std::size_t Analysis::size() const { return store_ ? store_->facts.size() : 0; }

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
      if (a.kind == K::kMap && data_type_name(a.key_type) != data_type_name(b.key_type))
        return false;
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
  if (has_comma_param(*a) || has_comma_param(b))
    return ir::type_to_string(*a) == ir::type_to_string(b);
  return same_text(*a, b);
}

/// `f` is exactly `declared` (so it prints the same): element type, rank and
/// every dim; false whenever unsure. Unknown dims never match (they get names).
bool fact_is(const Analysis& a, const Fact& f, const std::optional<ir::Type>& declared) {
  if (!declared || declared->kind != f.kind || !f.is_tensor_kind()) return false;
  if (declared->elem_type != f.elem) return false;
  if (f.rank < 0 || !declared->shape) return false;
  const Shape& d = declared->shape->dims;
  const std::span<const DimFact> dims = a.dims(f);
  if (d.size() != dims.size()) return false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const DimFact& x = dims[i];
    if (x.is_value()) {
      if (!d[i].is_value() || d[i].value != x.value) return false;
    } else if (x.is_symbol()) {
      if (!d[i].is_param() || d[i].param != a.symbol(x)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/// Writes a tensor fact into `t`, which declares no type: the type is built
/// in place (no temporary ir::Type to move), unknown dims named as they come.
void write_new_type(ir::Tensor& t, const Analysis& a, const Fact& f, std::size_t& counter) {
  ir::Type& type = t.info().type.emplace();
  type.kind = f.kind;
  type.elem_type = f.elem;
  if (f.rank < 0) return;
  const std::span<const DimFact> facts = a.dims(f);
  Shape& dims = type.shape.emplace().dims;
  dims.resize(facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const DimFact& x = facts[i];
    Dim& d = dims[i];
    if (x.is_value()) {
      d.kind = Dim::Kind::kValue;
      d.value = x.value;
    } else {
      d.kind = Dim::Kind::kParam;
      if (x.is_symbol())
        d.param.assign(a.symbol(x));
      else
        d.param = "unk__" + std::to_string(counter++);
    }
  }
}

void write_graph(ir::Graph& g, const Analysis& a, std::size_t& counter, InferReport& report,
                 detail::TensorSlots& written) {
  // Tensors listed before: a new one is listed once (a tensor with two
  // producers is written once, through `written`).
  detail::TensorSlots listed, outputs;
  listed.reserve(g.value_info().size());
  for (const ir::Tensor* t : g.value_info()) listed.insert(t);
  outputs.reserve(g.outputs().size());
  for (const ir::Tensor* t : g.outputs()) outputs.insert(t);
  g.value_info().reserve(g.value_info().size() + g.nodes().size());
  for (const auto& n : g.nodes()) {
    for (ir::Tensor* t : n->outputs()) {
      if (t->is_empty()) continue;
      const Fact* f = a.fact(t);
      if (f == nullptr) continue;
      if (f->is_tensor_kind() && f->elem == DataType::kUndefined) continue;
      // A tensor with two producers is written once.
      if (t->producers().size() > 1 && !written.insert(t)) continue;
      const bool declares = t->has_info() && t->info().type;
      if (!declares && f->is_tensor_kind()) {
        write_new_type(*t, a, *f, counter);  // the common case, made cheap
        ++report.values_typed;
      } else {
        const std::optional<ir::Type>& declared = t->info().type;
        if (!fact_is(a, *f, declared)) {
          ir::Type type = a.to_type(*f, declared ? &*declared : nullptr);
          // Names for unknown dims are numbered in node order.
          if (has_unknown_dims(type)) name_unknown_dims(type, counter);
          if (!same_type(declared, type)) {
            t->info().type = std::move(type);
            ++report.values_typed;
          }
        }
      }
      if (!outputs.contains(t) && !listed.contains(t)) g.value_info().push_back(t);
    }
    for (ir::Graph* sub : n->subgraphs()) write_graph(*sub, a, counter, report, written);
  }
}

}  // namespace

InferReport infer_shapes(ir::Model& model, const InferOptions& options) {
  InferReport report;
  Analysis a = analyze(model, options);
  std::size_t counter = 0;
  detail::TensorSlots written;
  if (model.graph != nullptr) write_graph(*model.graph, a, counter, report, written);
  report.issues = std::move(a.issues);
  return report;
}

}  // namespace onnxkit::infer
