#include "text/lexer.h"

#include "onnxkit/core/error.h"

namespace onnxkit::text::detail {
namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

Lexer::Lexer(std::string_view source, std::string_view source_name)
    : src_(source), name_(source_name) {}

void Lexer::skip_space_and_comments() {
  while (pos_ < src_.size()) {
    char c = src_[pos_];
    if (c == '\n') {
      ++pos_;
      ++line_;
      line_start_ = pos_;
    } else if (is_space(c)) {
      ++pos_;
    } else if (c == '#') {
      std::size_t start = pos_;
      int line = line_, col = static_cast<int>(pos_ - line_start_) + 1;
      while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      std::string_view comment = src_.substr(start, pos_ - start);
      if (comment.size() >= 2 && comment[1] == '@') {
        annotations_.push_back(Annotation{comment.substr(2), line, col});
      }
    } else {
      return;
    }
  }
}

Token Lexer::scan() {
  skip_space_and_comments();
  Token t;
  t.line = line_;
  t.col = static_cast<int>(pos_ - line_start_) + 1;
  t.offset = pos_;
  if (pos_ >= src_.size()) {
    t.kind = TokenKind::kEnd;
    t.end = pos_;
    return t;
  }
  const std::size_t start = pos_;
  char c = src_[pos_];
  if (is_ident_start(c)) {
    while (pos_ < src_.size() && is_ident_char(src_[pos_])) ++pos_;
    t.kind = TokenKind::kIdentifier;
    t.text = src_.substr(start, pos_ - start);
  } else if (c == '"') {
    ++pos_;
    while (pos_ < src_.size() && src_[pos_] != '"') {
      if (src_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
      ++pos_;
    }
    if (pos_ >= src_.size()) error_at(t, "string literal is not closed (missing '\"')");
    ++pos_;  // closing quote
    t.kind = TokenKind::kString;
    t.text = src_.substr(start + 1, pos_ - start - 2);
  } else if (is_digit(c) || c == '-' ||
             (c == '.' && pos_ + 1 < src_.size() && is_digit(src_[pos_ + 1]))) {
    bool is_float = false;
    if (c == '-') ++pos_;
    if (src_.substr(pos_, 3) == "inf" &&
        (pos_ + 3 >= src_.size() || !is_ident_char(src_[pos_ + 3]))) {
      pos_ += 3;
      is_float = true;
    } else {
      bool dot = false;
      while (pos_ < src_.size() && (is_digit(src_[pos_]) || (src_[pos_] == '.' && !dot))) {
        if (src_[pos_] == '.') dot = true;
        ++pos_;
      }
      is_float = dot;
      if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        is_float = true;
        ++pos_;
        if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
        while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
      }
    }
    t.kind = is_float ? TokenKind::kFloat : TokenKind::kInt;
    t.text = src_.substr(start, pos_ - start);
    if (t.text == "-") error_at(t, "a number is expected after '-'");
  } else {
    ++pos_;
    t.kind = TokenKind::kPunct;
    t.text = src_.substr(start, 1);
    if (std::string_view("<>()[]{},=:.@?").find(c) == std::string_view::npos) {
      error_at(t, "unexpected character '" + std::string(1, c) + "'");
    }
  }
  t.end = pos_;
  return t;
}

const Token& Lexer::peek() {
  if (lookahead_.empty()) lookahead_.push_back(scan());
  return lookahead_.front();
}

const Token& Lexer::peek2() {
  peek();
  if (lookahead_.size() < 2) lookahead_.push_back(scan());
  return lookahead_[1];
}

Token Lexer::next() {
  Token t = peek();
  lookahead_.erase(lookahead_.begin());
  prev_end_ = t.end;
  return t;
}

bool Lexer::next_is_adjacent() { return peek().offset == prev_end_; }

std::vector<Annotation> Lexer::take_annotations() {
  std::vector<Annotation> out;
  out.swap(annotations_);
  return out;
}

std::string Lexer::where(const Token& t) const {
  return std::string(name_) + ":" + std::to_string(t.line) + ":" + std::to_string(t.col);
}

std::string Lexer::describe(const Token& t) {
  // Built with append(): GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string.
  std::string out;
  switch (t.kind) {
    case TokenKind::kEnd:
      out.append("end of input");
      break;
    case TokenKind::kIdentifier:
      out.append("identifier '").append(t.text).append("'");
      break;
    case TokenKind::kInt:
    case TokenKind::kFloat:
      out.append("number ").append(t.text);
      break;
    case TokenKind::kString:
      out.append("string \"")
          .append(t.text.substr(0, 40))
          .append(t.text.size() > 40 ? "...\"" : "\"");
      break;
    case TokenKind::kPunct:
      out.append("'").append(t.text).append("'");
      break;
  }
  return out;
}

void Lexer::expected(std::string_view what, const Token& t) const {
  error_at(t, "expected " + std::string(what) + ", found " + describe(t));
}

void Lexer::error_at(const Token& t, std::string message) const {
  throw Error(where(t), std::move(message));
}

}  // namespace onnxkit::text::detail
