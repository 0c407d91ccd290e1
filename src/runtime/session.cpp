#include "onnxkit/runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <unordered_map>

#include "onnxkit/core/error.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/runtime/tensor_io.h"
#include "onnxkit/runtime/thread_pool.h"
#include "onnxkit/schema/registry.h"
#include "runtime/fast/fusion.h"

namespace onnxkit::runtime {
namespace {

constexpr int kNoSlot = -1;

std::string qualified(std::string_view domain, std::string_view op) {
  return domain.empty() ? std::string(op) : std::string(domain) + "::" + std::string(op);
}

/// ONNXKIT_KERNELS=reference: every session uses the reference kernels only.
bool reference_kernels_from_env() {
  const char* v = std::getenv("ONNXKIT_KERNELS");
  return v != nullptr && std::string_view(v) == "reference";
}

/// The fast provider's fusions run when it is on and no custom kernel
/// replaces an op they would swallow.
bool fusions_allowed(const SessionOptions& options,
                     const std::vector<std::shared_ptr<Provider>>& providers) {
  if (std::none_of(providers.begin(), providers.end(),
                   [](const auto& p) { return p->name() == "cpu-fast"; })) {
    return false;
  }
  if (options.custom_kernels == nullptr) return true;
  for (const KernelDef* d : options.custom_kernels->all()) {
    if (d->domain.empty() &&
        (d->op == "Conv" || d->op == "Add" || d->op == "Relu" || d->op == "Clip"))
      return false;
  }
  return true;
}

bool is_onnx_domain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain.starts_with("ai.onnx.");
}

}  // namespace

struct GraphPlan;

/// One node of the plan: its kernel, where its values live, and which values
/// die after it.
struct Step {
  const ir::Node* node = nullptr;
  const KernelDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::vector<int> inputs;        // slot per input, kNoSlot when omitted
  std::vector<int> outputs;       // slot per output, kNoSlot when omitted
  std::vector<bool> wanted;       // per output: read later or a graph output
  std::vector<bool> tensor_only;  // per input: the op's schema admits only tensors there
  std::vector<int> release;       // slots whose last reader is this step
  /// The planned bodies of the node's graph attributes and, per body, the
  /// slots (in this graph) of the enclosing values it reads (GraphPlan::outer).
  std::vector<std::unique_ptr<GraphPlan>> bodies;
  std::vector<std::vector<int>> captures;

  Step();
  Step(Step&&) noexcept;
  Step& operator=(Step&&) noexcept;
  ~Step();
};

/// A planned graph: the main graph, or a body that a control-flow kernel runs.
struct GraphPlan final : Subgraph {
  const ir::Graph* source = nullptr;
  std::vector<Value> constants;  // per slot; absent for non-constants
  std::vector<Step> steps;
  std::size_t slot_count = 0;
  std::vector<int> input_slots;   // graph inputs that are not initializers, in order
  std::vector<int> output_slots;  // graph outputs, in order
  /// Tensors of enclosing graphs read here (by this graph's nodes, outputs or
  /// bodies), and the slots they are bound to for a run.
  std::vector<const ir::Tensor*> outer;
  std::vector<int> outer_slots;

  std::size_t input_count() const override { return input_slots.size(); }
  std::size_t output_count() const override { return output_slots.size(); }
  const ir::Graph& graph() const override { return *source; }
};

Step::Step() = default;
Step::Step(Step&&) noexcept = default;
Step& Step::operator=(Step&&) noexcept = default;
Step::~Step() = default;

struct Session::Plan {
  std::unique_ptr<ir::Model> model;  // our own copy (weights shared)
  std::vector<ValueInfo> inputs, outputs;
  std::unordered_map<std::string, int>
      feedable;  // name -> slot (graph inputs, initializers included)
  std::unordered_map<int, const ValueInfo*> declared;  // slot -> declared type of a fed input
  GraphPlan main;
  std::vector<std::shared_ptr<Provider>> providers;
  std::unique_ptr<ThreadPool> pool;
};

namespace {

// ---- per-run state

/// Memory of one run: freed intermediate blocks are kept by size and handed
/// out again, so a chain of same-sized activations reuses a few buffers.
class RunMemory {
 public:
  explicit RunMemory(Allocator& allocator) : allocator_(allocator) {}

