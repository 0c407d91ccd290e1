#include "cli/random_inputs.h"

#include "onnxkit/core/error.h"
#include "runtime/reference/half.h"

namespace onnxkit::cli {

runtime::Dims concrete_dims(const runtime::ValueInfo& info, const DimValues& dims) {
  if (!info.shape)
    fail("input '" + info.name + "'", "its rank is unknown; give a file with --input");
  runtime::Dims d;
  const auto batch = dims.find("");
  for (std::size_t i = 0; i < info.shape->size(); ++i) {
    const Dim& dim = (*info.shape)[i];
    if (dim.is_value()) {
      d.push_back(dim.value);
    } else if (dim.is_param() && dims.count(dim.param)) {
      d.push_back(dims.at(dim.param));
    } else if (i == 0 && batch != dims.end()) {
      d.push_back(batch->second);
    } else {
      d.push_back(1);
    }
  }
  return d;
}

runtime::Value random_value(const runtime::ValueInfo& info, const DimValues& dims,
                            std::mt19937_64& rng) {
  if (info.kind != runtime::Value::Kind::kTensor) {
    fail("input '" + info.name + "'", "is " + info.type +
                                          "; random values are tensors only, give a .pb file "
                                          "(SequenceProto or OptionalProto)");
  }
  runtime::Value v = runtime::Value::tensor(info.dtype, concrete_dims(info, dims));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 9);
  using runtime::reference::BFloat16;
  using runtime::reference::Float16;
  switch (info.dtype) {
    case DataType::kFloat:
      for (float& x : v.mutable_span<float>()) x = u(rng);
      break;
    case DataType::kDouble:
      for (double& x : v.mutable_span<double>()) x = u(rng);
      break;
    case DataType::kFloat16:
      for (Float16& x : v.mutable_span<Float16>()) x = Float16(u(rng));
      break;
    case DataType::kBfloat16:
      for (BFloat16& x : v.mutable_span<BFloat16>()) x = BFloat16(u(rng));
      break;
    case DataType::kBool:
      for (bool& x : v.mutable_span<bool>()) x = small(rng) < 5;
      break;
    case DataType::kInt64:
      for (auto& x : v.mutable_span<std::int64_t>()) x = small(rng);
      break;
    case DataType::kInt32:
      for (auto& x : v.mutable_span<std::int32_t>()) x = small(rng);
      break;
    case DataType::kUint8:
      for (auto& x : v.mutable_span<std::uint8_t>()) x = static_cast<std::uint8_t>(small(rng));
      break;
    case DataType::kInt8:
      for (auto& x : v.mutable_span<std::int8_t>()) x = static_cast<std::int8_t>(small(rng));
      break;
    default:
      fail("input '" + info.name + "'", "random values of " +
                                            std::string(data_type_name(info.dtype)) +
                                            " are not supported; give a file with --input");
  }
  return v;
}

}  // namespace onnxkit::cli
