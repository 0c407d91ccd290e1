#pragma once
/// What a message carried on the wire beyond what the IR models, so that a
/// read → write round trip gives an equal message.

#include <cstdint>
#include <string>

namespace onnxkit::ir {

struct WireExtras {
  /// Unknown fields (tag and payload), verbatim and in wire order; written back
  /// after the known fields of the same message.
  std::string unknown;
  /// Bit `n` set: singular field number `n` was present on the wire with its
  /// default value (0, "", false). ONNX is proto2, so presence is part of the
  /// message: the writer writes such a field even though it holds the default.
  std::uint64_t present_defaults = 0;

  bool has_default(int field) const noexcept { return (present_defaults >> field) & 1u; }
  void mark_default(int field) noexcept { present_defaults |= std::uint64_t{1} << field; }
  bool empty() const noexcept { return unknown.empty() && present_defaults == 0; }
};

/// StringStringEntryProto: metadata_props, external_data, bindings.
struct StringEntry {
  std::string key;
  std::string value;
  WireExtras extras;
};

/// OperatorSetIdProto.
struct OpsetId {
  std::string domain;  ///< "" (or "ai.onnx") is the default domain
  std::int64_t version = 0;
  WireExtras extras;
};

}  // namespace onnxkit::ir
