#include "onnxkit/view/node_facts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "onnxkit/core/half.h"
#include "onnxkit/ir/tensor.h"

namespace onnxkit::view {
namespace {

bool is_standard(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain == "ai.onnx.ml" ||
         domain == "ai.onnx.preview.training" || domain == "ai.onnx.preview";
}

template <std::size_t N>
bool one_of(std::string_view op, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), op) != list.end();
}

constexpr std::array<std::string_view, 6> kConv{"Conv",        "ConvTranspose", "ConvInteger",
                                                "QLinearConv", "DeformConv",    "Col2Im"};
constexpr std::array<std::string_view, 6> kLayer{"Gemm",          "MatMul", "MatMulInteger",
                                                 "QLinearMatMul", "Einsum", "Attention"};
constexpr std::array<std::string_view, 22> kActivation{
    "Relu",        "Sigmoid",    "Tanh",  "LeakyRelu",       "Elu",      "Selu",
    "Softmax",     "LogSoftmax", "Gelu",  "PRelu",           "Softplus", "Softsign",
    "HardSigmoid", "HardSwish",  "Mish",  "ThresholdedRelu", "Celu",     "Clip",
    "Erf",         "Hardmax",    "Swish", "QuickGelu"};
constexpr std::array<std::string_view, 9> kNormalization{"BatchNormalization",
                                                         "LayerNormalization",
                                                         "InstanceNormalization",
                                                         "GroupNormalization",
                                                         "LRN",
                                                         "LpNormalization",
                                                         "MeanVarianceNormalization",
                                                         "Dropout",
                                                         "RMSNormalization"};
constexpr std::array<std::string_view, 8> kPooling{
    "MaxPool", "AveragePool",  "GlobalAveragePool", "GlobalMaxPool",
    "LpPool",  "GlobalLpPool", "MaxRoiPool",        "MaxUnpool"};
constexpr std::array<std::string_view, 9> kShape{"Reshape",   "Flatten",         "Squeeze",
                                                 "Unsqueeze", "Shape",           "Size",
                                                 "Expand",    "ConstantOfShape", "Range"};
constexpr std::array<std::string_view, 17> kData{
    "Transpose", "Concat", "Split",        "Gather",       "GatherND",  "GatherElements",
    "Slice",     "Pad",    "Tile",         "Scatter",      "ScatterND", "ScatterElements",
    "Identity",  "Resize", "DepthToSpace", "SpaceToDepth", "Cast"};
constexpr std::array<std::string_view, 3> kControl{"If", "Loop", "Scan"};

/// Elements of a shape with symbolic and unknown dims counted as 1.
std::optional<std::uint64_t> elements(const ir::Type* t) {
  if (t == nullptr || !t->is_tensor() || t->dims() == nullptr) return std::nullopt;
  std::uint64_t n = 1;
  for (const Dim& d : *t->dims()) {
    if (d.is_value()) n *= static_cast<std::uint64_t>(std::max<std::int64_t>(d.value, 0));
  }
  return n;
}

std::optional<std::int64_t> dim_at(const ir::Type* t, std::size_t i) {
  if (t == nullptr || t->dims() == nullptr || i >= t->dims()->size()) return std::nullopt;
  const Dim& d = (*t->dims())[i];
  if (!d.is_value()) return 1;
  return d.value;
}

const ir::Type* input_type(const ir::Node& node, std::size_t i, const TypeOf& type_of) {
  if (i >= node.inputs().size() || node.inputs()[i]->is_empty()) return nullptr;
  return type_of(node.inputs()[i]);
}

const ir::Type* output_type(const ir::Node& node, const TypeOf& type_of) {
  if (node.outputs().empty() || node.outputs()[0]->is_empty()) return nullptr;
  return type_of(node.outputs()[0]);
}

}  // namespace

std::string_view op_category(std::string_view domain, std::string_view op) {
  if (!is_standard(domain)) return "custom";
  if (op == "Constant") return "constant";
  if (one_of(op, kConv)) return "conv";
  if (one_of(op, kLayer)) return "layer";
  if (one_of(op, kActivation)) return "activation";
  if (one_of(op, kNormalization)) return "normalization";
  if (one_of(op, kPooling)) return "pooling";
  if (one_of(op, kShape)) return "shape";
  if (one_of(op, kData)) return "data";
  if (one_of(op, kControl)) return "control";
  return "other";
}

