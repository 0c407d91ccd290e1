#include "onnxkit/view/model_diff.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "onnxkit/ir/graph.h"
#include "view/json_out.h"
#include "view/page_data.h"

namespace onnxkit::view {
namespace {

using NodeMap = std::unordered_map<const ir::Node*, const ir::Node*>;

/// Element i of raw little-endian numeric data as a double; nullopt for
/// types without a plain numeric layout.
std::optional<double> element(const std::byte* p, DataType t, std::uint64_t i) {
  auto read = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof(v), sizeof(v));
    return static_cast<double>(v);
  };
  switch (t) {
    case DataType::kFloat:
      return read(float{});
    case DataType::kDouble:
      return read(double{});
    case DataType::kInt8:
      return read(std::int8_t{});
    case DataType::kUint8:
    case DataType::kBool:
      return read(std::uint8_t{});
    case DataType::kInt16:
      return read(std::int16_t{});
    case DataType::kUint16:
      return read(std::uint16_t{});
    case DataType::kInt32:
      return read(std::int32_t{});
    case DataType::kUint32:
      return read(std::uint32_t{});
    case DataType::kInt64:
      return read(std::int64_t{});
    case DataType::kUint64:
      return read(std::uint64_t{});
    default:
      return std::nullopt;
  }
}

/// "" when equal; otherwise what differs ("shape 3x3 → 5x5", "max |a-b| 0.012").
std::string compare_weights(const ir::TensorData& a, const ir::TensorData& b) {
  auto dims = [](const ir::TensorData& d) {
    std::string s = std::string(data_type_name(d.data_type)) + "[";
    for (std::size_t i = 0; i < d.dims.size(); ++i) s += (i ? "," : "") + std::to_string(d.dims[i]);
    return s + "]";
  };
  if (a.data_type != b.data_type || a.dims != b.dims) return dims(a) + " \u2192 " + dims(b);
  Buffer ba, bb;
  try {
    ba = a.bytes();
    bb = b.bytes();
  } catch (const std::exception&) {
    return a.string_data == b.string_data ? "" : "values differ";
  }
  if (ba.size() == bb.size() && std::memcmp(ba.bytes().data(), bb.bytes().data(), ba.size()) == 0)
    return "";
  const std::uint64_t n = a.element_count();
  const auto need = data_type_storage_bytes(a.data_type, n);
  if (!need || ba.size() < *need || bb.size() < *need ||
      !element(ba.bytes().data(), a.data_type, 0)) {
    return "values differ";
  }
  double max_diff = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const double d = std::fabs(*element(ba.bytes().data(), a.data_type, i) -
                               *element(bb.bytes().data(), a.data_type, i));
    if (!(d <= max_diff)) max_diff = d;  // NaN counts as a difference
  }
  std::string s;
  detail::json_number(s, max_diff);
  return "max |a-b| " + s;
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string node_label(const ir::Node& n) {
  return (n.name().empty() ? std::string("(unnamed)") : in_quotes(n.name())) + " (" +
         n.qualified_op() + ")";
}

/// What a node's data input i is, for comparing wiring across the models:
/// the partner of its producer, or the tensor's name for graph inputs and weights.
std::string source_key(const ir::Tensor* t, const NodeMap& to_other, bool use_partner) {
  if (t->is_empty()) return "-";
  if (detail::weight_data(t) != nullptr) return "w";
  for (const ir::Node* p : t->producers()) {
    auto it = to_other.find(p);
    if (it != to_other.end()) {
      char buf[32];
      std::snprintf(
          buf, sizeof buf, "n%p",
          use_partner ? static_cast<const void*>(it->second) : static_cast<const void*>(p));
      return buf;
    }
    return "?";
  }
  return "t:" + t->name();
}

/// Equal for nodes of both models that run the same op on partner sources;
/// `use_partner` for the first model's nodes (their producers' partners are
/// second-model nodes).
std::string structure_key(const ir::Node& n, const NodeMap& matched, bool use_partner) {
  std::string k = n.domain() + "::" + n.op_type() + "(";
  for (const ir::Tensor* t : n.inputs()) k += source_key(t, matched, use_partner) + ",";
  return k + ")";
}

