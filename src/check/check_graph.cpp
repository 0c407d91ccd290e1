// Graph-level rules: names, declared types of inputs and outputs, SSA form and
// topological order (with cycles named), initializers, graph outputs.

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "check/context.h"
#include "onnxkit/core/error.h"

namespace onnxkit::check::detail {

namespace {

std::string quoted(std::string_view what, std::string_view name) {
  std::string out(what);
  out += " '";
  out += name;
  out += '\'';
  return out;
}

/// Problems with the type of a declared value; `location` names the value.
void check_type(Context& cx, const ir::Type& type, const Where& location, bool require_full) {
  using Kind = ir::Type::Kind;
  switch (type.kind) {
    case Kind::kNone:
      cx.error(location(), "the type is empty: it says neither tensor, sequence, map nor optional");
      return;
    case Kind::kTensor:
    case Kind::kSparseTensor:
      if (type.elem_type == DataType::kUndefined) {
        if (require_full) cx.error(location(), "the type has no element type");
      } else if (!data_type_known(static_cast<std::int32_t>(type.elem_type))) {
        cx.error(location(), "unknown element type " +
                                 std::to_string(static_cast<std::int32_t>(type.elem_type)));
      }
      if (!type.shape) {
        if (require_full) {
          cx.error(location(),
                   "the type has no shape (declare one: a scalar has an empty shape, an "
                   "unknown dim is '?')");
        }
      } else {
        for (std::size_t i = 0; i < type.shape->dims.size(); ++i) {
          const Dim& d = type.shape->dims[i];
          if (d.is_value() && d.value < 0) {
            cx.error(location(),
                     "dim " + std::to_string(i) + " is negative (" + std::to_string(d.value) + ")");
          }
        }
      }
      return;
    case Kind::kSequence:
    case Kind::kOptional:
      if (!type.elem) {
        if (require_full) {
          cx.error(location(), std::string("the ") +
                                   (type.kind == Kind::kSequence ? "sequence" : "optional") +
                                   " type has no element type");
        }
        return;
      }
      // onnx.checker asks a shape of a top-level tensor type only.
      check_type(cx, *type.elem, location, false);
      return;
    case Kind::kMap:
      if (type.key_type == DataType::kUndefined || !type.elem) {
        if (require_full) cx.error(location(), "the map type needs a key type and a value type");
        return;
      }
      check_type(cx, *type.elem, location, false);
      return;
    case Kind::kOpaque:
      return;
  }
}

/// A graph input or output: named, and in the main graph fully typed.
void check_declared(Context& cx, const ir::Tensor& t, const Where& location, bool require_type) {
  if (t.name().empty()) {
    cx.error(location(), "the value has no name");
    return;
  }
  const auto& type = t.info().type;
  if (!type) {
    if (require_type) {
      cx.error(location(),
               "the value has no type (inputs and outputs of the main graph must "
               "declare their type)");
    }
    return;
  }
  check_type(cx, *type, location, require_type);
}

/// An initializer whose input or value_info declares a type its data does not have.
void check_initializer_type(Context& cx, const ir::Tensor& t, const Where& location) {
  const ir::TensorData* data = t.data();
  const auto& declared = t.info().type;
  if (data == nullptr || !declared || declared->kind != ir::Type::Kind::kTensor) return;
  if (declared->elem_type != DataType::kUndefined && declared->elem_type != data->data_type) {
    cx.error(location(), "holds " + std::string(data_type_name(data->data_type)) +
                             " data but is declared as " + ir::type_to_string(*declared));
    return;
  }
  if (const Shape* dims = declared->dims()) {
    bool match = dims->size() == data->dims.size();
    for (std::size_t i = 0; match && i < dims->size(); ++i) {
      const Dim& d = (*dims)[i];
      match = !d.is_value() || d.value == data->dims[i];
    }
    if (!match) {
      Shape actual;
      for (std::int64_t d : data->dims) actual.push_back(Dim::of(d));
      cx.error(location(), "holds data of shape [" + shape_to_string(actual) +
                               "] but is declared as " + ir::type_to_string(*declared));
    }
  }
}

/// The error for an input that is not in scope: undefined, or defined too late.
/// Returns true when it is an ordering problem (the value is produced by a
/// later node).
bool report_unavailable(Context& cx, const ir::Graph& g, const ir::Node& node, const ir::Tensor& in,
                        const std::string& node_loc) {
  const std::string loc = node_loc + " › " + quoted("input", in.name());
  for (const ir::Node* p : in.producers()) {
    if (p == &node) {
      cx.error(loc, "the node reads its own output '" + in.name() + "' (a cycle of one node)");
      return true;
    }
    if (p->graph() == &g) {
      cx.error(loc, "'" + in.name() + "' is produced by a later " + p->describe() +
                        ": nodes must be in topological order (run toposort)");
      return true;
    }
    if (p->graph() != nullptr) {
      cx.error(loc, "'" + in.name() + "' is produced in " + p->graph()->describe() + " by " +
                        p->describe() + ", which comes after the node holding this graph");
      return true;
    }
  }
  std::string msg = "'" + in.name() +
                    "' is not defined: it is not a graph input, an initializer or the output of an "
                    "earlier node";
  if (g.parent() != nullptr) msg += ", here or in an enclosing graph";
  cx.error(loc, msg);
  return false;
}

constexpr std::size_t kNotHere = static_cast<std::size_t>(-1);

/// Tensors of `outer` that a subgraph tree reads (as toposort() counts them).
void collect_outer_reads(const ir::Graph& sub, const ir::Graph* outer,
                         std::vector<const ir::Tensor*>& out) {
  for (const ir::Tensor* t : sub.outputs()) {
    if (t->graph() == outer) out.push_back(t);
  }
  for (const auto& node : sub.nodes()) {
    for (const ir::Tensor* t : node->inputs()) {
      if (t->graph() == outer) out.push_back(t);
    }
    for (const ir::Graph* sg : node->subgraphs()) collect_outer_reads(*sg, outer, out);
  }
}

/// The cycle through the graph's nodes, as toposort() names it, or "" when the
/// nodes can be sorted. The same walk as Graph::toposort() (Kahn, then back
/// along unsorted producers), on the graph itself: nothing is copied or moved.
std::string find_cycle(const ir::Graph& g) {
  const std::size_t n = g.nodes().size();
  std::unordered_map<const ir::Node*, std::size_t> index;
  index.reserve(n);
  for (std::size_t i = 0; i < n; ++i) index.emplace(g.nodes()[i].get(), i);
  std::vector<std::vector<std::size_t>> deps(n);
  std::vector<const ir::Tensor*> reads;
  for (std::size_t i = 0; i < n; ++i) {
    const ir::Node& node = *g.nodes()[i];
    reads.assign(node.inputs().begin(), node.inputs().end());
    if (!node.attributes().empty()) {
      for (const ir::Graph* sg : node.subgraphs()) collect_outer_reads(*sg, &g, reads);
    }
    for (const ir::Tensor* t : reads) {
      for (const ir::Node* p : t->producers()) {
        if (p->graph() != &g) continue;
        auto it = index.find(p);
        if (it != index.end()) deps[i].push_back(it->second);
      }
    }
    std::sort(deps[i].begin(), deps[i].end());
    deps[i].erase(std::unique(deps[i].begin(), deps[i].end()), deps[i].end());
  }
  std::vector<std::size_t> pending(n);
  std::vector<std::vector<std::size_t>> users(n);
  for (std::size_t i = 0; i < n; ++i) {
    pending[i] = deps[i].size();
    for (std::size_t j : deps[i]) users[j].push_back(i);
  }
  // Which nodes stay unsorted does not depend on the order they are taken in.
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push_back(i);
  }
  std::size_t sorted = 0;
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    ++sorted;
    for (std::size_t u : users[i]) {
      if (--pending[u] == 0) ready.push_back(u);
    }
  }
  if (sorted == n) return {};
  std::size_t at = 0;
  while (pending[at] == 0) ++at;
  std::vector<std::size_t> path;
  std::vector<std::size_t> seen_at(n, kNotHere);
  while (seen_at[at] == kNotHere) {
    seen_at[at] = path.size();
    path.push_back(at);
    for (std::size_t j : deps[at]) {
      if (pending[j] != 0) {
        at = j;
        break;
      }
    }
  }
  std::string names;
  for (std::size_t k = path.size(); k-- > seen_at[at];) {
    names += g.nodes()[path[k]]->describe() + " → ";
  }
  names += g.nodes()[path.back()]->describe();
  return "cycle: " + names + " (" + std::to_string(n - sorted) + " nodes cannot be ordered)";
}

}  // namespace

