#include "onnxkit/text/parser.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <unordered_map>

#include "onnxkit/core/error.h"
#include "text/lexer.h"
#include "text/names.h"

namespace onnxkit::text {
namespace {

using detail::Lexer;
using detail::Token;
using detail::TokenKind;
using ir::Attribute;
using ir::AttributeType;
using ir::Graph;
using ir::Tensor;
using ir::ValueInfo;

// ---- what the parser reads, before it becomes IR (subgraphs may name
// tensors that the enclosing graph defines further down)

struct GraphAst;

struct ValueDecl {
  std::string name;
  ValueInfo info;
};

struct InitDecl {
  std::string name;
  ir::TensorData data;
};

struct AttrAst {
  Attribute attr;
  std::vector<std::unique_ptr<GraphAst>> graphs;  ///< for graph / graphs attributes
};

struct NodeAst {
  std::string name, domain, op, overload;
  std::vector<std::string> outputs, inputs;
  std::vector<AttrAst> attrs;
};

struct GraphAst {
  std::string name;
  std::vector<ValueDecl> inputs, outputs, value_info;
  std::vector<InitDecl> initializers;
  std::vector<NodeAst> nodes;
};

std::optional<DataType> prim_type(std::string_view id) {
  auto t = data_type_from_name(id);
  if (!t || *t == DataType::kUndefined || data_type_name(*t) != id) return std::nullopt;
  return t;
}

std::optional<AttributeType> attribute_type_from_name(std::string_view id) {
  for (int k = 1; k <= static_cast<int>(AttributeType::kTypeProtos); ++k) {
    auto t = static_cast<AttributeType>(k);
    if (ir::attribute_type_name(t) == id) return t;
  }
  return std::nullopt;
}

bool same_type(const ir::Type& a, const ir::Type& b) {
  return ir::type_to_string(a) == ir::type_to_string(b);
}

// ---- the parser

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : lex_(text, source) {}

  ir::Model model() {
    ir::Model m;
    if (lex_.peek().is('<')) model_header(m);
    GraphAst main = graph(/*top=*/true);
    std::vector<std::pair<ir::Function, GraphAst>> functions;
    while (lex_.peek().kind != TokenKind::kEnd) functions.push_back(function());

    m.graph = std::make_unique<Graph>();
    build(main, *m.graph);
    for (auto& [f, body] : functions) {
      build(body, *f.body);
      m.functions.push_back(std::move(f));
    }
    return m;
  }

 private:
  // ---- tokens

  bool accept(char c) {
    if (!lex_.peek().is(c)) return false;
    lex_.next();
    return true;
  }

  Token expect(char c, std::string_view context = {}) {
    if (!lex_.peek().is(c)) {
      std::string what(1, '\'');
      what.append(1, c).append(1, '\'');
      if (!context.empty()) what.append(" ").append(context);
      lex_.expected(what, lex_.peek());
    }
    return lex_.next();
  }

  void expect_arrow() {
    expect('=', "(the '=>' between a graph's inputs and outputs)");
    if (!lex_.peek().is('>')) lex_.expected("'>' of '=>'", lex_.peek());
    lex_.next();
  }

  std::string identifier(std::string_view what) {
    const Token& t = lex_.peek();
    if (t.kind != TokenKind::kIdentifier) lex_.expected(what, t);
    return resolve(lex_.next().text);
  }

  bool at_name() {
    auto k = lex_.peek().kind;
    return k == TokenKind::kIdentifier || k == TokenKind::kString;
  }

  /// A name: an identifier (aliases applied) or a quoted string (newer onnx).
  std::string name(std::string_view what) {
    const Token& t = lex_.peek();
    if (t.kind == TokenKind::kString) return std::string(lex_.next().text);
    return identifier(what);
  }

  std::string string_literal(std::string_view what) {
    if (lex_.peek().kind != TokenKind::kString) lex_.expected(what, lex_.peek());
    return std::string(lex_.next().text);
  }

