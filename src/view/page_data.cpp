#include "view/page_data.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "onnxkit/ir/graph.h"
#include "onnxkit/view/layout.h"
#include "onnxkit/view/node_facts.h"
#include "view/json_out.h"

namespace onnxkit::view::detail {
namespace {

// Box metrics shared with the page's drawing code (src/view/page/viewer.js).
constexpr float kTitleCharWidth = 8.4f;
constexpr float kLineCharWidth = 7.2f;
constexpr float kTitleHeight = 22;
constexpr float kLineHeight = 14;
constexpr float kMinWidth = 56;
constexpr float kMaxWidth = 280;
constexpr std::size_t kMaxLines = 6;
constexpr std::size_t kMaxValueText = 400;
// Weight statistics: enough digits to read, few enough that 26,000 weights
// stay a few megabytes of page.
constexpr int kStatDigits = 5;
constexpr std::size_t kPreviewValues = 8;

bool is_standard(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain == "ai.onnx.ml" ||
         domain == "ai.onnx.preview.training" || domain == "ai.onnx.preview";
}

/// Code points, roughly (for box widths): bytes that do not continue a sequence.
std::size_t text_width_units(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "\u00d7";
    s += std::to_string(dims[i]);
  }
  return s;
}

std::string shape_label(const ir::Type* t) {
  if (t == nullptr || !t->is_tensor() || t->dims() == nullptr) return {};
  std::string s;
  const Shape& dims = *t->dims();
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "\u00d7";
    const Dim& d = dims[i];
    s += d.is_value() ? std::to_string(d.value) : d.is_param() ? d.param : "?";
  }
  return s.empty() ? "scalar" : s;
}

void clip(std::string& s) {
  if (s.size() > kMaxValueText) {
    s.resize(kMaxValueText);
    s += "\u2026";
  }
}

template <typename T, typename F>
std::string list_text(const std::vector<T>& v, F&& item) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size() && s.size() < kMaxValueText; ++i) {
    if (i) s += ", ";
    s += item(v[i]);
  }
  s += "]";
  clip(s);
  return s;
}

std::string float_text(double v) {
  std::string s;
  json_number(s, v);
  return s;
}

std::string schema_summary(const schema::OpSchema& s) {
  std::string out = s.display_name() + "\ninputs:";
  for (const auto& p : s.inputs) out += " " + p.name + ": " + p.type + ";";
  out += "\noutputs:";
  for (const auto& p : s.outputs) out += " " + p.name + ": " + p.type + ";";
  if (!s.attributes.empty()) {
    out += "\nattributes:";
    for (const auto& a : s.attributes) {
      out += " " + a.name + " (" + std::string(ir::attribute_type_name(a.type)) +
             (a.required ? ", required" : "") + ");";
    }
  }
  return out;
}

/// The schema's name for input or output `i` (variadic ones repeat), or its index.
std::string param_name(const std::vector<schema::FormalParameter>* params, std::size_t i) {
  if (params == nullptr || params->empty()) return std::to_string(i);
  if (i < params->size()) return (*params)[i].name;
  if (params->back().option == schema::FormalOption::kVariadic) return params->back().name;
  return std::to_string(i);
}

}  // namespace

bool is_folded_constant(const ir::Node& node) {
  if (node.op_type() != "Constant" || !is_standard(node.domain()) || node.outputs().size() != 1) {
    return false;
  }
  const ir::Tensor* out = node.outputs()[0];
  if (out->consumers().empty() || node.graph() == nullptr) return false;
  const auto& outs = node.graph()->outputs();
  return std::find(outs.begin(), outs.end(), out) == outs.end();
}

const ir::TensorData* weight_data(const ir::Tensor* t) {
  if (t == nullptr || t->is_empty()) return nullptr;
  if (t->is_constant()) return t->data();
  if (t->producers().size() == 1 && is_folded_constant(*t->producers()[0])) {
    const ir::Attribute* a = t->producers()[0]->attribute("value");
    return a != nullptr && a->t ? a->t.get() : nullptr;
  }
  return nullptr;
}

