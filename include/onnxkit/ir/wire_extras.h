#pragma once
/// What a message carried on the wire beyond what the IR models, so that a
/// read → write round trip gives an equal message.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace onnxkit::ir {

/// Almost every message has none, and a big graph holds hundreds of
/// thousands of messages (a ValueInfo holds five of these): so one pointer,
/// null until something is stored.
class WireExtras {
 public:
  WireExtras() noexcept = default;
  WireExtras(const WireExtras& other)
      : data_(other.data_ ? std::make_unique<Data>(*other.data_) : nullptr) {}
  WireExtras& operator=(const WireExtras& other) {
    if (this != &other) data_ = other.data_ ? std::make_unique<Data>(*other.data_) : nullptr;
    return *this;
  }
  WireExtras(WireExtras&&) noexcept = default;
  WireExtras& operator=(WireExtras&&) noexcept = default;

  /// Unknown fields (tag and payload), verbatim and in wire order; written back
  /// after the known fields of the same message.
  std::string_view unknown() const noexcept {
    return data_ ? std::string_view(data_->unknown) : std::string_view();
  }
  void append_unknown(std::string_view bytes) {
    if (!bytes.empty()) data().unknown.append(bytes);
  }

  /// Field `n` was present on the wire with its default value (0, "", false).
  /// ONNX is proto2, so presence is part of the message: the writer writes
  /// such a field even though it holds the default.
  bool has_default(int field) const noexcept {
    return data_ && ((data_->present_defaults >> field) & 1u);
  }
  void mark_default(int field) { data().present_defaults |= std::uint64_t{1} << field; }

  bool empty() const noexcept { return !data_; }

 private:
  struct Data {
    std::string unknown;
    std::uint64_t present_defaults = 0;  ///< bit n: field n
  };
  Data& data() {
    if (!data_) data_ = std::make_unique<Data>();
    return *data_;
  }
  std::unique_ptr<Data> data_;
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