  Value allocate(DataType dtype, Dims dims) {
    if (dtype == DataType::kString || data_type_bits(dtype) < 8)
      return Value::tensor(dtype, std::move(dims));
    const std::int64_t n = element_count(dims);
    const std::size_t bytes =
        static_cast<std::size_t>(n) * static_cast<std::size_t>(data_type_bits(dtype) / 8);
    const std::size_t need = round(bytes);
    auto it = free_.lower_bound(need);
    Block b;
    if (it == free_.end() || it->first > 2 * need) {
      b.owner = allocator_.allocate(need);
      b.data = allocator_.address(b.owner);
    } else {
      b = std::move(it->second);
      free_.erase(it);
    }
    std::memset(b.data, 0, bytes);
    return Value::adopt(dtype, std::move(dims), b.data, std::move(b.owner));
  }

  /// Takes back the storage of `v` when nothing else holds it.
  void release(Value& v) {
    if (v.is_tensor() && v.writable() && v.dtype() != DataType::kString && v.byte_size() > 0 &&
        v.storage_owner().use_count() == 1) {
      Block b{std::const_pointer_cast<void>(v.storage_owner()),
              const_cast<std::byte*>(v.bytes().data())};
      const std::size_t cap = round(v.byte_size());
      v = Value();
      free_.emplace(cap, std::move(b));
      return;
    }
    v = Value();
  }

 private:
  struct Block {
    std::shared_ptr<void> owner;
    std::byte* data = nullptr;
  };
  static std::size_t round(std::size_t n) { return (n + 63) / 64 * 64; }
  Allocator& allocator_;
  std::multimap<std::size_t, Block> free_;
};

void execute(const GraphPlan& graph, std::vector<Value>& slots, RunMemory& memory, ThreadPool& pool,
             RunProfile* profile = nullptr);

/// A run's slots for `g`: its constants, the rest empty.
std::vector<Value> initial_slots(const GraphPlan& g) {
  std::vector<Value> slots(g.slot_count);
  std::copy(g.constants.begin(), g.constants.end(), slots.begin());
  return slots;
}

class StepContext final : public KernelContext {
 public:
  StepContext(const Step& step, std::vector<Value>& slots, RunMemory& memory, ThreadPool& pool)
      : step_(step), slots_(slots), memory_(memory), pool_(pool), produced_(step.outputs.size()) {}

  std::size_t input_count() const override { return step_.inputs.size(); }
  const Value* input(std::size_t i) const override {
    if (i >= step_.inputs.size() || step_.inputs[i] == kNoSlot) return nullptr;
    const Value& v = slots_[static_cast<std::size_t>(step_.inputs[i])];
    return v ? &v : nullptr;
  }
  std::size_t output_count() const override { return step_.outputs.size(); }
  bool output_wanted(std::size_t i) const override {
    return i < step_.wanted.size() && step_.wanted[i];
  }
  Value& output(std::size_t i, DataType dtype, Dims dims) override {
    Value& slot = target(i);
    slot = memory_.allocate(dtype, std::move(dims));
    return slot;
  }
  void set_output(std::size_t i, Value value) override { target(i) = std::move(value); }
  ThreadPool& threads() const override { return pool_; }

  std::vector<Value> run_subgraph(const Subgraph& body, std::span<const Value> inputs) override {
    std::size_t b = 0;
    while (b < step_.bodies.size() && step_.bodies[b].get() != &body) ++b;
    if (b == step_.bodies.size()) fail("", "the subgraph given is not a body of this node");
    const GraphPlan& g = *step_.bodies[b];
    if (inputs.size() != g.input_slots.size()) {
      fail(g.source->describe(), "takes " + std::to_string(g.input_slots.size()) +
                                     " inputs, given " + std::to_string(inputs.size()));
    }
    std::vector<Value> sub = initial_slots(g);
    for (std::size_t i = 0; i < inputs.size(); ++i)
      sub[static_cast<std::size_t>(g.input_slots[i])] = inputs[i];
    const std::vector<int>& captured = step_.captures[b];
    for (std::size_t k = 0; k < captured.size(); ++k) {
      sub[static_cast<std::size_t>(g.outer_slots[k])] =
          slots_[static_cast<std::size_t>(captured[k])];
    }
    try {
      execute(g, sub, memory_, pool_);
    } catch (const Error& e) {
      throw e.within(g.source->describe());
    }
    std::vector<Value> out;
    out.reserve(g.output_slots.size());
    for (std::size_t j = 0; j < g.output_slots.size(); ++j) {
      Value& v = sub[static_cast<std::size_t>(g.output_slots[j])];
      if (!v) fail(g.source->describe(), "output " + std::to_string(j) + " was not produced");
      out.push_back(std::move(v));
    }
    return out;
  }

