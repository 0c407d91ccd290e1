// Node-level rules: opset import of the domain, the schema in force, input
// and output counts, attributes (well-formed, known, typed, required), type
// constraints, a few structural rules of common ops, and subgraphs.

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <unordered_map>

#include "check/context.h"
#include "onnxkit/schema/op_schema.h"

namespace onnxkit::check::detail {

namespace {

using ir::AttributeType;

std::string domain_label(std::string_view domain) {
  return domain.empty() ? std::string("ai.onnx") : std::string(domain);
}

std::string join_types(const std::vector<std::string>& types) {
  std::string out;
  for (const std::string& t : types) {
    if (!out.empty()) out += ", ";
    out += t;
  }
  return out;
}

/// Value fields set in an attribute other than the one its type names.
bool fields_match_type(const ir::Attribute& a) {
  int other = 0;
  auto count = [&](bool set, AttributeType t) {
    if (set && a.type != t) ++other;
  };
  count(a.f != 0, AttributeType::kFloat);
  count(a.i != 0, AttributeType::kInt);
  count(!a.s.empty(), AttributeType::kString);
  count(a.t != nullptr, AttributeType::kTensor);
  count(a.g != nullptr, AttributeType::kGraph);
  count(a.sparse_tensor != nullptr, AttributeType::kSparseTensor);
  count(a.tp != nullptr, AttributeType::kTypeProto);
  count(!a.floats.empty(), AttributeType::kFloats);
  count(!a.ints.empty(), AttributeType::kInts);
  count(!a.strings.empty(), AttributeType::kStrings);
  count(!a.tensors.empty(), AttributeType::kTensors);
  count(!a.graphs.empty(), AttributeType::kGraphs);
  count(!a.sparse_tensors.empty(), AttributeType::kSparseTensors);
  count(!a.type_protos.empty(), AttributeType::kTypeProtos);
  return other == 0;
}

}  // namespace

void Context::check_node(const ir::Node& node, const GraphContext& gc, const Scope& scope) {
  auto where = [&] { return node_location(gc, node); };

  if (node.op_type().empty()) error(where(), "the node has no op_type");
  if (node.inputs().empty() && node.outputs().empty()) {
    error(where(), "the node has neither inputs nor outputs");
  }

  // Attributes: well-formed on their own, and subgraphs checked in this scope.
  for (const ir::Attribute& a : node.attributes()) {
    // Built only when something is reported, or for a tensor or subgraph.
    auto aloc = [&] { return where() + " › attribute '" + a.name + "'"; };
    if (a.name.empty()) error(aloc(), "the attribute has no name");
    if (a.type == AttributeType::kUndefined && ir_version() >= 2) {
      error(aloc(), "the attribute has no type");
    } else if (!fields_match_type(a)) {
      error(aloc(), "the attribute is of type " + std::string(ir::attribute_type_name(a.type)) +
                        " but holds a value in another field");
    }
    if (!a.ref_attr_name.empty() && !gc.in_function) {
      error(aloc(), "refers to attribute '" + a.ref_attr_name +
                        "' of a calling function, but this node is not inside a function");
    }
    if (a.t || !a.tensors.empty() || a.sparse_tensor || !a.sparse_tensors.empty()) {
      if (a.t) check_tensor_data(*a.t, aloc);
      for (const ir::TensorData& t : a.tensors) check_tensor_data(t, aloc);
      if (a.sparse_tensor) check_sparse_data(*a.sparse_tensor, aloc);
      for (const ir::SparseTensorData& t : a.sparse_tensors) check_sparse_data(t, aloc);
    }
    auto sub = [&](const ir::Graph& g) {
      GraphContext child;
      child.location = aloc() + " › " + g.describe();
      child.outer = &scope;
      child.is_main = false;
      child.opsets = gc.opsets;
      child.in_function = gc.in_function;
      check_graph(g, child);
    };
    if (a.g) sub(*a.g);
    for (const auto& g : a.graphs) sub(*g);
  }

  // The schema in force.
  const OpLookup& lookup = lookup_op(node, *gc.opsets);
  const std::string& domain = lookup.domain;
  if (!lookup.imported) {
    error(where(), "no opset import for domain '" + domain_label(domain) +
                       "' (add it to the model's opset_import)");
    return;
  }
  const std::int64_t version = lookup.version;
  const schema::OpSchema* s = lookup.schema;
  if (s == nullptr) {
    if (find_function(domain, node.op_type()) != nullptr) return;  // a model-local function
    if (is_onnx_domain(domain)) {
      std::string msg = "no operator " + node.op_type() + " in " + domain_label(domain) +
                        " opset " + std::to_string(version);
      const auto versions = registry().versions(domain, node.op_type());
      if (!versions.empty() && versions.front()->since_version > version) {
        msg +=
            " (it first appears in opset " + std::to_string(versions.front()->since_version) + ")";
      }
      error(where(), msg);
    } else {
      std::string msg =
          "unknown op " + node.qualified_op() + " (no schema; declare one with --op-schemas)";
      if (options().strict) {
        error(where(), msg);
      } else {
        warning(where(), msg);
      }
    }
    return;
  }
  if (s->deprecated) {
    error(where(), node.op_type() + " was removed from " + domain_label(domain) + " in opset " +
                       std::to_string(s->since_version) + " (the model imports opset " +
                       std::to_string(version) + ")");
    return;
  }

  auto sname = [&] { return s->display_name(); };

  // Counts, and absent values where a value is required.
  const auto n_in = static_cast<int>(node.inputs().size());
  const auto n_out = static_cast<int>(node.outputs().size());
  auto range = [](int lo, int hi) {
    return hi == schema::kUnbounded ? std::to_string(lo) + " or more"
           : lo == hi               ? std::to_string(lo)
                                    : std::to_string(lo) + " to " + std::to_string(hi);
  };
  if (n_in < lookup.min_inputs || n_in > lookup.max_inputs) {
    error(where(), "has " + std::to_string(n_in) + " inputs; " + sname() + " takes " +
                       range(lookup.min_inputs, lookup.max_inputs));
  }
  if (n_out < lookup.min_outputs || n_out > lookup.max_outputs) {
    error(where(), "has " + std::to_string(n_out) + " outputs; " + sname() + " gives " +
                       range(lookup.min_outputs, lookup.max_outputs));
  }
  auto formal = [](const std::vector<schema::FormalParameter>& list,
                   std::size_t i) -> const schema::FormalParameter* {
    if (i < list.size()) return &list[i];
    if (!list.empty() && list.back().option == schema::FormalOption::kVariadic) return &list.back();
    return nullptr;
  };
  for (std::size_t i = 0; i < node.inputs().size(); ++i) {
    const schema::FormalParameter* f = formal(s->inputs, i);
    if (f != nullptr && f->option == schema::FormalOption::kSingle &&
        node.inputs()[i]->is_empty()) {
      error(where(), "input " + std::to_string(i) + " ('" + f->name + "' of " + sname() +
                         ") is required but given as absent (\"\")");
    }
  }
  for (std::size_t i = 0; i < node.outputs().size(); ++i) {
    const schema::FormalParameter* f = formal(s->outputs, i);
    if (f != nullptr && f->option == schema::FormalOption::kSingle &&
        node.outputs()[i]->is_empty()) {
      error(where(), "output " + std::to_string(i) + " ('" + f->name + "' of " + sname() +
                         ") is required but given as absent (\"\")");
    }
  }

  // Attributes against the schema.
  for (const ir::Attribute& a : node.attributes()) {
    const schema::AttributeSpec* spec = s->attribute(a.name);
    if (spec == nullptr) {
      if (!a.name.starts_with("__")) {
        error(where() + " › attribute '" + a.name + "'", "unknown attribute for " + sname());
      }
      continue;
    }
    if (a.type != AttributeType::kUndefined && a.type != spec->type) {
      error(where() + " › attribute '" + a.name + "'",
            "is of type " + std::string(ir::attribute_type_name(a.type)) + ", but " + sname() +
                " expects " + std::string(ir::attribute_type_name(spec->type)));
    }
  }
  for (const schema::AttributeSpec& spec : s->attributes) {
    if (spec.required && node.attribute(spec.name) == nullptr) {
      error(where(), "required attribute '" + spec.name + "' of " + sname() + " is missing");
    }
  }

  // Type constraints, on every value whose type is known.
  struct Bound {
    int param;              // index of the formal's type parameter
    std::string_view type;  // the type string bound to it (stable, see type_text)
    bool is_input;
    std::size_t index;
    const ir::Tensor* tensor;
  };
  // A handful per node: a linear search beats a map, and the array needs no allocation.
  constexpr std::size_t kInlineBound = 8;
  std::array<Bound, kInlineBound> bound_inline;
  std::vector<Bound> bound_more;
  std::size_t n_bound = 0;
  auto bound_at = [&](std::size_t k) -> Bound& {
    return k < kInlineBound ? bound_inline[k] : bound_more[k - kInlineBound];
  };
  auto formal_index = [](const std::vector<schema::FormalParameter>& list,
                         std::size_t i) -> std::ptrdiff_t {
    if (i < list.size()) return static_cast<std::ptrdiff_t>(i);
    if (!list.empty() && list.back().option == schema::FormalOption::kVariadic) {
      return static_cast<std::ptrdiff_t>(list.size()) - 1;
    }
    return -1;
  };
  auto check_value = [&](const ir::Tensor* t, bool is_input, std::size_t index) {
    const auto& formals = is_input ? s->inputs : s->outputs;
    const std::ptrdiff_t fi = formal_index(formals, index);
    if (fi < 0) return;
    const schema::FormalParameter& f = formals[static_cast<std::size_t>(fi)];
    DataType elem = DataType::kUndefined;
    const std::string_view ts = value_type_text(t, &elem);
    if (ts.empty()) return;
    const AllowedTypes& allowed =
        *(is_input ? lookup.input_types : lookup.output_types)[static_cast<std::size_t>(fi)];
    const auto code = static_cast<std::uint32_t>(elem);
    const bool ok = elem != DataType::kUndefined && code < 64
                        ? ((allowed.tensor_mask >> code) & 1U) != 0
                        : allowed.contains(ts);
    if (!ok) {
      error(where() + " › " + (is_input ? "input '" : "output '") + t->name() + "'",
            "type " + std::string(ts) + " is not allowed for " + f.name + " (" + f.type + ") of " +
                s->display_name() + "; allowed: " + join_types(allowed.list));
      return;
    }
    if (!allowed.constrained) return;
    if (f.option == schema::FormalOption::kVariadic && !f.homogeneous) return;
    const int param =
        (is_input ? lookup.input_param : lookup.output_param)[static_cast<std::size_t>(fi)];
    for (std::size_t k = 0; k < n_bound; ++k) {
      const Bound& b = bound_at(k);
      if (b.param != param) continue;
      if (b.type != ts) {
        const std::string who = std::string(b.is_input ? "input " : "output ") +
                                std::to_string(b.index) + " '" + b.tensor->name() + "'";
        error(where() + " › " + (is_input ? "input '" : "output '") + t->name() + "'",
              "type " + std::string(ts) + " differs from " + who + " (" + std::string(b.type) +
                  "), but " + s->display_name() + " binds both to the same type " + f.type);
      }
      return;
    }
    const Bound nb{param, ts, is_input, index, t};
    if (n_bound < kInlineBound) {
      bound_inline[n_bound] = nb;
    } else {
      bound_more.push_back(nb);
    }
    ++n_bound;
  };
  for (std::size_t i = 0; i < node.inputs().size(); ++i) check_value(node.inputs()[i], true, i);
  for (std::size_t i = 0; i < node.outputs().size(); ++i) check_value(node.outputs()[i], false, i);

  // Structural rules of the convolution and pooling family: X and W agree in
  // rank, and the per-axis attributes have one value per spatial axis.
  const std::string& op = node.op_type();
  if (lookup.conv_family) {
    const std::size_t x_index = 0;
    const std::size_t w_index = op == "QLinearConv" ? 3 : 1;
    const bool has_w = op.find("Conv") != std::string::npos;
    const auto x_rank =
        node.inputs().size() > x_index ? rank_of(node.inputs()[x_index]) : std::nullopt;
    const auto w_rank =
        has_w && node.inputs().size() > w_index ? rank_of(node.inputs()[w_index]) : std::nullopt;
    if (x_rank && *x_rank < 3) {
      error(where() + " › input '" + node.inputs()[x_index]->name() + "'",
            "has rank " + std::to_string(*x_rank) + "; " + op +
                " needs at least 3 (batch, channels, spatial dims...)");
    }
    if (x_rank && w_rank && *x_rank != *w_rank) {
      error(where() + " › input '" + node.inputs()[w_index]->name() + "'",
            "rank mismatch: the weights have rank " + std::to_string(*w_rank) + " but input '" +
                node.inputs()[x_index]->name() + "' has rank " + std::to_string(*x_rank) +
                " (they must be equal)");
    }
    const auto rank = x_rank ? x_rank : w_rank;
    if (rank && *rank >= 3) {
      const std::size_t spatial = *rank - 2;
      auto per_axis = [&](std::string_view attr, std::size_t factor) {
        const ir::Attribute* a = node.attribute(attr);
        if (a == nullptr || a->type != AttributeType::kInts) return;
        if (a->ints.size() != spatial * factor) {
          error(where() + " › attribute '" + std::string(attr) + "'",
                "has " + std::to_string(a->ints.size()) + " values; the input has " +
                    std::to_string(spatial) + " spatial axes, so " +
                    std::to_string(spatial * factor) + " are needed");
        }
      };
      per_axis("kernel_shape", 1);
      per_axis("strides", 1);
      per_axis("dilations", 1);
      per_axis("pads", 2);
    }
  }
}

}  // namespace onnxkit::check::detail
