#pragma once
/// The onnxkit-op-schemas JSON format: how the ONNX schemas are stored
/// (src/schema/data/*.json) and how users declare custom operators
/// (`--op-schemas FILE`). Described field by field in src/schema/data/README.md;
/// a minimal custom file:
///
///   {"format": "onnxkit-op-schemas", "format_version": 1,
///    "schemas": [
///     {"domain": "devtech", "name": "FooOp", "since_version": 1,
///      "inputs": [{"name": "X", "type": "T"}],
///      "outputs": [{"name": "Y", "type": "T"}],
///      "attributes": [{"name": "alpha", "type": "float", "default": 1.0}],
///      "type_constraints": [{"param": "T", "types": ["tensor(float)"]}]}]}

#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/schema/op_schema.h"

namespace onnxkit::schema {

/// Parses a document: an object with "schemas" (and optionally "format",
/// "format_version" (1), "source"), or a bare array of schemas. Each schema is
/// validated (registry.h's validate()). Throws Error located as
///   `source:LINE:COLUMN` for JSON syntax errors, and
///   `source › schema 2 (devtech::FooOp-1) › inputs[0] › option` for wrong content.
/// Unknown keys are errors, so a misspelt key does not go unnoticed.
std::vector<OpSchema> parse_schemas_json(std::string_view json_text, std::string_view source);

/// The schemas as a document of that format, one schema per line; parse_schemas_json()
/// reads it back to equal schemas.
std::string schemas_to_json(const std::vector<const OpSchema*>& schemas);

}  // namespace onnxkit::schema
