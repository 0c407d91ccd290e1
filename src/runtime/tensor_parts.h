#pragma once
// Cutting tensors into parts along an axis and joining parts back: what
// Scan, Loop's scan outputs, SplitToSequence and ConcatFromSequence share.
// Element types of whole bytes and strings; the results are new tensors.

#include <cstdint>
#include <span>

#include "onnxkit/runtime/value.h"

namespace onnxkit::runtime {

/// Elements [start, start + length) of `v` along `axis` (the axis kept).
Value slice_along(const Value& v, std::size_t axis, std::int64_t start, std::int64_t length);

/// Element `index` of `v` along `axis`, the axis removed.
Value take_along(const Value& v, std::size_t axis, std::int64_t index);

/// `parts` joined along `axis`: same element type and rank, dims equal except
/// along `axis`. Error naming the first part that differs.
Value concat_along(std::span<const Value> parts, std::size_t axis);

/// `parts` (same element type and dims) stacked along a new axis `axis`
/// (0..rank); with `reversed`, the last part comes first.
Value stack_along(std::span<const Value> parts, std::size_t axis, bool reversed = false);

}  // namespace onnxkit::runtime
