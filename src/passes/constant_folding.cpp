#include "onnxkit/passes/constant_folding.h"

#include <array>
#include <unordered_map>
#include <unordered_set>

#include "onnxkit/core/error.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"
#include "passes/known_constants.h"

namespace onnxkit::passes {
namespace {

using runtime::Value;

/// Ops whose value is not a function of their inputs, or that are meant to
/// run at run time even when computable before.
bool never_folded(const ir::Node& node) {
  static constexpr std::array<std::string_view, 10> kOps{
      "RandomNormal",     "RandomUniform",
      "RandomNormalLike", "RandomUniformLike",
      "Multinomial",      "Bernoulli",
      "Dropout",          "QuantizeLinear",
      "DequantizeLinear", "DynamicQuantizeLinear"};
  for (std::string_view op : kOps) {
    if (node.op_type() == op) return true;
  }
  for (const ir::Attribute& a : node.attributes()) {
    if (a.g || !a.graphs.empty()) return true;
  }
  return false;
}

std::uint64_t value_bytes(const Value& v) {
  if (v.dtype() == DataType::kString) {
    std::uint64_t n = 0;
    for (const std::string& s : v.string_data()) n += s.size() + 8;
    return n;
  }
  return v.byte_size();
}

/// Bytes of a tensor whose inferred shape is fully known, else nullopt.
std::optional<std::uint64_t> inferred_bytes(const infer::Analysis& analysis, const ir::Tensor* t) {
  const ir::Type* type = analysis.type(t);
  if (type == nullptr || !type->is_tensor() || type->dims() == nullptr) return std::nullopt;
  std::uint64_t count = 1;
  for (const Dim& d : *type->dims()) {
    if (!d.is_value() || d.value < 0) return std::nullopt;
    count *= static_cast<std::uint64_t>(d.value);
    if (count > (std::uint64_t{1} << 40)) return count;  // absurd: surely over any limit
  }
  const int bits = data_type_bits(type->elem_type);
  return bits > 0 ? (count * static_cast<std::uint64_t>(bits) + 7) / 8 : count * 16;
}

/// Folding of one graph: which tensors are known, and their values.
class Folder {
 public:
  Folder(ir::Model& model, const FoldOptions& options) : model_(model), options_(options) {}

  void fold(ir::Graph& graph, FoldReport& report) {
    std::unordered_set<const ir::Node*> evaluated;
    std::vector<ir::Tensor*> known_order;
    for (const auto& holder : graph.nodes()) {
      ir::Node& node = *holder;
      if (foldable(node)) {
        if (evaluate(node, report)) {
          evaluated.insert(&node);
          ++report.nodes_evaluated;
          for (ir::Tensor* t : node.outputs()) {
            if (!t->is_empty()) known_order.push_back(t);
          }
        }
      } else if (options_.fold_shapes) {
        for (ir::Tensor* t : node.outputs()) {
          if (!t->is_empty() && fold_shape(node, t)) known_order.push_back(t);
        }
      }
    }
    // Materialize the known tensors that something other than an evaluated
    // node reads (or that are graph outputs): the rest die with their nodes.
    std::unordered_set<const ir::Tensor*> listed(graph.initializers().begin(),
                                                 graph.initializers().end());
    for (ir::Tensor* t : known_order) {
      bool needed = is_graph_output(*t);
      for (const ir::Node* c : t->consumers()) needed = needed || !evaluated.contains(c);
      if (!needed) continue;
      ir::Graph& owner = *t->graph();
      for (ir::Node* p : std::vector<ir::Node*>(t->producers())) {
        for (std::size_t i = 0; i < p->outputs().size(); ++i) {
          if (p->outputs()[i] == t)
            p->set_output(i, owner.add_fresh_variable(t->name() + "_folded"));
        }
      }
      t->to_constant(runtime::value_to_tensor_data(computed_.at(t), t->name()));
      if (t->has_info()) t->info().type.reset();  // the data says it now
      if (&owner != &graph) {
        list_initializer(owner, t);
      } else if (listed.insert(t).second) {
        graph.initializers().push_back(t);
      }
      report.folded.push_back(t);
    }
    computed_.clear();
    if (!options_.recurse_subgraphs) return;
    for (const auto& holder : graph.nodes()) {
      for (ir::Graph* sub : holder->subgraphs()) fold(*sub, report);
    }
  }

