#pragma once
/// Reads the ONNX text syntax into the IR. Errors say line and column.

#include <string_view>

#include "onnxkit/ir/model.h"

namespace onnxkit::text {

/// `source_name` (a file name) prefixes error locations.
ir::Model parse_model(std::string_view text, std::string_view source_name = "<text>");

}  // namespace onnxkit::text
