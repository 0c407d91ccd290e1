#pragma once
/// Names in the ONNX text syntax, and onnxkit's annotations.
///
/// onnx 1.12 reads a name only as an identifier, [A-Za-z_][A-Za-z0-9_]*, and
/// has no quoted form, so PyTorch names such as "onnx::Conv_3",
/// "/conv1/Conv_output_0" or "conv1.weight" cannot be written as they are.
/// The printer writes such a name as an identifier made from it
/// ("onnx__Conv_3", "_conv1_Conv_output_0", "conv1_weight"; made unique in the
/// model) and records the original in an annotation comment before the graph:
///
///     #@alias onnx__Conv_3 = "onnx::Conv_3"
///
/// Comments are ignored by onnx's parser, so the text parses there (with the
/// substitute names), and onnxkit's parser applies the aliases, so the round
/// trip through onnxkit is exact. A node name is written after the node:
///
///     Y = Relu (X)  #@node "/relu/Relu"
///
/// Annotation strings use C escapes (\\ \" \n \t \xHH); ordinary string
/// literals have no escapes (onnx has none).

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace onnxkit::text::detail {

/// [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view s);

/// Identifiers that a parser could take for something else where a name is
/// expected: element type names ("float", "int64", ...), "seq", "map",
/// "optional", "sparse_tensor", "opaque", "inf", "nan".
bool is_reserved_word(std::string_view s);

/// `s` in double quotes with C escapes, for annotations.
std::string quote_escaped(std::string_view s);
/// Reads a quoted, escaped string starting at s[pos] ('"'); advances pos past
/// the closing quote. Returns false if malformed.
bool read_quoted_escaped(std::string_view s, std::size_t& pos, std::string& out);

/// Printer side: the identifier printed for each name, stable within a model.
class NameTable {
 public:
  /// Marks a name as used by the model (call for every name before printing,
  /// so that substitutes never collide with real names).
  void note(std::string_view name);
  /// The identifier to print for `name` (the name itself when it is a plain identifier).
  const std::string& operator()(const std::string& name);
  /// (printed, original) for every substituted name, in first-use order.
  const std::vector<std::pair<std::string, std::string>>& aliases() const { return aliases_; }

 private:
  std::unordered_set<std::string> used_;
  std::unordered_map<std::string, std::string> subst_;
  std::vector<std::pair<std::string, std::string>> aliases_;
};

}  // namespace onnxkit::text::detail
