// Rules of ops whose output has the shape of an input (unary ops,
// normalizations, activations) or the broadcast of their inputs.

#include <algorithm>
#include <array>

#include "infer/context.h"

namespace onnxkit::infer::detail {

namespace {

/// Output 0: type and shape of input 0 (and its tracked contents for Identity).
void same_as_input_0(InferContext& cx) { cx.pass_through(0, 0, cx.node().op_type() == "Identity"); }

/// Output 0 of element type `elem` and input 0's shape.
void same_shape_as_input_0(InferContext& cx, DataType elem, std::size_t output = 0) {
  if (cx.has_rank(0)) {
    cx.set_dims(output, elem, cx.dims(0));
  } else {
    cx.set_unranked(output, elem);
  }
}

/// Neg, Abs: tracked integers follow (LayerNormalization's body negates an axis).
void sign_rule(InferContext& cx) {
  cx.pass_through(0, 0);
  auto v = cx.values(0);
  if (!v) return;
  const bool neg = cx.node().op_type() == "Neg";
  std::vector<DimFact> out;
  out.reserve(v->size());
  for (const DimFact& d : *v) {
    out.push_back(d.is_value() ? DimFact::of(neg ? -d.value : (d.value < 0 ? -d.value : d.value))
                               : DimFact::unknown());
  }
  cx.set_value_facts(0, out);
}

void bool_of_input_0(InferContext& cx) { same_shape_as_input_0(cx, DataType::kBool); }

/// Dims small enough to live on the stack (ranks above 8 use the heap).
class DimBuffer {
 public:
  explicit DimBuffer(std::size_t n) : size_(n) {
    if (n > kInline) heap_.resize(n);
  }
  DimFact* data() { return size_ > kInline ? heap_.data() : reinterpret_cast<DimFact*>(inline_); }
  std::span<const DimFact> span() { return {data(), size_}; }
  DimFact& operator[](std::size_t i) { return data()[i]; }

 private:
  static constexpr std::size_t kInline = 8;
  // Not initialised: every entry is written before it is read.
  alignas(DimFact) unsigned char inline_[kInline * sizeof(DimFact)];
  std::vector<DimFact> heap_;
  std::size_t size_;
};

std::string dims_text(const InferContext& cx, std::span<const DimFact> d) {
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0) out += ',';
    if (d[i].is_value())
      out += std::to_string(d[i].value);
    else if (d[i].is_symbol())
      out += cx.symbol_name(d[i]);
    else
      out += '?';
  }
  return out;
}

bool same_dims(std::span<const DimFact> a, std::span<const DimFact> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

/// Numpy broadcasting of `a` and `b` into `out` (sized to the larger rank).
void broadcast_dims(const InferContext& cx, std::span<const DimFact> a, std::span<const DimFact> b,
                    DimBuffer& out, std::size_t rank) {
  for (std::size_t i = 0; i < rank; ++i) {
    const DimFact* da = i + a.size() >= rank ? &a[i + a.size() - rank] : nullptr;
    const DimFact* db = i + b.size() >= rank ? &b[i + b.size() - rank] : nullptr;
    DimFact& o = out[i];
    if (da == nullptr) {
      o = *db;
    } else if (db == nullptr) {
      o = *da;
    } else if (da->is_value() && db->is_value()) {
      if (da->value == db->value || db->value == 1) {
        o = *da;
      } else if (da->value == 1) {
        o = *db;
      } else {
        cx.fail("shapes [" + dims_text(cx, a) + "] and [" + dims_text(cx, b) +
                "] do not broadcast (dim " + std::to_string(da->value) + " against " +
                std::to_string(db->value) + ")");
      }
    } else if (da->is_value()) {
      o = da->value == 1 ? *db : *da;
    } else if (db->is_value()) {
      o = db->value == 1 ? *da : *db;
    } else if (da->is_symbol() && *da == *db) {
      o = *da;
    } else {
      o = DimFact::unknown();
    }
  }
}

/// Broadcast of every input; element type of `type_input` (or `elem`).
void broadcast_rule(InferContext& cx, std::size_t type_input, DataType elem) {
  if (elem == DataType::kUndefined) elem = cx.input_elem(type_input);
  // The result so far: an input's dims (shared), or a computed buffer.
  std::span<const DimFact> result;
  bool any = false;
  std::optional<DimBuffer> buffer;
  for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
    if (!cx.has_input(i)) continue;
    if (!cx.has_rank(i)) return cx.set_unranked(0, elem);
    const std::span<const DimFact> s = cx.dims(i);
    if (!any) {
      result = s;
      any = true;
      continue;
    }
    if (same_dims(result, s)) continue;
    const std::size_t rank = std::max(result.size(), s.size());
    DimBuffer next(rank);
    broadcast_dims(cx, result, s, next, rank);
    // Most often the result is one of the two (X + bias): share that one.
    if (same_dims(next.span(), s)) {
      result = s;
    } else if (!same_dims(next.span(), result)) {
      buffer.emplace(std::move(next));
      result = buffer->span();
    }
  }
  if (!any) return cx.set_unranked(0, elem);
  cx.set_dims(0, elem, result);
}

