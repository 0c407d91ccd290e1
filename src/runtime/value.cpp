#include "onnxkit/runtime/value.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "onnxkit/core/error.h"

namespace onnxkit::runtime {
namespace {

std::size_t storage_bytes(DataType dtype, std::int64_t count) {
  if (dtype == DataType::kString) return 0;
  const auto n = data_type_storage_bytes(dtype, static_cast<std::uint64_t>(count));
  if (!n)
    fail("", "cannot store " + std::to_string(count) + " elements of " +
                 std::string(data_type_name(dtype)));
  return static_cast<std::size_t>(*n);
}

struct AlignedFree {
  void operator()(std::byte* p) const noexcept { std::free(p); }
};

constexpr std::size_t kAlignment = 64;

}  // namespace

std::int64_t element_count(const Dims& dims) {
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0) fail("", "negative dim in " + dims_to_string(dims));
    if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d) {
      fail("", "too many elements in " + dims_to_string(dims));
    }
    n *= d;
  }
  return n;
}

std::string dims_to_string(const Dims& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

Value Value::tensor(DataType dtype, Dims dims) {
  Value v;
  v.kind_ = Kind::kTensor;
  v.dtype_ = dtype;
  v.size_ = element_count(dims);
  v.dims_ = std::move(dims);
  v.writable_ = true;
  if (dtype == DataType::kString) {
    auto strings = std::make_shared<std::vector<std::string>>(static_cast<std::size_t>(v.size_));
    v.data_ = reinterpret_cast<std::byte*>(strings->data());
    v.keeper_ = std::move(strings);
    return v;
  }
  v.bytes_ = storage_bytes(dtype, v.size_);
  const std::size_t alloc = (v.bytes_ + kAlignment - 1) / kAlignment * kAlignment;
  auto* p =
      static_cast<std::byte*>(std::aligned_alloc(kAlignment, alloc == 0 ? kAlignment : alloc));
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, v.bytes_);
  v.data_ = p;
  v.keeper_ = std::shared_ptr<std::byte>(p, AlignedFree{});
  return v;
}

Value Value::view(DataType dtype, Dims dims, std::span<const std::byte> bytes,
                  std::shared_ptr<const void> keeper) {
  Value v;
  v.kind_ = Kind::kTensor;
  v.dtype_ = dtype;
  v.size_ = element_count(dims);
  v.dims_ = std::move(dims);
  v.bytes_ = storage_bytes(dtype, v.size_);
  if (dtype == DataType::kString) fail("", "a string tensor cannot view raw bytes");
  if (bytes.size() < v.bytes_) {
    fail("", "tensor " + v.describe() + " needs " + std::to_string(v.bytes_) + " bytes, has " +
                 std::to_string(bytes.size()));
  }
  v.data_ = const_cast<std::byte*>(bytes.data());
  v.keeper_ = std::move(keeper);
  v.writable_ = false;
  return v;
}

Value Value::from_buffer(DataType dtype, Dims dims, const Buffer& buffer) {
  const int bits = data_type_bits(dtype);
  const std::size_t align = bits >= 8 ? static_cast<std::size_t>(bits / 8) : 1;
  const auto addr = reinterpret_cast<std::uintptr_t>(buffer.bytes().data());
  if (addr % align != 0) {
    Value v = tensor(dtype, std::move(dims));
    if (buffer.size() < v.bytes_) fail("", "tensor " + v.describe() + " has too few bytes");
    std::memcpy(v.data_, buffer.bytes().data(), v.bytes_);
    v.writable_ = false;
    return v;
  }
  auto keeper = std::make_shared<Buffer>(buffer);
  return view(dtype, std::move(dims), buffer.bytes(), std::move(keeper));
}

Value Value::strings(Dims dims, std::vector<std::string> strings) {
  Value v;
  v.kind_ = Kind::kTensor;
  v.dtype_ = DataType::kString;
  v.size_ = element_count(dims);
  v.dims_ = std::move(dims);
  if (static_cast<std::int64_t>(strings.size()) != v.size_) {
    fail("", "string tensor " + dims_to_string(v.dims_) + " given " +
                 std::to_string(strings.size()) + " strings");
  }
  auto owned = std::make_shared<std::vector<std::string>>(std::move(strings));
  v.data_ = reinterpret_cast<std::byte*>(owned->data());
  v.keeper_ = std::move(owned);
  v.writable_ = true;
  return v;
}