std::string attribute_text(const ir::Attribute& a) {
  using T = ir::AttributeType;
  if (!a.ref_attr_name.empty()) return "@" + a.ref_attr_name;
  switch (a.type) {
    case T::kFloat:
      return float_text(a.f);
    case T::kInt:
      return std::to_string(a.i);
    case T::kString: {
      std::string s = a.s;
      clip(s);
      return s;
    }
    case T::kFloats:
      return list_text(a.floats, [](float v) { return float_text(v); });
    case T::kInts:
      return list_text(a.ints, [](std::int64_t v) { return std::to_string(v); });
    case T::kStrings:
      return list_text(a.strings, [](const std::string& v) { return v; });
    case T::kTensor:
      if (a.t) {
        return std::string(data_type_name(a.t->data_type)) + "[" + dims_text(a.t->dims) + "]";
      }
      return "tensor";
    case T::kGraph:
      return a.g ? "graph '" + a.g->name() + "' (" + std::to_string(a.g->node_count()) + " nodes)"
                 : "graph";
    case T::kGraphs:
      return std::to_string(a.graphs.size()) + " graphs";
    case T::kTensors:
      return std::to_string(a.tensors.size()) + " tensors";
    case T::kTypeProto:
      return a.tp ? ir::type_to_string(*a.tp) : "type";
    default:
      return std::string(ir::attribute_type_name(a.type));
  }
}

namespace {
bool is_weight(const ir::Tensor* t) {
  if (t->is_constant()) return true;
  return t->producers().size() == 1 && is_folded_constant(*t->producers()[0]);
}
}  // namespace

GraphData graph_data(const ir::Graph& graph, int side) {
  GraphData g;
  g.graph = &graph;
  g.side = side;
  g.name = graph.name();
  std::unordered_map<const ir::Node*, std::uint32_t> node_box;
  std::unordered_map<const ir::Tensor*, std::uint32_t> input_box;
  node_box.reserve(graph.node_count());
  for (const ir::Tensor* t : graph.inputs()) {
    if (t->is_constant()) continue;  // an initializer listed as input: a weight
    input_box.emplace(t, static_cast<std::uint32_t>(g.boxes.size()));
    g.boxes.push_back({Box::Kind::kInput, side, nullptr, t, DiffStatus::kSame, {}});
  }
  for (std::size_t i = 0; i < graph.nodes().size(); ++i) {
    const ir::Node* n = graph.nodes()[i].get();
    if (is_folded_constant(*n)) continue;
    node_box.emplace(n, static_cast<std::uint32_t>(g.boxes.size()));
    g.boxes.push_back(
        {Box::Kind::kNode, side, n, nullptr, DiffStatus::kSame, {}, static_cast<std::uint32_t>(i)});
  }
  auto source_of = [&](const ir::Tensor* t) -> std::int64_t {
    for (const ir::Node* p : t->producers()) {
      auto it = node_box.find(p);
      if (it != node_box.end()) return it->second;
    }
    auto it = input_box.find(t);
    return it == input_box.end() ? std::int64_t{-1} : std::int64_t{it->second};
  };
  for (std::uint32_t b = 0; b < g.boxes.size(); ++b) {
    const ir::Node* n = g.boxes[b].node;
    if (n == nullptr) continue;
    for (const ir::Tensor* t : n->inputs()) {
      if (t->is_empty() || is_weight(t)) continue;
      const std::int64_t from = source_of(t);
      if (from >= 0) g.edges.push_back({static_cast<std::uint32_t>(from), b, side, t});
    }
  }
  for (const ir::Tensor* t : graph.outputs()) {
    const auto b = static_cast<std::uint32_t>(g.boxes.size());
    g.boxes.push_back({Box::Kind::kOutput, side, nullptr, t, DiffStatus::kSame, {}});
    const std::int64_t from = source_of(t);
    if (from >= 0) g.edges.push_back({static_cast<std::uint32_t>(from), b, side, t});
  }
  return g;
}

PageWriter::PageWriter(std::vector<const ir::Model*> models, const schema::SchemaRegistry* registry)
    : models_(std::move(models)), registry_(registry ? registry : &schema::SchemaRegistry::onnx()) {
  infer::InferOptions options;
  options.registry = registry_;
  for (const ir::Model* m : models_) analyses_.push_back(infer::analyze(*m, options));
}

