// Rules of the sequence-model ops: Attention and its relatives (rotary
// embeddings, linear and flex attention, causal convolution with state) and
// the recurrent layers RNN, GRU and LSTM.

#include "infer/context.h"

namespace onnxkit::infer::detail {

namespace {

/// a / b when both are numbers and b divides a; else unknown.
Dim divide(const Dim& a, std::int64_t b) {
  if (a.is_value() && b > 0 && a.value % b == 0) return Dim::of(a.value / b);
  return Dim::unknown();
}

Dim add(const Dim& a, const Dim& b) {
  if (a.is_value() && b.is_value()) return Dim::of(a.value + b.value);
  if (a.is_value() && a.value == 0) return b;
  if (b.is_value() && b.value == 0) return a;
  return Dim::unknown();
}

Dim mul(const Dim& a, std::int64_t b) {
  if (b == 1) return a;
  return a.is_value() ? Dim::of(a.value * b) : Dim::unknown();
}

/// Attention-23+: Q, K, V either 4-D (batch, heads, seq, head size) or 3-D
/// (batch, seq, heads * head size, the head counts given as attributes).
void attention_rule(InferContext& cx) {
  const Shape* q = cx.input_shape(0);
  const Shape* k = cx.input_shape(1);
  const Shape* v = cx.input_shape(2);
  const DataType elem = cx.input_elem(0);
  for (std::size_t i = 0; i < cx.num_outputs(); ++i) {
    cx.set_tensor(i, i == 0 ? elem : (i == 3 ? elem : cx.input_elem(i == 1 ? 1 : 2)), std::nullopt);
  }
  if (q == nullptr || k == nullptr || v == nullptr) return;
  if (q->size() != k->size() || q->size() != v->size() || (q->size() != 3 && q->size() != 4)) {
    cx.fail("Q, K and V must all be 3-D or all 4-D");
  }
  const bool three = q->size() == 3;
  const std::int64_t q_heads = cx.attr_int("q_num_heads", 0);
  const std::int64_t kv_heads = cx.attr_int("kv_num_heads", 0);
  if (three && (q_heads <= 0 || kv_heads <= 0))
    cx.fail("3-D inputs need q_num_heads and kv_num_heads");
  const Dim batch = (*q)[0];
  const Dim qh = three ? Dim::of(q_heads) : (*q)[1];
  const Dim q_seq = three ? (*q)[1] : (*q)[2];
  const Dim kvh = three ? Dim::of(kv_heads) : (*k)[1];
  const Dim kv_seq = three ? (*k)[1] : (*k)[2];
  const Dim k_head = three ? divide((*k)[2], kv_heads) : (*k)[3];
  const Dim v_head = three ? divide((*v)[2], kv_heads) : (*v)[3];
  Dim past = Dim::of(0);
  if (cx.has_input(4)) {
    const Shape* pk = cx.input_shape(4);
    past = pk != nullptr && pk->size() == 4 ? (*pk)[2] : Dim::unknown();
  }
  const Dim total = add(past, kv_seq);
  if (three) {
    cx.set_tensor(0, elem, Shape{batch, q_seq, mul(v_head, q_heads)});
  } else {
    cx.set_tensor(0, elem, Shape{batch, qh, q_seq, v_head});
  }
  if (cx.num_outputs() > 1) cx.set_tensor(1, cx.input_elem(1), Shape{batch, kvh, total, k_head});
  if (cx.num_outputs() > 2) cx.set_tensor(2, cx.input_elem(2), Shape{batch, kvh, total, v_head});
  if (cx.num_outputs() > 3) cx.set_tensor(3, elem, Shape{batch, qh, q_seq, total});
}

/// Output 0 has input 0's type and shape; output 1 (a state) input `state`'s.
void same_with_state(InferContext& cx, std::size_t state) {
  if (const ValueFacts* in = cx.input(0)) cx.set_output(0, in->type);
  if (cx.num_outputs() > 1) {
    if (const ValueFacts* s = cx.input(state)) cx.set_output(1, s->type);
  }
}

/// LinearAttention-27: query/key/value 4-D (batch, heads, seq, size) or 3-D
/// (batch, seq, heads * size); the state is (batch, kv heads, key size, value size).
void linear_attention_rule(InferContext& cx) {
  const Shape* q = cx.input_shape(0);
  const Shape* k = cx.input_shape(1);
  const Shape* v = cx.input_shape(2);
  const DataType elem = cx.input_elem(0);
  cx.set_tensor(0, elem, std::nullopt);
  if (cx.num_outputs() > 1) cx.set_tensor(1, elem, std::nullopt);
  if (q == nullptr || k == nullptr || v == nullptr || q->size() != v->size()) return;
  const std::int64_t q_heads = cx.attr_int("q_num_heads", 0);
  const std::int64_t kv_heads = cx.attr_int("kv_num_heads", 0);
  if (q->size() == 4) {
    cx.set_tensor(0, elem, Shape{(*q)[0], (*q)[1], (*q)[2], (*v)[3]});
    if (cx.num_outputs() > 1 && k->size() == 4) {
      cx.set_tensor(1, elem, Shape{(*q)[0], (*v)[1], (*k)[3], (*v)[3]});
    }
  } else if (q->size() == 3 && q_heads > 0 && kv_heads > 0) {
    const Dim v_size = divide((*v)[2], kv_heads);
    cx.set_tensor(0, elem, Shape{(*q)[0], (*q)[1], mul(v_size, q_heads)});
    if (cx.num_outputs() > 1 && k->size() == 3) {
      cx.set_tensor(1, elem, Shape{(*q)[0], Dim::of(kv_heads), divide((*k)[2], kv_heads), v_size});
    }
  }
  if (cx.num_outputs() > 1 && cx.has_input(3)) {
    if (const ValueFacts* s = cx.input(3)) cx.set_output(1, s->type);
  }
}

/// FlexAttention (preview): Y is (batch, q heads, q seq, value size).
void flex_attention_rule(InferContext& cx) {
  const Shape* q = cx.input_shape(0);
  const Shape* v = cx.input_shape(2);
  if (q == nullptr || v == nullptr || q->size() != 4 || v->size() != 4) {
    return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  }
  cx.set_tensor(0, cx.input_elem(0), Shape{(*q)[0], (*q)[1], (*q)[2], (*v)[3]});
}

/// RNN, GRU, LSTM: X is (seq, batch, input) or with layout=1 (batch, seq,
/// input); Y is (seq, directions, batch, hidden) or (batch, seq, directions,
/// hidden); Y_h and Y_c are (directions, batch, hidden) or (batch, directions, hidden).
void recurrent_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  const std::int64_t hidden = cx.attr_int("hidden_size", 0);
  const std::string direction = cx.attr_string("direction", "forward");
  const std::int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const bool batch_major = cx.attr_int("layout", 0) != 0;
  const Dim h = hidden > 0 ? Dim::of(hidden) : Dim::unknown();
  Dim seq = Dim::unknown();
  Dim batch = Dim::unknown();
  if (x != nullptr && x->size() == 3) {
    seq = (*x)[batch_major ? 1 : 0];
    batch = (*x)[batch_major ? 0 : 1];
  }
  const Dim d = Dim::of(dirs);
  cx.set_tensor(0, elem, batch_major ? Shape{batch, seq, d, h} : Shape{seq, d, batch, h});
  for (std::size_t i = 1; i < cx.num_outputs() && i < 3; ++i) {
    cx.set_tensor(i, elem, batch_major ? Shape{batch, d, h} : Shape{d, batch, h});
  }
}

/// CausalConvWithState-27: the output has the input's shape (batch, channels,
/// length); present_state is (batch, channels, kernel - 1).
void causal_conv_rule(InferContext& cx) {
  same_with_state(cx, 3);
  const Shape* x = cx.input_shape(0);
  const Shape* w = cx.input_shape(1);
  if (cx.num_outputs() < 2 || x == nullptr || w == nullptr || x->size() != 3 || w->empty()) return;
  const Dim& k = w->back();
  cx.set_tensor(1, cx.input_elem(0),
                Shape{(*x)[0], (*x)[1], k.is_value() ? Dim::of(k.value - 1) : Dim::unknown()});
}

}  // namespace

void add_attention_rules(RuleTable& t) {
  t.add("Attention", attention_rule);
  t.add("LinearAttention", linear_attention_rule);
  t.add("FlexAttention", flex_attention_rule);
  t.add("CausalConvWithState", causal_conv_rule);
  for (const char* op : {"RNN", "GRU", "LSTM"}) t.add(op, recurrent_rule);
}

}  // namespace onnxkit::infer::detail
