#pragma once
/// Tokens of the ONNX text syntax, with line and column for error messages.
///
/// The token rules follow what onnx 1.12's parser (onnx/defs/parser.h) reads:
///   identifier  [A-Za-z_][A-Za-z0-9_]*
///   number      '-'? [0-9.]* ([eE][+-]?[0-9]+)?   (at most one '.'; a '.' or an
///               exponent makes it a float literal), plus "-inf" (newer onnx)
///   string      '"' any byte but '"' '"'           (no escapes, as in onnx)
///   comment     '#' to the end of the line
///   punctuation < > ( ) [ ] { } , = : . @ ?
/// Comments starting with "#@" are onnxkit annotations (see names.h); the
/// lexer hands them to the parser instead of dropping them.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace onnxkit::text::detail {

enum class TokenKind { kEnd, kIdentifier, kInt, kFloat, kString, kPunct };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view
      text;  ///< identifier, literal spelling, string contents, or the punctuation char
  int line = 1, col = 1;
  std::size_t offset = 0, end = 0;  ///< byte range in the source
  bool is(char c) const noexcept {
    return kind == TokenKind::kPunct && text.size() == 1 && text[0] == c;
  }
};

/// A "#@..." comment: `text` is what follows "#@".
struct Annotation {
  std::string_view text;
  int line = 1, col = 1;
};

class Lexer {
 public:
  Lexer(std::string_view source, std::string_view source_name);

  /// The next token, without consuming it.
  const Token& peek();
  /// The token after the next one.
  const Token& peek2();
  Token next();
  /// True when the next token starts right after the current one (no space).
  bool next_is_adjacent();

  /// "source:line:col" for a token.
  std::string where(const Token& t) const;
  /// Throws Error at `t`: "expected <what>, found <t>".
  [[noreturn]] void expected(std::string_view what, const Token& t) const;
  [[noreturn]] void error_at(const Token& t, std::string message) const;

  /// Annotations seen so far and not yet taken, in text order.
  std::vector<Annotation> take_annotations();

  /// How a token reads in an error message: `identifier 'foo'`, `'>'`, `end of input`.
  static std::string describe(const Token& t);

 private:
  Token scan();
  void skip_space_and_comments();

  std::string_view src_, name_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;    // offset of the current line's first byte
  std::size_t prev_end_ = 0;      // offset just past the last consumed token
  std::vector<Token> lookahead_;  // at most two
  std::vector<Annotation> annotations_;
};

}  // namespace onnxkit::text::detail
