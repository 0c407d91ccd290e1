#pragma once
// Random input values for `onnxkit run` and `onnxkit bench`: the declared
// element type, symbolic dims bound by name.

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "onnxkit/runtime/session.h"

namespace onnxkit::cli {

/// Values of symbolic dims by name; "" binds the first dim of every input
/// when it is symbolic or unknown (`bench --batch`).
using DimValues = std::map<std::string, std::int64_t>;

/// Dims of `info` with symbolic dims bound from `dims` (unbound ones are 1).
/// Throws Error when the rank is unknown.
runtime::Dims concrete_dims(const runtime::ValueInfo& info, const DimValues& dims);

/// A tensor of `info`'s element type and concrete_dims(): floats uniform in
/// [-1, 1), integers in [0, 9], booleans half true. Throws Error for element
/// types it cannot make (strings, ...), naming the input.
runtime::Value random_value(const runtime::ValueInfo& info, const DimValues& dims,
                            std::mt19937_64& rng);

}  // namespace onnxkit::cli
