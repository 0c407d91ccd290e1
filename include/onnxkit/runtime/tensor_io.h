#pragma once
/// Values to and from files: TensorProto (test data .pb, initializers),
/// SequenceProto and OptionalProto (test data of sequence and optional
/// values), and numpy's .npy format (version 1.0-3.0, little-endian, C order).

#include <filesystem>

#include "onnxkit/ir/tensor_data.h"
#include "onnxkit/ir/value_data.h"
#include "onnxkit/runtime/value.h"

namespace onnxkit::runtime {

/// A tensor holding `data`'s elements (a zero-copy view where the bytes are
/// in raw form and aligned). Throws Error for sparse or malformed data.
Value value_from_tensor_data(const ir::TensorData& data);
/// A TensorProto with raw_data (strings: string_data) holding `value`.
ir::TensorData value_to_tensor_data(const Value& value, std::string name = {});

/// Reads a .npy file: bool, int8-64, uint8-64, float16/32/64 (numpy has no
/// bfloat16). Throws Error naming the file on anything else (Fortran order,
/// big-endian, object arrays).
Value read_npy(const std::filesystem::path& path);
/// Writes `value` as a .npy file (version 1.0). bfloat16 is written as
/// float32, the closest type numpy has. Throws Error for types numpy lacks.
void write_npy(const std::filesystem::path& path, const Value& value);

/// A tensor, sequence of tensors or optional from a TensorProto,
/// SequenceProto or OptionalProto. An empty sequence, which carries no element
/// type on the wire, gets `elem_type` (default: unknown). Error for maps,
/// sparse tensors and sequences of non-tensors.
Value value_from_value_data(const ir::ValueData& data, DataType elem_type = DataType::kUndefined);
/// The SequenceProto / OptionalProto / TensorProto (kind kTensor) of `value`.
ir::ValueData value_to_value_data(const Value& value, std::string name = {});

/// Reads a test-data file: .npy by extension, else a serialized TensorProto.
Value read_value_file(const std::filesystem::path& path);
/// Reads a test-data .pb holding a value of `kind`: a TensorProto (kTensor),
/// SequenceProto (kSequence) or OptionalProto (kOptional); .npy by extension.
/// `elem_type` as for value_from_value_data().
Value read_value_file(const std::filesystem::path& path, Value::Kind kind,
                      DataType elem_type = DataType::kUndefined);
/// Writes `value` as a serialized TensorProto, SequenceProto or
/// OptionalProto (through a temporary file and a rename).
void write_value_file(const std::filesystem::path& path, const Value& value);

}  // namespace onnxkit::runtime
