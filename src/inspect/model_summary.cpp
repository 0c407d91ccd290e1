#include "onnxkit/inspect/model_summary.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>

namespace onnxkit::inspect {
namespace {

constexpr std::string_view kPathSeparator = " \xE2\x80\xBA ";  // " › ", as error locations
constexpr std::size_t kLabelWidth = 16;

// Not ir::type_to_string(): that one spells the text syntax ("float", "[?]" for
// an unknown rank); the report uses numpy names as Netron does ("float32") and
// no brackets when the rank is unknown.
std::string format_type(const ir::Type& type);

std::string format_tensor_type(DataType elem, const std::optional<ir::TypeShape>& shape) {
  std::string out = element_type_name(elem);
  if (shape) out += "[" + shape_to_string(shape->dims) + "]";
  return out;
}

std::string format_type(const ir::Type& type) {
  auto inner = [&] { return type.elem ? format_type(*type.elem) : std::string("?"); };
  switch (type.kind) {
    case ir::Type::Kind::kTensor:
      return format_tensor_type(type.elem_type, type.shape);
    case ir::Type::Kind::kSparseTensor:
      return "sparse(" + format_tensor_type(type.elem_type, type.shape) + ")";
    case ir::Type::Kind::kSequence:
      return "seq(" + inner() + ")";
    case ir::Type::Kind::kOptional:
      return "optional(" + inner() + ")";
    case ir::Type::Kind::kMap:
      return "map(" + element_type_name(type.key_type) + "," + inner() + ")";
    case ir::Type::Kind::kOpaque:
      return "opaque(" + type.opaque_domain() + "," + type.opaque_name() + ")";
    case ir::Type::Kind::kNone:
      break;
  }
  return "?";
}

ValueSummary summarize_value(const ir::Tensor& tensor) {
  ValueSummary v;
  v.name = tensor.name();
  const std::optional<ir::Type> type = tensor.type();
  if (!type) {
    v.type = "?";
    return v;
  }
  v.type = format_type(*type);
  if (type->is_tensor()) {
    v.is_tensor = true;
    v.elem_type = type->elem_type;
    if (const Shape* dims = type->dims()) v.shape = *dims;
  }
  return v;
}

std::string external_location(const ir::TensorData& data) {
  if (!data.is_external()) return {};
  for (const ir::StringEntry& e : data.external_data) {
    if (e.key == "location") return e.value;
  }
  return {};
}

/// Walks the main graph, its subgraphs and the function bodies once, collecting
/// everything summarize() reports about nodes and weights.
class Walker {
 public:
  explicit Walker(ModelSummary& summary) : s_(summary) {}

  void graph(const ir::Graph& g, const std::string& path, bool count_weights) {
    for (const auto& node : g.nodes()) visit_node(*node, path, count_weights);
    if (!count_weights) return;
    for (const ir::Tensor* t : g.initializers()) {
      ++s_.initializer_count;
      if (const ir::TensorData* d = t->data()) weight(*d);
    }
    for (const ir::Tensor* t : g.sparse_initializers()) {
      ++s_.initializer_count;
      if (const ir::SparseTensorData* d = t->sparse_data()) {
        s_.parameter_count += d->values.element_count();
        s_.parameter_bytes += d->values.byte_size().value_or(0);
        s_.parameter_bytes += d->indices.byte_size().value_or(0);
        note_external(d->values);
        note_external(d->indices);
      }
    }
  }