  template <typename T>
  T integer(std::string_view what) {
    const Token& t = lex_.peek();
    if (t.kind != TokenKind::kInt) lex_.expected(what, t);
    return integer_value<T>(lex_.next());
  }

  template <typename T>
  T integer_value(const Token& t) {
    T v{};
    auto res = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (res.ec != std::errc() || res.ptr != t.text.data() + t.text.size()) {
      lex_.error_at(t, "integer " + std::string(t.text) + " is out of range");
    }
    return v;
  }

  /// A float literal, an integer literal, inf, -inf or nan.
  bool at_number() {
    const Token& t = lex_.peek();
    return t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat ||
           (t.kind == TokenKind::kIdentifier && (t.text == "inf" || t.text == "nan"));
  }

  template <typename F>
  F floating(std::string_view what) {
    if (!at_number()) lex_.expected(what, lex_.peek());
    return floating_value<F>(lex_.next());
  }

  template <typename F>
  F floating_value(const Token& t) {
    if (t.text == "inf") return std::numeric_limits<F>::infinity();
    if (t.text == "-inf") return -std::numeric_limits<F>::infinity();
    if (t.text == "nan") return std::numeric_limits<F>::quiet_NaN();
    F v{};
    auto res = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (res.ec != std::errc() || res.ptr != t.text.data() + t.text.size()) {
      lex_.error_at(t, "number " + std::string(t.text) + " is out of range");
    }
    return v;
  }

  // ---- annotations

  std::string resolve(std::string_view id) {
    absorb_annotations();
    auto it = aliases_.find(std::string(id));
    return it == aliases_.end() ? std::string(id) : it->second;
  }

  void absorb_annotations() {
    for (const auto& a : lex_.take_annotations()) {
      std::string_view text = a.text;
      Token at;
      at.line = a.line;
      at.col = a.col;
      if (text.substr(0, 6) == "alias ") {
        std::size_t eq = text.find('=');
        std::size_t q = text.find('"');
        std::string original;
        std::string key(text.substr(6, eq == std::string_view::npos ? 0 : eq - 6));
        while (!key.empty() && key.back() == ' ') key.pop_back();
        while (!key.empty() && key.front() == ' ') key.erase(key.begin());
        if (eq == std::string_view::npos || q == std::string_view::npos || q < eq ||
            !detail::read_quoted_escaped(text, q, original) || !detail::is_identifier(key)) {
          lex_.error_at(at, "malformed alias; expected '#@alias identifier = \"original name\"'");
        }
        aliases_[key] = std::move(original);
      } else if (text.substr(0, 5) == "node ") {
        std::size_t q = text.find('"');
        std::string n;
        if (q == std::string_view::npos || !detail::read_quoted_escaped(text, q, n)) {
          lex_.error_at(at, "malformed node annotation; expected '#@node \"name\"'");
        }
        node_names_[a.line] = std::move(n);
      }
      // Other "#@" comments are left for future use and ignored.
    }
  }

  // ---- model and function headers

  void model_header(ir::Model& m) {
    expect('<');
    if (accept('>')) return;
    do {
      Token key = lex_.peek();
      std::string k = identifier("a model field (ir_version, opset_import, producer_name, ...)");
      expect(':', "after the field name");
      if (k == "ir_version")
        m.ir_version = integer<std::int64_t>("an integer ir_version");
      else if (k == "opset_import")
        m.opset_import = opsets();
      else if (k == "producer_name")
        m.producer_name = string_literal("a string");
      else if (k == "producer_version")
        m.producer_version = string_literal("a string");
      else if (k == "domain")
        m.domain = string_literal("a string");
      else if (k == "model_version")
        m.model_version = integer<std::int64_t>("an integer model_version");
      else if (k == "doc_string")
        m.doc_string = string_literal("a string");
      else if (k == "metadata_props")
        m.metadata_props = string_pairs();
      else
        lex_.error_at(key,
                      "unknown model field '" + k +
                          "'; expected ir_version, opset_import, producer_name, producer_version, "
                          "domain, model_version, doc_string or metadata_props");
    } while (accept(','));
    expect('>', "closing the model header");
  }

