#pragma once
/// Which nodes an edit applies to, written as one string on the command line
/// and in Python:
///
///   Conv_3                 the node named exactly "Conv_3"
///   name=op=odd            the node named exactly "op=odd" (for names that
///                          would read as another form)
///   op=Relu                nodes whose op_type is Relu, in any domain
///   op=devtech::FooOp      op_type FooOp in domain "devtech"
///   op=::Conv              op_type Conv in the default domain ("" or "ai.onnx")
///   re=^block1/.*conv      nodes whose name contains a match of the regular
///   /^block1/.*conv/       expression (ECMAScript syntax, std::regex_search)
///
/// Selection walks the graph and every subgraph in it (If branches, Loop and
/// Scan bodies): a node comes before the nodes of its subgraphs.

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/ir/graph.h"

namespace onnxkit::edit {

class NodeSelector {
 public:
  enum class Kind : std::uint8_t { kName, kOp, kRegex };

  /// Parses one of the forms above. Throws Error on an empty selector, an
  /// empty op or name, or an invalid regular expression.
  static NodeSelector parse(std::string_view text);

  Kind kind() const noexcept { return kind_; }
  /// The selector as written.
  const std::string& text() const noexcept { return text_; }

  bool matches(const ir::Node& node) const;
  /// Matching nodes of `graph` and its subgraphs, possibly none.
  std::vector<ir::Node*> find(const ir::Graph& graph) const;
  /// find(), but throws Error when nothing matches, saying what was searched:
  /// "no node matches op=devtech::FooOp in graph 'main' (12 nodes; ops
  /// present: Conv, Relu)", with similar node names for a name selector.
  std::vector<ir::Node*> select(const ir::Graph& graph) const;

 private:
  Kind kind_ = Kind::kName;
  std::string text_;
  std::string value_;   ///< node name, or op_type
  std::string domain_;  ///< kOp with a domain given
  bool has_domain_ = false;
  std::shared_ptr<const std::regex> regex_;
};

}  // namespace onnxkit::edit
