#pragma once
/// Writes a model in the ONNX text syntax (ONNX docs/Syntax.md), in the
/// subset that python3-onnx 1.12's onnx.parser reads back.

#include <cstddef>
#include <string>

#include "onnxkit/ir/model.h"

namespace onnxkit::text {

struct PrintOptions {
  /// Print every weight value (exact, parses back to the same tensors).
  /// When false, weights larger than `preview_elements` print as a shape
  /// with a short preview in a comment.
  bool full_weights = false;
  std::size_t preview_elements = 8;
};

std::string print_model(const ir::Model& model, const PrintOptions& options = {});
std::string print_graph(const ir::Graph& graph, const PrintOptions& options = {});

}  // namespace onnxkit::text