  std::vector<ir::OpsetId> opsets() {
    std::vector<ir::OpsetId> out;
    expect('[', "starting the opset list");
    if (accept(']')) return out;
    do {
      ir::OpsetId op;
      op.domain = string_literal("an opset domain string (\"\" for the default domain)");
      expect(':', "between opset domain and version");
      op.version = integer<std::int64_t>("an opset version");
      out.push_back(std::move(op));
    } while (accept(','));
    expect(']', "closing the opset list");
    return out;
  }

  std::vector<ir::StringEntry> string_pairs() {
    std::vector<ir::StringEntry> out;
    expect('[');
    if (accept(']')) return out;
    do {
      ir::StringEntry e;
      e.key = string_literal("a key string");
      expect(':');
      e.value = string_literal("a value string");
      out.push_back(std::move(e));
    } while (accept(','));
    expect(']');
    return out;
  }

  std::pair<ir::Function, GraphAst> function() {
    ir::Function f;
    if (accept('<')) {
      do {
        Token key = lex_.peek();
        std::string k = identifier("a function field (domain, opset_import, doc_string)");
        expect(':', "after the field name");
        if (k == "domain")
          f.domain = string_literal("a string");
        else if (k == "opset_import")
          f.opset_import = opsets();
        else if (k == "doc_string")
          f.doc_string = string_literal("a string");
        else if (k == "overload")
          f.overload = string_literal("a string");
        else
          lex_.error_at(key, "unknown function field '" + k +
                                 "'; expected domain, opset_import or doc_string");
      } while (accept(','));
      expect('>', "closing the function header");
    }
    f.name = name("a function name");
    GraphAst body;
    if (accept('<')) {
      if (!accept('>')) {
        do {
          if (lex_.peek2().is('=') || lex_.peek2().is(':')) {
            f.attribute_proto.push_back(attribute().attr);
          } else {
            f.attribute.push_back(identifier("a function attribute name"));
          }
        } while (accept(','));
        expect('>', "closing the function's attribute list");
      }
    }
    expect('(', "starting the function's inputs");
    body.inputs = decl_list(')');
    expect_arrow();
    expect('(', "starting the function's outputs");
    body.outputs = decl_list(')');
    if (lex_.peek().is('<')) {
      lex_.next();
      body.value_info = decl_list('>');
    }
    nodes(body);
    return {std::move(f), std::move(body)};
  }

  // ---- types

  bool at_type() {
    const Token& t = lex_.peek();
    if (t.kind != TokenKind::kIdentifier) return false;
    if (prim_type(t.text)) return true;
    if (t.text == "seq" || t.text == "map" || t.text == "optional" || t.text == "sparse_tensor" ||
        t.text == "opaque") {
      return lex_.peek2().is('(');
    }
    return false;
  }

  DataType prim(std::string_view what) {
    const Token& t = lex_.peek();
    auto dt = t.kind == TokenKind::kIdentifier ? prim_type(t.text) : std::nullopt;
    if (!dt) lex_.expected(what, t);
    lex_.next();
    return *dt;
  }

  std::optional<ir::TypeShape> shape() {
    ir::TypeShape s;
    if (!accept('[')) return s;            // scalar: rank 0
    if (accept(']')) return std::nullopt;  // unknown rank
    do {
      const Token& t = lex_.peek();
      if (accept('?'))
        s.dims.push_back(Dim::unknown());
      else if (t.kind == TokenKind::kInt)
        s.dims.push_back(Dim::of(integer<std::int64_t>("a dimension")));
      else if (at_name())
        s.dims.push_back(Dim::named(name("a dimension")));
      else
        lex_.expected("a dimension (a number, a name, or '?')", t);
    } while (accept(','));
    expect(']', "closing the dimensions");
    return s;
  }

