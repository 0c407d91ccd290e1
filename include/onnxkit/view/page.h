#pragma once
/// The viewer page: one self-contained HTML file (no network access) holding
/// the page's script and style and the model's data as JSON, with the layout
/// already computed. See docs/ARCHITECTURE.md, "The viewer".
#include <string>
#include <string_view>

#include "onnxkit/infer/infer.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::view {

struct ViewOptions {
  /// Schemas for op versions and custom ops; null (the default) means
  /// schema::SchemaRegistry::onnx().
  const schema::SchemaRegistry* registry = nullptr;
  /// The page shows edit controls that talk to `onnxkit view --serve`
  /// (default false).
  bool editable = false;
  /// With `editable`: the folder the page says models are saved to.
  std::string save_dir;
};

/// The page's data for one model: model and graph panels, every graph
/// (subgraphs included) with its boxes, edges with inferred shapes, and both
/// layouts (top-to-bottom and left-to-right), and the weights with statistics.
/// Safe to embed in HTML (see render_page()).
std::string model_view_json(const ir::Model& model, const ViewOptions& options = {});

/// The HTML page around `data_json` (from model_view_json() or
/// diff_view_json()). The data goes into <script type="application/json">;
/// model strings reach the document only through textContent.
std::string render_page(std::string_view data_json, std::string_view title);

}  // namespace onnxkit::view