int PageWriter::add_graph(GraphData data, bool add_subgraphs) {
  const int index = static_cast<int>(graphs_.size());
  if (data.graph != nullptr) graph_index_.emplace(data.graph, index);
  graphs_.push_back(std::move(data));
  if (!add_subgraphs) return index;
  // Breadth first over the boxes of the graphs appended from here on.
  for (std::size_t gi = static_cast<std::size_t>(index); gi < graphs_.size(); ++gi) {
    const int side = graphs_[gi].side;
    std::vector<std::pair<const ir::Graph*, std::string>> found;
    for (const Box& b : graphs_[gi].boxes) {
      if (b.node == nullptr) continue;
      for (const ir::Attribute& a : b.node->attributes()) {
        if (a.g) found.emplace_back(a.g.get(), b.node->describe() + " \u203a " + a.name);
        for (std::size_t k = 0; k < a.graphs.size(); ++k) {
          found.emplace_back(a.graphs[k].get(), b.node->describe() + " \u203a " + a.name + "[" +
                                                    std::to_string(k) + "]");
        }
      }
    }
    for (auto& [sub, owner] : found) {
      if (graph_index_.count(sub)) continue;
      GraphData d = graph_data(*sub, side);
      d.parent = static_cast<int>(gi);
      d.owner = graphs_[gi].owner.empty() ? owner : graphs_[gi].owner + " \u203a " + owner;
      graph_index_.emplace(sub, static_cast<int>(graphs_.size()));
      graphs_.push_back(std::move(d));
    }
  }
  return index;
}

const ir::Type* PageWriter::type_of(int side, const ir::Tensor* t) const {
  if (const ir::Type* inferred = analyses_[static_cast<std::size_t>(side)].type(t)) return inferred;
  if (t->has_info() && t->info().type) return &*t->info().type;
  return nullptr;
}

std::string PageWriter::type_text(int side, const ir::Tensor* t) const {
  if (const ir::Type* ty = type_of(side, t)) return ir::type_to_string(*ty);
  if (const ir::TensorData* d = weight_data(t)) {
    return std::string(data_type_name(d->data_type)) + "[" + dims_text(d->dims) + "]";
  }
  if (auto declared = t->type()) return ir::type_to_string(*declared);
  return "?";
}

int PageWriter::type_id(const std::string& text, const ir::Type* type) {
  auto [it, added] = type_ids_.emplace(text, static_cast<int>(type_ids_.size()));
  if (added) {
    if (it->second) {
      types_ += ',';
      labels_ += ',';
    }
    json_string(types_, text);
    json_string(labels_, shape_label(type));
  }
  return it->second;
}

int PageWriter::tensor_id(int side, const ir::Tensor* t) {
  if (t->is_empty()) return -1;
  auto [it, added] = tensor_ids_.emplace(t, static_cast<int>(tensor_ids_.size()));
  if (added) {
    if (it->second) {
      tensor_names_ += ',';
      tensor_types_ += ',';
    }
    json_string(tensor_names_, t->name());
    const ir::Type* type = type_of(side, t);
    json_int(tensor_types_, type_id(type_text(side, t), type));
  }
  return it->second;
}

int PageWriter::weight_index(const ir::Tensor* t) {
  auto [it, added] = weight_index_.emplace(t, static_cast<int>(weights_.size()));
  if (added) weights_.push_back(t);
  return it->second;
}