/// Arithmetic on tracked values (Shape arithmetic in exported graphs).
void arithmetic_values(InferContext& cx) {
  const auto a = cx.values(0);
  const auto b = cx.values(1);
  if (!a || !b) return;
  if (a->size() != b->size() && a->size() != 1 && b->size() != 1) return;
  const std::string& op = cx.node().op_type();
  const std::size_t n = std::max(a->size(), b->size());
  std::vector<DimFact> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const DimFact x = (*a)[a->size() == 1 ? 0 : i];
    const DimFact y = (*b)[b->size() == 1 ? 0 : i];
    if (x.is_value() && y.is_value()) {
      std::int64_t v = 0;
      if (op == "Add")
        v = x.value + y.value;
      else if (op == "Sub")
        v = x.value - y.value;
      else if (op == "Mul")
        v = x.value * y.value;
      else if (op == "Div" && y.value != 0)
        v = x.value / y.value;
      else
        return;
      out.push_back(DimFact::of(v));
    } else if (op == "Mul" && y.is_value() && y.value == 1) {
      out.push_back(x);
    } else if (op == "Mul" && x.is_value() && x.value == 1) {
      out.push_back(y);
    } else if ((op == "Add" || op == "Sub") && y.is_value() && y.value == 0) {
      out.push_back(x);
    } else if (op == "Div" && y.is_value() && y.value == 1) {
      out.push_back(x);
    } else {
      out.push_back(DimFact::unknown());
    }
  }
  cx.set_value_facts(0, out);
}

void arithmetic(InferContext& cx) {
  broadcast_rule(cx, 0, DataType::kUndefined);
  arithmetic_values(cx);
}

void comparison(InferContext& cx) { broadcast_rule(cx, 0, DataType::kBool); }

void where_rule(InferContext& cx) { broadcast_rule(cx, 1, DataType::kUndefined); }

void cast_rule(InferContext& cx) {
  const auto to = static_cast<DataType>(cx.attr_int("to", 0));
  same_shape_as_input_0(cx, to);
  if (auto v = cx.values(0)) {
    if (to == DataType::kInt64 || to == DataType::kInt32) cx.set_value_facts(0, *v);
  }
}

void cast_like_rule(InferContext& cx) { same_shape_as_input_0(cx, cx.input_elem(1)); }

void dropout_rule(InferContext& cx) {
  same_as_input_0(cx);
  if (cx.num_outputs() > 1) same_shape_as_input_0(cx, DataType::kBool, 1);
}

void batch_norm_rule(InferContext& cx) {
  same_as_input_0(cx);
  // Training-mode outputs: running mean and var have the shape of scale.
  for (std::size_t i = 1; i < cx.num_outputs() && i < 3; ++i) {
    const Shape* s = cx.input_shape(1);
    const DataType elem = cx.input_elem(i == 1 ? 3 : 4) != DataType::kUndefined
                              ? cx.input_elem(i == 1 ? 3 : 4)
                              : cx.input_elem(0);
    cx.set_tensor(i, elem, s != nullptr ? std::optional<Shape>(*s) : std::nullopt);
  }
}

void layer_norm_rule(InferContext& cx) {
  same_as_input_0(cx);
  const Shape* s = cx.input_shape(0);
  if (s == nullptr || cx.num_outputs() < 2) return;
  const auto rank = static_cast<std::int64_t>(s->size());
  const std::int64_t axis = cx.axis(cx.attr_int("axis", -1), rank);
  Shape reduced = *s;
  for (std::int64_t i = axis; i < rank; ++i) reduced[static_cast<std::size_t>(i)] = Dim::of(1);
  const auto stash = static_cast<DataType>(cx.attr_int("stash_type", 1));
  for (std::size_t i = 1; i < cx.num_outputs(); ++i) cx.set_tensor(i, stash, reduced);
}

