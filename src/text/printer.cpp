#include "onnxkit/text/printer.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>

#include "text/names.h"
#include "text/values.h"

namespace onnxkit::text {
namespace {

using detail::NameTable;
using ir::Attribute;
using ir::AttributeType;
using ir::Graph;
using ir::Node;
using ir::Tensor;
using ir::ValueInfo;

constexpr std::size_t kAlignLimit = 32;    // '=' of nodes is aligned up to this output width
constexpr std::size_t kLineValues = 8;     // tensor values per line in a multi-line literal
constexpr std::size_t kInlineValues = 16;  // up to this many values stay on one line
constexpr std::size_t kInlineListWidth =
    100;  // a value-info list longer than this gets one entry per line

std::string pad(int indent) { return std::string(static_cast<std::size_t>(indent), ' '); }
/// A line break and `indent` spaces.
std::string newline(int indent) {
  std::string s(static_cast<std::size_t>(indent) + 1, ' ');
  s[0] = '\n';
  return s;
}

bool is_qualified_id(std::string_view s) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view part =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!detail::is_identifier(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

/// One entry of a comma-separated list, with an optional comment after its comma.
struct ListItem {
  std::string text;
  std::string comment;
};

class Printer {
 public:
  explicit Printer(const PrintOptions& options) : opt_(options) {}

  void collect(const Graph& g) {
    names_.note(g.name());
    for (const auto& t : g.owned_tensors()) {
      names_.note(t->name());
      if (t->info().type) collect(*t->info().type);
    }
    for (const auto& o : g.declaration_overrides()) {
      if (o.info.type) collect(*o.info.type);
    }
    for (const auto& n : g.nodes()) {
      names_.note(n->op_type());
      names_.note(n->domain());
      for (const auto& a : n->attributes()) names_.note(a.name);
      for (const Graph* sub : n->subgraphs()) collect(*sub);
    }
  }

  void collect(const ir::Type& t) {
    if (t.shape) {
      for (const auto& d : t.shape->dims) {
        if (d.is_param()) names_.note(d.param);
      }
    }
    if (t.elem) collect(*t.elem);
  }

  void collect(const ir::Model& m) {
    if (m.graph) collect(*m.graph);
    for (const auto& f : m.functions) {
      names_.note(f.name);
      for (const auto& a : f.attribute) names_.note(a);
      collect(*f.body);
    }
  }

  std::string model(const ir::Model& m) {
    collect(m);
    std::string header = "<\n";
    std::vector<std::string> fields;
    fields.push_back("ir_version: " + std::to_string(m.ir_version));
    fields.push_back("opset_import: " + opsets(m.opset_import));
    if (!m.producer_name.empty()) fields.push_back("producer_name: " + str(m.producer_name));
    if (!m.producer_version.empty())
      fields.push_back("producer_version: " + str(m.producer_version));
    if (!m.domain.empty()) fields.push_back("domain: " + str(m.domain));
    if (m.model_version != 0) fields.push_back("model_version: " + std::to_string(m.model_version));
    if (!m.doc_string.empty()) fields.push_back("doc_string: " + str(m.doc_string));
    if (!m.metadata_props.empty()) {
      std::string s = "metadata_props: [";
      for (std::size_t k = 0; k < m.metadata_props.size(); ++k) {
        if (k) s += ", ";
        s += str(m.metadata_props[k].key) + ": " + str(m.metadata_props[k].value);
      }
      fields.push_back(s + "]");
    }
    for (std::size_t k = 0; k < fields.size(); ++k) {
      header += "  " + fields[k] + (k + 1 < fields.size() ? ",\n" : "\n");
    }
    header += ">\n";

    std::string body;
    if (m.graph) {
      graph(*m.graph, 0, /*top=*/true, body);
      body += '\n';
    } else {
      note("the model has no graph; an empty one is printed");
      body += "() => ()\n{\n}\n";
    }
    for (const auto& f : m.functions) {
      body += '\n';
      function(f, body);
    }
    if (!m.training_info.empty())
      note("training_info is not printed (the text syntax has no form for it)");
    return header + preamble() + body;
  }

  std::string graph_only(const Graph& g) {
    collect(g);
    std::string body;
    graph(g, 0, /*top=*/true, body);
    body += '\n';
    return preamble() + body;
  }

 private:
  void note(std::string text) {
    if (std::find(notes_.begin(), notes_.end(), text) == notes_.end())
      notes_.push_back(std::move(text));
  }

  /// Notes and aliases, printed between the model header and the graph.
  std::string preamble() {
    std::string out;
    if (elided_ > 0) {
      note(std::to_string(elided_) + " tensor(s) with more than " +
           std::to_string(opt_.preview_elements) +
           " values are shown as declarations with a preview; print with full weights for their "
           "values");
    }
    for (const auto& n : notes_) out += "# note: " + n + "\n";
    if (!names_.aliases().empty()) {
      out +=
          "# names that are not identifiers in the ONNX text syntax, and what stands for them:\n";
      for (const auto& [printed, original] : names_.aliases()) {
        out += "#@alias " + printed + " = " + detail::quote_escaped(original) + "\n";
      }
    }
    return out;
  }

  std::string str(std::string_view s) {
    bool lossy = false;
    std::string out = detail::quote_string(s, lossy);
    if (lossy)
      note(
          "'\"' and NUL bytes in strings cannot be written in the ONNX text syntax; printed as ' "
          "and space");
    return out;
  }

  std::string opsets(const std::vector<ir::OpsetId>& ops) {
    std::string s = "[";
    for (std::size_t k = 0; k < ops.size(); ++k) {
      if (k) s += ", ";
      s += str(ops[k].domain) + " : " + std::to_string(ops[k].version);
    }
    return s + "]";
  }

  const std::string& id(const std::string& name) { return names_(name); }

  std::string type(const ir::Type& t) {
    switch (t.kind) {
      case ir::Type::Kind::kTensor:
      case ir::Type::Kind::kSparseTensor: {
        std::string s(data_type_name(t.elem_type));
        if (!t.shape) {
          s += "[]";
        } else if (!t.shape->dims.empty()) {
          s += '[';
          for (std::size_t k = 0; k < t.shape->dims.size(); ++k) {
            const Dim& d = t.shape->dims[k];
            if (k) s += ',';
            if (d.is_value())
              s += std::to_string(d.value);
            else if (d.is_param())
              s += id(d.param);
            else
              s += '?';
          }
          s += ']';
        }
        return t.kind == ir::Type::Kind::kSparseTensor ? "sparse_tensor(" + s + ")" : s;
      }
      case ir::Type::Kind::kSequence:
        return "seq(" + (t.elem ? type(*t.elem) : std::string("undefined")) + ")";
      case ir::Type::Kind::kOptional:
        return "optional(" + (t.elem ? type(*t.elem) : std::string("undefined")) + ")";
      case ir::Type::Kind::kMap:
        return "map(" + std::string(data_type_name(t.key_type)) + ", " +
               (t.elem ? type(*t.elem) : std::string("undefined")) + ")";
      case ir::Type::Kind::kOpaque:
        return "opaque(" + (t.opaque_domain().empty() ? "" : t.opaque_domain() + ", ") +
               t.opaque_name() + ")";
      case ir::Type::Kind::kNone:
        break;
    }
    return {};
  }

  /// "float[N,3] X", or "X" when the type is unknown.
  std::string decl(const std::string& name, const ValueInfo& info) {
    std::string t;
    if (info.type) {
      if ((info.type->kind == ir::Type::Kind::kTensor ||
           info.type->kind == ir::Type::Kind::kSparseTensor) &&
          info.type->elem_type == DataType::kUndefined) {
        note("a tensor type without an element type is printed without its type");
      } else {
        t = type(*info.type);
      }
    }
    return t.empty() ? id(name) : t + " " + id(name);
  }

  const ValueInfo& declared(const Graph& g, Graph::DeclarationOverride::List list,
                            std::size_t index, const Tensor* t) {
    for (const auto& o : g.declaration_overrides()) {
      if (o.list == list && o.index == index) return o.info;
    }
    return t->info();
  }

  /// "(a, b)" on one line, or one entry per line when long.
  static std::string paren_list(const std::vector<std::string>& items, int indent) {
    std::size_t total = 0;
    for (const auto& s : items) total += s.size() + 2;
    std::string out = "(";
    if (total <= kInlineListWidth) {
      for (std::size_t k = 0; k < items.size(); ++k) out.append(k ? ", " : "").append(items[k]);
      return out + ")";
    }
    for (std::size_t k = 0; k < items.size(); ++k) {
      out += newline(indent + 2) + items[k] + (k + 1 < items.size() ? "," : "");
    }
    return out + newline(indent) + ")";
  }

  /// A tensor's type and values: "float[2] {1.0, 2.0}" (name omitted).
  /// Returns false (and a preview in `comment`) when the values are not all printed.
  bool tensor_value(const ir::TensorData& t, int indent, std::string& text, std::string& comment,
                    bool force_full) {
    std::uint64_t total = 0;
    const bool full = force_full || opt_.full_weights || t.element_count() <= opt_.preview_elements;
    auto values = detail::element_literals(t, full ? SIZE_MAX : opt_.preview_elements, total);
    std::string dims;
    for (std::size_t k = 0; k < t.dims.size(); ++k)
      dims.append(k ? "," : "").append(std::to_string(t.dims[k]));
    text = std::string(data_type_name(t.data_type)) + (t.dims.empty() ? "" : "[" + dims + "]");
    if (!values) {
      if (!detail::values_printable(t.data_type))
        comment =
            "values of type " + std::string(data_type_name(t.data_type)) + " cannot be printed";
      else if (t.is_external())
        comment = "external data, not loaded";
      else
        comment = "values cannot be read";
      note("some tensor values cannot be printed (see the comments beside them)");
      return false;
    }
    if (!full) {
      comment = std::to_string(total) + " values, first " + std::to_string(values->size()) + ": ";
      for (std::size_t k = 0; k < values->size(); ++k)
        comment.append(k ? ", " : "").append((*values)[k]);
      comment += ", ...";
      return false;
    }
    text += " {";
    if (values->size() <= kInlineValues) {
      for (std::size_t k = 0; k < values->size(); ++k)
        text.append(k ? ", " : "").append((*values)[k]);
      text += "}";
      return true;
    }
    for (std::size_t k = 0; k < values->size(); ++k) {
      if (k % kLineValues == 0)
        text += newline(indent + 2);
      else
        text += " ";
      text += (*values)[k];
      if (k + 1 < values->size()) text += ",";
    }
    text += newline(indent) + "}";
    return true;
  }

  void graph(const Graph& g, int indent, bool top, std::string& out) {
    using List = Graph::DeclarationOverride::List;
    if (!(top && g.name().empty())) out += id(g.name()) + " ";
    std::vector<std::string> ins, outs;
    for (std::size_t k = 0; k < g.inputs().size(); ++k) {
      const Tensor* t = g.inputs()[k];
      ins.push_back(decl(t->name(), declared(g, List::kInput, k, t)));
    }
    for (std::size_t k = 0; k < g.outputs().size(); ++k) {
      const Tensor* t = g.outputs()[k];
      outs.push_back(decl(t->name(), declared(g, List::kOutput, k, t)));
    }
    out += paren_list(ins, indent) + " => " + paren_list(outs, indent) + "\n";

    // Initializers (with values) and value_info, in one '<' '>' list.
    std::vector<ListItem> items;
    std::vector<const Tensor*> constants(g.initializers().begin(), g.initializers().end());
    for (const auto& n : g.nodes()) {  // constants the nodes use but no list holds
      for (const Tensor* t : n->inputs()) {
        if (t->is_constant() && t->data() && t->graph() == &g &&
            std::find(constants.begin(), constants.end(), t) == constants.end()) {
          constants.push_back(t);
        }
      }
    }
    for (const Tensor* t : constants) {
      if (!t->data()) {
        note("sparse initializers are not printed (the text syntax has no form for them)");
        continue;
      }
      ListItem item;
      std::string value;
      bool complete = tensor_value(*t->data(), indent + 2, value, item.comment, false);
      std::string head = value.substr(0, value.find(' '));
      if (complete) {
        item.text = head + " " + id(t->name()) + " = " + value.substr(head.size() + 1);
      } else {
        item.text = head + " " + id(t->name());
        ++elided_;
      }
      items.push_back(std::move(item));
    }
    if (!g.sparse_initializers().empty())
      note("sparse initializers are not printed (the text syntax has no form for them)");
    for (std::size_t k = 0; k < g.value_info().size(); ++k) {
      const Tensor* t = g.value_info()[k];
      const ValueInfo& info = declared(g, List::kValueInfo, k, t);
      if (!info.type) continue;  // "<name>" alone would read as nothing useful
      items.push_back({decl(t->name(), info), {}});
    }
    if (!items.empty()) {
      out += pad(indent) + "<\n";
      for (std::size_t k = 0; k < items.size(); ++k) {
        out += pad(indent + 2) + items[k].text + (k + 1 < items.size() ? "," : "");
        if (!items[k].comment.empty()) out += "  # " + items[k].comment;
        out += "\n";
      }
      out += pad(indent) + ">\n";
    }

    out += pad(indent) + "{\n";
    std::vector<std::string> out_lists;
    std::size_t width = 0;
    for (const auto& n : g.nodes()) {
      out_lists.push_back(name_list(n->outputs()));
      if (out_lists.back().size() <= kAlignLimit) width = std::max(width, out_lists.back().size());
    }
    for (std::size_t k = 0; k < g.nodes().size(); ++k) {
      std::string& lhs = out_lists[k];
      if (lhs.size() < width) lhs.resize(width, ' ');
      node(*g.nodes()[k], lhs, indent + 2, out);
    }
    out += pad(indent) + "}";
  }

  /// "a, , c": an empty name is written as nothing, except first in a list,
  /// where onnx 1.12 cannot read that and newer onnx reads "" (so do we).
  std::string name_list(std::span<Tensor* const> ts) {
    std::string s;
    for (std::size_t k = 0; k < ts.size(); ++k) {
      if (k) s += ts[k]->is_empty() ? "," : ", ";
      if (!ts[k]->is_empty())
        s += id(ts[k]->name());
      else if (k == 0)
        s += "\"\"";
    }
    return s;
  }

  std::string op_name(const Node& n) {
    std::string s;
    if (!n.domain().empty()) s += (is_qualified_id(n.domain()) ? n.domain() : id(n.domain())) + ".";
    return s + id(n.op_type());
  }

  void node(const Node& n, const std::string& lhs, int indent, std::string& out) {
    out += pad(indent) + lhs + " = " + op_name(n);
    bool multiline = false;
    for (const auto& a : n.attributes()) {
      if (a.type == AttributeType::kGraph || a.type == AttributeType::kGraphs) multiline = true;
    }
    std::vector<std::string> attrs;
    for (const auto& a : n.attributes()) {
      std::string s = attribute(a, indent + 2);
      if (!s.empty()) attrs.push_back(std::move(s));
    }
    if (!attrs.empty()) {
      out += " <";
      for (std::size_t k = 0; k < attrs.size(); ++k) {
        if (multiline)
          out += newline(indent + 2);
        else if (k)
          out += " ";
        out += attrs[k] + (k + 1 < attrs.size() ? "," : "");
      }
      out += multiline ? newline(indent) + ">" : ">";
    }
    out += " (" + name_list(n.inputs()) + ")";
    if (!n.name().empty()) out += "  #@node " + detail::quote_escaped(n.name());
    out += "\n";
  }

  std::string floats_list(const std::vector<float>& v) {
    std::string s = "[";
    for (std::size_t k = 0; k < v.size(); ++k)
      s.append(k ? ", " : "").append(detail::format_float(v[k]));
    return s + "]";
  }

  std::string attribute(const Attribute& a, int indent) {
    const std::string& name = id(a.name);
    const std::string tname(ir::attribute_type_name(a.type));
    if (!a.ref_attr_name.empty()) return name + ": " + tname + " = @" + id(a.ref_attr_name);
    switch (a.type) {
      case AttributeType::kFloat:
        return name + " = " + detail::format_float(a.f);
      case AttributeType::kInt:
        return name + " = " + std::to_string(a.i);
      case AttributeType::kString:
        return name + " = " + str(a.s);
      case AttributeType::kFloats:
        return name + (a.floats.empty() ? ": floats = " : " = ") + floats_list(a.floats);
      case AttributeType::kInts: {
        std::string s = name + (a.ints.empty() ? ": ints = [" : " = [");
        for (std::size_t k = 0; k < a.ints.size(); ++k)
          s.append(k ? ", " : "").append(std::to_string(a.ints[k]));
        return s + "]";
      }
      case AttributeType::kStrings: {
        std::string s = name + (a.strings.empty() ? ": strings = [" : " = [");
        for (std::size_t k = 0; k < a.strings.size(); ++k)
          s.append(k ? ", " : "").append(str(a.strings[k]));
        return s + "]";
      }
      case AttributeType::kTensor:
        return a.t ? name + " = " + tensor_attr(*a.t, indent) : std::string();
      case AttributeType::kTensors: {
        std::string s = name + ": tensors = [";
        for (std::size_t k = 0; k < a.tensors.size(); ++k)
          s.append(k ? ", " : "").append(tensor_attr(a.tensors[k], indent));
        return s + "]";
      }
      case AttributeType::kGraph: {
        if (!a.g) return {};
        std::string s = name + " = ";
        graph(*a.g, indent, false, s);
        return s;
      }
      case AttributeType::kGraphs: {
        std::string s = name + ": graphs = [";
        for (std::size_t k = 0; k < a.graphs.size(); ++k) {
          if (k) s += ", ";
          graph(*a.graphs[k], indent, false, s);
        }
        return s + "]";
      }
      case AttributeType::kTypeProto:
        return a.tp ? name + ": type_proto = " + type(*a.tp) : std::string();
      case AttributeType::kTypeProtos: {
        std::string s = name + ": type_protos = [";
        for (std::size_t k = 0; k < a.type_protos.size(); ++k)
          s.append(k ? ", " : "").append(type(a.type_protos[k]));
        return s + "]";
      }
      default:
        note("attributes of type " + tname +
             " are not printed (the text syntax has no form for them)");
        return {};
    }
  }

  /// A tensor as an attribute value: always with values (a preview prints the
  /// first values and a comment; it parses in onnx but onnxkit refuses it).
  std::string tensor_attr(const ir::TensorData& t, int indent) {
    std::string text, comment;
    bool complete = tensor_value(t, indent, text, comment, false);
    std::string head = text.substr(0, text.find(' '));
    std::string nm = t.name.empty() ? std::string() : " " + id(t.name);
    if (complete) return head + nm + text.substr(head.size());
    std::uint64_t total = 0;
    auto values = detail::element_literals(t, opt_.preview_elements, total);
    std::string s = head + nm + " {";
    if (values) {
      for (std::size_t k = 0; k < values->size(); ++k) s.append(k ? ", " : "").append((*values)[k]);
    }
    ++elided_;
    return s + "  # preview: " + std::to_string(values ? values->size() : 0) + " of " +
           std::to_string(total) + " values (onnxkit will not read this back)" + newline(indent) +
           "}";
  }

  void function(const ir::Function& f, std::string& out) {
    out += "<\n";
    std::vector<std::string> fields;
    fields.push_back("domain: " + str(f.domain));
    fields.push_back("opset_import: " + opsets(f.opset_import));
    if (!f.doc_string.empty()) fields.push_back("doc_string: " + str(f.doc_string));
    for (std::size_t k = 0; k < fields.size(); ++k)
      out += "  " + fields[k] + (k + 1 < fields.size() ? ",\n" : "\n");
    out += ">\n" + id(f.name);
    std::vector<std::string> attrs;
    for (const auto& a : f.attribute) attrs.push_back(id(a));
    for (const auto& a : f.attribute_proto) {
      std::string s = attribute(a, 2);
      if (!s.empty()) attrs.push_back(s);
    }
    if (!f.attribute_proto.empty())
      note("function attributes with default values need onnx >= 1.16 to parse");
    if (!attrs.empty()) {
      out += " <";
      for (std::size_t k = 0; k < attrs.size(); ++k) out.append(k ? ", " : "").append(attrs[k]);
      out += ">";
    }
    std::vector<std::string> ins, outs;
    for (const Tensor* t : f.body->inputs()) ins.push_back(id(t->name()));
    for (const Tensor* t : f.body->outputs()) outs.push_back(id(t->name()));
    out += " " + paren_list(ins, 0) + " => " + paren_list(outs, 0) + "\n{\n";
    std::vector<std::string> out_lists;
    std::size_t width = 0;
    for (const auto& n : f.body->nodes()) {
      out_lists.push_back(name_list(n->outputs()));
      if (out_lists.back().size() <= kAlignLimit) width = std::max(width, out_lists.back().size());
    }
    for (std::size_t k = 0; k < f.body->nodes().size(); ++k) {
      std::string& lhs = out_lists[k];
      if (lhs.size() < width) lhs.resize(width, ' ');
      node(*f.body->nodes()[k], lhs, 2, out);
    }
    out += "}\n";
  }

  PrintOptions opt_;
  NameTable names_;
  std::vector<std::string> notes_;
  std::size_t elided_ = 0;
};

}  // namespace

std::string print_model(const ir::Model& model, const PrintOptions& options) {
  return Printer(options).model(model);
}

std::string print_graph(const ir::Graph& graph, const PrintOptions& options) {
  return Printer(options).graph_only(graph);
}

}  // namespace onnxkit::text
