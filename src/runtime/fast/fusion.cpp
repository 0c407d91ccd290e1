#include "runtime/fast/fusion.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "onnxkit/ir/node.h"
#include "onnxkit/ir/tensor.h"
#include "onnxkit/runtime/tensor_io.h"
#include "runtime/fast/fast_kernels.h"

namespace onnxkit::runtime::fast {
namespace {

constexpr std::size_t kW = 1;
constexpr std::size_t kBias = 2;

bool is_graph_output(const ir::Graph& g, const ir::Tensor* t) {
  return std::find(g.outputs().begin(), g.outputs().end(), t) != g.outputs().end();
}

/// The one node reading `t`, when exactly one node reads it once and it is
/// not a graph output (so the value can disappear into a fused node).
ir::Node* only_consumer(const ir::Graph& g, const ir::Tensor* t) {
  if (t->consumers().size() != 1 || is_graph_output(g, t)) return nullptr;
  ir::Node* n = t->consumers()[0];
  return n->graph() == &g ? n : nullptr;
}

bool is_onnx(const ir::Node& n, std::string_view op) {
  return (n.domain().empty() || n.domain() == "ai.onnx") && n.op_type() == op;
}

/// A constant tensor's value: an initializer, or a Constant node's `value`.
std::optional<Value> constant_value(const ir::Tensor* t) {
  if (t == nullptr || t->is_empty()) return std::nullopt;
  try {
    if (t->is_constant() && t->data() != nullptr) return value_from_tensor_data(*t->data());
    if (t->producers().size() == 1 && is_onnx(*t->producers()[0], "Constant")) {
      const ir::Attribute* a = t->producers()[0]->attribute("value");
      if (a != nullptr && a->type == ir::AttributeType::kTensor && a->t)
        return value_from_tensor_data(*a->t);
    }
  } catch (const Error&) {
  }
  return std::nullopt;
}

/// Clip's bounds when they are known now (attributes before opset 11,
/// constant inputs after); Clip on float only.
std::optional<std::pair<float, float>> clip_bounds(const ir::Node& clip) {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (clip.attribute("min") != nullptr || clip.attribute("max") != nullptr) {
    if (const ir::Attribute* a = clip.attribute("min"); a && a->type == ir::AttributeType::kFloat)
      lo = a->f;
    if (const ir::Attribute* a = clip.attribute("max"); a && a->type == ir::AttributeType::kFloat)
      hi = a->f;
    return std::make_pair(lo, hi);
  }
  for (std::size_t i = 1; i < clip.inputs().size() && i < 3; ++i) {
    if (clip.inputs()[i]->is_empty()) continue;
    const auto v = constant_value(clip.inputs()[i]);
    if (!v || v->dtype() != DataType::kFloat || v->size() != 1) return std::nullopt;
    (i == 1 ? lo : hi) = v->span<float>()[0];
  }
  return std::make_pair(lo, hi);
}

/// Same static shape (every dim a value or a named symbol) in both.
bool same_shape(const infer::Analysis& analysis, const ir::Tensor* a, const ir::Tensor* b) {
  const ir::Type* ta = analysis.type(a);
  const ir::Type* tb = analysis.type(b);
  if (ta == nullptr || tb == nullptr || !ta->shape || !tb->shape ||
      ta->elem_type != DataType::kFloat || tb->elem_type != DataType::kFloat) {
    return false;
  }
  const Shape& sa = ta->shape->dims;
  const Shape& sb = tb->shape->dims;
  if (sa.size() != sb.size()) return false;
  for (std::size_t i = 0; i < sa.size(); ++i) {
    if (sa[i].is_unknown() || !(sa[i] == sb[i])) return false;
  }
  return true;
}

bool fast_conv_takes(const ir::Node& conv, const infer::Analysis& analysis) {
  const auto& in = conv.inputs();
  if (in.size() < 2) return false;
  const ir::Type* x = analysis.type(in[0]);
  const auto w = in[kW]->is_constant() ? constant_value(in[kW]) : std::nullopt;
  const bool has_bias = in.size() > kBias && !in[kBias]->is_empty();
  const auto b = has_bias && in[kBias]->is_constant() ? constant_value(in[kBias]) : std::nullopt;
  const ir::Attribute* group = conv.attribute("group");
  return conv_takes(x != nullptr ? x->elem_type : DataType::kUndefined, w ? &*w : nullptr, has_bias,
                    b ? &*b : nullptr,
                    group != nullptr && group->type == ir::AttributeType::kInt ? group->i : 1);
}

}  // namespace

std::size_t fuse_conv_activations(ir::Graph& graph, const infer::Analysis& analysis) {
  std::vector<ir::Node*> convs;
  for (const auto& n : graph.nodes()) {
    if (is_onnx(*n, "Conv") && n->outputs().size() == 1 && fast_conv_takes(*n, analysis))
      convs.push_back(n.get());
  }
  std::size_t fused = 0;
  for (ir::Node* conv : convs) {
    ir::Tensor* out = conv->outputs()[0];
    ir::Node* next = only_consumer(graph, out);
    if (next == nullptr) continue;
    ir::Tensor* sum = nullptr;
    std::vector<ir::Node*> absorbed;
    if (is_onnx(*next, "Add") && next->inputs().size() == 2 &&
        next->inputs()[0] != next->inputs()[1]) {
      sum = next->inputs()[0] == out ? next->inputs()[1] : next->inputs()[0];
      if (!same_shape(analysis, out, sum) || !same_shape(analysis, out, next->outputs()[0]))
        continue;
      absorbed.push_back(next);
      next = only_consumer(graph, next->outputs()[0]);
    }
    std::string activation;
    std::vector<float> params;
    if (next != nullptr && is_onnx(*next, "Relu")) {
      activation = "Relu";
      absorbed.push_back(next);
    } else if (next != nullptr && is_onnx(*next, "Clip") && sum == nullptr) {
      if (auto bounds = clip_bounds(*next)) {
        activation = "Clip";
        params = {bounds->first, bounds->second};
        absorbed.push_back(next);
      }
    }
    if (absorbed.empty()) continue;
    ir::Tensor* result = absorbed.back()->outputs()[0];
    for (ir::Node* n : absorbed) graph.remove_node(n);
    conv->set_output(0, result);
    conv->set_op_type("FusedConv");
    conv->set_domain(kFastDomain);
    if (!activation.empty())
      conv->set_attribute(ir::Attribute::of_string("activation", activation));
    if (!params.empty()) conv->set_attribute(ir::Attribute::of_floats("activation_params", params));
    if (sum != nullptr) {
      while (conv->inputs().size() < 3) conv->add_input(graph.add_empty_tensor());
      conv->add_input(sum);
    }
    ++fused;
  }
  if (fused > 0) graph.toposort();
  return fused;
}

}  // namespace onnxkit::runtime::fast
