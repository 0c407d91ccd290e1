#pragma once
/// SequenceProto, MapProto and OptionalProto: non-tensor values, as test
/// data files and the runtime use them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onnxkit/ir/tensor_data.h"

namespace onnxkit::ir {

struct ValueData {
  enum class Kind : std::uint8_t { kTensor, kSparseTensor, kSequence, kMap, kOptional };
  Kind kind = Kind::kTensor;
  std::string name;
  /// SequenceProto.elem_type / OptionalProto.elem_type (DataType enum of those messages:
  /// 0 undefined, 1 tensor, 2 sparse tensor, 3 sequence, 4 map, 5 optional).
  std::int32_t elem_type = 0;

  TensorData tensor;                      ///< kTensor
  SparseTensorData sparse_tensor;         ///< kSparseTensor
  std::vector<TensorData> tensor_values;  ///< sequence of tensors
  std::vector<SparseTensorData> sparse_tensor_values;
  std::vector<ValueData> sequence_values;  ///< sequence of sequences
  std::vector<ValueData> map_values;       ///< sequence of maps
  std::vector<ValueData> optional_values;  ///< sequence of optionals
  // Map: keys and values (values is a sequence)
  std::int32_t key_type = 0;
  std::vector<std::int64_t> keys;
  std::vector<std::string> string_keys;
  std::unique_ptr<ValueData> map_value_sequence;
  // Optional: the element, when present
  std::unique_ptr<ValueData> optional_value;

  WireExtras extras;

  ValueData() = default;
  ValueData(ValueData&&) noexcept = default;
  ValueData& operator=(ValueData&&) noexcept = default;
};

}  // namespace onnxkit::ir
