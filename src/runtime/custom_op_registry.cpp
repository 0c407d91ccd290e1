#include "onnxkit/core/error.h"
#include "onnxkit/runtime/custom_op.h"
#include "runtime/custom_op_registry_impl.h"

namespace onnxkit::runtime {
namespace {

using custom_op_detail::ParamKind;

/// Every tensor element type a type constraint may name for "any type".
std::vector<std::string> all_tensor_types() {
  static const DataType kTypes[] = {
      DataType::kFloat,  DataType::kUint8,     DataType::kInt8,       DataType::kUint16,
      DataType::kInt16,  DataType::kInt32,     DataType::kInt64,      DataType::kString,
      DataType::kBool,   DataType::kFloat16,   DataType::kDouble,     DataType::kUint32,
      DataType::kUint64, DataType::kComplex64, DataType::kComplex128, DataType::kBfloat16};
  std::vector<std::string> out;
  for (DataType t : kTypes) out.push_back("tensor(" + std::string(data_type_name(t)) + ")");
  return out;
}

std::string formal_name(const std::vector<std::string>& names, std::size_t i, const char* stem) {
  if (i < names.size()) return names[i];
  return i == 0 ? std::string(stem) : std::string(stem) + std::to_string(i);
}

std::string qualified(std::string_view domain, std::string_view op) {
  return domain.empty() ? std::string(op) : std::string(domain) + "::" + std::string(op);
}

}  // namespace

void CustomOpRegistry::Impl::check_free(const KernelDef& def, const std::string& origin) const {
  auto it = origins.find(key(def.domain, def.op, def.provider));
  if (it != origins.end() && it->second != origin) {
    (void)origin;
    fail("", qualified(def.domain, def.op) + " (provider " + def.provider +
                 ") is already registered by " + it->second +
                 "; an op may come from one place only");
  }
}

CustomOpRegistry::CustomOpRegistry() : impl_(std::make_unique<Impl>()) {}
CustomOpRegistry::~CustomOpRegistry() = default;

const std::vector<std::string>& CustomOpRegistry::libraries() const noexcept {
  return impl_->libraries;
}
schema::SchemaRegistry& CustomOpRegistry::schemas() noexcept { return impl_->schemas; }
const schema::SchemaRegistry& CustomOpRegistry::schemas() const noexcept { return impl_->schemas; }
KernelRegistry& CustomOpRegistry::kernels() noexcept { return impl_->kernels; }
const KernelRegistry& CustomOpRegistry::kernels() const noexcept { return impl_->kernels; }

void CustomOpRegistry::configure(SessionOptions& options) const {
  options.custom_kernels = &impl_->kernels;
  options.schemas = &impl_->schemas;
}

std::string CustomOpRegistry::origin(std::string_view domain, std::string_view op,
                                     std::string_view provider) const {
  auto it = impl_->origins.find(Impl::key(domain, op, provider));
  return it == impl_->origins.end() ? std::string() : it->second;
}

void CustomOpRegistry::add_kernel(KernelDef def, std::string origin) {
  if (def.domain == "ai.onnx") def.domain.clear();
  impl_->check_free(def, origin);
  std::string key = Impl::key(def.domain, def.op, def.provider);
  try {
    impl_->kernels.add(std::move(def));
  } catch (const Error& e) {
    throw e.within(origin);
  }
  impl_->origins.emplace(std::move(key), std::move(origin));
}

schema::OpSchema CustomOpRegistry::schema_from_signature(
    const std::string& domain, const std::string& op,
    const custom_op_detail::SignatureInfo& signature, const OpOptions& options) {
  schema::OpSchema s;
  s.domain = domain;
  s.name = op;
  s.since_version = options.since_version;
  s.attributes = options.attributes;
  std::sort(s.attributes.begin(), s.attributes.end(),
            [](const schema::AttributeSpec& a, const schema::AttributeSpec& b) {
              return a.name < b.name;
            });
  s.inference = options.inference;
  // The k-th untyped output shares the type parameter of the k-th untyped
  // input (an identity-like op keeps its type); otherwise it has its own.
  std::size_t any_inputs = 0, any_outputs = 0;
  for (const custom_op_detail::ParamInfo& p : signature.params) {
    const bool output = custom_op_detail::is_output(p.kind);
    schema::FormalParameter f;
    std::vector<schema::FormalParameter>& list = output ? s.outputs : s.inputs;
    f.name = formal_name(output ? options.output_names : options.input_names, list.size(),
                         output ? "Y" : "X");
    if (p.dtype != DataType::kUndefined) {
      f.type = "tensor(" + std::string(data_type_name(p.dtype)) + ")";
    } else {
      const std::size_t k = output ? any_outputs++ : any_inputs++;
      f.type = "T" + std::to_string(output && k >= any_inputs ? any_inputs + k : k);
      if (s.type_constraint(f.type) == nullptr)
        s.type_constraints.push_back({f.type, all_tensor_types()});
    }
    if (p.kind == ParamKind::kOptionalInput) f.option = schema::FormalOption::kOptional;
    list.push_back(std::move(f));
  }
  return s;
}

void CustomOpRegistry::add_typed(std::string domain, std::string op,
                                 const custom_op_detail::SignatureInfo& signature,
                                 PrepareFn prepare, OpOptions options) {
  if (domain == "ai.onnx") domain.clear();
  KernelDef def;
  def.domain = domain;
  def.op = op;
  def.provider = options.provider;
  def.prepare = std::move(prepare);
  std::size_t input = 0;
  for (const custom_op_detail::ParamInfo& p : signature.params) {
    if (custom_op_detail::is_output(p.kind)) continue;
    if (p.dtype != DataType::kUndefined) def.types.push_back(TypeRule{input, {p.dtype}});
    ++input;
  }
  impl_->check_free(def, "C++");
  // Declare the schema first: a malformed one leaves nothing registered.
  const bool declare =
      options.declare_schema && impl_->schemas.find(domain, op, options.since_version) == nullptr;
  if (declare) {
    schema::OpSchema s = schema_from_signature(domain, op, signature, options);
    if (options.shape_function) {
      s.inference = qualified(domain, op);
      schema::validate(
          s);  // before registering the function, so a bad schema leaves nothing behind
      if (impl_->schemas.inference_function(s.inference) == nullptr) {
        impl_->schemas.add_inference_function(s.inference, options.shape_function);
      }
    }
    impl_->schemas.add(std::move(s));
  }
  add_kernel(std::move(def), "C++");
}

}  // namespace onnxkit::runtime