void PageWriter::write_box(std::string& out, const GraphData& g, const Box& box, BoxText& text) {
  const int side = box.side;
  // "k" (kind) is left out for nodes, the common case: the page reads 0.
  if (box.node != nullptr) {
    out += "{\"o\":";
    json_int(out, op_id(box.side, *box.node, find_schema(box.side, *box.node)));
  } else {
    out += "{\"k\":";
    json_int(out, static_cast<int>(box.kind));
  }
  if (box.status != DiffStatus::kSame) {
    out += ",\"st\":";
    json_int(out, static_cast<int>(box.status));
  }
  if (!box.notes.empty()) {
    out += ",\"dn\":[";
    for (std::size_t i = 0; i < box.notes.size(); ++i) {
      if (i) out += ',';
      json_string(out, box.notes[i]);
    }
    out += ']';
  }
  if (box.node == nullptr) {
    out += ",\"t\":";
    json_string(out, box.tensor->name());
    out += ",\"ti\":";
    json_int(out, tensor_id(side, box.tensor));
    text.title = box.tensor->name();
    text.lines = {shape_label(type_of(side, box.tensor))};
    out += ",\"ln\":[";
    json_string(out, text.lines[0]);
    out += "]}";
    return;
  }
  const ir::Node& n = *box.node;
  text.title = n.op_type();
  std::vector<std::string>& lines = text.lines;
  const schema::OpSchema* schema = find_schema(side, n);
  if (editable_) {  // the served page names nodes by position for edits
    out += ",\"ix\":";
    json_int(out, box.index);
  }
  out += ",\"n\":";
  json_string(out, n.name());
  // Inputs and outputs as tensor-table indexes; weights (listed in the box
  // with their shapes) also by weight index.
  std::uint64_t params = 0;
  std::string weights;
  bool any_weight = false;
  out += ",\"in\":[";
  for (std::size_t i = 0; i < n.inputs().size(); ++i) {
    const ir::Tensor* t = n.inputs()[i];
    if (i) {
      out += ',';
      weights += ',';
    }
    json_int(out, tensor_id(side, t));
    if (t->is_empty() || !is_weight(t)) {
      weights += "-1";
      continue;
    }
    any_weight = true;
    json_int(weights, weight_index(t));
    const std::string param = param_name(schema ? &schema->inputs : nullptr, i);
    if (const ir::TensorData* d = weight_data(t)) {
      lines.push_back(param + " \u27e8" + dims_text(d->dims) + "\u27e9");
      params += d->element_count();
    } else {
      lines.push_back(param);
    }
  }
  out += "],\"out\":[";
  for (std::size_t i = 0; i < n.outputs().size(); ++i) {
    if (i) out += ',';
    json_int(out, tensor_id(side, n.outputs()[i]));
  }
  out += ']';
  if (any_weight) out.append(",\"w\":[").append(weights).append("]");
  if (!n.attributes().empty()) {
    out += ",\"at\":[";
    bool first = true;
    for (const ir::Attribute& a : n.attributes()) {
      if (!first) out += ',';
      first = false;
      out += '[';
      json_string(out, a.name);
      out += ',';
      json_string(out, ir::attribute_type_name(a.type));
      out += ',';
      json_string(out, attribute_text(a));
      out += ']';
    }
    out += ']';
  }
  std::string sub;
  for (const ir::Attribute& a : n.attributes()) {
    auto add = [&](const ir::Graph* sg, const std::string& label) {
      auto it = graph_index_.find(sg);
      if (it == graph_index_.end()) return;
      if (!sub.empty()) sub += ',';
      sub += '[';
      json_string(sub, label);
      sub += ',';
      json_int(sub, it->second);
      sub += ']';
      lines.push_back(label + " \u25b8");
    };
    if (a.g) add(a.g.get(), a.name);
    for (std::size_t k = 0; k < a.graphs.size(); ++k) {
      add(a.graphs[k].get(), a.name + "[" + std::to_string(k) + "]");
    }
  }
  if (!sub.empty()) out.append(",\"sg\":[").append(sub).append("]");
  const bool counts = g.parent < 0 && side == static_cast<int>(models_.size()) - 1;
  TypeOf type_fn = [this, side](const ir::Tensor* t) { return type_of(side, t); };
  if (auto flops = node_flops(n, type_fn)) {
    out += ",\"f\":";
    json_int(out, static_cast<std::int64_t>(*flops));
    if (counts) total_flops_ += static_cast<double>(*flops);
  }
  if (params) {
    out += ",\"p\":";
    json_int(out, static_cast<std::int64_t>(params));
    if (counts) total_params_ += params;
  }
  if (!n.doc_string().empty()) {
    out += ",\"doc\":";
    json_string(out, n.doc_string());
  }
  if (lines.size() > kMaxLines) {
    const std::size_t more = lines.size() - (kMaxLines - 1);
    lines.resize(kMaxLines - 1);
    lines.push_back("\u2026 " + std::to_string(more) + " more");
  }
  if (!lines.empty()) {
    out += ",\"ln\":[";
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) out += ',';
      json_string(out, lines[i]);
    }
    out += ']';
  }
  out += '}';
}

const schema::OpSchema* PageWriter::find_schema(int side, const ir::Node& n) const {
  const ir::Model& model = *models_[static_cast<std::size_t>(side)];
  return registry_->find(n.domain(), n.op_type(), model.opset_version(n.domain()));
}

