#include <cmath>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "onnxkit/ir/graph.h"
#include "onnxkit/passes/graph_rewrites.h"
#include "passes/known_constants.h"

namespace onnxkit::passes {
namespace {

// BatchNormalization inputs.
constexpr std::size_t kBnScale = 1, kBnBias = 2, kBnMean = 3, kBnVar = 4;
// Conv inputs.
constexpr std::size_t kConvWeight = 1, kConvBias = 2;

/// The elements of a float or double constant, as double.
std::vector<double> read_values(const ir::TensorData& data) {
  const Buffer bytes = data.bytes();
  const std::size_t n = data.element_count();
  std::vector<double> out(n);
  if (data.data_type == DataType::kFloat) {
    std::vector<float> f(n);
    std::memcpy(f.data(), bytes.bytes().data(), n * sizeof(float));
    for (std::size_t i = 0; i < n; ++i) out[i] = f[i];
  } else {
    std::memcpy(out.data(), bytes.bytes().data(), n * sizeof(double));
  }
  return out;
}

ir::TensorData make_data(DataType dtype, std::vector<std::int64_t> dims,
                         const std::vector<double>& values) {
  ir::TensorData d;
  d.data_type = dtype;
  d.dims = std::move(dims);
  std::vector<std::byte> bytes;
  if (dtype == DataType::kFloat) {
    bytes.resize(values.size() * sizeof(float));
    for (std::size_t i = 0; i < values.size(); ++i) {
      const float f = static_cast<float>(values[i]);
      std::memcpy(bytes.data() + i * sizeof(float), &f, sizeof(float));
    }
  } else {
    bytes.resize(values.size() * sizeof(double));
    std::memcpy(bytes.data(), values.data(), bytes.size());
  }
  d.set_raw(Buffer::owned(std::move(bytes)));
  return d;
}

/// A fixed float/double vector of `n` elements of `dtype`, or null.
const ir::TensorData* per_channel(const ir::Tensor* t, DataType dtype, std::int64_t n) {
  if (t == nullptr || t->is_empty()) return nullptr;
  const ir::TensorData* d = fixed_data(*t);
  if (d == nullptr || d->data_type != dtype || d->dims.size() != 1 || d->dims[0] != n)
    return nullptr;
  return d;
}

/// True when only the first output of `bn` is used.
bool only_first_output_used(const ir::Node& bn) {
  for (std::size_t i = 1; i < bn.outputs().size(); ++i) {
    const ir::Tensor* t = bn.outputs()[i];
    if (!t->is_empty() && (!t->consumers().empty() || is_graph_output(*t))) return false;
  }
  return true;
}

bool fold_one(ir::Graph& graph, ir::Node* bn, std::unordered_set<const ir::Node*>& doomed) {
  if (bn->inputs().size() != 5 || bn->outputs().empty() || !only_first_output_used(*bn))
    return false;
  if (const ir::Attribute* a = bn->attribute("training_mode"); a != nullptr && a->i != 0)
    return false;
  ir::Tensor* y = bn->inputs()[0];
  ir::Tensor* z = bn->outputs()[0];
  if (y->producers().size() != 1 || y->consumers().size() != 1 || is_graph_output(*y) ||
      z->is_empty())
    return false;
  ir::Node* conv = y->producers()[0];
  if (!is_op(*conv, "Conv") || conv->graph() != &graph || conv->outputs().size() != 1) return false;
  if (conv->inputs().size() < 2) return false;
  const ir::TensorData* w = fixed_data(*conv->inputs()[kConvWeight]);
  if (w == nullptr || w->dims.size() < 3 ||
      (w->data_type != DataType::kFloat && w->data_type != DataType::kDouble)) {
    return false;
  }
  const DataType dtype = w->data_type;
  const std::int64_t m = w->dims[0];
  const ir::TensorData* scale = per_channel(bn->inputs()[kBnScale], dtype, m);
  const ir::TensorData* bias = per_channel(bn->inputs()[kBnBias], dtype, m);
  const ir::TensorData* mean = per_channel(bn->inputs()[kBnMean], dtype, m);
  const ir::TensorData* var = per_channel(bn->inputs()[kBnVar], dtype, m);
  if (!scale || !bias || !mean || !var) return false;
  const bool has_bias = conv->inputs().size() > kConvBias && !conv->inputs()[kConvBias]->is_empty();
  const ir::TensorData* b = has_bias ? per_channel(conv->inputs()[kConvBias], dtype, m) : nullptr;
  if (has_bias && b == nullptr) return false;

  const ir::Attribute* eps_attr = bn->attribute("epsilon");
  const double eps = eps_attr != nullptr ? eps_attr->f : 1e-5;
  const std::vector<double> s = read_values(*scale), beta = read_values(*bias),
                            mu = read_values(*mean), v = read_values(*var);
  std::vector<double> weights = read_values(*w);
  std::vector<double> new_bias =
      has_bias ? read_values(*b) : std::vector<double>(static_cast<std::size_t>(m), 0.0);
  const std::size_t per_out = weights.size() / static_cast<std::size_t>(m);
  for (std::size_t o = 0; o < static_cast<std::size_t>(m); ++o) {
    const double a = s[o] / std::sqrt(v[o] + eps);
    for (std::size_t k = 0; k < per_out; ++k) weights[o * per_out + k] *= a;
    new_bias[o] = (new_bias[o] - mu[o]) * a + beta[o];
  }
  const std::string base = conv->name().empty() ? std::string("conv") : conv->name();
  ir::Tensor* new_w =
      graph.add_fresh_constant(base + "_bn_weight", make_data(dtype, w->dims, weights));
  ir::Tensor* new_b = graph.add_fresh_constant(base + "_bn_bias", make_data(dtype, {m}, new_bias));
  list_initializer(graph, new_w);
  list_initializer(graph, new_b);

  detach_node(bn);  // z loses its producer, y its reader
  doomed.insert(bn);
  conv->set_input(kConvWeight, new_w);
  if (conv->inputs().size() > kConvBias) {
    conv->set_input(kConvBias, new_b);
  } else {
    conv->add_input(new_b);
  }
  conv->set_output(0, z);  // the Conv now writes what the BatchNormalization wrote
  return true;
}

}  // namespace

bool ConvBatchNormFolding::run(ir::Model& model) {
  if (!model.graph) return false;
  ir::Graph& graph = *model.graph;
  std::vector<ir::Node*> bns;
  for (const auto& n : graph.nodes()) {
    if (is_op(*n, "BatchNormalization")) bns.push_back(n.get());
  }
  std::unordered_set<const ir::Node*> doomed;
  for (ir::Node* bn : bns) fold_one(graph, bn, doomed);
  remove_nodes(graph, doomed);
  return !doomed.empty();
}

}  // namespace onnxkit::passes
