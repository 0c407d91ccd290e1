#include "onnxkit/runtime/session.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <map>
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

bool is_onnx_domain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain.starts_with("ai.onnx.");
}

}  // namespace

/// One node of the plan: its kernel, where its values live, and which values
/// die after it.
struct Step {
  const ir::Node* node = nullptr;
  const KernelDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::vector<int> inputs;   // slot per input, kNoSlot when omitted
  std::vector<int> outputs;  // slot per output, kNoSlot when omitted
  std::vector<bool> wanted;  // per output: read later or a graph output
  std::vector<int> release;  // slots whose last reader is this step
};

struct Session::Plan {
  std::unique_ptr<ir::Model> model;  // our own copy (weights shared)
  std::vector<ValueInfo> inputs, outputs;
  std::vector<int> input_slots, output_slots;
  std::unordered_map<std::string, int> feedable;  // name -> slot (graph inputs, initializers included)
  std::unordered_map<int, const ValueInfo*> declared;  // slot -> declared type of a fed input
  std::vector<Value> constants;  // per slot; absent for non-constants
  std::vector<Step> steps;
  std::size_t slot_count = 0;
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
    if (dtype == DataType::kString || data_type_bits(dtype) < 8) return Value::tensor(dtype, std::move(dims));
    const std::int64_t n = element_count(dims);
    const std::size_t bytes = static_cast<std::size_t>(n) * static_cast<std::size_t>(data_type_bits(dtype) / 8);
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
    if (v && v.writable() && v.dtype() != DataType::kString && v.byte_size() > 0 &&
        v.storage_owner().use_count() == 1) {
      Block b{std::const_pointer_cast<void>(v.storage_owner()), const_cast<std::byte*>(v.bytes().data())};
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
  bool output_wanted(std::size_t i) const override { return i < step_.wanted.size() && step_.wanted[i]; }
  Value& output(std::size_t i, DataType dtype, Dims dims) override {
    Value& slot = target(i);
    slot = memory_.allocate(dtype, std::move(dims));
    return slot;
  }
  void set_output(std::size_t i, Value value) override { target(i) = std::move(value); }
  ThreadPool& threads() const override { return pool_; }

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

ValueInfo info_of(const ir::Tensor& t) {
  ValueInfo v;
  v.name = t.name();
  v.dtype = t.dtype();
  v.shape = t.shape();
  return v;
}

void check_feed(const ValueInfo& info, const Value& v) {
  if (!v.is_tensor()) fail("input '" + info.name + "'", "no value given");
  if (info.dtype != DataType::kUndefined && v.dtype() != info.dtype) {
    fail("input '" + info.name + "'", "expected element type " + std::string(data_type_name(info.dtype)) +
                                          ", got " + v.describe());
  }
  if (!info.shape) return;
  const Shape& s = *info.shape;
  bool ok = s.size() == v.rank();
  for (std::size_t i = 0; ok && i < s.size(); ++i) {
    if (s[i].is_value() && s[i].value != v.dims()[i]) ok = false;
  }
  if (!ok) {
    fail("input '" + info.name + "'", "expected shape " + shape_to_string(s) + ", got " + v.describe());
  }
}

}  // namespace

// ---- planning

namespace {

struct Planner {
  Session::Plan& plan;
  const SessionOptions& options;
  const schema::SchemaRegistry& schemas;
  std::unordered_map<const ir::Tensor*, int> slots;

  int slot_of(const ir::Tensor* t) {
    auto [it, added] = slots.try_emplace(t, static_cast<int>(plan.slot_count));
    if (added) ++plan.slot_count;
    return it->second;
  }

  std::int64_t resolve_version(const ir::Node& node, const ir::Model& model) const {
    const std::string_view domain = schema::canonical_domain(node.domain());
    const std::int64_t opset = model.opset_version(domain);
    if (const schema::OpSchema* s = schemas.find(domain, node.op_type(), opset)) return s->since_version;
    if (is_onnx_domain(domain)) {
      fail(node.describe(), qualified(domain, node.op_type()) + " is not an operator of " +
                                (domain.empty() ? std::string("ai.onnx") : std::string(domain)) + " opset " +
                                std::to_string(opset) + " (check the model's opset_import)");
    }
    return opset > 0 ? opset : 1;
  }

  /// The fast provider's fusions run when it is on and no custom kernel
  /// replaces an op they would swallow.
  bool fusions_allowed() const {
    if (std::none_of(plan.providers.begin(), plan.providers.end(),
                     [](const auto& p) { return p->name() == "cpu-fast"; })) {
      return false;
    }
    if (options.custom_kernels == nullptr) return true;
    for (const KernelDef* d : options.custom_kernels->all()) {
      if (d->domain.empty() && (d->op == "Conv" || d->op == "Add" || d->op == "Relu" || d->op == "Clip")) return false;
    }
    return true;
  }