  /// Error when a wanted output was not produced.
  void check_outputs() const {
    for (std::size_t i = 0; i < step_.outputs.size(); ++i) {
      if (step_.outputs[i] != kNoSlot && step_.wanted[i] && !produced_[i]) {
        fail("", "the kernel produced no output " + std::to_string(i));
      }
    }
  }

 private:
  Value& target(std::size_t i) {
    if (i >= step_.outputs.size()) {
      fail("", "the kernel wrote output " + std::to_string(i) + ", the node has " +
                   std::to_string(step_.outputs.size()));
    }
    produced_[i] = true;
    if (step_.outputs[i] == kNoSlot) return scratch_;
    return slots_[static_cast<std::size_t>(step_.outputs[i])];
  }

  const Step& step_;
  std::vector<Value>& slots_;
  RunMemory& memory_;
  ThreadPool& pool_;
  std::vector<bool> produced_;
  Value scratch_;  // an omitted output a kernel wrote anyway
};

/// Error when a sequence or optional reaches an input whose op takes tensors
/// only (its kernel would read it as a tensor).
void check_tensor_inputs(const Step& step, const std::vector<Value>& slots) {
  for (std::size_t i = 0; i < step.inputs.size(); ++i) {
    if (step.inputs[i] == kNoSlot || !step.tensor_only[i]) continue;
    const Value& v = slots[static_cast<std::size_t>(step.inputs[i])];
    if (v && !v.is_tensor()) {
      fail("input " + std::to_string(i) + " '" + step.node->inputs()[i]->name() + "'",
           "is " + v.describe() + ", but the op takes a tensor there");
    }
  }
}

void execute(const GraphPlan& graph, std::vector<Value>& slots, RunMemory& memory, ThreadPool& pool,
             RunProfile* profile) {
  using Clock = std::chrono::steady_clock;
  for (std::size_t i = 0; i < graph.steps.size(); ++i) {
    const Step& step = graph.steps[i];
    StepContext ctx(step, slots, memory, pool);
    try {
      check_tensor_inputs(step, slots);
      const Clock::time_point start = profile != nullptr ? Clock::now() : Clock::time_point();
      step.kernel->run(ctx);
      if (profile != nullptr) {
        profile->nodes[i].seconds += std::chrono::duration<double>(Clock::now() - start).count();
      }
      ctx.check_outputs();
    } catch (const Error& e) {
      throw e.within(step.node->describe());
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(step.node->describe(), e.what());
    }
    for (int s : step.release) memory.release(slots[static_cast<std::size_t>(s)]);
  }
}

ValueInfo info_of(const ir::Tensor& t) {
  ValueInfo v;
  v.name = t.name();
  const std::optional<ir::Type> type = t.type();
  if (!type || type->is_tensor()) {
    v.dtype = t.dtype();
    v.shape = t.shape();
    if (type) v.type = ir::type_to_string(*type);
    return v;
  }
  v.type = ir::type_to_string(*type);
  const ir::Type* inner = &*type;
  if (type->kind == ir::Type::Kind::kSequence) v.kind = Value::Kind::kSequence;
  if (type->kind == ir::Type::Kind::kOptional) v.kind = Value::Kind::kOptional;
  while (inner != nullptr && !inner->is_tensor()) inner = inner->elem.get();
  if (inner != nullptr) {
    v.dtype = inner->elem_type;
    if (const Shape* dims = inner->dims()) v.shape = *dims;
  }
  if (v.kind == Value::Kind::kTensor)
    v.kind = Value::Kind::kNone;  // a map or other: no runtime value kind
  return v;
}

std::string kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kTensor:
      return "a tensor";
    case Value::Kind::kSequence:
      return "a sequence";
    case Value::Kind::kOptional:
      return "an optional";
    case Value::Kind::kNone:
      break;
  }
  return "a value of an unsupported type";
}