  void finish() {
    std::stable_sort(ops_.begin(), ops_.end(),
                     [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
    s_.op_histogram = std::move(ops_);
    s_.custom_domains.assign(domains_.begin(), domains_.end());
    for (auto& [location, file] : files_) s_.external_data_files.push_back(std::move(file));
  }

 private:
  void visit_node(const ir::Node& node, const std::string& path, bool count_weights) {
    ++s_.node_count_total;
    count_op(node.qualified_op());
    if (!is_standard_domain(node.domain())) domains_.insert(node.domain());
    for (const ir::Attribute& a : node.attributes()) {
      if (a.t) note_external(*a.t);
      for (const ir::TensorData& t : a.tensors) note_external(t);
      const std::string here = (path.empty() ? "" : path + std::string(kPathSeparator)) +
                               node.describe() + std::string(kPathSeparator) + a.name;
      if (a.g) subgraph(*a.g, here, count_weights);
      for (std::size_t i = 0; i < a.graphs.size(); ++i) {
        if (a.graphs[i])
          subgraph(*a.graphs[i], here + "[" + std::to_string(i) + "]", count_weights);
      }
    }
  }

  void subgraph(const ir::Graph& g, const std::string& path, bool count_weights) {
    s_.subgraphs.push_back(path);
    graph(g, path, count_weights);
  }

  void count_op(const std::string& op) {
    auto it = std::find_if(ops_.begin(), ops_.end(), [&](const OpCount& c) { return c.op == op; });
    if (it == ops_.end()) {
      ops_.push_back(OpCount{op, 1});
    } else {
      ++it->count;
    }
  }

  void weight(const ir::TensorData& d) {
    s_.parameter_count += d.element_count();
    s_.parameter_bytes += d.byte_size().value_or(0);
    note_external(d);
  }

  void note_external(const ir::TensorData& d) {
    std::string location = external_location(d);
    if (location.empty()) return;
    ExternalDataFile& file = files_[location];
    file.location = location;
    ++file.tensors;
    file.bytes += d.byte_size().value_or(0);
  }

  ModelSummary& s_;
  std::vector<OpCount> ops_;
  std::set<std::string> domains_;
  std::map<std::string, ExternalDataFile> files_;
};

// ---- text form

/// Newlines and tabs as spaces, so that every fact stays on its line.
std::string one_line(std::string_view s) {
  std::string out(s);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  std::size_t unit = 0;
  v /= 1024.0;
  while (v >= 1024.0 && unit + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string display_domain(const std::string& domain) {
  return domain.empty() ? std::string("ai.onnx") : domain;
}

class TextReport {
 public:
  void field(std::string_view label, std::string_view value) {
    out_ << label;
    if (!value.empty()) out_ << std::string(pad(label, kLabelWidth), ' ') << value;
    out_ << '\n';
  }
  void heading(std::string_view label) { out_ << label << '\n'; }

  /// Indented two-column rows, the first column as wide as its widest entry.
  void rows(const std::vector<std::pair<std::string, std::string>>& rows) {
    std::size_t width = 0;
    for (const auto& r : rows) width = std::max(width, r.first.size());
    for (const auto& [left, right] : rows) {
      out_ << "  " << left;
      if (!right.empty()) out_ << std::string(width - left.size() + 2, ' ') << right;
      out_ << '\n';
    }
  }
  void list(const std::vector<std::string>& items) {
    for (const std::string& item : items) out_ << "  " << item << '\n';
  }

  std::string str() const { return out_.str(); }

 private:
  static std::size_t pad(std::string_view label, std::size_t width) {
    return label.size() < width ? width - label.size() : 1;
  }
  std::ostringstream out_;
};

std::vector<std::pair<std::string, std::string>> value_rows(const std::vector<ValueSummary>& vs) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const ValueSummary& v : vs) rows.emplace_back(v.name.empty() ? "\"\"" : v.name, v.type);
  return rows;
}

// ---- JSON form

using Json = nlohmann::ordered_json;

Json shape_json(const std::optional<Shape>& shape) {
  if (!shape) return nullptr;
  Json dims = Json::array();
  for (const Dim& d : *shape) {
    if (d.is_value()) {
      dims.push_back(d.value);
    } else if (d.is_param()) {
      dims.push_back(d.param);
    } else {
      dims.push_back(nullptr);
    }
  }
  return dims;
}

/// Pretty JSON with 2-space indents, except that arrays holding only scalars
/// (dims, name lists) stay on one line: `"shape": ["N", 3, 128, 128]`.
void write_json(const Json& j, int indent, std::string& out) {
  const auto scalar = [](const Json& v) { return !v.is_structured(); };
  const auto dump = [](const Json& v) {
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  if (j.is_array() && std::all_of(j.begin(), j.end(), scalar)) {
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) out += (i ? ", " : "") + dump(j[i]);
    out += ']';
  } else if (j.is_array()) {
    out += "[\n";
    for (std::size_t i = 0; i < j.size(); ++i) {
      out += pad;
      write_json(j[i], indent + 2, out);
      out += i + 1 < j.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + "]";
  } else if (j.is_object() && !j.empty()) {
    out += "{\n";
    std::size_t i = 0;
    for (const auto& item : j.items()) {
      out += pad + dump(Json(item.key())) + ": ";
      write_json(item.value(), indent + 2, out);
      out += ++i < j.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + "}";
  } else {
    out += dump(j);
  }
}

Json values_json(const std::vector<ValueSummary>& vs) {
  Json list = Json::array();
  for (const ValueSummary& v : vs) {
    Json j;
    j["name"] = v.name;
    j["type"] = v.type;
    j["elem_type"] = v.is_tensor ? Json(element_type_name(v.elem_type)) : Json(nullptr);
    j["shape"] = shape_json(v.shape);
    list.push_back(std::move(j));
  }
  return list;
}

}  // namespace

bool is_standard_domain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain == "ai.onnx.ml" ||
         domain == "ai.onnx.preview.training";
}

std::string element_type_name(DataType type) {
  switch (type) {
    case DataType::kUndefined:
      return "?";
    case DataType::kFloat:
      return "float32";
    case DataType::kDouble:
      return "float64";
    default:
      return std::string(data_type_name(type));
  }
}

ModelSummary summarize(const ir::Model& model) {
  ModelSummary s;
  s.source = model.path.filename().string();
  s.ir_version = model.ir_version;
  s.producer_name = model.producer_name;
  s.producer_version = model.producer_version;
  s.domain = model.domain;
  s.model_version = model.model_version;
  s.doc_string = model.doc_string;
  for (const ir::OpsetId& o : model.opset_import) s.opset_imports.emplace_back(o.domain, o.version);
  for (const ir::StringEntry& e : model.metadata_props) s.metadata.emplace_back(e.key, e.value);
  s.training_info_count = model.training_info.size();

  Walker walker(s);
  if (model.graph) {
    const ir::Graph& g = *model.graph;
    s.graph_name = g.name();
    for (const ir::Tensor* t : g.inputs()) {
      if (!t->is_constant()) s.inputs.push_back(summarize_value(*t));
    }
    for (const ir::Tensor* t : g.outputs()) s.outputs.push_back(summarize_value(*t));
    s.node_count = g.node_count();
    walker.graph(g, "", /*count_weights=*/true);
  }
  for (const ir::Function& f : model.functions) {
    std::string name = f.domain.empty() ? f.name : f.domain + "::" + f.name;
    if (!f.overload.empty()) name += ":" + f.overload;
    s.functions.push_back(name);
    if (f.body) walker.graph(*f.body, "function '" + name + "'", /*count_weights=*/false);
  }
  walker.finish();
  return s;
}

std::string summary_to_text(const ModelSummary& s) {
  TextReport r;
  if (!s.source.empty()) r.field("model", s.source);
  r.field("ir_version", std::to_string(s.ir_version));
  std::string producer = s.producer_name;
  if (!s.producer_version.empty()) producer += (producer.empty() ? "" : " ") + s.producer_version;
  r.field("producer", producer.empty() ? "?" : one_line(producer));
  if (!s.domain.empty()) r.field("domain", one_line(s.domain));
  if (s.model_version != 0) r.field("model_version", std::to_string(s.model_version));
  if (!s.doc_string.empty()) r.field("doc_string", one_line(s.doc_string));
  if (!s.graph_name.empty()) r.field("graph", one_line(s.graph_name));

  std::string opsets;
  for (const auto& [domain, version] : s.opset_imports) {
    if (!opsets.empty()) opsets += ", ";
    opsets += display_domain(domain) + " " + std::to_string(version);
  }
  r.field("opsets", opsets.empty() ? "none" : opsets);

  if (!s.metadata.empty()) {
    r.heading("metadata");
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [k, v] : s.metadata) rows.emplace_back(one_line(k), one_line(v));
    r.rows(rows);
  }
  r.heading("inputs");
  r.rows(value_rows(s.inputs));
  r.heading("outputs");
  r.rows(value_rows(s.outputs));

  r.field("initializers", std::to_string(s.initializer_count));
  std::string params =
      std::to_string(s.parameter_count) + " (" + std::to_string(s.parameter_bytes) + " bytes";
  if (s.parameter_bytes >= 1024) params += ", " + human_bytes(s.parameter_bytes);
  r.field("parameters", params + ")");

  std::string ops_heading = "ops (" + std::to_string(s.node_count) + " nodes";
  if (s.node_count_total != s.node_count) {
    ops_heading += ", " + std::to_string(s.node_count_total) + " with subgraphs and functions";
  }
  r.heading(ops_heading + ")");
  std::vector<std::pair<std::string, std::string>> ops;
  for (const OpCount& c : s.op_histogram) ops.emplace_back(c.op, std::to_string(c.count));
  r.rows(ops);

  auto joined = [](const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  };
  if (!s.custom_domains.empty()) r.field("custom_domains", joined(s.custom_domains));
  if (!s.functions.empty()) {
    r.heading("functions");
    r.list(s.functions);
  }
  if (!s.subgraphs.empty()) {
    r.heading("subgraphs");
    r.list(s.subgraphs);
  }
  if (!s.external_data_files.empty()) {
    r.heading("external_data");
    std::vector<std::pair<std::string, std::string>> rows;
    for (const ExternalDataFile& f : s.external_data_files) {
      std::string what = std::to_string(f.tensors) + (f.tensors == 1 ? " tensor, " : " tensors, ") +
                         std::to_string(f.bytes) + " bytes";
      if (f.bytes >= 1024) what += " (" + human_bytes(f.bytes) + ")";
      rows.emplace_back(one_line(f.location), what);
    }
    r.rows(rows);
  }
  if (s.training_info_count != 0) r.field("training_info", std::to_string(s.training_info_count));
  return r.str();
}

std::string summary_to_json(const ModelSummary& s) {
  Json j;
  j["source"] = s.source;
  j["ir_version"] = s.ir_version;
  j["producer_name"] = s.producer_name;
  j["producer_version"] = s.producer_version;
  j["domain"] = s.domain;
  j["model_version"] = s.model_version;
  j["doc_string"] = s.doc_string;
  j["graph_name"] = s.graph_name;
  j["opset_imports"] = Json::array();
  for (const auto& [domain, version] : s.opset_imports) {
    j["opset_imports"].push_back(Json{{"domain", domain}, {"version", version}});
  }
  j["metadata"] = Json::array();
  for (const auto& [key, value] : s.metadata) {
    j["metadata"].push_back(Json{{"key", key}, {"value", value}});
  }
  j["inputs"] = values_json(s.inputs);
  j["outputs"] = values_json(s.outputs);
  j["initializer_count"] = s.initializer_count;
  j["parameter_count"] = s.parameter_count;
  j["parameter_bytes"] = s.parameter_bytes;
  j["node_count"] = s.node_count;
  j["node_count_total"] = s.node_count_total;
  j["ops"] = Json::object();
  for (const OpCount& c : s.op_histogram) j["ops"][c.op] = c.count;
  j["custom_domains"] = s.custom_domains;
  j["functions"] = s.functions;
  j["subgraphs"] = s.subgraphs;
  j["external_data_files"] = Json::array();
  for (const ExternalDataFile& f : s.external_data_files) {
    j["external_data_files"].push_back(
        Json{{"location", f.location}, {"tensors", f.tensors}, {"bytes", f.bytes}});
  }
  j["training_info_count"] = s.training_info_count;
  std::string out;
  write_json(j, 0, out);  // invalid UTF-8 from the file is replaced, never thrown on
  return out + "\n";
}

}  // namespace onnxkit::inspect