  static std::unique_ptr<Kernel> prepare(const KernelDef& def, const ir::Node& node, const KernelInfo& info) {
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
  std::pair<const KernelDef*, std::unique_ptr<Kernel>> choose(const ir::Node& node, std::int64_t version,
                                                              const std::vector<DataType>& dtypes,
                                                              const KernelInfo& info, const ir::Model& model) const {
    const std::string_view domain = schema::canonical_domain(node.domain());
    std::string why, all_why;
    if (options.custom_kernels != nullptr) {
      if (const KernelDef* d = options.custom_kernels->find(domain, node.op_type(), version, "cpu", dtypes, &why)) {
        if (auto k = prepare(*d, node, info)) return {d, std::move(k)};
      }
      if (!why.empty()) all_why += why;
    }
    std::string names;
    for (const auto& p : plan.providers) {
      if (!names.empty()) names += ", ";
      names += p->name();
      if (!p->takes(node)) continue;
      if (const KernelDef* d = p->kernels().find(domain, node.op_type(), version, p->name(), dtypes, &why)) {
        if (auto k = prepare(*d, node, info)) return {d, std::move(k)};
        continue;
      }
      if (!why.empty()) all_why += (all_why.empty() ? "" : "; ") + why;
    }
    std::string types;
    for (std::size_t i = 0; i < dtypes.size(); ++i) {
      if (i) types += ", ";
      types += dtypes[i] == DataType::kUndefined ? std::string("?") : std::string(data_type_name(dtypes[i]));
    }
    std::string message = "no kernel for " + qualified(domain, node.op_type()) + " version " +
                          std::to_string(version) + " (domain '" +
                          (domain.empty() ? std::string("ai.onnx") : std::string(domain)) + "', opset " +
                          std::to_string(model.opset_version(domain)) + ", input types (" + types +
                          ")) on providers [" + names + "]";
    if (!all_why.empty()) message += "; registered: " + all_why;
    if (is_onnx_domain(domain)) {
      message += "; the CPU provider does not implement it yet: add a reference kernel in src/runtime, "
                 "or register one in SessionOptions::custom_kernels";
    } else {
      message += "; a custom op needs a kernel: register one with KernelRegistry::add(\"" + std::string(domain) +
                 "\", \"" + node.op_type() + "\", fn) in SessionOptions::custom_kernels, or remove the node "
                 "(onnxkit edit)";
    }
    fail(node.describe(), message);
  }

  void build(const ir::Model& source) {
    plan.model = std::make_unique<ir::Model>(source.copy());
    ir::Model& model = *plan.model;
    if (!model.graph) fail("model", "has no graph");
    ir::Graph& graph = *model.graph;
    graph.toposort();
    const infer::Analysis analysis = infer::analyze(model);
    if (fusions_allowed()) fast::fuse_conv_activations(graph, analysis);

    // Slots: graph inputs and initializers first.
    std::unordered_map<int, bool> is_initializer;
    for (ir::Tensor* t : graph.initializers()) {
      const int s = slot_of(t);
      is_initializer[s] = true;
    }
    for (ir::Tensor* t : graph.sparse_initializers()) slot_of(t);
    for (ir::Tensor* t : graph.inputs()) {
      const int s = slot_of(t);
      plan.feedable[t->name()] = s;
      if (!is_initializer.count(s)) {
        plan.inputs.push_back(info_of(*t));
        plan.input_slots.push_back(s);
      }
    }
    for (std::size_t i = 0; i < plan.inputs.size(); ++i) plan.declared[plan.input_slots[i]] = &plan.inputs[i];
    for (const auto& n : graph.nodes()) {
      for (ir::Tensor* t : n->outputs()) {
        if (!t->is_empty()) slot_of(t);
      }
    }
    plan.constants.resize(plan.slot_count);
    for (ir::Tensor* t : graph.initializers()) {
      try {
        plan.constants[static_cast<std::size_t>(slots.at(t))] = value_from_tensor_data(*t->data());
      } catch (const Error& e) {
        throw e.within("initializer '" + t->name() + "'");
      }
    }

    std::vector<std::size_t> last_use(plan.slot_count, 0);
    std::vector<bool> is_output(plan.slot_count, false);
    for (ir::Tensor* t : graph.outputs()) {
      auto it = slots.find(t);
      if (it == slots.end()) fail(graph.describe(), "output '" + t->name() + "' is never produced");
      is_output[static_cast<std::size_t>(it->second)] = true;
      plan.outputs.push_back(info_of(*t));
      if (const ir::Type* inferred = analysis.type(t); inferred && plan.outputs.back().dtype == DataType::kUndefined) {
        plan.outputs.back().dtype = inferred->elem_type;
      }
      plan.output_slots.push_back(it->second);
    }

    for (const auto& holder : graph.nodes()) {
      const ir::Node& node = *holder;
      Step step;
      step.node = &node;
      std::vector<DataType> dtypes;
      std::vector<const Value*> constants;
      for (const ir::Tensor* t : node.inputs()) {
        if (t->is_empty()) {
          step.inputs.push_back(kNoSlot);
          dtypes.push_back(DataType::kUndefined);
          constants.push_back(nullptr);
          continue;
        }
        auto it = slots.find(t);
        if (it == slots.end()) {
          fail(node.describe(), "input '" + t->name() + "' is not a graph input, an initializer or a node output" +
                                    (t->graph() != &graph ? " (outer-scope values need subgraph support)" : ""));
        }
        step.inputs.push_back(it->second);
        last_use[static_cast<std::size_t>(it->second)] = plan.steps.size();
        const ir::Type* type = analysis.type(t);
        dtypes.push_back(type != nullptr && type->is_tensor() ? type->elem_type : t->dtype());
        const Value& c = plan.constants[static_cast<std::size_t>(it->second)];
        constants.push_back(c ? &c : nullptr);
      }
      for (const ir::Tensor* t : node.outputs()) {
        if (t->is_empty()) {
          step.outputs.push_back(kNoSlot);
          step.wanted.push_back(false);
          continue;
        }
        const int s = slots.at(t);
        step.outputs.push_back(s);
        step.wanted.push_back(!t->consumers().empty() || is_output[static_cast<std::size_t>(s)]);
        last_use[static_cast<std::size_t>(s)] = plan.steps.size();
      }
      const std::int64_t version = resolve_version(node, model);
      const KernelInfo info(node, version, dtypes, constants);
      std::tie(step.def, step.kernel) = choose(node, version, dtypes, info, model);
      plan.steps.push_back(std::move(step));
    }
    // Values die after their last reader (never graph outputs or constants).
    for (std::size_t s = 0; s < plan.slot_count; ++s) {
      if (is_output[s] || plan.constants[s] || plan.steps.empty()) continue;
      plan.steps[last_use[s]].release.push_back(static_cast<int>(s));
    }
  }
};

}  // namespace

Session::Session(const ir::Model& model, SessionOptions options) : plan_(std::make_unique<Plan>()) {
  for (auto& p : options.providers) {
    if (p && p->name() != "cpu" && p->name() != "cpu-fast") plan_->providers.push_back(p);
  }
  if (!options.reference_kernels && !reference_kernels_from_env()) plan_->providers.push_back(fast_cpu_provider());
  plan_->providers.push_back(cpu_provider());
  plan_->pool = std::make_unique<ThreadPool>(options.threads);
  const schema::SchemaRegistry& schemas =
      options.schemas != nullptr ? *options.schemas : schema::SchemaRegistry::onnx();
  Planner planner{*plan_, options, schemas, {}};
  planner.build(model);
}

Session::~Session() = default;

const std::vector<ValueInfo>& Session::inputs() const noexcept { return plan_->inputs; }
const std::vector<ValueInfo>& Session::outputs() const noexcept { return plan_->outputs; }

NamedValues Session::run(const NamedValues& feeds, const std::vector<std::string>& output_names) const {
  const Plan& plan = *plan_;
  std::vector<Value> slots = plan.constants;
  std::vector<bool> fed(plan.slot_count, false);
  for (const auto& [name, value] : feeds) {
    auto it = plan.feedable.find(name);
    if (it == plan.feedable.end()) {
      std::string names;
      for (const ValueInfo& i : plan.inputs) names += (names.empty() ? "'" : ", '") + i.name + "'";
      fail("input '" + name + "'", "the model has no such input (inputs: " + names + ")");
    }
    const auto s = static_cast<std::size_t>(it->second);
    if (auto d = plan.declared.find(it->second); d != plan.declared.end()) check_feed(*d->second, value);
    slots[s] = value;
    fed[s] = true;
  }
  for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
    if (!fed[static_cast<std::size_t>(plan.input_slots[i])]) {
      fail("input '" + plan.inputs[i].name + "'", "no value given");
    }
  }

  RunMemory memory(plan.providers.back()->allocator());  // host memory of the CPU provider
  for (const Step& step : plan.steps) {
    StepContext ctx(step, slots, memory, *plan.pool);
    try {
      step.kernel->run(ctx);
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

  NamedValues out;
  if (output_names.empty()) {
    for (std::size_t i = 0; i < plan.outputs.size(); ++i) {
      out.emplace_back(plan.outputs[i].name, slots[static_cast<std::size_t>(plan.output_slots[i])]);
    }
    return out;
  }
  for (const std::string& name : output_names) {
    std::size_t i = 0;
    while (i < plan.outputs.size() && plan.outputs[i].name != name) ++i;
    if (i == plan.outputs.size()) fail("output '" + name + "'", "the model has no such output");
    out.emplace_back(name, slots[static_cast<std::size_t>(plan.output_slots[i])]);
  }
  return out;
}

std::vector<std::string> Session::describe_plan() const {
  std::vector<std::string> out;
  for (const Step& s : plan_->steps) out.push_back(s.node->describe() + ": " + s.def->describe());
  return out;
}

}  // namespace onnxkit::runtime
