#pragma once
/// Tensor element values as text, and back.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/ir/tensor_data.h"

namespace onnxkit::text::detail {

/// Shortest text that reads back to exactly `v`; always has a '.' or an
/// exponent, so that it reads as a float literal ("1.0", "1e-05"); "inf",
/// "-inf", "nan" for the non-finite values (onnx 1.12 cannot read those).
std::string format_float(float v);
std::string format_double(double v);

/// True if the values of `t` can be written in the text syntax: every
/// element type but the complex, 4-bit and 2-bit ones. float16, bfloat16 and
/// the float8 types print their bit patterns as unsigned integers, as onnx
/// does (onnx 1.12 cannot read them).
bool values_printable(DataType t);

/// The first `limit` elements of `t` as literals ("1.5", "-3", "\"abc\""), or
/// nullopt when they cannot be read (unprintable type, missing external data,
/// too few bytes). `total` receives the element count.
std::optional<std::vector<std::string>> element_literals(const ir::TensorData& t, std::size_t limit,
                                                         std::uint64_t& total);

/// A string literal: the bytes in double quotes. onnx has no escapes, so a
/// '"' cannot be written; it becomes '\'' and `lossy` is set.
std::string quote_string(std::string_view s, bool& lossy);

}  // namespace onnxkit::text::detail