Value Value::adopt(DataType dtype, Dims dims, std::byte* data, std::shared_ptr<void> block) {
  Value v;
  v.kind_ = Kind::kTensor;
  v.dtype_ = dtype;
  v.size_ = element_count(dims);
  v.dims_ = std::move(dims);
  v.bytes_ = storage_bytes(dtype, v.size_);
  v.data_ = data;
  v.keeper_ = std::move(block);
  v.writable_ = true;
  return v;
}

Value Value::sequence(DataType elem_type, std::vector<Value> items) {
  for (const Value& item : items) {
    if (!item.is_tensor()) fail("", "a sequence holds tensors, got " + item.describe());
    if (elem_type == DataType::kUndefined) elem_type = item.dtype();
    if (item.dtype() != elem_type) {
      fail("", "a sequence of " + std::string(data_type_name(elem_type)) + " cannot hold " +
                   item.describe());
    }
  }
  Value v;
  v.kind_ = Kind::kSequence;
  v.elem_kind_ = Kind::kTensor;
  v.dtype_ = elem_type;
  v.items_ = std::make_shared<const std::vector<Value>>(std::move(items));
  return v;
}

Value Value::optional(Value element) {
  if (!element.is_tensor() && !element.is_sequence()) {
    fail("", "an optional holds a tensor or a sequence, got " + element.describe());
  }
  Value v;
  v.kind_ = Kind::kOptional;
  v.elem_kind_ = element.kind();
  v.dtype_ = element.dtype();
  v.items_ = std::make_shared<const std::vector<Value>>(std::vector<Value>{std::move(element)});
  return v;
}

Value Value::empty_optional(Kind elem_kind, DataType elem_type) {
  if (elem_kind != Kind::kTensor && elem_kind != Kind::kSequence) {
    fail("", "an optional holds a tensor or a sequence");
  }
  Value v;
  v.kind_ = Kind::kOptional;
  v.elem_kind_ = elem_kind;
  v.dtype_ = elem_type;
  return v;
}

std::span<const Value> Value::items() const noexcept {
  if (!items_ || (kind_ != Kind::kSequence && kind_ != Kind::kOptional)) return {};
  return {items_->data(), items_->size()};
}

const Value& Value::item(std::size_t i) const {
  const auto all = items();
  if (!is_sequence()) fail("", describe() + " is not a sequence");
  if (i >= all.size()) {
    fail("", "item " + std::to_string(i) + " of a sequence of " + std::to_string(all.size()));
  }
  return all[i];
}

const Value& Value::element() const {
  if (!is_optional()) fail("", describe() + " is not an optional");
  if (!has_element()) fail("", "the optional holds no value");
  return items()[0];
}

void Value::require_writable() const {
  if (!writable_) fail("", "tensor " + describe() + " is read-only");
}

std::span<std::byte> Value::mutable_bytes() {
  require_writable();
  return {data_, bytes_};
}

std::span<const std::string> Value::string_data() const {
  if (dtype_ != DataType::kString) fail("", "tensor " + describe() + " does not hold strings");
  return {reinterpret_cast<const std::string*>(data_), static_cast<std::size_t>(size_)};
}

std::span<std::string> Value::mutable_string_data() {
  require_writable();
  if (dtype_ != DataType::kString) fail("", "tensor " + describe() + " does not hold strings");
  return {reinterpret_cast<std::string*>(data_), static_cast<std::size_t>(size_)};
}

Value Value::reshaped(Dims dims) const {
  if (element_count(dims) != size_) {
    fail("", "cannot view " + describe() + " as " + dims_to_string(dims));
  }
  Value v = *this;
  v.dims_ = std::move(dims);
  return v;
}

Value Value::clone() const {
  if (kind_ != Kind::kTensor) return *this;
  Value v = tensor(dtype_, dims_);
  if (dtype_ == DataType::kString) {
    auto src = string_data();
    auto dst = v.mutable_string_data();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i] = src[i];
  } else if (bytes_ != 0) {
    std::memcpy(v.data_, data_, bytes_);
  }
  return v;
}

std::string Value::describe() const {
  if (kind_ == Kind::kNone) return "none";
  const std::string elem =
      dtype_ == DataType::kUndefined ? "?" : std::string(data_type_name(dtype_));
  if (kind_ == Kind::kSequence) return "seq(" + elem + ") of " + std::to_string(item_count());
  if (kind_ == Kind::kOptional) {
    if (has_element()) return "optional(" + element().describe() + ")";
    return "optional(" + (elem_kind_ == Kind::kSequence ? "seq(" + elem + ")" : elem) + ") empty";
  }
  return std::string(data_type_name(dtype_)) + dims_to_string(dims_);
}

}  // namespace onnxkit::runtime
