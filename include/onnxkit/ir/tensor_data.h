#pragma once
/// TensorProto and SparseTensorProto: the values of initializers, Constant
/// attributes and test data. Bytes stay in the mapped file (zero-copy) until
/// replaced.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "onnxkit/core/buffer.h"
#include "onnxkit/core/data_type.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

/// Where an externally stored tensor's bytes are, as its external_data entries say.
struct ExternalDataRef {
  std::string location;  ///< relative to the model's folder
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;
  std::string checksum;
};

struct TensorData {
  enum class Location : std::int32_t { kDefault = 0, kExternal = 1 };

  std::string name;
  std::string doc_string;
  DataType data_type = DataType::kUndefined;
  std::vector<std::int64_t> dims;

  /// TensorProto.Segment, when present.
  struct Segment {
    std::int64_t begin = 0, end = 0;
    WireExtras extras;
  };
  std::optional<Segment> segment;

  /// raw_data. `has_raw_data` distinguishes "present but empty" from absent.
  Buffer raw_data;
  bool has_raw_data = false;

  // The typed fields, as the file had them (rare in big models: exporters use raw_data).
  std::vector<float> float_data;
  std::vector<std::int32_t> int32_data;
  std::vector<std::string> string_data;
  std::vector<std::int64_t> int64_data;
  std::vector<double> double_data;
  std::vector<std::uint64_t> uint64_data;

  /// external_data entries exactly as read (key order kept); data_location.
  std::vector<StringEntry> external_data;
  Location data_location = Location::kDefault;
  /// For external tensors: the bytes, a view into the mapped external file,
  /// resolved and bounds-checked when the model was read. Empty if the model
  /// was read without resolving external data.
  Buffer external_bytes;

  std::vector<StringEntry> metadata_props;
  WireExtras extras;

  /// Made one per initializer and per Constant node of a big graph (a
  /// pointer's worth each, from Tensor or Attribute): from a pool of
  /// fixed-size blocks, like nodes and tensors, rather than malloc.
  static void* operator new(std::size_t size);
  static void operator delete(void* p) noexcept;

  bool is_external() const noexcept { return data_location == Location::kExternal; }
  /// Parses external_data into a reference; throws Error if malformed.
  ExternalDataRef external_ref() const;

  /// Number of elements (product of dims; 1 for a scalar).
  std::uint64_t element_count() const noexcept;
  /// Size of the payload in bytes as stored little-endian and packed (raw form),
  /// or nullopt for strings.
  std::optional<std::uint64_t> byte_size() const noexcept;

  /// The tensor's bytes in raw little-endian layout, whatever field holds them:
  /// a view for raw_data and external data; typed fields are converted into an
  /// owned buffer. Strings are not representable: throws Error.
  Buffer bytes() const;

  /// Replaces the payload with `bytes` in raw form, clearing typed fields and
  /// external references.
  void set_raw(Buffer bytes);
};

/// SparseTensorProto.
struct SparseTensorData {
  TensorData values;
  TensorData indices;
  std::vector<std::int64_t> dims;
  bool has_values = false, has_indices = false;
  WireExtras extras;
};

}  // namespace onnxkit::ir
