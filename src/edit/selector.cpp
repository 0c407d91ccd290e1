#include "onnxkit/edit/selector.h"

#include <algorithm>
#include <set>

#include "edit/graph_tree.h"
#include "onnxkit/core/error.h"

namespace onnxkit::edit {
namespace {

bool is_default_domain(std::string_view d) { return d.empty() || d == "ai.onnx"; }

std::string where(std::string_view text) { return "node selector '" + std::string(text) + "'"; }

}  // namespace

NodeSelector NodeSelector::parse(std::string_view text) {
  NodeSelector s;
  s.text_ = std::string(text);
  if (text.empty()) fail(where(text), "empty; give a node name, op=OpType or re=REGEX");
  auto compile = [&](std::string_view pattern) {
    if (pattern.empty()) fail(where(text), "empty regular expression");
    try {
      s.regex_ = std::make_shared<const std::regex>(std::string(pattern), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      fail(where(text), "invalid regular expression: " + std::string(e.what()));
    }
    s.kind_ = Kind::kRegex;
  };
  if (text.starts_with("op=")) {
    std::string_view op = text.substr(3);
    if (auto sep = op.rfind("::"); sep != std::string_view::npos) {
      s.domain_ = std::string(op.substr(0, sep));
      s.has_domain_ = true;
      op = op.substr(sep + 2);
    }
    if (op.empty()) fail(where(text), "no op type after 'op='; e.g. op=Relu or op=devtech::FooOp");
    s.kind_ = Kind::kOp;
    s.value_ = std::string(op);
  } else if (text.starts_with("re=")) {
    compile(text.substr(3));
  } else if (text.size() >= 2 && text.front() == '/' && text.back() == '/') {
    compile(text.substr(1, text.size() - 2));
  } else if (text.starts_with("name=")) {
    if (text.size() == 5) fail(where(text), "no node name after 'name='");
    s.value_ = std::string(text.substr(5));
  } else {
    s.value_ = std::string(text);
  }
  return s;
}

bool NodeSelector::matches(const ir::Node& node) const {
  switch (kind_) {
    case Kind::kName:
      return node.name() == value_;
    case Kind::kOp:
      if (node.op_type() != value_) return false;
      if (!has_domain_) return true;
      return node.domain() == domain_ ||
             (is_default_domain(node.domain()) && is_default_domain(domain_));
    case Kind::kRegex:
      return std::regex_search(node.name(), *regex_);
  }
  return false;
}

std::vector<ir::Node*> NodeSelector::find(const ir::Graph& graph) const {
  std::vector<ir::Node*> out;
  for (ir::Node* n : detail::nodes_in_tree(graph)) {
    if (matches(*n)) out.push_back(n);
  }
  return out;
}

std::vector<ir::Node*> NodeSelector::select(const ir::Graph& graph) const {
  std::vector<ir::Node*> out = find(graph);
  if (!out.empty()) return out;

  const std::vector<ir::Node*> all = detail::nodes_in_tree(graph);
  std::set<std::string> ops;
  std::vector<std::string_view> names;
  for (const ir::Node* n : all) {
    ops.insert(n->qualified_op());
    names.push_back(n->name());
  }
  std::string msg = "no node matches " + text_ + " in " + graph.describe() + " (" +
                    std::to_string(all.size()) + (all.size() == 1 ? " node" : " nodes");
  if (all.size() != graph.node_count()) msg += ", subgraphs included";
  if (!ops.empty()) {
    msg += "; ops present: ";
    std::size_t i = 0;
    for (const std::string& op : ops) {
      if (i == 20) {
        msg += ", ...";
        break;
      }
      msg += (i++ > 0 ? ", " : "") + op;
    }
  }
  msg += ")";
  if (kind_ == Kind::kName) {
    if (std::string hint = detail::similar(names, value_); !hint.empty()) {
      msg += "; similar node names: " + hint;
    }
  } else if (kind_ == Kind::kOp) {
    std::vector<std::string_view> op_names(ops.begin(), ops.end());
    std::vector<std::string_view> close;
    for (std::string_view op : op_names) {
      std::string_view bare =
          op.substr(op.rfind(':') == std::string_view::npos ? 0 : op.rfind(':') + 1);
      if (bare == value_) close.push_back(op);
    }
    if (!close.empty()) msg += "; in another domain: " + detail::quoted_list(close);
  }
  fail(std::string(), msg);
}

}  // namespace onnxkit::edit