/// The value a run binds to input `info` when fed `v`: a tensor or sequence
/// fed to an optional input is wrapped. Error on a mismatch, naming the input.
Value bind_feed(const ValueInfo& info, const Value& v) {
  const std::string where = "input '" + info.name + "'";
  if (!v) fail(where, "no value given");
  if (info.type.empty()) return v;  // undeclared: any kind
  if (info.kind == Value::Kind::kOptional && !v.is_optional()) return Value::optional(v);
  if (info.kind != v.kind()) {
    fail(where, "expected " + kind_name(info.kind) +
                    (info.type.empty() ? "" : " (" + info.type + ")") + ", got " + v.describe());
  }
  if (info.kind == Value::Kind::kOptional && !v.has_element()) return v;
  const DataType got = v.dtype();
  if (info.dtype != DataType::kUndefined && got != DataType::kUndefined && got != info.dtype) {
    fail(where, "expected element type " + std::string(data_type_name(info.dtype)) + ", got " +
                    v.describe());
  }
  if (!info.shape || !v.is_tensor()) return v;
  const Shape& s = *info.shape;
  bool ok = s.size() == v.rank();
  for (std::size_t i = 0; ok && i < s.size(); ++i) {
    if (s[i].is_value() && s[i].value != v.dims()[i]) ok = false;
  }
  if (!ok) fail(where, "expected shape " + shape_to_string(s) + ", got " + v.describe());
  return v;
}

}  // namespace

// ---- planning

namespace {

/// Bodies nested deeper than this are refused at creation, so that neither
/// planning nor running (both recurse once per level) can exhaust the stack.
constexpr std::size_t kMaxSubgraphDepth = 64;

/// True when every type the schema admits for input `i` is a tensor type.
bool takes_only_tensors(const schema::OpSchema* s, std::size_t i) {
  if (s == nullptr) return true;  // custom ops: the plug-in ABI passes tensors
  if (s->inputs.empty()) return true;
  const schema::FormalParameter& p = i < s->inputs.size() ? s->inputs[i] : s->inputs.back();
  const std::vector<std::string> allowed = s->allowed_types(p);
  if (allowed.empty()) return false;
  return std::all_of(allowed.begin(), allowed.end(),
                     [](const std::string& t) { return t.starts_with("tensor("); });
}

/// Orders every body of `graph`, at any depth (the session's own copy).
void toposort_bodies(ir::Graph& graph, std::size_t depth) {
  for (const auto& node : graph.nodes()) {
    for (ir::Attribute& a : node->attributes()) {
      if (a.type == ir::AttributeType::kGraph && a.g) {
        if (depth + 1 > kMaxSubgraphDepth) {
          fail(node->describe(), "subgraphs are nested more than " +
                                     std::to_string(kMaxSubgraphDepth) +
                                     " deep (the runtime's bound)");
        }
        a.g->toposort();
        toposort_bodies(*a.g, depth + 1);
      }
    }
  }
}

struct Planner {
  const SessionOptions& options;
  const schema::SchemaRegistry& schemas;
  const std::vector<std::shared_ptr<Provider>>& providers;
  const ir::Model& model;
  const infer::Analysis& analysis;

  /// Slots of one graph being planned.
  struct Scope {
    GraphPlan& plan;
    const ir::Graph& graph;
    bool is_main;
    std::unordered_map<const ir::Tensor*, int> slots;
    std::vector<std::size_t> last_use;  // per slot: the index of its last reader
    std::vector<bool> read;             // per slot: some step or body reads it

    int slot_of(const ir::Tensor* t) {
      auto [it, added] = slots.try_emplace(t, static_cast<int>(plan.slot_count));
      if (added) {
        ++plan.slot_count;
        last_use.push_back(0);
        read.push_back(false);
      }
      return it->second;
    }

    /// The slot of `t` as this graph reads it: its own, or (in a body) a slot
    /// bound at run time to an enclosing graph's value. nullopt when neither.
    std::optional<int> find(const ir::Tensor* t) {
      if (auto it = slots.find(t); it != slots.end()) return it->second;
      if (is_main || t->graph() == &graph) return std::nullopt;
      const int s = slot_of(t);
      plan.outer.push_back(t);
      plan.outer_slots.push_back(s);
      return s;
    }