  ir::Type type() {
    const Token t = lex_.peek();
    if (t.kind != TokenKind::kIdentifier) lex_.expected("a type", t);
    ir::Type ty;
    if (auto dt = prim_type(t.text)) {
      lex_.next();
      ty.kind = ir::Type::Kind::kTensor;
      ty.elem_type = *dt;
      ty.shape = shape();
      return ty;
    }
    lex_.next();
    if (t.text == "seq" || t.text == "optional") {
      ty.kind = t.text == "seq" ? ir::Type::Kind::kSequence : ir::Type::Kind::kOptional;
      expect('(');
      ty.elem = std::make_unique<ir::Type>(type());
      expect(')');
    } else if (t.text == "map") {
      ty.kind = ir::Type::Kind::kMap;
      expect('(');
      ty.key_type = prim("a map key type");
      expect(',');
      ty.elem = std::make_unique<ir::Type>(type());
      expect(')');
    } else if (t.text == "sparse_tensor") {
      ty.kind = ir::Type::Kind::kSparseTensor;
      expect('(');
      ty.elem_type = prim("an element type");
      ty.shape = shape();
      expect(')');
    } else if (t.text == "opaque") {
      ty.kind = ir::Type::Kind::kOpaque;
      expect('(');
      if (!lex_.peek().is(')')) {
        std::string first = qualified_id();
        if (accept(',')) {
          ty.set_opaque_domain(std::move(first));
          ty.set_opaque_name(identifier("an opaque type name"));
        } else {
          ty.set_opaque_name(std::move(first));
        }
      }
      expect(')');
    } else {
      lex_.expected("a type (float, int64, ..., seq(...), map(...), optional(...))", t);
    }
    return ty;
  }

  std::string qualified_id() {
    std::string s(identifier("an identifier"));
    while (accept('.')) s.append(".").append(identifier("an identifier after '.'"));
    return s;
  }

  /// Tensor values in braces, for a tensor type with numeric dims.
  ir::TensorData tensor_data(const ir::Type& ty, const Token& at, const std::string& tensor_name) {
    ir::TensorData t;
    if (ty.kind != ir::Type::Kind::kTensor) lex_.error_at(at, "a tensor value needs a tensor type");
    if (!ty.shape)
      lex_.error_at(
          at, "a tensor value needs a shape ('float[2,3]', or 'float' for a scalar), not '[]'");
    t.data_type = ty.elem_type;
    for (const Dim& d : ty.shape->dims) {
      if (!d.is_value()) lex_.error_at(at, "a tensor value needs numeric dimensions");
      t.dims.push_back(d.value);
    }
    const Token open = expect('{', "starting the tensor's values");
    std::uint64_t count = 0;
    if (!accept('}')) {
      do {
        ++count;
        element(t);
      } while (accept(','));
      expect('}', "closing the tensor's values");
    }
    if (count != t.element_count()) {
      std::string what =
          tensor_name.empty() ? std::string("the tensor") : "tensor '" + tensor_name + "'";
      lex_.error_at(open, what + " has " + std::to_string(count) + " values but its shape needs " +
                              std::to_string(t.element_count()) +
                              " (text printed without full weights cannot be read back)");
    }
    return t;
  }