 private:
  /// The value of `t` when folded here, else null (fixed constants: fixed_data()).
  const Value* known(const ir::Tensor* t) {
    auto it = computed_.find(t);
    return it == computed_.end() ? nullptr : &it->second;
  }
  bool is_known(const ir::Tensor* t) { return computed_.contains(t) || fixed_data(*t) != nullptr; }

  bool foldable(const ir::Node& node) {
    if (!is_onnx_domain(node.domain()) || never_folded(node)) return false;
    if (options_.exclude && options_.exclude(node)) return false;
    bool any_output = false;
    for (const ir::Tensor* t : node.outputs()) any_output = any_output || !t->is_empty();
    if (!any_output) return false;
    for (const ir::Tensor* t : node.inputs()) {
      if (!t->is_empty() && !is_known(t)) return false;
    }
    return true;
  }

  std::uint64_t input_bytes(const ir::Node& node) {
    std::uint64_t n = 0;
    for (const ir::Tensor* t : node.inputs()) {
      if (t->is_empty()) continue;
      if (const Value* v = known(t)) {
        n += value_bytes(*v);
      } else if (const ir::TensorData* d = fixed_data(*t)) {
        n += d->byte_size().value_or(d->string_data.size() * 16);
      }
    }
    return n;
  }

  /// True when an output of `bytes` may be folded for a node reading `in_bytes`.
  bool size_allowed(std::uint64_t bytes, std::uint64_t in_bytes) const {
    if (options_.size_threshold && bytes > *options_.size_threshold) return false;
    if (options_.limit_growth && bytes > options_.growth_floor && bytes > in_bytes) return false;
    return true;
  }

  /// Runs `node` alone on its known inputs; records its outputs. False when
  /// it cannot be run or an output is too big to fold.
  bool evaluate(const ir::Node& node, FoldReport& report) {
    const std::uint64_t in_bytes = input_bytes(node);
    // A Constant node holding a tensor needs no kernel: its value is the attribute's.
    if (node.op_type() == "Constant" && node.outputs().size() == 1) {
      const ir::Attribute* value = node.attribute("value");
      if (value != nullptr && value->type == ir::AttributeType::kTensor && value->t &&
          node.attributes().size() == 1) {
        try {
          Value v = runtime::value_from_tensor_data(*value->t);
          // Its bytes are in the model already: only the threshold applies, not growth.
          if (options_.size_threshold && value_bytes(v) > *options_.size_threshold) return false;
          computed_[node.outputs()[0]] = std::move(v);
          return true;
        } catch (const Error&) {
          // fall through: the session reports it
        }
      }
    }
    if (options_.size_threshold || options_.limit_growth) {  // never run what could not be kept
      for (const ir::Tensor* t : node.outputs()) {
        if (t->is_empty()) continue;
        if (auto b = inferred_bytes(analysis(), t); b && !size_allowed(*b, in_bytes)) return false;
      }
    }
    runtime::NamedValues outputs;
    try {
      const ir::Model single = single_node_model(node);
      runtime::SessionOptions options;
      options.optimization_level = 0;
      const runtime::Session session(single, options);
      outputs = session.run({});
    } catch (const Error& e) {
      if (!options_.error_ok) throw Error(node.describe(), "cannot be folded: " + e.message());
      report.errors.push_back(node.describe() + ": " + e.message());
      return false;
    }
    for (const auto& [name, value] : outputs) {
      if (!value.is_tensor() || !size_allowed(value_bytes(value), in_bytes)) return false;
    }
    std::size_t k = 0;
    for (ir::Tensor* t : node.outputs()) {
      if (!t->is_empty()) computed_[t] = outputs.at(k++).second;
    }
    return true;
  }

