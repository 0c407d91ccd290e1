#pragma once
// validate() without the schema's name in front of the error location, for
// callers that name the schema their own way (parse_schemas_json()).

#include "onnxkit/schema/op_schema.h"

namespace onnxkit::schema::detail {

void validate_unlocated(const OpSchema& schema);

}  // namespace onnxkit::schema::detail