    void note_read(int s, std::size_t step) {
      last_use[static_cast<std::size_t>(s)] = step;
      read[static_cast<std::size_t>(s)] = true;
    }
  };

  const schema::OpSchema* schema_of(const ir::Node& node) const {
    const std::string_view domain = schema::canonical_domain(node.domain());
    return schemas.find(domain, node.op_type(), model.opset_version(domain));
  }

  std::int64_t resolve_version(const ir::Node& node, const schema::OpSchema* s) const {
    const std::string_view domain = schema::canonical_domain(node.domain());
    const std::int64_t opset = model.opset_version(domain);
    if (s != nullptr) return s->since_version;
    if (is_onnx_domain(domain)) {
      fail(node.describe(), qualified(domain, node.op_type()) + " is not an operator of " +
                                (domain.empty() ? std::string("ai.onnx") : std::string(domain)) +
                                " opset " + std::to_string(opset) +
                                " (check the model's opset_import)");
    }
    return opset > 0 ? opset : 1;
  }

  static std::unique_ptr<Kernel> prepare(const KernelDef& def, const ir::Node& node,
                                         const KernelInfo& info) {
    try {
      return def.prepare(info);
    } catch (const Error& e) {
      if (e.location().find(node.describe()) != std::string::npos) throw;
      throw e.within(node.describe());
    }
  }

  /// The kernel for `node`, from custom kernels, then each provider, then the
  /// CPU, prepared. A kernel whose prepare() declines (returns null) passes
  /// the node on to the next provider.
  std::pair<const KernelDef*, std::unique_ptr<Kernel>> choose(const ir::Node& node,
                                                              std::int64_t version,
                                                              const std::vector<DataType>& dtypes,
                                                              const KernelInfo& info) const {
    const std::string_view domain = schema::canonical_domain(node.domain());
    std::string why, all_why;
    // Custom kernels first, for each provider in order (a custom op may have
    // a CUDA kernel and a CPU one).
    if (options.custom_kernels != nullptr) {
      for (const auto& p : providers) {
        const KernelDef* d =
            options.custom_kernels->find(domain, node.op_type(), version, p->name(), dtypes, &why);
        if (d != nullptr) {
          if (auto k = prepare(*d, node, info)) return {d, std::move(k)};
          continue;
        }
        if (!why.empty()) all_why += (all_why.empty() ? "" : "; ") + why;
      }
    }
    std::string names;
    for (const auto& p : providers) {
      if (!names.empty()) names += ", ";
      names += p->name();
      if (!p->takes(node)) continue;
      if (const KernelDef* d =
              p->kernels().find(domain, node.op_type(), version, p->name(), dtypes, &why)) {
        if (auto k = prepare(*d, node, info)) return {d, std::move(k)};
        continue;
      }
      if (!why.empty()) all_why += (all_why.empty() ? "" : "; ") + why;
    }
    std::string types;
    for (std::size_t i = 0; i < dtypes.size(); ++i) {
      if (i) types += ", ";
      types += dtypes[i] == DataType::kUndefined ? std::string("?")
                                                 : std::string(data_type_name(dtypes[i]));
    }
    std::string message = "no kernel for " + qualified(domain, node.op_type()) + " version " +
                          std::to_string(version) + " (domain '" +
                          (domain.empty() ? std::string("ai.onnx") : std::string(domain)) +
                          "', opset " + std::to_string(model.opset_version(domain)) +
                          ", input types (" + types + ")) on providers [" + names + "]";
    if (!all_why.empty()) message += "; registered: " + all_why;
    if (is_onnx_domain(domain)) {
      message +=
          "; the CPU provider does not implement it yet: add a reference kernel in src/runtime, "
          "or register one in SessionOptions::custom_kernels";
    } else {
      const std::string op = qualified(domain, node.op_type());
      message +=
          "; a custom op needs a kernel, given in one of three ways: a plug-in library (onnxkit "
          "run --custom-ops lib.so, or CustomOpRegistry::load_library / "
          "SessionOptions.register_custom_ops_library in Python), a C++ function "
          "(CustomOpRegistry::add(\"" +
          std::string(domain) + "\", \"" + node.op_type() +
          "\", fn)), or a Python function (onnxkit.register_op(\"" + std::string(domain) +
          "\", \"" + node.op_type() +
          "\", fn)); or remove the node: onnxkit edit --bypass op=" + op;
    }
    fail(node.describe(), message);
  }