void compare_nodes(const ir::Node& a, const ir::Node& b, const NodeMap& a_to_b,
                   std::vector<std::string>& out) {
  if (a.qualified_op() != b.qualified_op())
    out.push_back("op " + a.qualified_op() + " \u2192 " + b.qualified_op());
  if (a.name() != b.name())
    out.push_back("name " + in_quotes(a.name()) + " \u2192 " + in_quotes(b.name()));
  for (const ir::Attribute& x : a.attributes()) {
    const ir::Attribute* y = b.attribute(x.name);
    if (y == nullptr) {
      out.push_back("attribute " + x.name + " removed (was " + detail::attribute_text(x) + ")");
      continue;
    }
    std::string tx = detail::attribute_text(x), ty = detail::attribute_text(*y);
    if (x.type == ir::AttributeType::kTensor && x.t && y->t) {
      const std::string w = compare_weights(*x.t, *y->t);
      if (!w.empty()) out.push_back("attribute " + x.name + ": " + w);
    } else if (x.type == ir::AttributeType::kGraph && x.g && y->g) {
      std::string ops_x, ops_y;
      for (const auto& n : x.g->nodes()) ops_x += n->qualified_op() + " ";
      for (const auto& n : y->g->nodes()) ops_y += n->qualified_op() + " ";
      if (ops_x != ops_y) out.push_back("subgraph " + x.name + ": " + tx + " \u2192 " + ty);
    } else if (tx != ty || x.type != y->type) {
      out.push_back("attribute " + x.name + ": " + tx + " \u2192 " + ty);
    }
  }
  for (const ir::Attribute& y : b.attributes()) {
    if (a.attribute(y.name) == nullptr)
      out.push_back("attribute " + y.name + " added: " + detail::attribute_text(y));
  }
  const std::size_t n = std::max(a.inputs().size(), b.inputs().size());
  for (std::size_t i = 0; i < n; ++i) {
    const ir::Tensor* ta = i < a.inputs().size() ? a.inputs()[i] : nullptr;
    const ir::Tensor* tb = i < b.inputs().size() ? b.inputs()[i] : nullptr;
    if (ta == nullptr || tb == nullptr) {
      out.push_back("input " + std::to_string(i) + (ta ? " removed" : " added"));
      continue;
    }
    const ir::TensorData* wa = detail::weight_data(ta);
    const ir::TensorData* wb = detail::weight_data(tb);
    if (wa && wb) {
      const std::string w = compare_weights(*wa, *wb);
      if (!w.empty()) out.push_back("weight " + in_quotes(tb->name()) + ": " + w);
      continue;
    }
    if ((wa == nullptr) != (wb == nullptr)) {
      out.push_back("input " + std::to_string(i) + ": " + in_quotes(ta->name()) + " \u2192 " +
                    in_quotes(tb->name()));
      continue;
    }
    // Data inputs: the producers should be partners.
    const ir::Node* pa = ta->producers().empty() ? nullptr : ta->producers()[0];
    const ir::Node* pb = tb->producers().empty() ? nullptr : tb->producers()[0];
    auto it = pa ? a_to_b.find(pa) : a_to_b.end();
    const bool same_source = pa == nullptr ? (pb == nullptr && ta->name() == tb->name())
                                           : (it != a_to_b.end() && it->second == pb);
    if (!same_source) {
      out.push_back("input " + std::to_string(i) + ": from " +
                    (pa ? node_label(*pa) : in_quotes(ta->name())) + " \u2192 from " +
                    (pb ? node_label(*pb) : in_quotes(tb->name())));
    }
  }
}

std::string value_text(const ir::Tensor* t) {
  const auto type = t->type();
  return type ? ir::type_to_string(*type) : "?";
}

void compare_values(std::string_view what, const std::vector<ir::Tensor*>& a,
                    const std::vector<ir::Tensor*>& b, std::vector<std::string>& out) {
  for (const ir::Tensor* x : a) {
    if (x->is_constant()) continue;
    auto it = std::find_if(b.begin(), b.end(),
                           [&](const ir::Tensor* y) { return y->name() == x->name(); });
    if (it == b.end()) {
      out.push_back("- removed " + std::string(what) + " " + in_quotes(x->name()) + " " +
                    value_text(x));
    } else if (value_text(x) != value_text(*it)) {
      out.push_back("~ changed " + std::string(what) + " " + in_quotes(x->name()) + ": " +
                    value_text(x) + " \u2192 " + value_text(*it));
    }
  }
  for (const ir::Tensor* y : b) {
    if (y->is_constant()) continue;
    if (std::none_of(a.begin(), a.end(),
                     [&](const ir::Tensor* x) { return x->name() == y->name(); })) {
      out.push_back("+ added " + std::string(what) + " " + in_quotes(y->name()) + " " +
                    value_text(y));
    }
  }
}

}  // namespace

