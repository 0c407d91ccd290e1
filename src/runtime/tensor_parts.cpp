#include "runtime/tensor_parts.h"

#include <cstring>
#include <vector>

#include "onnxkit/core/error.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

std::int64_t product(const Dims& dims, std::size_t from, std::size_t to) {
  std::int64_t n = 1;
  for (std::size_t i = from; i < to; ++i) n *= dims[i];
  return n;
}

/// Copies `count` elements from `src` at element `from` into `dst` at element `to`.
void copy_elements(const Value& src, std::int64_t from, Value& dst, std::int64_t to,
                   std::int64_t count) {
  if (count <= 0) return;
  if (src.dtype() == DataType::kString) {
    auto s = src.string_data();
    auto d = dst.mutable_string_data();
    for (std::int64_t i = 0; i < count; ++i) {
      d[static_cast<std::size_t>(to + i)] = s[static_cast<std::size_t>(from + i)];
    }
    return;
  }
  const std::size_t es = element_size(src.dtype());
  std::memcpy(dst.mutable_bytes().data() + static_cast<std::size_t>(to) * es,
              src.bytes().data() + static_cast<std::size_t>(from) * es,
              static_cast<std::size_t>(count) * es);
}

void require_axis(const Value& v, std::size_t axis, std::size_t limit) {
  if (!v.is_tensor()) fail("", "expected a tensor, got " + v.describe());
  if (axis >= limit) {
    fail("", "axis " + std::to_string(axis) + " is out of range for " + v.describe());
  }
}

}  // namespace

Value slice_along(const Value& v, std::size_t axis, std::int64_t start, std::int64_t length) {
  require_axis(v, axis, v.rank());
  const Dims& d = v.dims();
  if (start < 0 || length < 0 || start + length > d[axis]) {
    fail("", "part [" + std::to_string(start) + ", " + std::to_string(start + length) +
                 ") along axis " + std::to_string(axis) + " is outside " + v.describe());
  }
  Dims out_dims = d;
  out_dims[axis] = length;
  Value out = Value::tensor(v.dtype(), out_dims);
  const std::int64_t outer = product(d, 0, axis);
  const std::int64_t inner = product(d, axis + 1, d.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    copy_elements(v, (o * d[axis] + start) * inner, out, o * length * inner, length * inner);
  }
  return out;
}

Value take_along(const Value& v, std::size_t axis, std::int64_t index) {
  Value part = slice_along(v, axis, index, 1);
  Dims dims = part.dims();
  dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(axis));
  return part.reshaped(std::move(dims));
}

Value concat_along(std::span<const Value> parts, std::size_t axis) {
  if (parts.empty()) fail("", "nothing to concatenate");
  const Value& first = parts[0];
  require_axis(first, axis, first.rank());
  Dims out_dims = first.dims();
  out_dims[axis] = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const Value& v = parts[p];
    bool same = v.is_tensor() && v.dtype() == first.dtype() && v.rank() == first.rank();
    for (std::size_t i = 0; same && i < v.rank(); ++i)
      same = i == axis || v.dims()[i] == first.dims()[i];
    if (!same) {
      fail("", "part " + std::to_string(p) + " is " + v.describe() + ", part 0 is " +
                   first.describe() + " (they may differ only along axis " + std::to_string(axis) +
                   ")");
    }
    out_dims[axis] += v.dims()[axis];
  }
  Value out = Value::tensor(first.dtype(), out_dims);
  const std::int64_t outer = product(out_dims, 0, axis);
  const std::int64_t inner = product(out_dims, axis + 1, out_dims.size());
  std::int64_t at = 0;  // offset along the axis of the part being copied
  for (const Value& v : parts) {
    const std::int64_t n = v.dims()[axis];
    for (std::int64_t o = 0; o < outer; ++o) {
      copy_elements(v, o * n * inner, out, (o * out_dims[axis] + at) * inner, n * inner);
    }
    at += n;
  }
  return out;
}

Value stack_along(std::span<const Value> parts, std::size_t axis, bool reversed) {
  if (parts.empty()) fail("", "nothing to stack");
  require_axis(parts[0], axis, parts[0].rank() + 1);
  std::vector<Value> expanded;
  expanded.reserve(parts.size());
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const Value& v = parts[reversed ? parts.size() - 1 - p : p];
    if (!v.is_tensor() || v.dtype() != parts[0].dtype() || v.dims() != parts[0].dims()) {
      fail("", "cannot stack " + v.describe() + " with " + parts[0].describe() +
                   " (parts must be alike)");
    }
    Dims dims = v.dims();
    dims.insert(dims.begin() + static_cast<std::ptrdiff_t>(axis), 1);
    expanded.push_back(v.reshaped(std::move(dims)));
  }
  return concat_along(expanded, axis);
}

}  // namespace onnxkit::runtime