int PageWriter::op_id(int side, const ir::Node& n, const schema::OpSchema* schema) {
  std::string key = std::to_string(side) + ':' + n.domain() + "::" + n.op_type();
  auto [it, added] = op_ids_.emplace(std::move(key), static_cast<int>(op_ids_.size()));
  if (!added) return it->second;
  std::string& out = ops_;
  if (it->second) out += ',';
  out += "{\"t\":";
  json_string(out, n.op_type());
  out += ",\"d\":";
  json_string(out, n.domain());
  out += ",\"c\":";
  json_string(out, op_category(n.domain(), n.op_type()));
  if (schema != nullptr) {
    out += ",\"v\":";
    json_int(out, schema->since_version);
    auto params = [&](const char* key_name, const std::vector<schema::FormalParameter>& list) {
      out.append(",\"").append(key_name).append("\":[");
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        json_string(out, list[i].name);
      }
      out += ']';
    };
    params("pi", schema->inputs);
    params("po", schema->outputs);
    if (!schema->inputs.empty() &&
        schema->inputs.back().option == schema::FormalOption::kVariadic) {
      out += ",\"vi\":1";
    }
    if (!schema->outputs.empty() &&
        schema->outputs.back().option == schema::FormalOption::kVariadic) {
      out += ",\"vo\":1";
    }
  }
  if (!is_standard(n.domain())) {
    out += ",\"sc\":";
    json_string(out, schema ? schema_summary(*schema) : std::string());
  }
  out += '}';
  return it->second;
}

namespace {

/// Box size from its title and lines, as the page draws them.
std::pair<float, float> box_size(std::string_view title, const std::vector<std::string>& lines) {
  float w = static_cast<float>(text_width_units(title)) * kTitleCharWidth + 20;
  for (std::string_view l : lines)
    w = std::max(w, static_cast<float>(text_width_units(l)) * kLineCharWidth + 16);
  w = std::clamp(w, kMinWidth, kMaxWidth);
  const float h =
      kTitleHeight + static_cast<float>(lines.size()) * kLineHeight + (lines.empty() ? 0 : 4);
  return {w, h};
}

void write_layout(std::string& out, const Layout& l) {
  out += "{\"W\":";
  json_coord(out, l.width);
  out += ",\"H\":";
  json_coord(out, l.height);
  out += ",\"x\":[";
  for (std::size_t i = 0; i < l.x.size(); ++i) {
    if (i) out += ',';
    json_coord(out, l.x[i]);
  }
  out += "],\"y\":[";
  for (std::size_t i = 0; i < l.y.size(); ++i) {
    if (i) out += ',';
    json_coord(out, l.y[i]);
  }
  out += "],\"b\":[";
  for (std::size_t i = 0; i < l.bend_begin.size(); ++i) {
    if (i) out += ',';
    json_int(out, l.bend_begin[i]);
  }
  out += "],\"p\":[";
  for (std::size_t i = 0; i < l.points.size(); ++i) {
    if (i) out += ',';
    json_coord(out, l.points[i]);
  }
  out += "]}";
}

}  // namespace

void PageWriter::write_graph(std::string& out, const GraphData& g) {
  std::string boxes;
  tensor_ids_.clear();
  tensor_names_.clear();
  tensor_types_.clear();
  LayoutGraph lg;
  lg.width.reserve(g.boxes.size());
  lg.height.reserve(g.boxes.size());
  for (std::size_t i = 0; i < g.boxes.size(); ++i) {
    if (i) boxes += ',';
    BoxText text;
    write_box(boxes, g, g.boxes[i], text);
    const auto [w, h] = box_size(text.title, text.lines);
    lg.width.push_back(w);
    lg.height.push_back(h);
  }
  lg.edges.reserve(g.edges.size());
  for (const Edge& e : g.edges) lg.edges.emplace_back(e.from, e.to);
  const Layout vertical = layered_layout(lg);
  LayoutOptions horizontal_options;
  horizontal_options.direction = LayoutDirection::kLeftToRight;
  horizontal_options.layer_gap = 56;
  horizontal_options.node_gap = 12;
  const Layout horizontal = layered_layout(lg, horizontal_options);

  out += "{\"name\":";
  json_string(out, g.name);
  out += ",\"parent\":";
  json_int(out, g.parent);
  out += ",\"owner\":";
  json_string(out, g.owner);
  out += ",\"w\":[";
  for (std::size_t i = 0; i < lg.width.size(); ++i) {
    if (i) out += ',';
    json_coord(out, lg.width[i]);
  }
  out += "],\"h\":[";
  for (std::size_t i = 0; i < lg.height.size(); ++i) {
    if (i) out += ',';
    json_coord(out, lg.height[i]);
  }
  out += "],\"nodes\":[";
  out += boxes;
  out += "],\"e\":[";
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    if (i) out += ',';
    json_int(out, g.edges[i].from);
    out += ',';
    json_int(out, g.edges[i].to);
  }
  out += "],\"et\":[";
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    if (i) out += ',';
    json_int(out, tensor_id(g.edges[i].side, g.edges[i].tensor));
  }
  out += "],\"tn\":[";
  out += tensor_names_;
  out += "],\"ty\":[";
  out += tensor_types_;
  out += "],\"lv\":";
  write_layout(out, vertical);
  out += ",\"lh\":";
  write_layout(out, horizontal);
  out += '}';
}

