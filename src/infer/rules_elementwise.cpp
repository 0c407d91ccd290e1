// Rules of ops whose output has the shape of an input (unary ops,
// normalizations, activations) or the broadcast of their inputs.

#include <algorithm>
#include <array>
#include <cmath>

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

/// Unary ops on tracked values (Neg and Abs: LayerNormalization's body negates
/// an axis; Ceil, Relu, Sqrt...: Range's and attention's expanded bodies
/// compute sizes and scales in floats).
void unary_values(InferContext& cx) {
  auto v = cx.values(0);
  if (!v) return;
  const std::string& op = cx.node().op_type();
  const DataType elem = cx.input_elem(0);
  const bool real = is_real_type(elem);
  std::vector<DimFact> out;
  out.reserve(v->size());
  for (const DimFact& d : *v) {
    const std::optional<double> x = d.number();
    if (!x || d.is_value() != !real) {
      out.push_back(DimFact::unknown());
      continue;
    }
    if (!real) {  // integers: exact
      std::int64_t r = d.value;
      if (op == "Neg")
        r = -r;
      else if (op == "Abs")
        r = r < 0 ? -r : r;
      else if (op == "Relu")
        r = r < 0 ? 0 : r;
      else if (op == "Sign")
        r = (r > 0) - (r < 0);
      else if (op != "Ceil" && op != "Floor" && op != "Round")
        return;  // no integer form (Sqrt, Reciprocal take floats)
      out.push_back(DimFact::of(r));
      continue;
    }
    double r = *x;
    if (op == "Neg")
      r = -r;
    else if (op == "Abs")
      r = std::fabs(r);
    else if (op == "Relu")
      r = r < 0 ? 0 : r;
    else if (op == "Sign")
      r = (r > 0) - (r < 0);
    else if (op == "Ceil")
      r = std::ceil(r);
    else if (op == "Floor")
      r = std::floor(r);
    else if (op == "Round")
      r = std::nearbyint(r);  // halves to even, as the op says
    else if (op == "Sqrt")
      r = std::sqrt(r);
    else if (op == "Reciprocal")
      r = 1.0 / r;
    else
      return;
    out.push_back(round_to(elem, r));
  }
  cx.set_value_facts(0, out);
}