  void element(ir::TensorData& t) {
    switch (t.data_type) {
      case DataType::kFloat:
        t.float_data.push_back(floating<float>("a float value"));
        return;
      case DataType::kDouble:
        t.double_data.push_back(floating<double>("a double value"));
        return;
      case DataType::kInt64:
        t.int64_data.push_back(integer<std::int64_t>("an int64 value"));
        return;
      case DataType::kUint32:
      case DataType::kUint64:
        t.uint64_data.push_back(integer<std::uint64_t>("an unsigned value"));
        return;
      case DataType::kString:
        t.string_data.push_back(string_literal("a string value"));
        return;
      case DataType::kInt8:
      case DataType::kInt16:
      case DataType::kInt32:
      case DataType::kUint8:
      case DataType::kUint16:
      case DataType::kBool:
      case DataType::kFloat16:
      case DataType::kBfloat16:
      case DataType::kFloat8E4M3FN:
      case DataType::kFloat8E4M3FNUZ:
      case DataType::kFloat8E5M2:
      case DataType::kFloat8E5M2FNUZ:
      case DataType::kFloat8E8M0: {
        const Token tok = lex_.peek();
        auto v = integer<std::int64_t>(
            "an integer value (float16 and float8 values are written as bit patterns)");
        if (v < std::numeric_limits<std::int32_t>::min() ||
            v > std::numeric_limits<std::uint32_t>::max()) {
          lex_.error_at(tok, "value out of range for " + std::string(data_type_name(t.data_type)));
        }
        t.int32_data.push_back(static_cast<std::int32_t>(v));
        return;
      }
      default:
        lex_.error_at(lex_.peek(), "values of type " + std::string(data_type_name(t.data_type)) +
                                       " cannot be written in the text syntax");
    }
  }

  // ---- value declarations

  /// Entries of an input, output or '<...>' list up to `close`: "type? name ('=' values)?".
  /// With `inits`, "= {values}" makes an initializer; the entry stays in the
  /// returned list only when `keep_initialized` (graph inputs, as onnx does).
  std::vector<ValueDecl> decl_list(char close, std::vector<InitDecl>* inits = nullptr,
                                   bool keep_initialized = false) {
    std::vector<ValueDecl> out;
    if (accept(close)) return out;
    do {
      ValueDecl d;
      const Token at = lex_.peek();
      if (at_type()) d.info.type = type();
      d.name = name("a name (of a value)");
      if (inits && lex_.peek().is('=')) {
        lex_.next();
        if (!d.info.type)
          lex_.error_at(at,
                        "an initializer needs a type, e.g. 'float[2] " + d.name + " = {1.0, 2.0}'");
        InitDecl init{d.name, tensor_data(*d.info.type, at, d.name)};
        inits->push_back(std::move(init));
        if (keep_initialized) out.push_back(std::move(d));
        continue;
      }
      out.push_back(std::move(d));
    } while (accept(','));
    expect(close, close == ')' ? "closing the list" : "closing the '<' list");
    return out;
  }

  // ---- graphs and nodes

  GraphAst graph(bool top) {
    GraphAst g;
    if (at_name())
      g.name = name("a graph name");
    else if (!top)
      lex_.expected("a graph name", lex_.peek());
    expect('(', "starting the graph's inputs");
    g.inputs = decl_list(')', &g.initializers, true);
    expect_arrow();
    expect('(', "starting the graph's outputs");
    g.outputs = decl_list(')');
    if (accept('<')) {
      g.value_info = decl_list('>', &g.initializers);
    }
    nodes(g);
    return g;
  }

  void nodes(GraphAst& g) {
    expect('{', "starting the node list");
    while (!accept('}')) {
      if (lex_.peek().kind == TokenKind::kEnd) lex_.expected("a node or '}'", lex_.peek());
      g.nodes.push_back(node());
    }
  }

  std::vector<std::string> name_list() {
    std::vector<std::string> out;
    bool first = true;
    do {
      if (at_name())
        out.push_back(name("a name"));
      else if (first && !lex_.peek().is(','))
        break;
      else
        out.emplace_back();
      first = false;
    } while (accept(','));
    return out;
  }

