// Rules of If, Loop and Scan: their bodies are inferred in the enclosing
// scope, and the node's outputs follow from the bodies' outputs.

#include "infer/context.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::infer::detail {

namespace {

const ir::Graph* graph_attr(const InferContext& cx, std::string_view name) {
  const ir::Attribute* a = cx.attr(name);
  return a != nullptr && a->g ? a->g.get() : nullptr;
}

std::string body_location(const InferContext& cx, std::string_view attr, const ir::Graph& g) {
  return cx.location() + " › attribute '" + std::string(attr) + "' › " + g.describe();
}

/// Where two branches disagree, the dim (or the rank) becomes unknown.
ir::Type join(const ir::Type& a, const ir::Type& b) {
  if (a.kind != b.kind || a.kind != ir::Type::Kind::kTensor) return a;
  ir::Type out = a;
  if (a.elem_type != b.elem_type) out.elem_type = DataType::kUndefined;
  if (!a.shape || !b.shape || a.shape->dims.size() != b.shape->dims.size()) {
    out.shape.reset();
    return out;
  }
  for (std::size_t i = 0; i < a.shape->dims.size(); ++i) {
    if (!(a.shape->dims[i] == b.shape->dims[i])) out.shape->dims[i] = Dim::unknown();
  }
  return out;
}

void if_rule(InferContext& cx) {
  const ir::Graph* then_g = graph_attr(cx, "then_branch");
  const ir::Graph* else_g = graph_attr(cx, "else_branch");
  if (then_g == nullptr || else_g == nullptr) return;
  Engine& e = cx.engine();
  // A condition whose value is tracked picks the branch: its outputs' facts,
  // tracked values included (AffineGrid's body picks 2-D or 3-D so). The
  // other branch is still inferred (its values get types), but what it
  // contradicts is not reported: it never runs.
  const auto cond = cx.values(0);
  if (cond && cond->size() == 1 && (*cond)[0].is_value()) {
    const bool then_taken = (*cond)[0].value != 0;
    const ir::Graph& taken = then_taken ? *then_g : *else_g;
    const ir::Graph& other = then_taken ? *else_g : *then_g;
    e.infer_graph(taken, body_location(cx, then_taken ? "then_branch" : "else_branch", taken));
    const std::size_t issues = e.issue_count();
    e.infer_graph(other, body_location(cx, then_taken ? "else_branch" : "then_branch", other));
    e.drop_issues_from(issues);
    for (std::size_t i = 0; i < cx.num_outputs() && i < taken.outputs().size(); ++i) {
      if (const Fact* f = e.fact(taken.outputs()[i])) cx.set_fact(i, *f);
    }
    return;
  }
  e.infer_graph(*then_g, body_location(cx, "then_branch", *then_g));
  e.infer_graph(*else_g, body_location(cx, "else_branch", *else_g));
  for (std::size_t i = 0; i < cx.num_outputs(); ++i) {
    const auto a =
        i < then_g->outputs().size() ? e.value_facts(then_g->outputs()[i]) : std::nullopt;
    const auto b =
        i < else_g->outputs().size() ? e.value_facts(else_g->outputs()[i]) : std::nullopt;
    if (a && b)
      cx.set_output(i, join(a->type, b->type));
    else if (a || b)
      cx.set_output(i, (a ? *a : *b).type);
  }
}

/// A tensor type with one more leading dim `d` (Loop scan outputs), or one fewer (Scan inputs).
ir::Type with_leading(const ir::Type& t, std::optional<Dim> d) {
  ir::Type out = t;
  if (out.kind != ir::Type::Kind::kTensor || !out.shape) return out;
  if (d) {
    out.shape->dims.insert(out.shape->dims.begin(), *d);
  } else if (!out.shape->dims.empty()) {
    out.shape->dims.erase(out.shape->dims.begin());
  }
  return out;
}

/// The tracked scalar of input `i`, when it is a number.
std::optional<std::int64_t> scalar_number(const InferContext& cx, std::size_t i) {
  if (!cx.has_input(i)) return std::nullopt;
  auto v = cx.values(i);
  if (!v || v->size() != 1 || !(*v)[0].is_value()) return std::nullopt;
  return (*v)[0].value;
}

/// How many times a Loop runs its body (the length of its scan outputs):
/// none when its condition starts false or its trip count is 0; the trip
/// count when the body's condition output stays true (tracked as 1 given a
/// true condition input, as in Range's expanded body); else unknown.
Dim loop_iterations(InferContext& cx, const ir::Tensor* body_cond_out) {
  const auto trips = scalar_number(cx, 0);
  const auto cond = scalar_number(cx, 1);
  if ((trips && *trips <= 0) || (cond && *cond == 0)) return Dim::of(0);
  if (!trips || (cx.has_input(1) && !cond)) return Dim::unknown();
  const Fact* f = cx.engine().fact(body_cond_out);
  if (f == nullptr || f->num_values != 1) return Dim::unknown();
  const DimFact stays = cx.engine().store().dims[f->values];
  return stays.is_value() && stays.value != 0 ? Dim::of(*trips) : Dim::unknown();
}

void loop_rule(InferContext& cx) {
  const ir::Graph* body = graph_attr(cx, "body");
  if (body == nullptr) return;
  Engine& e = cx.engine();
  const std::string loc = body_location(cx, "body", *body);
  // Body inputs: iteration number, condition, then the loop-carried values.
  const auto& ins = body->inputs();
  if (ins.size() >= 1)
    e.assign(ins[0], ValueFacts{ir::Type::tensor(DataType::kInt64, Shape{}), {}}, loc);
  // The body runs only while the condition holds: its condition input is true.
  if (ins.size() >= 2)
    e.assign(ins[1], ValueFacts{ir::Type::tensor(DataType::kBool, Shape{}), Shape{Dim::of(1)}},
             loc);
  const std::size_t carried = cx.num_inputs() >= 2 ? cx.num_inputs() - 2 : 0;
  for (std::size_t i = 0; i < carried && i + 2 < ins.size(); ++i) {
    if (const ValueFacts* f = cx.input(i + 2)) {
      ValueFacts g;
      g.type = f->type;
      // A loop-carried value may change shape across iterations: keep the rank only.
      if (g.type.kind == ir::Type::Kind::kTensor && g.type.shape) {
        for (Dim& d : g.type.shape->dims) d = Dim::unknown();
      }
      if (!ins[i + 2]->info().type) e.assign(ins[i + 2], g, loc);
    }
  }
  e.infer_graph(*body, loc);
  const auto& outs = body->outputs();
  const Dim iterations = loop_iterations(cx, outs.empty() ? nullptr : outs[0]);
  for (std::size_t i = 0; i < cx.num_outputs(); ++i) {
    const std::size_t bi = i + 1;  // body output 0 is the condition
    if (bi >= outs.size()) break;
    const auto f = e.value_facts(outs[bi]);
    if (!f) continue;
    if (i < carried) {
      ir::Type t = f->type;
      if (const ValueFacts* init = cx.input(i + 2); init != nullptr && init->type.kind == t.kind) {
        t = join(init->type, t);
      }
      cx.set_output(i, t);
    } else {
      cx.set_output(i, with_leading(f->type, iterations));
    }
  }
}

void scan_rule(InferContext& cx) {
  const ir::Graph* body = graph_attr(cx, "body");
  if (body == nullptr || cx.opset() < 9) return;
  Engine& e = cx.engine();
  const std::string loc = body_location(cx, "body", *body);
  const std::int64_t n_scan_in = cx.attr_int("num_scan_inputs", 0);
  const std::size_t n_state = cx.num_inputs() - static_cast<std::size_t>(n_scan_in);
  const auto& ins = body->inputs();
  std::optional<Dim> seq_len;
  for (std::size_t i = 0; i < cx.num_inputs() && i < ins.size(); ++i) {
    const ValueFacts* f = cx.input(i);
    if (f == nullptr || ins[i]->info().type) continue;
    if (i < n_state) {
      e.assign(ins[i], ValueFacts{f->type, {}}, loc);
    } else {
      e.assign(ins[i], ValueFacts{with_leading(f->type, std::nullopt), {}}, loc);
      if (!seq_len && f->type.shape && !f->type.shape->dims.empty())
        seq_len = f->type.shape->dims[0];
    }
  }
  e.infer_graph(*body, loc);
  const auto& outs = body->outputs();
  for (std::size_t i = 0; i < cx.num_outputs() && i < outs.size(); ++i) {
    const auto f = e.value_facts(outs[i]);
    if (!f) continue;
    cx.set_output(
        i, i < n_state ? f->type : with_leading(f->type, seq_len ? *seq_len : Dim::unknown()));
  }
}

ir::Type sequence_of(const ir::Type& elem) {
  ir::Type t;
  t.kind = ir::Type::Kind::kSequence;
  t.elem = std::make_unique<ir::Type>(elem);
  return t;
}

void sequence_construct_rule(InferContext& cx) {
  const ValueFacts* first = cx.input(0);
  if (first == nullptr) return;
  ir::Type elem = first->type;
  for (std::size_t i = 1; i < cx.num_inputs(); ++i) {
    if (const ValueFacts* f = cx.input(i)) elem = join(elem, f->type);
  }
  cx.set_output(0, sequence_of(elem));
}

void sequence_at_rule(InferContext& cx) {
  const ValueFacts* seq = cx.input(0);
  if (seq != nullptr && seq->type.kind == ir::Type::Kind::kSequence && seq->type.elem) {
    cx.set_output(0, *seq->type.elem);
  }
}

void sequence_length_rule(InferContext& cx) { cx.set_tensor(0, DataType::kInt64, Shape{}); }
void optional_has_element_rule(InferContext& cx) { cx.set_tensor(0, DataType::kBool, Shape{}); }

}  // namespace

void add_control_rules(RuleTable& t) {
  t.add("SequenceConstruct", sequence_construct_rule);
  t.add("SequenceAt", sequence_at_rule);
  t.add("SequenceLength", sequence_length_rule);
  t.add("OptionalHasElement", optional_has_element_rule);
  t.add("OptionalIsNone", optional_has_element_rule);
  t.add("If", if_rule);
  t.add("Loop", loop_rule);
  t.add("Scan", scan_rule);
}

const RuleTable& rule_table() {
  static const RuleTable table = [] {
    RuleTable t;
    add_elementwise_rules(t);
    add_shape_rules(t);
    add_nn_rules(t);
    add_control_rules(t);
    add_attention_rules(t);
    add_tensor_op_rules(t);
    return t;
  }();
  return table;
}

}  // namespace onnxkit::infer::detail
