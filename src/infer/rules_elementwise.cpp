// Rules of ops whose output has the shape of an input (unary ops,
// normalizations, activations) or the broadcast of their inputs.

#include "infer/context.h"

namespace onnxkit::infer::detail {

namespace {

/// Output 0: type and shape of input 0.
void same_as_input_0(InferContext& cx) {
  const ValueFacts* in = cx.input(0);
  if (in == nullptr) return;
  cx.set_output(0, in->type);
  if (in->values && cx.node().op_type() == "Identity") cx.set_values(0, *in->values);
}

/// Output 0 (and every output) of element type `elem` and input 0's shape.
void same_shape_as_input_0(InferContext& cx, DataType elem) {
  const Shape* s = cx.input_shape(0);
  cx.set_tensor(0, elem, s != nullptr ? std::optional<Shape>(*s) : std::nullopt);
}

void bool_of_input_0(InferContext& cx) { same_shape_as_input_0(cx, DataType::kBool); }

/// Broadcast of every input; element type of `type_input` (or `elem`).
void broadcast_rule(InferContext& cx, std::size_t type_input, DataType elem) {
  // The first known shape is only referred to; a copy is made when a second
  // one is broadcast with it, or at the end.
  const Shape* first = nullptr;
  std::optional<Shape> shape;  // the broadcast so far, once two shapes took part
  bool unknown = false;
  for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
    if (!cx.has_input(i)) continue;
    const Shape* s = cx.input_shape(i);
    if (s == nullptr) {
      unknown = true;
      break;
    }
    if (first == nullptr) {
      first = s;
    } else {
      shape = broadcast(shape ? *shape : *first, *s);
    }
  }
  if (elem == DataType::kUndefined) elem = cx.input_elem(type_input);
  if (unknown || first == nullptr) {
    cx.set_tensor(0, elem, std::nullopt);
  } else if (shape) {
    cx.set_tensor(0, elem, std::move(shape));
  } else {
    cx.set_tensor(0, elem, *first);
  }
}

/// Arithmetic on tracked values (Shape arithmetic in exported graphs).
void arithmetic_values(InferContext& cx) {
  const std::string& op = cx.node().op_type();
  const Shape* a = cx.input_values(0);
  const Shape* b = cx.input_values(1);
  if (a == nullptr || b == nullptr) return;
  if (a->size() != b->size() && a->size() != 1 && b->size() != 1) return;
  const std::size_t n = std::max(a->size(), b->size());
  Shape out;
  for (std::size_t i = 0; i < n; ++i) {
    const Dim& x = (*a)[a->size() == 1 ? 0 : i];
    const Dim& y = (*b)[b->size() == 1 ? 0 : i];
    if (x.is_value() && y.is_value()) {
      std::int64_t v = 0;
      if (op == "Add") v = x.value + y.value;
      else if (op == "Sub") v = x.value - y.value;
      else if (op == "Mul") v = x.value * y.value;
      else if (op == "Div" && y.value != 0) v = x.value / y.value;
      else return;
      out.push_back(Dim::of(v));
    } else if (op == "Mul" && y.is_value() && y.value == 1) {
      out.push_back(x);
    } else if (op == "Mul" && x.is_value() && x.value == 1) {
      out.push_back(y);
    } else if ((op == "Add" || op == "Sub") && y.is_value() && y.value == 0) {
      out.push_back(x);
    } else if (op == "Div" && y.is_value() && y.value == 1) {
      out.push_back(x);
    } else {
      out.push_back(Dim::unknown());
    }
  }
  cx.set_values(0, std::move(out));
}

void arithmetic(InferContext& cx) {
  broadcast_rule(cx, 0, DataType::kUndefined);
  arithmetic_values(cx);
}

void comparison(InferContext& cx) { broadcast_rule(cx, 0, DataType::kBool); }

void where_rule(InferContext& cx) {
  std::optional<Shape> shape = Shape{};
  for (std::size_t i = 0; i < 3; ++i) {
    const Shape* s = cx.input_shape(i);
    if (s == nullptr) {
      shape.reset();
      break;
    }
    shape = broadcast(*shape, *s);
  }
  cx.set_tensor(0, cx.input_elem(1), shape);
}

void cast_rule(InferContext& cx) {
  const auto to = static_cast<DataType>(cx.attr_int("to", 0));
  same_shape_as_input_0(cx, to);
  if (const Shape* v = cx.input_values(0)) {
    if (to == DataType::kInt64 || to == DataType::kInt32) cx.set_values(0, *v);
  }
}

void cast_like_rule(InferContext& cx) { same_shape_as_input_0(cx, cx.input_elem(1)); }

void dropout_rule(InferContext& cx) {
  same_as_input_0(cx);
  if (cx.num_outputs() > 1) {
    const Shape* s = cx.input_shape(0);
    cx.set_tensor(1, DataType::kBool, s != nullptr ? std::optional<Shape>(*s) : std::nullopt);
  }
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

void prelu_rule(InferContext& cx) { same_as_input_0(cx); }

}  // namespace

void add_elementwise_rules(RuleTable& t) {
  for (const char* op :
       {"Identity", "Relu", "Neg", "Abs", "Exp", "Log", "Sqrt", "Sigmoid", "Tanh", "Erf", "Floor",
        "Ceil", "Round", "Reciprocal", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh",
        "Asinh", "Acosh", "Atanh", "Softplus", "Softsign", "Elu", "Selu", "LeakyRelu",
        "HardSigmoid", "HardSwish", "Mish", "Gelu", "Clip", "Softmax", "LogSoftmax", "Hardmax",
        "LRN", "InstanceNormalization", "CumSum", "Sign", "Not", "BitwiseNot", "Shrink",
        "ThresholdedRelu", "Celu", "Trilu", "ReverseSequence", "MeanVarianceNormalization",
        "GroupNormalization", "RMSNormalization", "Swish", "LpNormalization", "same_as_input_0",
        "propagate_shape_and_type_from_input_0", "Binarizer", "Scaler", "Normalizer"}) {
    t.add(op, same_as_input_0);
  }
  for (const char* op : {"IsNaN", "IsInf"}) t.add(op, bool_of_input_0);
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) t.add(op, arithmetic);
  for (const char* op : {"Pow", "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor"}) {
    t.add(op, [](InferContext& cx) { broadcast_rule(cx, 0, DataType::kUndefined); });
  }
  for (const char* op : {"And", "Or", "Xor", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    t.add(op, comparison);
  }
  for (const char* op : {"Max", "Min", "Sum", "Mean"}) t.add(op, variadic_broadcast);
  t.add("Where", where_rule);
  t.add("Cast", cast_rule);
  t.add("CastLike", cast_like_rule);
  t.add("Dropout", dropout_rule);
  t.add("BatchNormalization", batch_norm_rule);
  t.add("LayerNormalization", layer_norm_rule);
  t.add("PRelu", prelu_rule);  // the output has X's shape (slope broadcasts to X)
}

}  // namespace onnxkit::infer::detail