  DataType dtype_of(const ir::Tensor* t) const {
    const ir::Type* type = analysis.type(t);
    if (type != nullptr) return type->is_tensor() ? type->elem_type : DataType::kUndefined;
    const std::optional<ir::Type> declared = t->type();
    if (declared && !declared->is_tensor()) return DataType::kUndefined;
    return t->dtype();
  }

  /// Plans `graph` into `plan`: slots, constants, one step per node (bodies
  /// planned recursively, `depth` levels down), and value lifetimes.
  std::unordered_map<const ir::Tensor*, int> plan_graph(GraphPlan& plan, const ir::Graph& graph,
                                                        bool is_main, std::size_t depth) {
    plan.source = &graph;
    Scope scope{plan, graph, is_main, {}, {}, {}};

    // Slots: initializers and graph inputs first.
    std::vector<int> initializer_slots;
    for (ir::Tensor* t : graph.initializers()) initializer_slots.push_back(scope.slot_of(t));
    for (ir::Tensor* t : graph.sparse_initializers()) scope.slot_of(t);
    for (ir::Tensor* t : graph.inputs()) {
      const bool is_initializer = scope.slots.count(t) != 0;
      const int s = scope.slot_of(t);
      if (!is_initializer) plan.input_slots.push_back(s);
    }
    for (const auto& n : graph.nodes()) {
      for (ir::Tensor* t : n->outputs()) {
        if (!t->is_empty()) scope.slot_of(t);
      }
    }
    plan.constants.resize(plan.slot_count);
    for (std::size_t i = 0; i < initializer_slots.size(); ++i) {
      const ir::Tensor* t = graph.initializers()[i];
      try {
        plan.constants[static_cast<std::size_t>(initializer_slots[i])] =
            value_from_tensor_data(*t->data());
      } catch (const Error& e) {
        throw e.within("initializer '" + t->name() + "'");
      }
    }

    for (const auto& holder : graph.nodes()) plan.steps.push_back(plan_step(scope, *holder, depth));

    // Outputs (in a body, possibly values of an enclosing graph).
    std::vector<bool> is_output;
    for (ir::Tensor* t : graph.outputs()) {
      const std::optional<int> s = scope.find(t);
      if (!s) fail(graph.describe(), "output '" + t->name() + "' is never produced");
      plan.output_slots.push_back(*s);
    }
    // Slots captured from enclosing graphs were added after the constants;
    // `constants` keeps its size (kernels hold pointers into it) and a run
    // sizes its slot vector by slot_count.
    is_output.assign(plan.slot_count, false);
    for (int s : plan.output_slots) is_output[static_cast<std::size_t>(s)] = true;
    // An output is wanted when something reads it (a node, a body) or the graph returns it.
    for (Step& step : plan.steps) {
      for (std::size_t i = 0; i < step.outputs.size(); ++i) {
        const int s = step.outputs[i];
        step.wanted.push_back(s != kNoSlot && (scope.read[static_cast<std::size_t>(s)] ||
                                               is_output[static_cast<std::size_t>(s)]));
      }
    }
    // Values die after their last reader (never graph outputs or constants).
    for (std::size_t s = 0; s < plan.slot_count; ++s) {
      if (is_output[s] || plan.steps.empty()) continue;
      if (s < plan.constants.size() && plan.constants[s]) continue;
      plan.steps[scope.last_use[s]].release.push_back(static_cast<int>(s));
    }
    return std::move(scope.slots);
  }

