#pragma once
/// Reads the ONNX text syntax into the IR. Errors say line and column.
///
/// Reads everything print_model() writes and the syntax of onnx 1.12's
/// onnx.parser (docs/Syntax.md), plus some of newer onnx: quoted names
/// ("onnx::Conv_3"), node labels (`[name] Y = Relu (X)`), `""` for an empty
/// name, empty lists with a type (`axes: ints = []`), inf/-inf/nan, float16 and
/// float8 values as bit patterns, function attributes with defaults.
/// onnxkit annotations in comments are applied: `#@alias id = "original"`
/// renames `id` wherever it appears after that line, and a trailing
/// `#@node "name"` names the node that ends on that line.
///
/// The IR is built as the binary reader builds it: graph inputs, outputs and
/// value_info in their lists; initializers (with their values in the typed
/// fields, as onnx's parser stores them) in order; nodes wired by name in a
/// second pass, so node order need not be topological and a subgraph may use
/// any tensor of an enclosing graph; an empty name is an absent optional
/// (Graph::add_empty_tensor()). Unlike onnx 1.12, a tensor literal must have
/// as many values as its shape needs.

#include <string_view>

#include "onnxkit/ir/model.h"

namespace onnxkit::text {

/// Throws onnxkit::Error located "source_name:line:col" with what was expected
/// and what was found. `source_name` (a file name) defaults to "<text>".
ir::Model parse_model(std::string_view text, std::string_view source_name = "<text>");

}  // namespace onnxkit::text