/// Unary ops that keep the shape and whose tracked values follow.
void unary_rule(InferContext& cx) {
  cx.pass_through(0, 0);
  unary_values(cx);
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

/// `a` is the broadcast of `a` and `b`: every dim of `b` (aligned to the
/// right) is 1 or equals `a`'s (X + bias, X * scale: the common case).
bool covers(std::span<const DimFact> a, std::span<const DimFact> b) {
  if (b.size() > a.size()) return false;
  const std::size_t off = a.size() - b.size();
  for (std::size_t j = 0; j < b.size(); ++j) {
    if (!(b[j] == a[off + j]) && !(b[j].is_value() && b[j].value == 1)) return false;
  }
  return true;
}

/// Broadcast of every input; element type of `type_input` (or `elem`).
void broadcast_rule(InferContext& cx, std::size_t type_input, DataType elem) {
  if (elem == DataType::kUndefined) elem = cx.input_elem(type_input);
  // Two inputs where one's dims are the result: share them, nothing computed.
  if (cx.num_inputs() == 2 && cx.has_rank(0) && cx.has_rank(1)) {
    const std::span<const DimFact> a = cx.dims(0), b = cx.dims(1);
    if (covers(a, b)) return cx.set_dims(0, elem, a);
    if (covers(b, a)) return cx.set_dims(0, elem, b);
  }
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

/// The numbers of two broadcast inputs, elementwise (a size-1 side repeats),
/// or false when both are tracked but do not line up.
template <typename F>
bool each_pair(std::span<const DimFact> a, std::span<const DimFact> b, F f) {
  if (a.size() != b.size() && a.size() != 1 && b.size() != 1) return false;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) f(a[a.size() == 1 ? 0 : i], b[b.size() == 1 ? 0 : i]);
  return true;
}

/// Integer arithmetic on tracked values (Shape arithmetic in exported
/// graphs): symbols survive the identities (N * 1, N + 0, N / 1).
std::optional<DimFact> integer_arithmetic(const std::string& op, DimFact x, DimFact y) {
  if (x.is_value() && y.is_value()) {
    if (op == "Add") return DimFact::of(x.value + y.value);
    if (op == "Sub") return DimFact::of(x.value - y.value);
    if (op == "Mul") return DimFact::of(x.value * y.value);
    if (op == "Div" && y.value != 0) return DimFact::of(x.value / y.value);
    return std::nullopt;
  }
  if (op == "Mul" && y.is_value() && y.value == 1) return x;
  if (op == "Mul" && x.is_value() && x.value == 1) return y;
  if ((op == "Add" || op == "Sub") && y.is_value() && y.value == 0) return x;
  if (op == "Div" && y.is_value() && y.value == 1) return x;
  return DimFact::unknown();
}

/// Float arithmetic on tracked reals, rounded to the element type.
DimFact real_arithmetic(const std::string& op, DataType elem, DimFact x, DimFact y) {
  if (!x.is_real() || !y.is_real()) return DimFact::unknown();
  const double a = x.real_value(), b = y.real_value();
  if (op == "Add") return round_to(elem, a + b);
  if (op == "Sub") return round_to(elem, a - b);
  if (op == "Mul") return round_to(elem, a * b);
  if (op == "Div") return round_to(elem, a / b);  // a zero divisor gives no real
  return DimFact::unknown();
}

void arithmetic_values(InferContext& cx) {
  const auto a = cx.values(0);
  const auto b = cx.values(1);
  if (!a || !b) return;
  const std::string& op = cx.node().op_type();
  const DataType elem = cx.input_elem(0);
  const bool real = is_real_type(elem);
  std::vector<DimFact> out;
  bool defined = true;
  const bool aligned = each_pair(*a, *b, [&](DimFact x, DimFact y) {
    if (real) return out.push_back(real_arithmetic(op, elem, x, y));
    auto r = integer_arithmetic(op, x, y);
    if (!r) defined = false;
    out.push_back(r.value_or(DimFact::unknown()));
  });
  if (aligned && defined) cx.set_value_facts(0, out);
}

/// Comparisons on tracked values: bools (0 or 1). Equal symbols are equal.
void comparison_values(InferContext& cx) {
  const auto a = cx.values(0);
  const auto b = cx.values(1);
  if (!a || !b) return;
  const std::string& op = cx.node().op_type();
  std::vector<DimFact> out;
  const bool aligned = each_pair(*a, *b, [&](DimFact x, DimFact y) {
    const std::optional<double> p = x.number(), q = y.number();
    if (!p || !q) {
      const bool same = x.is_symbol() && x == y;
      const bool reflexive = op == "Equal" || op == "LessOrEqual" || op == "GreaterOrEqual";
      return out.push_back(same ? DimFact::of(reflexive ? 1 : 0) : DimFact::unknown());
    }
    bool r = false;
    if (op == "Equal")
      r = *p == *q;
    else if (op == "Less")
      r = *p < *q;
    else if (op == "Greater")
      r = *p > *q;
    else if (op == "LessOrEqual")
      r = *p <= *q;
    else if (op == "GreaterOrEqual")
      r = *p >= *q;
    else if (op == "And")
      r = *p != 0 && *q != 0;
    else if (op == "Or")
      r = *p != 0 || *q != 0;
    else if (op == "Xor")
      r = (*p != 0) != (*q != 0);
    out.push_back(DimFact::of(r ? 1 : 0));
  });
  if (aligned) cx.set_value_facts(0, out);
}

void arithmetic(InferContext& cx) {
  broadcast_rule(cx, 0, DataType::kUndefined);
  arithmetic_values(cx);
}

void comparison(InferContext& cx) {
  broadcast_rule(cx, 0, DataType::kBool);
  comparison_values(cx);
}

void not_rule(InferContext& cx) {
  cx.pass_through(0, 0);
  auto v = cx.values(0);
  if (!v) return;
  std::vector<DimFact> out;
  for (const DimFact& d : *v)
    out.push_back(d.is_value() ? DimFact::of(d.value == 0 ? 1 : 0) : DimFact::unknown());
  cx.set_value_facts(0, out);
}

void where_rule(InferContext& cx) { broadcast_rule(cx, 1, DataType::kUndefined); }

/// Output 0 of `to` with input 0's shape, its tracked values converted.
void cast_to(InferContext& cx, DataType to) {
  same_shape_as_input_0(cx, to);
  auto v = cx.values(0);
  if (!v || !tracks_values(to)) return;
  std::vector<DimFact> out;
  out.reserve(v->size());
  for (const DimFact& d : *v) out.push_back(cast_value(d, to));
  cx.set_value_facts(0, out);
}

void cast_rule(InferContext& cx) { cast_to(cx, static_cast<DataType>(cx.attr_int("to", 0))); }

void cast_like_rule(InferContext& cx) { cast_to(cx, cx.input_elem(1)); }

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

/// Max, Min: tracked values too (CenterCropPad's body takes the Max of two
/// shapes; Range's expanded body clamps a count at 0).
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
    std::optional<DimFact> best;
    for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
      const auto v = *cx.values(i);
      const DimFact& d = v[v.size() == 1 ? 0 : k];
      if (!d.number() || (best && best->is_real() != d.is_real())) {
        best.reset();
        break;
      }
      if (!best || (is_max ? *d.number() > *best->number() : *d.number() < *best->number()))
        best = d;
    }
    if (best) out[k] = *best;
  }
  cx.set_value_facts(0, out);
}

void prelu_rule(InferContext& cx) { same_as_input_0(cx); }

}  // namespace

void add_elementwise_rules(RuleTable& t) {
  for (const char* op : {"Identity",
                         "Exp",
                         "Log",
                         "Sigmoid",
                         "Tanh",
                         "Erf",
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
  for (const char* op :
       {"Neg", "Abs", "Relu", "Sign", "Ceil", "Floor", "Round", "Sqrt", "Reciprocal"})
    t.add(op, unary_rule);
  t.add("Not", not_rule);
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