ModelDiff diff_models(const ir::Model& a, const ir::Model& b) {
  ModelDiff diff;
  if (!a.graph || !b.graph) {
    if (!a.graph != !b.graph)
      diff.graph_changes.push_back(a.graph ? "- the second model has no graph"
                                           : "+ the first model has no graph");
    return diff;
  }
  const ir::Graph& ga = *a.graph;
  const ir::Graph& gb = *b.graph;
  std::vector<const ir::Node*> na, nb;
  for (const auto& n : ga.nodes()) {
    if (!detail::is_folded_constant(*n)) na.push_back(n.get());
  }
  for (const auto& n : gb.nodes()) {
    if (!detail::is_folded_constant(*n)) nb.push_back(n.get());
  }
  diff.nodes_a = na.size();
  diff.nodes_b = nb.size();
  NodeMap a_to_b, b_to_a;
  auto pair = [&](const ir::Node* x, const ir::Node* y) {
    a_to_b.emplace(x, y);
    b_to_a.emplace(y, x);
  };
  // 1. By name, where a name is unique on both sides.
  std::unordered_map<std::string_view, int> count_a, count_b;
  for (const ir::Node* n : na) ++count_a[n->name()];
  for (const ir::Node* n : nb) ++count_b[n->name()];
  std::unordered_map<std::string_view, const ir::Node*> by_name;
  for (const ir::Node* n : na) {
    if (!n->name().empty() && count_a[n->name()] == 1) by_name.emplace(n->name(), n);
  }
  for (const ir::Node* n : nb) {
    if (n->name().empty() || count_b[n->name()] != 1) continue;
    auto it = by_name.find(n->name());
    if (it != by_name.end() && it->second->qualified_op() == n->qualified_op()) pair(it->second, n);
  }
  // 2. By structure: same op reading the partners of the same producers.
  // One pass over the second graph in order: a node's producers come first,
  // so their matches are known; candidates are the readers of the partner's
  // output, whose keys are computed then (O(edges) for a sorted graph).
  const std::unordered_set<const ir::Node*> in_a(na.begin(), na.end());
  for (const ir::Node* n : nb) {
    if (b_to_a.count(n)) continue;
    const std::string key = structure_key(*n, b_to_a, false);
    for (const ir::Tensor* t : n->inputs()) {
      if (t->is_empty() || t->producers().empty()) continue;
      const ir::Node* p = t->producers()[0];
      auto pa = b_to_a.find(p);
      if (pa == b_to_a.end()) continue;
      const auto slot = static_cast<std::size_t>(
          std::find(p->outputs().begin(), p->outputs().end(), t) - p->outputs().begin());
      if (slot >= pa->second->outputs().size()) continue;
      const ir::Node* found = nullptr;
      for (const ir::Node* c : pa->second->outputs()[slot]->consumers()) {
        if (in_a.count(c) && !a_to_b.count(c) && c->qualified_op() == n->qualified_op() &&
            structure_key(*c, a_to_b, true) == key) {
          found = c;
          break;
        }
      }
      if (found != nullptr) pair(found, n);
      break;  // the first matched producer decides
    }
  }
  // 3. Backward, so that a node inserted into (or taken out of) an unnamed
  // chain does not unmatch everything after it: producers of the graph
  // outputs (by name, else by position), then, consumers before producers,
  // the producers feeding the same input slot of matched partners.
  const std::unordered_set<const ir::Node*> in_b(nb.begin(), nb.end());
  auto pair_producers = [&](const ir::Tensor* ta, const ir::Tensor* tb) {
    if (ta->is_empty() || tb->is_empty() || ta->producers().empty() || tb->producers().empty())
      return;
    const ir::Node* pa = ta->producers()[0];
    const ir::Node* pb = tb->producers()[0];
    if (!in_a.count(pa) || !in_b.count(pb) || a_to_b.count(pa) || b_to_a.count(pb) ||
        pa->qualified_op() != pb->qualified_op())
      return;
    const auto slot_a =
        std::find(pa->outputs().begin(), pa->outputs().end(), ta) - pa->outputs().begin();
    const auto slot_b =
        std::find(pb->outputs().begin(), pb->outputs().end(), tb) - pb->outputs().begin();
    if (slot_a == slot_b) pair(pa, pb);
  };
  {
    std::unordered_map<std::string_view, const ir::Tensor*> outputs_a;
    for (const ir::Tensor* t : ga.outputs()) outputs_a.emplace(t->name(), t);
    for (std::size_t i = 0; i < gb.outputs().size(); ++i) {
      const ir::Tensor* tb = gb.outputs()[i];
      auto it = outputs_a.find(tb->name());
      if (it != outputs_a.end()) {
        pair_producers(it->second, tb);
      } else if (ga.outputs().size() == gb.outputs().size()) {
        pair_producers(ga.outputs()[i], tb);
      }
    }
  }
  for (auto it = nb.rbegin(); it != nb.rend(); ++it) {
    auto partner = b_to_a.find(*it);
    if (partner == b_to_a.end() || partner->second->inputs().size() != (*it)->inputs().size())
      continue;
    for (std::size_t i = 0; i < (*it)->inputs().size(); ++i)
      pair_producers(partner->second->inputs()[i], (*it)->inputs()[i]);
  }
  // Then what is left (nodes reading only graph inputs and weights, or
  // graphs out of order), by key, repeated while it finds more.
  for (bool progress = true; progress;) {
    progress = false;
    std::unordered_map<std::string, std::vector<const ir::Node*>> by_key;
    for (const ir::Node* n : na) {
      if (!a_to_b.count(n)) by_key[structure_key(*n, a_to_b, true)].push_back(n);
    }
    if (by_key.empty()) break;
    for (const ir::Node* n : nb) {
      if (b_to_a.count(n)) continue;
      auto it = by_key.find(structure_key(*n, b_to_a, false));
      if (it == by_key.end() || it->second.empty()) continue;
      const ir::Node* partner = it->second.front();
      it->second.erase(it->second.begin());
      pair(partner, n);
      progress = true;
    }
  }
  for (const ir::Node* n : na) {
    if (!a_to_b.count(n)) diff.nodes.push_back({NodeDiff::Kind::kRemoved, n, nullptr, {}});
  }
  for (const ir::Node* n : nb) {
    auto it = b_to_a.find(n);
    if (it == b_to_a.end()) {
      diff.nodes.push_back({NodeDiff::Kind::kAdded, nullptr, n, {}});
      continue;
    }
    diff.matches.emplace_back(it->second, n);
    NodeDiff d{NodeDiff::Kind::kChanged, it->second, n, {}};
    compare_nodes(*it->second, *n, a_to_b, d.details);
    if (d.details.empty()) {
      ++diff.unchanged;
    } else {
      diff.nodes.push_back(std::move(d));
    }
  }
  compare_values("input", ga.inputs(), gb.inputs(), diff.graph_changes);
  compare_values("output", ga.outputs(), gb.outputs(), diff.graph_changes);
  if (a.opset_import.size() != b.opset_import.size())
    diff.graph_changes.push_back("~ changed opset imports");
  return diff;
}