  NodeAst node() {
    NodeAst n;
    if (accept('[')) {
      n.name = name("a node name");
      expect(']', "closing the node name");
    }
    n.outputs = name_list();
    expect('=', "after the node's outputs");
    n.op = identifier("an operator name");
    while (accept('.')) {
      n.domain += (n.domain.empty() ? "" : ".") + n.op;
      n.op = identifier("an operator name after '.'");
    }
    n.domain = resolve(n.domain);
    if (accept(':')) n.overload = identifier("an overload name");
    if (lex_.peek().is('<')) n.attrs = attributes();
    expect('(', "starting the node's inputs");
    n.inputs = name_list();
    Token last = expect(')', "closing the node's inputs");
    if (n.attrs.empty() && lex_.peek().is('<')) n.attrs = attributes();
    lex_.peek();  // reads the comment after the node, if any
    absorb_annotations();
    // The "#@node" annotation sits on the line where the node ends.
    int end_line = last.line;
    for (auto it = node_names_.begin(); it != node_names_.end();) {
      if (it->first <= lex_.peek().line && it->first >= end_line) {
        if (n.name.empty()) n.name = it->second;
        it = node_names_.erase(it);
      } else {
        ++it;
      }
    }
    return n;
  }

  std::vector<AttrAst> attributes() {
    std::vector<AttrAst> out;
    expect('<');
    if (accept('>')) return out;
    do {
      out.push_back(attribute());
    } while (accept(','));
    expect('>', "closing the attribute list");
    return out;
  }

  /// One value of an attribute, or a list element: what it read.
  struct Value {
    enum class Kind { kInt, kFloat, kString, kTensor, kGraph, kRef, kType } kind;
    Token at;
  };

  Value single_value(AttrAst& a, std::optional<AttributeType> annotated, bool in_list) {
    Value v{Value::Kind::kInt, lex_.peek()};
    Attribute& attr = a.attr;
    const Token& t = v.at;
    const bool want_type =
        annotated == AttributeType::kTypeProto || annotated == AttributeType::kTypeProtos;
    if (want_type) {
      v.kind = Value::Kind::kType;
      if (in_list)
        attr.type_protos.push_back(type());
      else
        attr.tp = std::make_unique<ir::Type>(type());
    } else if (t.kind == TokenKind::kIdentifier && (t.text == "inf" || t.text == "nan")) {
      v.kind = Value::Kind::kFloat;
      float f = floating<float>("a float");
      if (in_list)
        attr.floats.push_back(f);
      else
        attr.f = f;
    } else if (at_type()) {
      v.kind = Value::Kind::kTensor;
      ir::Type ty = type();
      std::string tname;
      if (at_name()) tname = name("a tensor name");
      accept('=');
      ir::TensorData data = tensor_data(ty, t, tname);
      data.name = tname;
      if (in_list)
        attr.tensors.push_back(std::move(data));
      else
        attr.t = std::make_unique<ir::TensorData>(std::move(data));
    } else if (t.kind == TokenKind::kIdentifier) {
      v.kind = Value::Kind::kGraph;
      a.graphs.push_back(std::make_unique<GraphAst>(graph(false)));
    } else if (accept('@')) {
      v.kind = Value::Kind::kRef;
      attr.ref_attr_name = identifier("an attribute name after '@'");
    } else if (t.kind == TokenKind::kString) {
      v.kind = Value::Kind::kString;
      std::string s(lex_.next().text);
      if (in_list)
        attr.strings.push_back(std::move(s));
      else
        attr.s = std::move(s);
    } else if (t.kind == TokenKind::kInt) {
      v.kind = Value::Kind::kInt;
      auto i = integer<std::int64_t>("an integer");
      if (in_list) {
        attr.ints.push_back(i);
        attr.floats.push_back(static_cast<float>(i));  // in case the list turns out to be floats
      } else {
        attr.i = i;
        attr.f = static_cast<float>(i);
      }
    } else if (t.kind == TokenKind::kFloat) {
      v.kind = Value::Kind::kFloat;
      float f = floating<float>("a float");
      if (in_list)
        attr.floats.push_back(f);
      else
        attr.f = f;
    } else {
      lex_.expected(
          "an attribute value (a number, a string, a tensor, a graph, '@name' or a '[' list)", t);
    }
    return v;
  }