void PageWriter::write_model(std::string& out) {
  const ir::Model& m = *models_.back();
  out += "{\"file\":";
  json_string(out, m.path.filename().string());
  out += ",\"ir_version\":";
  json_int(out, m.ir_version);
  out += ",\"producer\":";
  json_string(out, m.producer_name + (m.producer_version.empty() ? "" : " " + m.producer_version));
  out += ",\"domain\":";
  json_string(out, m.domain);
  out += ",\"model_version\":";
  json_int(out, m.model_version);
  out += ",\"doc\":";
  json_string(out, m.doc_string);
  out += ",\"opsets\":[";
  for (std::size_t i = 0; i < m.opset_import.size(); ++i) {
    if (i) out += ',';
    out += '[';
    json_string(out, m.opset_import[i].domain.empty() ? "ai.onnx" : m.opset_import[i].domain);
    out += ',';
    json_int(out, m.opset_import[i].version);
    out += ']';
  }
  out += "],\"metadata\":[";
  for (std::size_t i = 0; i < m.metadata_props.size(); ++i) {
    if (i) out += ',';
    out += '[';
    json_string(out, m.metadata_props[i].key);
    out += ',';
    json_string(out, m.metadata_props[i].value);
    out += ']';
  }
  out += "],\"flops\":";
  json_number(out, total_flops_);
  out += ",\"params\":";
  json_int(out, static_cast<std::int64_t>(total_params_));
  out += ",\"issues\":";
  json_int(out, static_cast<std::int64_t>(analyses_.back().issues.size()));
  out += '}';
}

void PageWriter::write_weights(std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    const ir::Tensor* t = weights_[i];
    if (i) out += ',';
    out += "{\"n\":";
    json_string(out, t->name());
    const ir::TensorData* d = weight_data(t);
    if (d == nullptr) {
      out += '}';
      continue;
    }
    out += ",\"y\":";
    json_string(out, std::string(data_type_name(d->data_type)) + "[" + dims_text(d->dims) + "]");
    if (auto s = weight_stats(*d)) {
      out += ",\"s\":[";
      json_number(out, s->min, kStatDigits);
      out += ',';
      json_number(out, s->max, kStatDigits);
      out += ',';
      json_number(out, s->mean, kStatDigits);
      out += ',';
      json_number(out, s->stddev, kStatDigits);
      out += ',';
      json_number(out, s->sparsity, kStatDigits);
      out += ']';
      if (s->sampled < s->count) {
        out += ",\"sm\":";
        json_int(out, static_cast<std::int64_t>(s->sampled));
      }
      out += ",\"pv\":[";
      for (std::size_t k = 0; k < s->preview.size() && k < kPreviewValues; ++k) {
        if (k) out += ',';
        json_number(out, s->preview[k], kStatDigits);
      }
      out += ']';
    }
    out += '}';
  }
  out += ']';
}

std::string PageWriter::write(std::string_view mode, bool editable, const std::string& extra) {
  editable_ = editable;
  std::string graphs = "[";
  for (std::size_t i = 0; i < graphs_.size(); ++i) {
    if (i) graphs += ',';
    write_graph(graphs, graphs_[i]);
  }
  graphs += ']';
  std::string out = "{\"mode\":";
  json_string(out, mode);
  out += ",\"editable\":";
  out += editable ? "true" : "false";
  out += ",\"model\":";
  write_model(out);
  out += ",\"graphs\":";
  out += graphs;
  out += ",\"weights\":";
  write_weights(out);
  out += ",\"types\":[";
  out += types_;
  out += "],\"labels\":[";
  out += labels_;
  out += "],\"ops\":[";
  out += ops_;
  out += ']';
  out += extra;
  out += '}';
  return out;
}

}  // namespace onnxkit::view::detail
