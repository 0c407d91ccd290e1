#pragma once
/// A runtime value: a tensor (element type, dims, storage), a sequence of
/// tensors, or an optional (none, or one tensor or sequence); Kind says
/// which. Storage is shared: copying a Value is cheap and never copies
/// elements or sequence items. A tensor either owns its bytes (writable) or
/// borrows them from an owner it keeps alive (read-only), such as a weight
/// that stays in the mapped model file. Sequences and optionals are
/// immutable: ops build new ones (sharing the items).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "onnxkit/core/buffer.h"
#include "onnxkit/core/data_type.h"

namespace onnxkit::runtime {

/// Concrete dims of a runtime tensor.
using Dims = std::vector<std::int64_t>;

/// Number of elements of `dims` (1 for a scalar). Throws Error on a negative
/// dim or overflow.
std::int64_t element_count(const Dims& dims);

/// "[2,3,4]".
std::string dims_to_string(const Dims& dims);

class Value {
 public:
  /// kNone: absent (an omitted input). A sequence or an optional is never
  /// absent, even when it is empty.
  enum class Kind : std::uint8_t { kNone, kTensor, kSequence, kOptional };

  /// An absent value (an omitted optional input or output).
  Value() = default;

  /// A new tensor owning zero-filled storage (strings: empty strings).
  static Value tensor(DataType dtype, Dims dims);
  /// A read-only tensor over `bytes`, which `keeper` keeps alive. The bytes
  /// must hold element_count(dims) packed elements of `dtype` (not strings).
  static Value view(DataType dtype, Dims dims, std::span<const std::byte> bytes,
                    std::shared_ptr<const void> keeper);
  /// A read-only tensor over a Buffer's bytes (zero-copy; copies only when the
  /// bytes are not aligned for the element type).
  static Value from_buffer(DataType dtype, Dims dims, const Buffer& buffer);
  /// A string tensor holding `strings` (element_count(dims) of them).
  static Value strings(Dims dims, std::vector<std::string> strings);
  /// A tensor of `dtype` over storage owned by `block`, writable (used by
  /// allocators that recycle memory). `data` lies in `block`.
  static Value adopt(DataType dtype, Dims dims, std::byte* data, std::shared_ptr<void> block);

  /// A sequence of `items`, each a tensor of `elem_type`. With kUndefined,
  /// the element type is the first item's (an empty sequence keeps
  /// kUndefined). Throws Error when an item is not a tensor of that type.
  static Value sequence(DataType elem_type, std::vector<Value> items);
  /// An optional holding `element` (a tensor or a sequence).
  static Value optional(Value element);
  /// An optional holding nothing, declared to hold `elem_kind` (kTensor or
  /// kSequence) of `elem_type`.
  static Value empty_optional(Kind elem_kind, DataType elem_type);

  Kind kind() const noexcept { return kind_; }
  bool is_tensor() const noexcept { return kind_ == Kind::kTensor; }
  bool is_sequence() const noexcept { return kind_ == Kind::kSequence; }
  bool is_optional() const noexcept { return kind_ == Kind::kOptional; }
  /// False for an absent value.
  explicit operator bool() const noexcept { return kind_ != Kind::kNone; }

  /// Element type; of a sequence or optional, that of its tensors.
  DataType dtype() const noexcept { return dtype_; }
  const Dims& dims() const noexcept { return dims_; }
  std::size_t rank() const noexcept { return dims_.size(); }
  std::int64_t dim(std::size_t i) const { return dims_.at(i); }
  /// Number of elements.
  std::int64_t size() const noexcept { return size_; }
  /// Bytes of packed elements (0 for strings).
  std::size_t byte_size() const noexcept { return bytes_; }
  bool writable() const noexcept { return writable_; }

  std::span<const std::byte> bytes() const noexcept { return {data_, bytes_}; }
  /// Throws Error when the value is read-only.
  std::span<std::byte> mutable_bytes();

  /// The elements as T (sizeof(T) must match the element size; not checked
  /// beyond that, so kernels pick T from dtype()).
  template <typename T>
  std::span<const T> span() const {
    return {reinterpret_cast<const T*>(data_), static_cast<std::size_t>(size_)};
  }
  template <typename T>
  std::span<T> mutable_span() {
    require_writable();
    return {reinterpret_cast<T*>(data_), static_cast<std::size_t>(size_)};
  }
  const void* raw_data() const noexcept { return data_; }

  /// The elements of a string tensor.
  std::span<const std::string> string_data() const;
  std::span<std::string> mutable_string_data();

  /// The same storage seen with other dims (same element count); read-only
  /// unless this value is writable.
  Value reshaped(Dims dims) const;
  /// A writable deep copy.
  Value clone() const;

  // ---- sequences and optionals
  /// The items of a sequence (an optional: its element, if any); empty for a tensor.
  std::span<const Value> items() const noexcept;
  /// Number of items of a sequence.
  std::size_t item_count() const noexcept { return items().size(); }
  /// Item `i` of a sequence; Error when out of range.
  const Value& item(std::size_t i) const;
  /// An optional's declared content: kTensor or kSequence (kNone for other kinds).
  Kind element_kind() const noexcept { return elem_kind_; }
  /// True for an optional holding a value.
  bool has_element() const noexcept { return kind_ == Kind::kOptional && !items().empty(); }
  /// The element of an optional; Error when it holds none or this is no optional.
  const Value& element() const;

  /// The owner of the storage (for allocators that recycle blocks).
  const std::shared_ptr<const void>& storage_owner() const noexcept { return keeper_; }

  /// "float[2,3]", "seq(float) of 3", "optional(float[2])",
  /// "optional(seq(int64)) empty".
  std::string describe() const;

 private:
  void require_writable() const;

  Kind kind_ = Kind::kNone;
  Kind elem_kind_ = Kind::kNone;  // optional: what it holds (or would)
  DataType dtype_ = DataType::kUndefined;
  Dims dims_;
  std::int64_t size_ = 0;
  std::shared_ptr<const void> keeper_;
  std::byte* data_ = nullptr;
  std::size_t bytes_ = 0;
  bool writable_ = false;
  std::shared_ptr<const std::vector<Value>> items_;  // sequence items; optional element
};

}  // namespace onnxkit::runtime