std::optional<std::uint64_t> node_flops(const ir::Node& node, const TypeOf& type_of) {
  if (!is_standard(node.domain())) return std::nullopt;
  const std::string& op = node.op_type();
  const ir::Type* out_t = output_type(node, type_of);
  const auto out = elements(out_t);
  if (op == "Conv" || op == "ConvTranspose") {
    const ir::Type* w = input_type(node, 1, type_of);
    const auto w_elems = elements(w);
    const auto x = elements(input_type(node, 0, type_of));
    if (!w_elems || !out || !x) return std::nullopt;
    const auto out_ch = dim_at(w, op == "Conv" ? 0 : 1).value_or(1);
    if (out_ch <= 0) return std::nullopt;
    // Multiply-adds per output element: the weight elements per output channel.
    const std::uint64_t per_out = *w_elems / static_cast<std::uint64_t>(out_ch);
    const std::uint64_t base = op == "Conv" ? *out : *x;
    std::uint64_t flops = 2 * base * per_out;
    if (node.inputs().size() > 2 && !node.inputs()[2]->is_empty()) flops += *out;
    return flops;
  }
  if (op == "Gemm" || op == "MatMul") {
    const ir::Type* a = input_type(node, 0, type_of);
    if (!out || a == nullptr || a->dims() == nullptr || a->dims()->empty()) return std::nullopt;
    std::int64_t k = 1;
    if (op == "Gemm") {
      const ir::Attribute* ta = node.attribute("transA");
      k = dim_at(a, ta != nullptr && ta->i != 0 ? 0 : 1).value_or(1);
    } else {
      k = dim_at(a, a->dims()->size() - 1).value_or(1);
    }
    std::uint64_t flops = 2 * *out * static_cast<std::uint64_t>(std::max<std::int64_t>(k, 1));
    if (op == "Gemm" && node.inputs().size() > 2 && !node.inputs()[2]->is_empty()) flops += *out;
    return flops;
  }
  if (!out) return std::nullopt;
  if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
    const ir::Attribute* ks = node.attribute("kernel_shape");
    std::uint64_t k = 1;
    if (ks != nullptr) {
      for (std::int64_t v : ks->ints) k *= static_cast<std::uint64_t>(std::max<std::int64_t>(v, 1));
    }
    return *out * k;
  }
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    return elements(input_type(node, 0, type_of));
  }
  if (op == "BatchNormalization" || op == "InstanceNormalization") return 2 * *out;
  if (op == "LayerNormalization" || op == "GroupNormalization") return 5 * *out;
  if (op == "Softmax" || op == "LogSoftmax") return 3 * *out;
  const std::string_view cat = op_category(node.domain(), op);
  if (cat == "activation") return *out;
  static constexpr std::array<std::string_view, 12> kElementwise{
      "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Sum"};
  if (one_of(op, kElementwise)) return *out;
  return std::nullopt;
}

namespace {

/// Running sums over the elements read so far.
struct Accumulator {
  WeightStats& s;
  std::uint64_t read = 0;
  double sum = 0, sq = 0, zeros = 0;

  void add(double d) {
    if (read == 0 || d < s.min) s.min = d;
    if (read == 0 || d > s.max) s.max = d;
    sum += d;
    sq += d * d;
    zeros += d == 0;
    ++read;
  }
};

template <typename T>
void accumulate(const std::byte* p, std::uint64_t begin, std::uint64_t end, Accumulator& acc) {
  for (std::uint64_t i = begin; i < end; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    acc.add(static_cast<double>(v));
  }
}

}  // namespace

