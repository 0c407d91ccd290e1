#include "text/names.h"

#include <array>
#include <cstdio>

#include "onnxkit/core/data_type.h"

namespace onnxkit::text::detail {
namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

std::string make_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out += '_';
  for (char c : name) out += ident_char(c) ? c : '_';
  if (is_reserved_word(out)) out += '_';
  return out;
}

}  // namespace

bool is_identifier(std::string_view s) {
  if (s.empty() || !ident_start(s[0])) return false;
  for (char c : s) {
    if (!ident_char(c)) return false;
  }
  return true;
}

bool is_reserved_word(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kWords{
      "seq", "map", "optional", "sparse_tensor", "opaque", "inf", "nan"};
  for (auto w : kWords) {
    if (s == w) return true;
  }
  for (int code = 1; code <= static_cast<int>(DataType::kInt2); ++code) {
    if (s == data_type_name(static_cast<DataType>(code))) return true;
  }
  return false;
}

std::string quote_escaped(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
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
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

bool read_quoted_escaped(std::string_view s, std::size_t& pos, std::string& out) {
  if (pos >= s.size() || s[pos] != '"') return false;
  ++pos;
  out.clear();
  while (pos < s.size()) {
    char c = s[pos++];
    if (c == '"') return true;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (pos >= s.size()) return false;
    char e = s[pos++];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'x': {
        if (pos + 2 > s.size()) return false;
        unsigned v = 0;
        for (int k = 0; k < 2; ++k) {
          char h = s[pos++];
          v <<= 4;
          if (h >= '0' && h <= '9')
            v |= static_cast<unsigned>(h - '0');
          else if (h >= 'a' && h <= 'f')
            v |= static_cast<unsigned>(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F')
            v |= static_cast<unsigned>(h - 'A' + 10);
          else
            return false;
        }
        out += static_cast<char>(v);
        break;
      }
      default:
        out += e;
        break;  // \" and \\ and anything else: the char itself
    }
  }
  return false;
}

void NameTable::note(std::string_view name) { used_.emplace(name); }

const std::string& NameTable::operator()(const std::string& name) {
  if (is_identifier(name) && !is_reserved_word(name)) return name;
  auto it = subst_.find(name);
  if (it != subst_.end()) return it->second;
  std::string base = make_identifier(name);
  std::string candidate = base;
  for (int n = 2; used_.count(candidate) != 0; ++n) candidate = base + "_" + std::to_string(n);
  used_.insert(candidate);
  aliases_.emplace_back(candidate, name);
  return subst_.emplace(name, std::move(candidate)).first->second;
}

}  // namespace onnxkit::text::detail
