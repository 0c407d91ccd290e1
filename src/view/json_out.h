#pragma once
// Appending JSON to a string, fast enough for 100,000-node graphs, and safe to
// embed in an HTML <script type="application/json">: '<', '>', '&', U+2028 and
// U+2029 are written as \u escapes, so no model string can end the script
// element or start markup.

#include <cstdint>
#include <string>
#include <string_view>

namespace onnxkit::view::detail {

/// Appends `s` as a quoted JSON string (invalid UTF-8 bytes become U+FFFD).
void json_string(std::string& out, std::string_view s);
/// Appends a number with `digits` significant digits (default 7); non-finite
/// values become null.
void json_number(std::string& out, double v, int digits = 7);
/// Appends a number rounded to one decimal (layout coordinates).
void json_coord(std::string& out, float v);
void json_int(std::string& out, std::int64_t v);

}  // namespace onnxkit::view::detail