  AttrAst attribute() {
    AttrAst a;
    Attribute& attr = a.attr;
    const Token at = lex_.peek();
    attr.name = identifier("an attribute name");
    std::optional<AttributeType> annotated;
    if (accept(':')) {
      const Token tt = lex_.peek();
      std::string tn(identifier("an attribute type (int, float, ints, tensor, graph, ...)"));
      annotated = attribute_type_from_name(tn);
      if (!annotated) lex_.error_at(tt, "unknown attribute type '" + tn + "'");
    }
    expect('=', "after the attribute name");
    auto mismatch = [&](const Token& t, AttributeType got) {
      lex_.error_at(t, "attribute '" + attr.name + "' is declared " +
                           std::string(ir::attribute_type_name(*annotated)) + " but its value is " +
                           std::string(ir::attribute_type_name(got)));
    };
    if (!lex_.peek().is('[')) {
      Value v = single_value(a, annotated, false);
      AttributeType got = AttributeType::kUndefined;
      switch (v.kind) {
        case Value::Kind::kInt:
          got = AttributeType::kInt;
          break;
        case Value::Kind::kFloat:
          got = AttributeType::kFloat;
          break;
        case Value::Kind::kString:
          got = AttributeType::kString;
          break;
        case Value::Kind::kTensor:
          got = AttributeType::kTensor;
          break;
        case Value::Kind::kGraph:
          got = AttributeType::kGraph;
          break;
        case Value::Kind::kType:
          got = AttributeType::kTypeProto;
          break;
        case Value::Kind::kRef:
          got = annotated.value_or(AttributeType::kUndefined);
          break;
      }
      if (annotated && *annotated != got &&
          !(*annotated == AttributeType::kFloat && got == AttributeType::kInt)) {
        mismatch(v.at, got);
      }
      attr.type = annotated.value_or(got);
      if (attr.type != AttributeType::kInt) attr.i = 0;
      if (attr.type != AttributeType::kFloat) attr.f = 0;
      return a;
    }
    lex_.next();  // '['
    bool any_int = false, any_float = false, any_string = false, any_tensor = false,
         any_graph = false, any_type = false;
    Token first = lex_.peek();
    if (!lex_.peek().is(']')) {
      do {
        Value v = single_value(a, annotated, true);
        switch (v.kind) {
          case Value::Kind::kInt:
            any_int = true;
            break;
          case Value::Kind::kFloat:
            any_float = true;
            break;
          case Value::Kind::kString:
            any_string = true;
            break;
          case Value::Kind::kTensor:
            any_tensor = true;
            break;
          case Value::Kind::kGraph:
            any_graph = true;
            break;
          case Value::Kind::kType:
            any_type = true;
            break;
          case Value::Kind::kRef:
            lex_.error_at(v.at, "an attribute reference cannot be a list element");
        }
      } while (accept(','));
    }
    expect(']', "closing the attribute's list");
    int kinds = int(any_int || any_float) + int(any_string) + int(any_tensor) + int(any_graph) +
                int(any_type);
    if (kinds > 1)
      lex_.error_at(first,
                    "the values of list attribute '" + attr.name + "' are of different kinds");
    AttributeType got = any_float    ? AttributeType::kFloats
                        : any_int    ? AttributeType::kInts
                        : any_string ? AttributeType::kStrings
                        : any_tensor ? AttributeType::kTensors
                        : any_graph  ? AttributeType::kGraphs
                        : any_type   ? AttributeType::kTypeProtos
                                     : AttributeType::kUndefined;
    if (got == AttributeType::kUndefined && !annotated) {
      lex_.error_at(at, "empty list attribute '" + attr.name + "' needs a type, e.g. '" +
                            attr.name + ": ints = []'");
    }
    if (annotated && got != AttributeType::kUndefined && *annotated != got &&
        !(*annotated == AttributeType::kFloats && got == AttributeType::kInts)) {
      mismatch(first, got);
    }
    attr.type = annotated.value_or(got);
    if (attr.type != AttributeType::kInts) attr.ints.clear();
    if (attr.type != AttributeType::kFloats) attr.floats.clear();
    return a;
  }