std::string diff_summary(const ModelDiff& diff, std::string_view name_a, std::string_view name_b) {
  std::size_t added = 0, removed = 0, changed = 0;
  for (const NodeDiff& d : diff.nodes) {
    (d.kind == NodeDiff::Kind::kAdded     ? added
     : d.kind == NodeDiff::Kind::kRemoved ? removed
                                          : changed) += 1;
  }
  std::string out = "a: " + std::string(name_a) + "\nb: " + std::string(name_b) +
                    "\nnodes: " + std::to_string(diff.nodes_a) + " \u2192 " +
                    std::to_string(diff.nodes_b) + " (" + std::to_string(removed) + " removed, " +
                    std::to_string(added) + " added, " + std::to_string(changed) + " changed, " +
                    std::to_string(diff.unchanged) + " unchanged)\n";
  if (diff.identical()) out += "the graphs are the same\n";
  for (const NodeDiff& d : diff.nodes) {
    switch (d.kind) {
      case NodeDiff::Kind::kRemoved:
        out += "- removed node " + node_label(*d.a) + "\n";
        break;
      case NodeDiff::Kind::kAdded:
        out += "+ added node " + node_label(*d.b) + "\n";
        break;
      case NodeDiff::Kind::kChanged:
        for (const std::string& line : d.details)
          out += "~ changed node " + node_label(*d.b) + ": " + line + "\n";
        break;
    }
  }
  for (const std::string& line : diff.graph_changes) out += line + "\n";
  return out;
}

