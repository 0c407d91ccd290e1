#include "onnxkit/example/seed_model.h"

#include <bit>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "onnxkit/version.h"

namespace onnxkit::example {
namespace {

/// splitmix64: tiny, fast, and the same on every platform, so a seed names
/// one model everywhere (std:: distributions are not portable across libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Normal(mean, stddev) by Box-Muller (the second value is dropped, which
  /// keeps the stream position independent of how many values were asked for).
  double normal(double mean, double stddev) {
    const double u1 = 1.0 - uniform();  // (0, 1]: log() stays finite
    const double u2 = uniform();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::uint64_t state_;
};

/// A float32 initializer in raw little-endian layout, as exporters write them.
ir::TensorData float_tensor(std::string name, std::vector<std::int64_t> dims,
                            const std::vector<float>& values) {
  std::vector<std::byte> bytes;
  bytes.reserve(values.size() * 4);
  for (float v : values) {
    const auto bits = std::bit_cast<std::uint32_t>(v);
    for (int shift = 0; shift < 32; shift += 8) {
      bytes.push_back(static_cast<std::byte>((bits >> shift) & 0xffu));
    }
  }
  ir::TensorData data;
  data.name = std::move(name);
  data.data_type = DataType::kFloat;
  data.dims = std::move(dims);
  data.raw_data = Buffer::owned(std::move(bytes));
  data.has_raw_data = true;
  return data;
}

template <typename Draw>
std::vector<float> draw(std::size_t count, Draw&& one) {
  std::vector<float> values(count);
  for (float& v : values) v = static_cast<float>(one());
  return values;
}

/// Builds the graph in PyTorch's export order: one node counter for the names
/// ("Conv_0", "BatchNormalization_1", ...), initializers named after the module.
class Builder {
 public:
  Builder(ir::Graph& graph, Random& random) : graph_(graph), random_(random) {}

  ir::Tensor* input(std::string name, Shape shape) {
    ir::Tensor* t = graph_.add_variable(std::move(name));
    t->info().type = ir::Type::tensor(DataType::kFloat, std::move(shape));
    graph_.inputs().push_back(t);
    return t;
  }

  void output(ir::Tensor* t, Shape shape) {
    t->info().type = ir::Type::tensor(DataType::kFloat, std::move(shape));
    graph_.outputs().push_back(t);
  }

  /// Conv2d(in → out, k×k, stride, no padding) with bias.
  ir::Tensor* conv(const std::string& module, ir::Tensor* x, std::int64_t in, std::int64_t out,
                   std::int64_t k, std::int64_t stride, std::string out_name) {
    const std::int64_t fan_in = in * k * k;
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    const auto weight_count = static_cast<std::size_t>(out * fan_in);
    auto weight = draw(weight_count, [&] { return random_.uniform(-bound, bound); });
    auto bias = draw(static_cast<std::size_t>(out), [&] { return random_.uniform(-bound, bound); });

    ir::Node* node = add_node("Conv");
    node->add_input(x);
    node->add_input(constant(module + ".weight", {out, in, k, k}, weight));
    node->add_input(constant(module + ".bias", {out}, bias));
    node->set_attribute(ir::Attribute::of_ints("dilations", {1, 1}));
    node->set_attribute(ir::Attribute::of_int("group", 1));
    node->set_attribute(ir::Attribute::of_ints("kernel_shape", {k, k}));
    node->set_attribute(ir::Attribute::of_ints("pads", {0, 0, 0, 0}));
    node->set_attribute(ir::Attribute::of_ints("strides", {stride, stride}));
    return produce(node, std::move(out_name));
  }

