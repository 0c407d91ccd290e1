// Rules of convolution, pooling, matrix products and resizing.

#include <cmath>

#include "infer/context.h"

namespace onnxkit::infer::detail {

namespace {

/// Output spatial dims of Conv / pooling (not ConvTranspose).
void conv_pool(InferContext& cx, bool has_weights) {
  const Shape* x = cx.input_shape(0);
  const Shape* w = has_weights ? cx.input_shape(1) : nullptr;
  const DataType elem = cx.node().op_type() == "ConvInteger" ? DataType::kInt32 : cx.input_elem(0);
  if (x == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  if (x->size() < 3)
    cx.fail("input has rank " + std::to_string(x->size()) + "; at least 3 is needed");
  const std::size_t spatial = x->size() - 2;
  if (w != nullptr && w->size() != x->size()) {
    cx.fail("rank mismatch: input has rank " + std::to_string(x->size()) + ", weights rank " +
            std::to_string(w->size()));
  }
  std::vector<std::int64_t> kernel;
  if (auto k = cx.attr_ints("kernel_shape"); k && !k->empty()) {
    kernel = *k;
  } else if (w != nullptr) {
    for (std::size_t i = 2; i < w->size(); ++i)
      kernel.push_back((*w)[i].is_value() ? (*w)[i].value : -1);
  }
  auto ints = [&](std::string_view name, std::size_t n, std::int64_t fill) {
    auto v = cx.attr_ints(name);
    if (!v || v->empty()) return std::vector<std::int64_t>(n, fill);
    if (v->size() != n)
      cx.fail(std::string(name) + " has " + std::to_string(v->size()) + " values, " +
              std::to_string(n) + " needed");
    return *v;
  };
  const auto strides = ints("strides", spatial, 1);
  const auto dilations = ints("dilations", spatial, 1);
  auto pads = ints("pads", 2 * spatial, 0);
  const std::string auto_pad = cx.attr_string("auto_pad", "NOTSET");
  const bool ceil_mode = cx.attr_int("ceil_mode", 0) != 0;
  Shape out{(*x)[0]};
  if (has_weights) {
    out.push_back(w != nullptr ? (*w)[0] : Dim::unknown());
  } else {
    out.push_back((*x)[1]);
  }
  for (std::size_t i = 0; i < spatial; ++i) {
    const Dim& in = (*x)[i + 2];
    if (!in.is_value() || kernel.size() != spatial || kernel[i] < 0) {
      out.push_back(Dim::unknown());
      continue;
    }
    const std::int64_t k = (kernel[i] - 1) * dilations[i] + 1;
    std::int64_t o = 0;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      o = (in.value + strides[i] - 1) / strides[i];
    } else if (auto_pad == "VALID") {
      o = (in.value - k) / strides[i] + 1;
    } else {
      const std::int64_t span = in.value + pads[i] + pads[i + spatial] - k;
      o = ceil_mode ? static_cast<std::int64_t>(
                          std::ceil(static_cast<double>(span) / static_cast<double>(strides[i]))) +
                          1
                    : span / strides[i] + 1;
      if (ceil_mode && (o - 1) * strides[i] >= in.value + pads[i]) --o;
    }
    if (o <= 0) cx.fail("output dim " + std::to_string(i + 2) + " would be " + std::to_string(o));
    out.push_back(Dim::of(o));
  }
  cx.set_tensor(0, elem, out);
  if (!has_weights && cx.num_outputs() > 1) cx.set_tensor(1, DataType::kInt64, out);
}

void conv_rule(InferContext& cx) { conv_pool(cx, true); }
void pool_rule(InferContext& cx) { conv_pool(cx, false); }

void global_pool_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  if (x == nullptr) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  Shape out = *x;
  for (std::size_t i = 2; i < out.size(); ++i) out[i] = Dim::of(1);
  cx.set_tensor(0, cx.input_elem(0), out);
}

void matmul_rule(InferContext& cx) {
  const Shape* a = cx.input_shape(0);
  const Shape* b = cx.input_shape(1);
  const DataType elem =
      cx.node().op_type() == "MatMulInteger" ? DataType::kInt32 : cx.input_elem(0);
  if (a == nullptr || b == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  if (a->empty() || b->empty()) cx.fail("MatMul inputs cannot be scalars");
  Shape sa = *a, sb = *b;
  if (sa.size() == 1) sa.insert(sa.begin(), Dim::of(1));
  if (sb.size() == 1) sb.push_back(Dim::of(1));
  const Dim& k1 = sa[sa.size() - 1];
  const Dim& k2 = sb[sb.size() - 2];
  if (k1.is_value() && k2.is_value() && k1.value != k2.value) {
    cx.fail("inner dims differ: [" + shape_to_string(*a) + "] x [" + shape_to_string(*b) + "]");
  }
  Shape batch = broadcast(Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2));
  if (a->size() > 1) batch.push_back(sa[sa.size() - 2]);
  if (b->size() > 1) batch.push_back(sb[sb.size() - 1]);
  cx.set_tensor(0, elem, batch);
}

void gemm_rule(InferContext& cx) {
  const Shape* a = cx.input_shape(0);
  const Shape* b = cx.input_shape(1);
  if (a == nullptr || b == nullptr || a->size() != 2 || b->size() != 2) {
    return cx.set_tensor(0, cx.input_elem(0), Shape{Dim::unknown(), Dim::unknown()});
  }
  const bool ta = cx.attr_int("transA", 0) != 0;
  const bool tb = cx.attr_int("transB", 0) != 0;
  cx.set_tensor(0, cx.input_elem(0), Shape{(*a)[ta ? 1 : 0], (*b)[tb ? 0 : 1]});
}

}  // namespace

void add_nn_rules(RuleTable& t) {
  t.add("Conv", conv_rule);
  t.add("ConvInteger", conv_rule);
  t.add("DeformConv", conv_rule);  // X and W as Conv's; offsets and mask do not change the shape
  for (const char* op : {"MaxPool", "AveragePool", "LpPool"}) t.add(op, pool_rule);
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"})
    t.add(op, global_pool_rule);
  t.add("MatMul", matmul_rule);
  t.add("MatMulInteger", matmul_rule);
  t.add("Gemm", gemm_rule);
}

}  // namespace onnxkit::infer::detail