void Context::check_graph(const ir::Graph& g, const GraphContext& gc) {
  const std::string& loc = gc.location;
  if (!gc.in_function && g.name().empty()) {
    error(loc, "the graph has no name (GraphProto.name is required)");
  }

  Scope scope;
  scope.parent = gc.outer;

  const bool require_types = gc.is_main && !gc.in_function;
  {
    std::size_t names =
        g.inputs().size() + g.initializers().size() + g.sparse_initializers().size();
    for (const auto& n : g.nodes()) names += n->outputs().size();
    scope.names.reserve(names);
  }
  for (std::size_t i = 0; i < g.inputs().size(); ++i) {
    const ir::Tensor& t = *g.inputs()[i];
    auto where = [&] { return loc + " › " + quoted("input", t.name()); };
    if (!gc.in_function) check_declared(*this, t, where, require_types);
    if (t.name().empty()) {
      if (gc.in_function) error(where(), "the function input has no name");
      continue;
    }
    if (!scope.names.insert(t.name())) {
      error(where(), "'" + t.name() + "' is listed as a graph input more than once");
    }
  }
  for (const ir::Tensor* t : g.outputs()) {
    auto where = [&] { return loc + " › " + quoted("output", t->name()); };
    if (!gc.in_function) check_declared(*this, *t, where, require_types);
  }
  for (const ir::Tensor* t : g.value_info()) {
    auto where = [&] { return loc + " › " + quoted("value_info", t->name()); };
    if (t->name().empty()) {
      error(where(), "the value has no name");
    } else if (t->info().type) {
      check_type(*this, *t->info().type, where, false);
    }
  }

  // Initializers: defined before every node.
  std::unordered_set<std::string_view> input_names;
  for (const ir::Tensor* t : g.inputs()) {
    if (!t->name().empty()) input_names.insert(t->name());
  }
  std::unordered_set<std::string_view> init_names;
  init_names.reserve(g.initializers().size() + g.sparse_initializers().size());
  auto define_initializer = [&](const ir::Tensor& t, const Where& where) {
    if (t.name().empty()) {
      error(where(), "the initializer has no name");
      return false;
    }
    if (!init_names.insert(t.name()).second) {
      error(where(), "'" + t.name() + "' is defined by more than one initializer");
    }
    if (ir_version() > 0 && ir_version() <= 3 && input_names.count(t.name()) == 0) {
      error(where(), "in IR version " + std::to_string(ir_version()) +
                         " an initializer must also be a graph input");
    }
    scope.names.insert(t.name());
    return true;
  };
  for (const ir::Tensor* t : g.initializers()) {
    auto where = [&] { return loc + " › " + quoted("initializer", t->name()); };
    if (!define_initializer(*t, where)) continue;
    if (t->data() != nullptr) {
      check_tensor_data(*t->data(), where);
      check_initializer_type(*this, *t, where);
    }
  }
  for (const ir::Tensor* t : g.sparse_initializers()) {
    auto where = [&] { return loc + " › " + quoted("sparse initializer", t->name()); };
    if (!define_initializer(*t, where)) continue;
    if (t->sparse_data() != nullptr) check_sparse_data(*t->sparse_data(), where);
  }

  // Nodes in order: inputs must be in scope; outputs must be new (SSA).
  bool out_of_order = false;
  std::vector<Problem> order_problems;
  for (const auto& owned : g.nodes()) {
    const ir::Node& node = *owned;
    for (const ir::Tensor* in : node.inputs()) {
      if (in->is_empty() || scope.defines(in->name())) continue;
      // Ordering errors are held back: a cycle is reported instead of each of its edges.
      std::vector<Problem> saved;
      saved.swap(problems_);
      const bool order = report_unavailable(*this, g, node, *in, node_location(gc, node));
      saved.swap(problems_);
      if (order) {
        out_of_order = true;
        order_problems.insert(order_problems.end(), saved.begin(), saved.end());
      } else {
        problems_.insert(problems_.end(), saved.begin(), saved.end());
      }
    }
    check_node(node, gc, scope);
    for (const ir::Tensor* out : node.outputs()) {
      if (out->is_empty()) continue;
      // One probe when the name is new (the usual case): the enclosing scopes
      // first (there are none in the main graph), then insert here.
      const bool defined = (scope.parent != nullptr && scope.parent->defines(out->name())) ||
                           !scope.names.insert(out->name());
      if (defined) {
        std::string what = "'" + out->name() + "' is already defined";
        if (input_names.count(out->name()) != 0) {
          what += " (a graph input)";
        } else if (init_names.count(out->name()) != 0) {
          what += " (an initializer)";
        } else if (!scope.names.contains(out->name())) {
          what += " in an enclosing graph";
        } else {
          what += " by an earlier node";
        }
        error(node_location(gc, node) + " › " + quoted("output", out->name()),
              what + ": every value must be assigned exactly once (SSA form)");
      }
    }
  }
  if (out_of_order) {
    const std::string cycle = find_cycle(g);
    if (!cycle.empty()) {
      error(loc, cycle);
    } else {
      problems_.insert(problems_.end(), order_problems.begin(), order_problems.end());
    }
  }

  // Graph outputs must be produced (onnx.checker does not look; a graph whose
  // output is never computed cannot run).
  for (const ir::Tensor* t : g.outputs()) {
    if (t->name().empty() || scope.defines(t->name())) continue;
    error(loc + " › " + quoted("output", t->name()),
          "'" + t->name() + "' is never produced: no node, input or initializer defines it");
  }
  if (gc.in_function) {
    std::unordered_set<std::string_view> outs;
    for (const ir::Tensor* t : g.outputs()) {
      if (!outs.insert(t->name()).second) {
        error(loc + " › " + quoted("output", t->name()), "the function lists this output twice");
      }
    }
  }
}

}  // namespace onnxkit::check::detail