std::string diff_view_json(const ir::Model& a, const ir::Model& b, const ModelDiff& diff,
                           std::string_view summary, const ViewOptions& options) {
  detail::PageWriter writer({&a, &b}, options.registry);
  if (!a.graph || !b.graph) {
    std::string extra = ",\"diff\":{\"summary\":";
    detail::json_string(extra, summary);
    extra += "}";
    return writer.write("diff", false, extra);
  }
  detail::GraphData g = detail::graph_data(*b.graph, 1);
  std::unordered_map<const ir::Node*, std::uint32_t> box_of;  // nodes of either model
  std::unordered_map<std::string, std::uint32_t> io_box;      // "i:name", "o:name"
  for (std::uint32_t i = 0; i < g.boxes.size(); ++i) {
    const detail::Box& box = g.boxes[i];
    if (box.node) box_of.emplace(box.node, i);
    if (box.tensor)
      io_box.emplace((box.kind == detail::Box::Kind::kInput ? "i:" : "o:") + box.tensor->name(), i);
  }
  for (const NodeDiff& d : diff.nodes) {
    if (d.kind == NodeDiff::Kind::kRemoved) continue;
    detail::Box& box = g.boxes[box_of.at(d.b)];
    box.status = d.kind == NodeDiff::Kind::kAdded ? detail::DiffStatus::kAdded
                                                  : detail::DiffStatus::kChanged;
    box.notes = d.details;
  }
  for (const auto& [x, y] : diff.matches) box_of.emplace(x, box_of.at(y));
  // Removed graph inputs and nodes of the first model come back as red boxes.
  for (const ir::Tensor* t : a.graph->inputs()) {
    if (t->is_constant() || io_box.count("i:" + t->name())) continue;
    io_box.emplace("i:" + t->name(), static_cast<std::uint32_t>(g.boxes.size()));
    g.boxes.push_back(
        {detail::Box::Kind::kInput, 0, nullptr, t, detail::DiffStatus::kRemoved, {}, 0});
  }
  std::vector<const ir::Node*> removed;
  for (const NodeDiff& d : diff.nodes) {
    if (d.kind != NodeDiff::Kind::kRemoved) continue;
    box_of.emplace(d.a, static_cast<std::uint32_t>(g.boxes.size()));
    g.boxes.push_back(
        {detail::Box::Kind::kNode, 0, d.a, nullptr, detail::DiffStatus::kRemoved, {}, 0});
    removed.push_back(d.a);
  }
  for (const ir::Tensor* t : a.graph->outputs()) {
    if (io_box.count("o:" + t->name())) continue;
    io_box.emplace("o:" + t->name(), static_cast<std::uint32_t>(g.boxes.size()));
    g.boxes.push_back(
        {detail::Box::Kind::kOutput, 0, nullptr, t, detail::DiffStatus::kRemoved, {}, 0});
  }
  const std::unordered_set<const ir::Node*> removed_set(removed.begin(), removed.end());
  auto source_box = [&](const ir::Tensor* t) -> std::int64_t {
    for (const ir::Node* p : t->producers()) {
      auto it = box_of.find(p);
      if (it != box_of.end()) return it->second;
    }
    auto it = io_box.find("i:" + t->name());
    return it == io_box.end() ? std::int64_t{-1} : std::int64_t{it->second};
  };
  // Edges of the first model that touch a removed node or a removed output.
  for (const ir::Node* n : removed) {
    const std::uint32_t to = box_of.at(n);
    for (const ir::Tensor* t : n->inputs()) {
      if (t->is_empty() || detail::weight_data(t) != nullptr) continue;
      const std::int64_t from = source_box(t);
      if (from >= 0) g.edges.push_back({static_cast<std::uint32_t>(from), to, 0, t});
    }
    for (const ir::Tensor* t : n->outputs()) {
      for (const ir::Node* c : t->consumers()) {
        if (removed_set.count(c) || !box_of.count(c)) continue;
        g.edges.push_back({to, box_of.at(c), 0, t});
      }
      auto it = io_box.find("o:" + t->name());
      const auto& outs = a.graph->outputs();
      if (it != io_box.end() && std::find(outs.begin(), outs.end(), t) != outs.end()) {
        g.edges.push_back({to, it->second, 0, t});
      }
    }
  }
  writer.add_graph(std::move(g), true);
  std::string extra = ",\"diff\":{\"summary\":";
  detail::json_string(extra, summary);
  extra += "}";
  return writer.write("diff", false, extra);
}

}  // namespace onnxkit::view
