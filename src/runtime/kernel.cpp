#include "onnxkit/runtime/kernel.h"

#include <algorithm>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/tensor.h"

namespace onnxkit::runtime {
namespace {

std::string version_range(std::int64_t lo, std::int64_t hi) {
  return "[" + std::to_string(lo) + ", " +
         (hi == kLatestVersion ? std::string("latest") : std::to_string(hi)) + "]";
}

bool types_overlap(const std::vector<TypeRule>& a, const std::vector<TypeRule>& b) {
  // Two definitions can serve the same node unless some input is restricted
  // to disjoint type lists by both.
  for (const TypeRule& ra : a) {
    for (const TypeRule& rb : b) {
      if (ra.input != rb.input) continue;
      const bool common = std::any_of(ra.allowed.begin(), ra.allowed.end(), [&](DataType t) {
        return std::find(rb.allowed.begin(), rb.allowed.end(), t) != rb.allowed.end();
      });
      if (!common) return false;
    }
  }
  return true;
}

class FunctionKernel final : public Kernel {
 public:
  explicit FunctionKernel(std::function<void(KernelContext&)> fn) : fn_(std::move(fn)) {}
  void run(KernelContext& ctx) const override { fn_(ctx); }

 private:
  std::function<void(KernelContext&)> fn_;
};

}  // namespace

// ---- KernelInfo

KernelInfo::KernelInfo(const ir::Node& node, std::int64_t since_version,
                       std::vector<DataType> input_dtypes,
                       std::vector<const Value*> constant_inputs, SubgraphList subgraphs)
    : node_(&node),
      since_version_(since_version),
      input_dtypes_(std::move(input_dtypes)),
      constant_inputs_(std::move(constant_inputs)),
      subgraphs_(std::move(subgraphs)) {}

std::size_t KernelInfo::output_count() const noexcept { return node_->outputs().size(); }

bool KernelInfo::has_input(std::size_t i) const noexcept {
  return i < node_->inputs().size() && !node_->inputs()[i]->is_empty();
}

bool KernelInfo::has_output(std::size_t i) const noexcept {
  return i < node_->outputs().size() && !node_->outputs()[i]->is_empty();
}

DataType KernelInfo::input_dtype(std::size_t i) const noexcept {
  return i < input_dtypes_.size() ? input_dtypes_[i] : DataType::kUndefined;
}

const Value* KernelInfo::constant_input(std::size_t i) const noexcept {
  return i < constant_inputs_.size() ? constant_inputs_[i] : nullptr;
}

const ir::Attribute* KernelInfo::attr(std::string_view name) const {
  return node_->attribute(name);
}

bool KernelInfo::has_attr(std::string_view name) const { return attr(name) != nullptr; }

const Subgraph& KernelInfo::subgraph(std::string_view name) const {
  for (const auto& [attr_name, body] : subgraphs_) {
    if (attr_name == name && body != nullptr) return *body;
  }
  fail("graph attribute '" + std::string(name) + "' is missing");
}

namespace {
const ir::Attribute* typed(const KernelInfo& info, std::string_view name, ir::AttributeType type) {
  const ir::Attribute* a = info.attr(name);
  if (a == nullptr) return nullptr;
  if (a->type != type) {
    info.fail("attribute '" + std::string(name) + "' is " +
              std::string(ir::attribute_type_name(a->type)) + ", expected " +
              std::string(ir::attribute_type_name(type)));
  }
  return a;
}
}  // namespace

std::int64_t KernelInfo::attr_int(std::string_view name, std::int64_t fallback) const {
  const ir::Attribute* a = typed(*this, name, ir::AttributeType::kInt);
  return a ? a->i : fallback;
}

float KernelInfo::attr_float(std::string_view name, float fallback) const {
  const ir::Attribute* a = typed(*this, name, ir::AttributeType::kFloat);
  return a ? a->f : fallback;
}

std::string KernelInfo::attr_string(std::string_view name, std::string fallback) const {
  const ir::Attribute* a = typed(*this, name, ir::AttributeType::kString);
  return a ? a->s : fallback;
}

std::vector<std::int64_t> KernelInfo::attr_ints(std::string_view name,
                                                std::vector<std::int64_t> fallback) const {
  const ir::Attribute* a = typed(*this, name, ir::AttributeType::kInts);
  return a ? a->ints : fallback;
}

std::vector<float> KernelInfo::attr_floats(std::string_view name,
                                           std::vector<float> fallback) const {
  const ir::Attribute* a = typed(*this, name, ir::AttributeType::kFloats);
  return a ? a->floats : fallback;
}

void KernelInfo::fail(std::string message) const {
  onnxkit::fail(node_->describe(), std::move(message));
}

// ---- KernelContext

const Value& KernelContext::required_input(std::size_t i) const {
  const Value* v = input(i);
  if (v == nullptr || !*v)
    onnxkit::fail("", "input " + std::to_string(i) + " is required but absent");
  return *v;
}

std::vector<Value> KernelContext::run_subgraph(const Subgraph&, std::span<const Value>) {
  onnxkit::fail("", "this context cannot run subgraphs");
}

std::unique_ptr<Kernel> make_kernel(std::function<void(KernelContext&)> fn) {
  return std::make_unique<FunctionKernel>(std::move(fn));
}

std::string KernelDef::describe() const {
  std::string s = domain.empty() ? op : domain + "::" + op;
  return s + " " + version_range(since_version, until_version) + " (" + provider + ")";
}

// ---- KernelRegistry

struct KernelRegistry::Impl {
  std::vector<std::unique_ptr<KernelDef>> defs;
};

KernelRegistry::KernelRegistry() : impl_(std::make_unique<Impl>()) {}
KernelRegistry::~KernelRegistry() = default;
KernelRegistry::KernelRegistry(KernelRegistry&&) noexcept = default;
KernelRegistry& KernelRegistry::operator=(KernelRegistry&&) noexcept = default;

void KernelRegistry::add(KernelDef def) {
  if (def.domain == "ai.onnx") def.domain.clear();
  if (!def.prepare) onnxkit::fail("kernel registry", def.describe() + " has no prepare function");
  if (def.since_version > def.until_version) {
    onnxkit::fail("kernel registry", def.describe() + " has an empty version range");
  }
  for (const auto& d : impl_->defs) {
    if (d->domain == def.domain && d->op == def.op && d->provider == def.provider &&
        d->since_version <= def.until_version && def.since_version <= d->until_version &&
        types_overlap(d->types, def.types)) {
      onnxkit::fail("kernel registry",
                    "duplicate registration: " + def.describe() + " overlaps " + d->describe());
    }
  }
  impl_->defs.push_back(std::make_unique<KernelDef>(std::move(def)));
}

void KernelRegistry::add(std::string domain, std::string op,
                         std::function<void(KernelContext&)> fn) {
  KernelDef def;
  def.domain = std::move(domain);
  def.op = std::move(op);
  def.prepare = [fn = std::move(fn)](const KernelInfo&) { return make_kernel(fn); };
  add(std::move(def));
}

const KernelDef* KernelRegistry::find(std::string_view domain, std::string_view op,
                                      std::int64_t version, std::string_view provider,
                                      std::span<const DataType> input_dtypes,
                                      std::string* why_not) const {
  if (domain == "ai.onnx") domain = {};
  std::vector<const KernelDef*> near;
  for (const auto& d : impl_->defs) {
    if (d->domain != domain || d->op != op || d->provider != provider) continue;
    if (version < d->since_version || version > d->until_version) {
      near.push_back(d.get());
      continue;
    }
    bool ok = true;
    for (const TypeRule& r : d->types) {
      const DataType t =
          r.input < input_dtypes.size() ? input_dtypes[r.input] : DataType::kUndefined;
      if (t == DataType::kUndefined) continue;
      if (std::find(r.allowed.begin(), r.allowed.end(), t) == r.allowed.end()) ok = false;
    }
    if (ok) return d.get();
    near.push_back(d.get());
  }
  if (why_not != nullptr) {
    why_not->clear();
    for (const KernelDef* d : near) {
      if (!why_not->empty()) *why_not += "; ";
      *why_not += d->describe();
      for (const TypeRule& r : d->types) {
        *why_not += " input " + std::to_string(r.input) + " in {";
        for (std::size_t i = 0; i < r.allowed.size(); ++i) {
          if (i) *why_not += ",";
          *why_not += data_type_name(r.allowed[i]);
        }
        *why_not += "}";
      }
    }
  }
  return nullptr;
}

std::vector<const KernelDef*> KernelRegistry::all() const {
  std::vector<const KernelDef*> out;
  for (const auto& d : impl_->defs) out.push_back(d.get());
  return out;
}

std::size_t KernelRegistry::size() const { return impl_->defs.size(); }

}  // namespace onnxkit::runtime