void variadic_broadcast(InferContext& cx) { broadcast_rule(cx, 0, DataType::kUndefined); }

/// Max, Min: tracked integers too (CenterCropPad's body takes the Max of two shapes).
void max_min_rule(InferContext& cx) {
  broadcast_rule(cx, 0, DataType::kUndefined);
  const bool is_max = cx.node().op_type() == "Max";
  std::size_t n = 0;
  for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
    const auto v = cx.values(i);
    if (!v) return;
    if (v->size() != 1 && n > 1 && v->size() != n) return;
    n = std::max(n, v->size());
  }
  if (n == 0) return;
  std::vector<DimFact> out(n, DimFact::unknown());
  for (std::size_t k = 0; k < n; ++k) {
    std::optional<std::int64_t> best;
    for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
      const auto v = *cx.values(i);
      const DimFact& d = v[v.size() == 1 ? 0 : k];
      if (!d.is_value()) {
        best.reset();
        break;
      }
      best = !best ? d.value : (is_max ? std::max(*best, d.value) : std::min(*best, d.value));
    }
    if (best) out[k] = DimFact::of(*best);
  }
  cx.set_value_facts(0, out);
}

void prelu_rule(InferContext& cx) { same_as_input_0(cx); }

}  // namespace

void add_elementwise_rules(RuleTable& t) {
  for (const char* op : {"Identity",
                         "Relu",
                         "Exp",
                         "Log",
                         "Sqrt",
                         "Sigmoid",
                         "Tanh",
                         "Erf",
                         "Floor",
                         "Ceil",
                         "Round",
                         "Reciprocal",
                         "Sin",
                         "Cos",
                         "Tan",
                         "Asin",
                         "Acos",
                         "Atan",
                         "Sinh",
                         "Cosh",
                         "Asinh",
                         "Acosh",
                         "Atanh",
                         "Softplus",
                         "Softsign",
                         "Elu",
                         "Selu",
                         "LeakyRelu",
                         "HardSigmoid",
                         "HardSwish",
                         "Mish",
                         "Gelu",
                         "Clip",
                         "Softmax",
                         "LogSoftmax",
                         "Hardmax",
                         "LRN",
                         "InstanceNormalization",
                         "CumSum",
                         "Sign",
                         "Not",
                         "BitwiseNot",
                         "Shrink",
                         "ThresholdedRelu",
                         "Celu",
                         "Trilu",
                         "ReverseSequence",
                         "MeanVarianceNormalization",
                         "GroupNormalization",
                         "RMSNormalization",
                         "Swish",
                         "LpNormalization",
                         "same_as_input_0",
                         "propagate_shape_and_type_from_input_0",
                         "Binarizer",
                         "Scaler",
                         "Normalizer",
                         "RotaryEmbedding",
                         "CumProd"}) {
    t.add(op, same_as_input_0);
  }
  for (const char* op : {"IsNaN", "IsInf"}) t.add(op, bool_of_input_0);
  t.add("Neg", sign_rule);
  t.add("Abs", sign_rule);
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) t.add(op, arithmetic);
  for (const char* op : {"Pow", "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor"}) {
    t.add(op, [](InferContext& cx) { broadcast_rule(cx, 0, DataType::kUndefined); });
  }
  for (const char* op :
       {"And", "Or", "Xor", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    t.add(op, comparison);
  }
  t.add("Max", max_min_rule);
  t.add("Min", max_min_rule);
  for (const char* op : {"Sum", "Mean", "SwiGLU"}) t.add(op, variadic_broadcast);
  t.add("Where", where_rule);
  t.add("Cast", cast_rule);
  t.add("CastLike", cast_like_rule);
  t.add("Dropout", dropout_rule);
  t.add("BatchNormalization", batch_norm_rule);
  t.add("LayerNormalization", layer_norm_rule);
  t.add("PRelu", prelu_rule);  // the output has X's shape (slope broadcasts to X)
}

}  // namespace onnxkit::infer::detail
