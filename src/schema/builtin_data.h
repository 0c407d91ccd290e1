#pragma once
/// The JSON documents of src/schema/data/, compiled into the library by
/// src/schema/embed_data.cmake (which writes the definition at build time).

#include <span>
#include <string_view>

namespace onnxkit::schema::detail {

/// One data file, as consecutive pieces of its text (each below the 4095-character
/// string literal length that ISO C++ compilers must accept).
struct EmbeddedDocument {
  std::string_view name;
  std::span<const std::string_view> pieces;
};

/// The embedded data files, in file name order.
std::span<const EmbeddedDocument> embedded_schema_documents();

}  // namespace onnxkit::schema::detail