  Step plan_step(Scope& scope, const ir::Node& node, std::size_t depth) {
    const std::size_t index = scope.plan.steps.size();
    Step step;
    step.node = &node;
    const schema::OpSchema* s = schema_of(node);
    std::vector<DataType> dtypes;
    std::vector<int> input_slots;
    for (std::size_t i = 0; i < node.inputs().size(); ++i) {
      const ir::Tensor* t = node.inputs()[i];
      step.tensor_only.push_back(takes_only_tensors(s, i));
      if (t->is_empty()) {
        step.inputs.push_back(kNoSlot);
        dtypes.push_back(DataType::kUndefined);
        continue;
      }
      const std::optional<int> slot = scope.find(t);
      if (!slot) {
        fail(node.describe(),
             "input '" + t->name() + "' is not a graph input, an initializer or a node output");
      }
      step.inputs.push_back(*slot);
      scope.note_read(*slot, index);
      dtypes.push_back(dtype_of(t));
    }
    for (const ir::Tensor* t : node.outputs()) {
      if (t->is_empty()) {
        step.outputs.push_back(kNoSlot);
        continue;
      }
      const int slot = scope.slots.at(t);
      step.outputs.push_back(slot);
      scope.last_use[static_cast<std::size_t>(slot)] = index;
    }
    // Bodies: planned once here; what they read from enclosing graphs is read
    // by this step (so it lives until the step has run).
    SubgraphList bodies;
    for (const ir::Attribute& a : node.attributes()) {
      if (a.type != ir::AttributeType::kGraph || !a.g) continue;
      if (depth + 1 > kMaxSubgraphDepth) {
        fail(node.describe(), "subgraphs are nested more than " +
                                  std::to_string(kMaxSubgraphDepth) +
                                  " deep (the runtime's bound)");
      }
      auto body = std::make_unique<GraphPlan>();
      try {
        plan_graph(*body, *a.g, false, depth + 1);
      } catch (const Error& e) {
        throw e.within(node.describe() + " › attribute '" + a.name + "'");
      }
      std::vector<int> captured;
      for (const ir::Tensor* t : body->outer) {
        const std::optional<int> slot = scope.find(t);
        if (!slot) {
          fail(node.describe(), "attribute '" + a.name + "' reads '" + t->name() +
                                    "', which no enclosing graph defines before this node");
        }
        scope.note_read(*slot, index);
        captured.push_back(*slot);
      }
      bodies.emplace_back(a.name, body.get());
      step.bodies.push_back(std::move(body));
      step.captures.push_back(std::move(captured));
    }
    // Constants known now (initializers of this graph; not captured values).
    std::vector<const Value*> constants;
    for (int slot : step.inputs) {
      const bool known = slot != kNoSlot &&
                         static_cast<std::size_t>(slot) < scope.plan.constants.size() &&
                         scope.plan.constants[static_cast<std::size_t>(slot)];
      constants.push_back(known ? &scope.plan.constants[static_cast<std::size_t>(slot)] : nullptr);
    }
    const std::int64_t version = resolve_version(node, s);
    const KernelInfo info(node, version, dtypes, constants, std::move(bodies));
    std::tie(step.def, step.kernel) = choose(node, version, dtypes, info);
    return step;
  }
};

void describe_steps(const GraphPlan& g, const std::string& indent, std::vector<std::string>& out) {
  for (const Step& s : g.steps) {
    out.push_back(indent + s.node->describe() + ": " + s.def->describe());
    for (const auto& body : s.bodies) {
      out.push_back(indent + "  " + body->source->describe() + ":");
      describe_steps(*body, indent + "    ", out);
    }
  }
}

}  // namespace

