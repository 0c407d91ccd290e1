#include "view/json_out.h"

#include <charconv>
#include <cmath>

namespace onnxkit::view::detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void unicode_escape(std::string& out, unsigned code) {
  out += "\\u";
  out += kHex[(code >> 12) & 15];
  out += kHex[(code >> 8) & 15];
  out += kHex[(code >> 4) & 15];
  out += kHex[code & 15];
}

/// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned min = 0;
  unsigned code = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, min = 0x80, code = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, min = 0x800, code = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, min = 0x10000, code = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    code = (code << 6) | (d & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return len;
}

}  // namespace

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '<':
        case '>':
        case '&':
          unicode_escape(out, c);
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            unicode_escape(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const std::size_t len = utf8_length(s, i);
    if (len == 0) {
      unicode_escape(out, 0xfffd);
      ++i;
      continue;
    }
    // U+2028 / U+2029 (E2 80 A8 / A9): line terminators in older JavaScript.
    if (len == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
      unicode_escape(out, static_cast<unsigned char>(s[i + 2]) == 0xa8 ? 0x2028 : 0x2029);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

void json_number(std::string& out, double v, int digits) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
  (void)ec;
  out.append(buf, end);
}

void json_coord(std::string& out, float v) {
  const auto tenths = static_cast<std::int64_t>(std::lround(static_cast<double>(v) * 10));
  if (tenths % 10 == 0) {
    json_int(out, tenths / 10);
    return;
  }
  if (tenths < 0) out += '-';
  const std::int64_t a = tenths < 0 ? -tenths : tenths;
  json_int(out, a / 10);
  out += '.';
  out += static_cast<char>('0' + a % 10);
}

void json_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

}  // namespace onnxkit::view::detail
