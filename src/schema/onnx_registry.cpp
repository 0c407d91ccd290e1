// SchemaRegistry::onnx(): the ONNX operator schemas compiled into the library.
#include <string>

#include "onnxkit/core/error.h"
#include "onnxkit/schema/registry.h"
#include "schema/builtin_data.h"

namespace onnxkit::schema {

namespace {

SchemaRegistry load_onnx_schemas() {
  SchemaRegistry registry;
  for (const detail::EmbeddedDocument& doc : detail::embedded_schema_documents()) {
    std::string text;
    std::size_t size = 0;
    for (std::string_view piece : doc.pieces) size += piece.size();
    text.reserve(size);
    for (std::string_view piece : doc.pieces) text += piece;
    // A failure here is a bug in src/schema/data, which the unit tests catch.
    registry.add_json(text, "built-in " + std::string(doc.name));
  }
  return registry;
}

}  // namespace

const SchemaRegistry& SchemaRegistry::onnx() {
  static const SchemaRegistry registry = load_onnx_schemas();  // thread-safe initialisation
  return registry;
}

}  // namespace onnxkit::schema