  /// BatchNorm2d(channels) in inference form, with non-trivial statistics.
  ir::Tensor* batch_norm(const std::string& module, ir::Tensor* x, std::int64_t channels,
                         std::string out_name) {
    const auto c = static_cast<std::size_t>(channels);
    auto scale = draw(c, [&] { return random_.uniform(0.25, 1.75); });
    auto bias = draw(c, [&] { return random_.normal(0.0, 0.5); });
    auto mean = draw(c, [&] { return random_.normal(0.0, 0.5); });
    auto var = draw(c, [&] { return random_.uniform(0.5, 2.0); });

    ir::Node* node = add_node("BatchNormalization");
    node->add_input(x);
    node->add_input(constant(module + ".weight", {channels}, scale));
    node->add_input(constant(module + ".bias", {channels}, bias));
    node->add_input(constant(module + ".running_mean", {channels}, mean));
    node->add_input(constant(module + ".running_var", {channels}, var));
    node->set_attribute(ir::Attribute::of_float("epsilon", 1e-5f));
    node->set_attribute(ir::Attribute::of_float("momentum", 0.9f));
    return produce(node, std::move(out_name));
  }

  ir::Tensor* unary(std::string op_type, std::string domain, ir::Tensor* x, std::string out_name) {
    ir::Node* node = add_node(std::move(op_type), std::move(domain));
    node->add_input(x);
    return produce(node, std::move(out_name));
  }

 private:
  ir::Node* add_node(std::string op_type, std::string domain = {}) {
    std::string name = op_type + "_" + std::to_string(next_node_++);
    return graph_.add_node(std::move(op_type), std::move(domain), std::move(name));
  }

  ir::Tensor* constant(std::string name, std::vector<std::int64_t> dims,
                       const std::vector<float>& values) {
    ir::Tensor* t = graph_.add_constant(name, float_tensor(name, std::move(dims), values));
    graph_.initializers().push_back(t);
    return t;
  }

  ir::Tensor* produce(ir::Node* node, std::string out_name) {
    ir::Tensor* out = graph_.add_variable(std::move(out_name));
    node->add_output(out);
    return out;
  }

  ir::Graph& graph_;
  Random& random_;
  int next_node_ = 0;
};

}  // namespace

std::string_view seed_variant_name(SeedVariant variant) {
  switch (variant) {
    case SeedVariant::kSeed:
      return "seed";
    case SeedVariant::kFoo:
      return "foo";
  }
  return "seed";
}

std::optional<SeedVariant> seed_variant_from_name(std::string_view name) {
  for (SeedVariant v : {SeedVariant::kSeed, SeedVariant::kFoo}) {
    if (name == seed_variant_name(v)) return v;
  }
  return std::nullopt;
}

ir::Model make_seed_model(SeedVariant variant, std::uint64_t seed) {
  ir::Model model;
  model.ir_version = 7;  // the IR version that goes with opset 13
  model.producer_name = "onnxkit";
  model.producer_version = std::string(kVersion);
  model.opset_import.push_back(ir::OpsetId{"", 13, {}});
  if (variant == SeedVariant::kFoo) model.opset_import.push_back(ir::OpsetId{"devtech", 1, {}});

  model.graph = std::make_unique<ir::Graph>();
  ir::Graph& graph = *model.graph;
  graph.set_name("main_graph");

  Random random(seed);
  Builder b(graph, random);
  const Dim n = Dim::named("N");
  ir::Tensor* x = b.input("input", {n, Dim::of(3), Dim::of(128), Dim::of(128)});

  x = b.conv("conv1", x, 3, 16, 3, 2, "conv1.out");
  x = b.batch_norm("bn1", x, 16, "bn1.out");
  if (variant == SeedVariant::kFoo) {
    x = b.unary("Relu", "", x, "relu1.out");
    x = b.unary("FooOp", "devtech", x, "output");
    b.output(x, {n, Dim::of(16), Dim::of(63), Dim::of(63)});
    return model;
  }
  x = b.unary("Relu", "", x, "relu1.out");
  x = b.conv("conv2", x, 16, 64, 3, 2, "conv2.out");
  x = b.batch_norm("bn2", x, 64, "bn2.out");
  x = b.unary("Relu", "", x, "output");
  b.output(x, {n, Dim::of(64), Dim::of(31), Dim::of(31)});
  return model;
}

}  // namespace onnxkit::example