  // ---- IR

  void declare(Graph& g, Graph::DeclarationOverride::List list, std::size_t index, Tensor* t,
               ValueInfo info) {
    if (!info.type) return;
    if (!t->info().type) {
      t->info().type = std::move(info.type);
    } else if (!same_type(*t->info().type, *info.type)) {
      g.declaration_overrides().push_back({list, index, std::move(info)});
    }
  }

  Tensor* local(Graph& g, const std::string& n) {
    if (n.empty()) return g.add_empty_tensor();
    if (Tensor* t = g.find_local_tensor(n)) return t;
    return g.add_variable(n);
  }

  void build(GraphAst& a, Graph& g) {
    using List = Graph::DeclarationOverride::List;
    g.set_name(a.name);
    for (auto& init : a.initializers) {
      g.initializers().push_back(g.add_constant(init.name, std::move(init.data)));
    }
    for (std::size_t k = 0; k < a.inputs.size(); ++k) {
      Tensor* t = local(g, a.inputs[k].name);
      declare(g, List::kInput, k, t, std::move(a.inputs[k].info));
      g.inputs().push_back(t);
    }
    // Pass 1: every node output exists before any node input is looked up.
    std::vector<std::vector<Tensor*>> outs(a.nodes.size());
    for (std::size_t k = 0; k < a.nodes.size(); ++k) {
      for (const auto& o : a.nodes[k].outputs) outs[k].push_back(local(g, o));
    }
    for (std::size_t k = 0; k < a.outputs.size(); ++k) {
      const std::string& n = a.outputs[k].name;
      Tensor* t = n.empty() ? g.add_empty_tensor() : g.find_tensor(n);
      if (!t) t = g.add_variable(n);
      declare(g, List::kOutput, k, t, std::move(a.outputs[k].info));
      g.outputs().push_back(t);
    }
    for (std::size_t k = 0; k < a.value_info.size(); ++k) {
      Tensor* t = local(g, a.value_info[k].name);
      declare(g, List::kValueInfo, k, t, std::move(a.value_info[k].info));
      g.value_info().push_back(t);
    }
    // Pass 2: nodes, wired by name (a name may belong to an enclosing graph).
    for (std::size_t k = 0; k < a.nodes.size(); ++k) {
      NodeAst& na = a.nodes[k];
      ir::Node* n = g.add_node(na.op, na.domain, na.name);
      if (!na.overload.empty()) n->set_overload(na.overload);
      n->set_outputs(outs[k]);
      std::vector<Tensor*> ins;
      for (const auto& i : na.inputs) ins.push_back(g.tensor(i));
      n->set_inputs(ins);
      for (auto& attr : na.attrs) {
        if (attr.attr.type == AttributeType::kGraph && !attr.graphs.empty()) {
          attr.attr.g = std::make_unique<Graph>(&g);
          build(*attr.graphs.front(), *attr.attr.g);
        } else if (attr.attr.type == AttributeType::kGraphs) {
          for (auto& sub : attr.graphs) {
            attr.attr.graphs.push_back(std::make_unique<Graph>(&g));
            build(*sub, *attr.attr.graphs.back());
          }
        }
        n->attributes().push_back(std::move(attr.attr));
      }
    }
  }

  Lexer lex_;
  std::unordered_map<std::string, std::string> aliases_;
  std::unordered_map<int, std::string> node_names_;  // "#@node" annotations by line
};

}  // namespace

ir::Model parse_model(std::string_view text, std::string_view source_name) {
  return Parser(text, source_name).model();
}

}  // namespace onnxkit::text