std::optional<WeightStats> weight_stats(const ir::TensorData& data, std::uint64_t max_elements) {
  Buffer bytes;
  try {
    bytes = data.bytes();
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::uint64_t n = data.element_count();
  const auto need = data_type_storage_bytes(data.data_type, n);
  if (!need || bytes.size() < *need) return std::nullopt;
  WeightStats s;
  s.count = n;
  Accumulator acc{s};
  const std::byte* p = bytes.bytes().data();
  // Ranges to read: everything, or evenly spread contiguous blocks (so that a
  // multi-gigabyte weight costs tens of megabytes of reading, not all of it).
  constexpr std::uint64_t kBlocks = 256;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  if (n <= max_elements || max_elements < kBlocks) {
    ranges.emplace_back(0, n);
  } else {
    const std::uint64_t len = max_elements / kBlocks;
    for (std::uint64_t b = 0; b < kBlocks; ++b) {
      const std::uint64_t start = b * (n - len) / (kBlocks - 1);
      ranges.emplace_back(start, start + len);
    }
  }
  auto each = [&](auto read_range) {
    for (const auto& [begin, end] : ranges) read_range(begin, end);
  };
  switch (data.data_type) {
    case DataType::kFloat:
      each([&](auto b, auto e) { accumulate<float>(p, b, e, acc); });
      break;
    case DataType::kDouble:
      each([&](auto b, auto e) { accumulate<double>(p, b, e, acc); });
      break;
    case DataType::kInt8:
      each([&](auto b, auto e) { accumulate<std::int8_t>(p, b, e, acc); });
      break;
    case DataType::kUint8:
    case DataType::kBool:
      each([&](auto b, auto e) { accumulate<std::uint8_t>(p, b, e, acc); });
      break;
    case DataType::kInt16:
      each([&](auto b, auto e) { accumulate<std::int16_t>(p, b, e, acc); });
      break;
    case DataType::kUint16:
      each([&](auto b, auto e) { accumulate<std::uint16_t>(p, b, e, acc); });
      break;
    case DataType::kInt32:
      each([&](auto b, auto e) { accumulate<std::int32_t>(p, b, e, acc); });
      break;
    case DataType::kUint32:
      each([&](auto b, auto e) { accumulate<std::uint32_t>(p, b, e, acc); });
      break;
    case DataType::kInt64:
      each([&](auto b, auto e) { accumulate<std::int64_t>(p, b, e, acc); });
      break;
    case DataType::kUint64:
      each([&](auto b, auto e) { accumulate<std::uint64_t>(p, b, e, acc); });
      break;
    case DataType::kFloat16:
      each([&](auto b, auto e) {
        for (std::uint64_t i = b; i < e; ++i) {
          std::uint16_t h;
          std::memcpy(&h, p + 2 * i, 2);
          acc.add(float16_to_float(h));
        }
      });
      break;
    default:
      return std::nullopt;
  }
  // The preview: the first elements, read again (at most 16).
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(n, 16); ++i) {
    WeightStats one;
    Accumulator first{one};
    switch (data.data_type) {
      case DataType::kFloat:
        accumulate<float>(p, i, i + 1, first);
        break;
      case DataType::kDouble:
        accumulate<double>(p, i, i + 1, first);
        break;
      case DataType::kInt8:
        accumulate<std::int8_t>(p, i, i + 1, first);
        break;
      case DataType::kUint8:
      case DataType::kBool:
        accumulate<std::uint8_t>(p, i, i + 1, first);
        break;
      case DataType::kInt16:
        accumulate<std::int16_t>(p, i, i + 1, first);
        break;
      case DataType::kUint16:
        accumulate<std::uint16_t>(p, i, i + 1, first);
        break;
      case DataType::kInt32:
        accumulate<std::int32_t>(p, i, i + 1, first);
        break;
      case DataType::kUint32:
        accumulate<std::uint32_t>(p, i, i + 1, first);
        break;
      case DataType::kInt64:
        accumulate<std::int64_t>(p, i, i + 1, first);
        break;
      case DataType::kUint64:
        accumulate<std::uint64_t>(p, i, i + 1, first);
        break;
      default: {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        first.add(float16_to_float(h));
      }
    }
    s.preview.push_back(one.min);
  }
  s.sampled = acc.read;
  if (acc.read > 0) {
    const auto count = static_cast<double>(acc.read);
    s.mean = acc.sum / count;
    s.stddev = std::sqrt(std::max(0.0, acc.sq / count - s.mean * s.mean));
    s.sparsity = acc.zeros / count;
  }
  return s;
}

}  // namespace onnxkit::view