  /// A model holding only a copy of `node`, its known inputs as initializers.
  ir::Model single_node_model(const ir::Node& node) {
    ir::Model m;
    m.ir_version = model_.ir_version > 0 ? model_.ir_version : 8;
    m.opset_import = model_.opset_import;
    m.graph = std::make_unique<ir::Graph>();
    ir::Graph& g = *m.graph;
    std::vector<ir::Tensor*> inputs, outputs;
    for (std::size_t i = 0; i < node.inputs().size(); ++i) {
      const ir::Tensor* t = node.inputs()[i];
      if (t->is_empty()) {
        inputs.push_back(g.add_empty_tensor());
        continue;
      }
      const std::string name = "input_" + std::to_string(i);
      ir::TensorData data;
      if (const Value* v = known(t)) {
        data = runtime::value_to_tensor_data(*v, name);
      } else {
        data = *fixed_data(*t);
        data.name = name;
      }
      ir::Tensor* c = g.add_constant(name, std::move(data));
      g.initializers().push_back(c);
      inputs.push_back(c);
    }
    for (std::size_t i = 0; i < node.outputs().size(); ++i) {
      if (node.outputs()[i]->is_empty()) {
        outputs.push_back(g.add_empty_tensor());
      } else {
        outputs.push_back(g.add_variable("output_" + std::to_string(i)));
        g.outputs().push_back(outputs.back());
      }
    }
    std::vector<ir::Attribute> attrs;
    for (const ir::Attribute& a : node.attributes()) attrs.push_back(a.copy_values());
    g.layer(node.op_type(), inputs, outputs, std::move(attrs), node.domain(), node.name());
    return m;
  }

  /// fold_shapes: Shape or Size of a tensor whose dims read are static, or a
  /// Gather/Slice of a Shape picking only static dims (inference knows their
  /// values). Records the value; true when folded.
  bool fold_shape(const ir::Node& node, ir::Tensor* t) {
    if (!is_onnx_domain(node.domain())) return false;
    const std::string& op = node.op_type();
    bool shape_like = op == "Shape" || op == "Size";
    if ((op == "Gather" || op == "Slice") && !node.inputs().empty()) {
      const ir::Tensor* data = node.inputs()[0];
      shape_like = data->producers().size() == 1 && data->producers()[0]->op_type() == "Shape";
    }
    if (!shape_like || (options_.exclude && options_.exclude(node))) return false;
    const infer::Analysis& facts = analysis();
    const infer::Fact* fact = facts.fact(t);
    if (fact == nullptr || !fact->has_values()) return false;
    if (fact->kind != ir::Type::Kind::kTensor || fact->elem != DataType::kInt64 ||
        !fact->has_rank())
      return false;
    const std::span<const infer::DimFact> values = facts.values(*fact);
    for (const infer::DimFact& d : values) {
      if (!d.is_value()) return false;
    }
    runtime::Dims vdims;
    if (fact->rank == 1) {
      vdims.push_back(static_cast<std::int64_t>(values.size()));
    } else if (fact->rank != 0 || values.size() != 1) {
      return false;
    }
    Value v = Value::tensor(DataType::kInt64, vdims);
    auto out = v.mutable_span<std::int64_t>();
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = values[i].value;
    computed_[t] = std::move(v);
    return true;
  }

  /// Inference over the model, run on first use (many graphs never need it).
  const infer::Analysis& analysis() {
    if (!analysis_) analysis_ = infer::analyze(model_);
    return *analysis_;
  }

  ir::Model& model_;
  const FoldOptions& options_;
  std::optional<infer::Analysis> analysis_;
  std::unordered_map<const ir::Tensor*, Value> computed_;
};

}  // namespace

FoldReport fold_constants(ir::Model& model, ir::Graph& graph, const FoldOptions& options) {
  FoldReport report;
  Folder folder(model, options);
  folder.fold(graph, report);
  return report;
}

bool ConstantFolding::run(ir::Model& model) {
  if (!model.graph) return false;
  return !fold_constants(model, *model.graph, options_).folded.empty();
}

}  // namespace onnxkit::passes