Session::Session(const ir::Model& model, SessionOptions options) : plan_(std::make_unique<Plan>()) {
  Plan& plan = *plan_;
  for (auto& p : options.providers) {
    if (p && p->name() != "cpu" && p->name() != "cpu-fast") plan.providers.push_back(p);
  }
  if (!options.reference_kernels && !reference_kernels_from_env())
    plan.providers.push_back(fast_cpu_provider());
  plan.providers.push_back(cpu_provider());
  plan.pool = std::make_unique<ThreadPool>(options.threads);
  const schema::SchemaRegistry& schemas =
      options.schemas != nullptr ? *options.schemas : schema::SchemaRegistry::onnx();

  plan.model = std::make_unique<ir::Model>(model.copy());
  ir::Model& copy = *plan.model;
  if (!copy.graph) fail("model", "has no graph");
  if (options.optimizer && options.optimization_level > 0)
    options.optimizer(copy, options.optimization_level);
  ir::Graph& graph = *copy.graph;
  graph.toposort();
  toposort_bodies(graph, 0);
  const infer::Analysis analysis = infer::analyze(copy);
  if (fusions_allowed(options, plan.providers)) fast::fuse_conv_activations(graph, analysis);

  Planner planner{options, schemas, plan.providers, copy, analysis};
  const auto slots = planner.plan_graph(plan.main, graph, true, 0);

  // Inputs and outputs as callers see them.
  std::unordered_map<const ir::Tensor*, bool> is_initializer;
  for (const ir::Tensor* t : graph.initializers()) is_initializer[t] = true;
  for (const ir::Tensor* t : graph.inputs()) {
    plan.feedable[t->name()] = slots.at(t);
    if (is_initializer.count(t)) continue;  // an input with a default: feedable, not required
    plan.inputs.push_back(info_of(*t));
  }
  for (std::size_t i = 0; i < plan.inputs.size(); ++i)
    plan.declared[plan.main.input_slots[i]] = &plan.inputs[i];
  for (const ir::Tensor* t : graph.outputs()) {
    plan.outputs.push_back(info_of(*t));
    if (const ir::Type* inferred = analysis.type(t);
        inferred && inferred->is_tensor() && plan.outputs.back().dtype == DataType::kUndefined) {
      plan.outputs.back().dtype = inferred->elem_type;
    }
  }
}

Session::~Session() = default;

const std::vector<ValueInfo>& Session::inputs() const noexcept { return plan_->inputs; }
const std::vector<ValueInfo>& Session::outputs() const noexcept { return plan_->outputs; }

NamedValues Session::run(const NamedValues& feeds,
                         const std::vector<std::string>& output_names) const {
  return run(feeds, output_names, nullptr);
}

NamedValues Session::run(const NamedValues& feeds, const std::vector<std::string>& output_names,
                         RunProfile* profile) const {
  const Plan& plan = *plan_;
  if (profile != nullptr && profile->nodes.size() != plan.main.steps.size()) {
    profile->nodes.clear();
    for (const Step& step : plan.main.steps) {
      profile->nodes.push_back({step.node->name(), step.node->qualified_op(), 0});
    }
  }
  std::vector<Value> slots = initial_slots(plan.main);
  std::vector<bool> fed(plan.main.slot_count, false);
  for (const auto& [name, value] : feeds) {
    auto it = plan.feedable.find(name);
    if (it == plan.feedable.end()) {
      std::string names;
      for (const ValueInfo& i : plan.inputs) names += (names.empty() ? "'" : ", '") + i.name + "'";
      fail("input '" + name + "'", "the model has no such input (inputs: " + names + ")");
    }
    const auto s = static_cast<std::size_t>(it->second);
    if (auto d = plan.declared.find(it->second); d != plan.declared.end()) {
      slots[s] = bind_feed(*d->second, value);
    } else {
      slots[s] = value;
    }
    fed[s] = true;
  }
  for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
    if (!fed[static_cast<std::size_t>(plan.main.input_slots[i])]) {
      fail("input '" + plan.inputs[i].name + "'", "no value given");
    }
  }

  RunMemory memory(plan.providers.back()->allocator());  // host memory of the CPU provider
  execute(plan.main, slots, memory, *plan.pool, profile);
  if (profile != nullptr) ++profile->runs;

  NamedValues out;
  const std::vector<int>& output_slots = plan.main.output_slots;
  if (output_names.empty()) {
    for (std::size_t i = 0; i < plan.outputs.size(); ++i) {
      out.emplace_back(plan.outputs[i].name, slots[static_cast<std::size_t>(output_slots[i])]);
    }
    return out;
  }
  for (const std::string& name : output_names) {
    std::size_t i = 0;
    while (i < plan.outputs.size() && plan.outputs[i].name != name) ++i;
    if (i == plan.outputs.size()) fail("output '" + name + "'", "the model has no such output");
    out.emplace_back(name, slots[static_cast<std::size_t>(output_slots[i])]);
  }
  return out;
}

std::vector<std::string> Session::describe_plan() const {
  std::vector<std::string> out;
  describe_steps(plan_->main, "", out);
  return out;
}

}  // namespace onnxkit::runtime
