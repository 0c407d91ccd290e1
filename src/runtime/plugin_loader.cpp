// Loading custom-op plug-ins (include/onnxkit/plugin/onnxkit_plugin.h): the
// host side of the C ABI. Every function in the table catches what it
// throws, so no exception crosses into plug-in code; plug-in failures come
// back as status codes and messages and become Errors here.

#include <dlfcn.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>

#include "onnxkit/core/error.h"
#include "onnxkit/plugin/onnxkit_plugin.h"
#include "onnxkit/runtime/custom_op.h"
#include "onnxkit/schema/schema_json.h"
#include "runtime/custom_op_registry_impl.h"

// The opaque handles of the ABI, defined for the host.
struct OnnxkitRegistrar {
  const onnxkit::runtime::CustomOpRegistry::Impl* registry = nullptr;
  std::string path;
  bool declared = false;
  std::string error;  // the first failure, reported after the entry point returns
  std::string last_error;
  std::vector<onnxkit::schema::OpSchema> schemas;
  std::vector<OnnxkitKernelDef> kernels;
  std::deque<std::string> strings;  // copies of the kernels' domain/op/provider (stable addresses)
};

struct OnnxkitKernelInfo {
  const onnxkit::runtime::KernelInfo* info = nullptr;
  std::string error;
  std::string node_name;
};

struct OnnxkitKernelContext {
  onnxkit::runtime::KernelContext* ctx = nullptr;
  std::optional<std::string> error;  // made only on failure: nothing to build per call
};

namespace onnxkit::runtime {
namespace {

const Value* value_of(const OnnxkitTensor* t) { return reinterpret_cast<const Value*>(t); }

/// Runs `fn`, turning an exception into a failure recorded by `record`.
template <typename Fn, typename Record>
int guarded(Fn&& fn, Record&& record) {
  try {
    return fn();
  } catch (const std::exception& e) {
    record(e.what());
  } catch (...) {
    record("unknown error");
  }
  return ONNXKIT_FAIL;
}

int registrar_fail(OnnxkitRegistrar* r, std::string message) {
  r->last_error = message;
  if (r->error.empty()) r->error = std::move(message);
  return ONNXKIT_FAIL;
}

int declare_abi(OnnxkitRegistrar* r, uint32_t version) {
  if (version != ONNXKIT_PLUGIN_ABI_VERSION) {
    registrar_fail(r, "the library was built for plug-in ABI version " + std::to_string(version) +
                          ", this onnxkit speaks version " +
                          std::to_string(ONNXKIT_PLUGIN_ABI_VERSION) +
                          "; rebuild it against this onnxkit's onnxkit/plugin/onnxkit_plugin.h");
    return ONNXKIT_ABI_MISMATCH;
  }
  r->declared = true;
  return ONNXKIT_OK;
}

bool require_declared(OnnxkitRegistrar* r) {
  if (r->declared) return true;
  registrar_fail(
      r,
      "the library registered before declaring its ABI version (call ONNXKIT_PLUGIN_DECLARE_ABI "
      "first in " ONNXKIT_PLUGIN_ENTRY_SYMBOL ")");
  return false;
}

int register_schemas_json(OnnxkitRegistrar* r, const char* json) {
  if (!require_declared(r)) return ONNXKIT_FAIL;
  return guarded(
      [&] {
        if (json == nullptr) return registrar_fail(r, "register_schemas_json: null JSON");
        for (schema::OpSchema& s : schema::parse_schemas_json(json, r->path + " (schemas)")) {
          const schema::OpSchema* have =
              r->registry->schemas.find(s.domain, s.name, s.since_version);
          if (have != nullptr && have->since_version == s.since_version &&
              have != schema::SchemaRegistry::onnx().find(s.domain, s.name, s.since_version)) {
            auto by =
                r->registry->origins.find(CustomOpRegistry::Impl::key(s.domain, s.name, "cpu"));
            return registrar_fail(
                r, "schema " + s.display_name() + " is already declared" +
                       (by != r->registry->origins.end() ? " (registered by " + by->second + ")"
                                                         : std::string()));
          }
          r->schemas.push_back(std::move(s));
        }
        return ONNXKIT_OK;
      },
      [&](const char* what) { registrar_fail(r, what); });
}

int register_kernel(OnnxkitRegistrar* r, const OnnxkitKernelDef* def) {
  if (!require_declared(r)) return ONNXKIT_FAIL;
  return guarded(
      [&] {
        if (def == nullptr || def->domain == nullptr || def->op == nullptr ||
            def->compute == nullptr) {
          return registrar_fail(r, "register_kernel: domain, op and compute are required");
        }
        KernelDef probe;
        probe.domain = def->domain;
        probe.op = def->op;
        probe.provider = def->provider != nullptr ? def->provider : "cpu";
        r->registry->check_free(probe, r->path);
        for (const OnnxkitKernelDef& k : r->kernels) {
          if (std::strcmp(k.domain, def->domain) == 0 && std::strcmp(k.op, def->op) == 0 &&
              std::strcmp(k.provider, probe.provider.c_str()) == 0) {
            return registrar_fail(
                r, "the library registers " + probe.domain + "::" + probe.op + " twice");
          }
        }
        OnnxkitKernelDef copy = *def;
        // Keep our own copies of the strings (the plug-in's may be temporaries).
        copy.domain = r->strings.emplace_back(probe.domain).c_str();
        copy.op = r->strings.emplace_back(probe.op).c_str();
        copy.provider = r->strings.emplace_back(probe.provider).c_str();
        r->kernels.push_back(copy);
        return ONNXKIT_OK;
      },
      [&](const char* what) { registrar_fail(r, what); });
}

const char* registrar_error(OnnxkitRegistrar* r) { return r->last_error.c_str(); }

// ---- kernel info

const char* info_node_name(const OnnxkitKernelInfo* i) { return i->node_name.c_str(); }
size_t info_input_count(const OnnxkitKernelInfo* i) { return i->info->input_count(); }
size_t info_output_count(const OnnxkitKernelInfo* i) { return i->info->output_count(); }
int32_t info_input_type(const OnnxkitKernelInfo* i, size_t k) {
  return static_cast<int32_t>(i->info->input_dtype(k));
}

const ir::Attribute* attribute(const OnnxkitKernelInfo* i, const char* name,
                               ir::AttributeType type) {
  if (name == nullptr) return nullptr;
  const ir::Attribute* a = i->info->attr(name);
  return a != nullptr && a->type == type ? a : nullptr;
}

int info_attr_float(const OnnxkitKernelInfo* i, const char* name, float* value) {
  const ir::Attribute* a = attribute(i, name, ir::AttributeType::kFloat);
  if (a == nullptr) return ONNXKIT_FAIL;
  *value = a->f;
  return ONNXKIT_OK;
}

int info_attr_int(const OnnxkitKernelInfo* i, const char* name, int64_t* value) {
  const ir::Attribute* a = attribute(i, name, ir::AttributeType::kInt);
  if (a == nullptr) return ONNXKIT_FAIL;
  *value = a->i;
  return ONNXKIT_OK;
}

int info_attr_string(const OnnxkitKernelInfo* i, const char* name, const char** value) {
  const ir::Attribute* a = attribute(i, name, ir::AttributeType::kString);
  if (a == nullptr) return ONNXKIT_FAIL;
  *value = a->s.c_str();
  return ONNXKIT_OK;
}

void info_fail(const OnnxkitKernelInfo* i, const char* message) {
  const_cast<OnnxkitKernelInfo*>(i)->error = message != nullptr ? message : "failed";
}

// ---- a run

size_t context_input_count(const OnnxkitKernelContext* c) { return c->ctx->input_count(); }
size_t context_output_count(const OnnxkitKernelContext* c) { return c->ctx->output_count(); }
const OnnxkitTensor* context_input(const OnnxkitKernelContext* c, size_t i) {
  return reinterpret_cast<const OnnxkitTensor*>(c->ctx->input(i));
}

void* context_allocate_output(OnnxkitKernelContext* c, size_t i, int32_t type, const int64_t* dims,
                              size_t rank) {
  try {
    if (!data_type_known(type) || type == static_cast<int32_t>(DataType::kString)) {
      c->error = "allocate_output: unsupported element type " + std::to_string(type);
      return nullptr;
    }
    Value& v = c->ctx->output(i, static_cast<DataType>(type), Dims(dims, dims + rank));
    return v.mutable_bytes().data();
  } catch (const std::exception& e) {
    c->error = std::string("allocate_output: ") + e.what();
    return nullptr;
  }
}

int context_forward_input(OnnxkitKernelContext* c, size_t output, size_t input) {
  try {
    const Value* v = c->ctx->input(input);
    if (v == nullptr) {
      c->error = "forward_input: input " + std::to_string(input) + " is absent";
      return ONNXKIT_FAIL;
    }
    c->ctx->set_output(output, *v);
    return ONNXKIT_OK;
  } catch (const std::exception& e) {
    c->error = std::string("forward_input: ") + e.what();
    return ONNXKIT_FAIL;
  }
}

void context_fail(OnnxkitKernelContext* c, const char* message) {
  c->error = message != nullptr ? message : "failed";
}

int32_t tensor_type(const OnnxkitTensor* t) { return static_cast<int32_t>(value_of(t)->dtype()); }
size_t tensor_rank(const OnnxkitTensor* t) { return value_of(t)->rank(); }
const int64_t* tensor_dims(const OnnxkitTensor* t) { return value_of(t)->dims().data(); }
int64_t tensor_element_count(const OnnxkitTensor* t) { return value_of(t)->size(); }
const void* tensor_data(const OnnxkitTensor* t) { return value_of(t)->raw_data(); }

const OnnxkitApi kApi = {
    ONNXKIT_PLUGIN_ABI_VERSION,
    declare_abi,
    register_schemas_json,
    register_kernel,
    registrar_error,
    info_node_name,
    info_input_count,
    info_output_count,
    info_input_type,
    info_attr_float,
    info_attr_int,
    info_attr_string,
    info_fail,
    context_input_count,
    context_output_count,
    context_input,
    context_allocate_output,
    context_forward_input,
    context_fail,
    tensor_type,
    tensor_rank,
    tensor_dims,
    tensor_element_count,
    tensor_data,
};

/// A kernel of a plug-in: its state from create(), destroyed with the kernel.
class PluginKernel final : public Kernel {
 public:
  PluginKernel(const OnnxkitKernelDef& def, void* state, std::string library)
      : def_(def), state_(state), library_(std::move(library)) {}
  ~PluginKernel() override {
    if (def_.destroy != nullptr && def_.create != nullptr) def_.destroy(state_);
  }
  PluginKernel(const PluginKernel&) = delete;
  PluginKernel& operator=(const PluginKernel&) = delete;

  void run(KernelContext& ctx) const override {
    OnnxkitKernelContext c{&ctx, std::nullopt};
    const int status = def_.compute(&kApi, &c, state_);
    if (status != ONNXKIT_OK) {
      fail("", (!c.error || c.error->empty()
                    ? "the kernel failed (status " + std::to_string(status) + ")"
                    : *c.error) +
                   " [custom op kernel from " + library_ + "]");
    }
  }

 private:
  OnnxkitKernelDef def_;
  void* state_;
  std::string library_;
};

PrepareFn plugin_prepare(const OnnxkitKernelDef& def, const std::string& library) {
  return [def, library](const KernelInfo& info) -> std::unique_ptr<Kernel> {
    void* state = def.user_data;
    if (def.create != nullptr) {
      OnnxkitKernelInfo i{&info, {}, info.node().name()};
      int failed = 0;
      state = def.create(&kApi, &i, def.user_data, &failed);
      if (failed != 0 || !i.error.empty()) {
        info.fail((i.error.empty() ? std::string("the kernel refused the node") : i.error) +
                  " [custom op kernel from " + library + "]");
      }
    }
    return std::make_unique<PluginKernel>(def, state, library);
  };
}

std::string dl_error() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown error";
}

}  // namespace

void CustomOpRegistry::load_library(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(path, "no such custom-op library");
  if (fs::is_directory(path, ec)) fail(path, "is a directory, not a custom-op library");
  for (const std::string& loaded : impl_->libraries) {
    if (fs::equivalent(loaded, path, ec)) fail(path, "this custom-op library is already loaded");
  }
  // A path without a slash would be searched for by dlopen; make it explicit.
  const std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  // Libraries stay loaded until the process ends: kernels made from them may
  // live in sessions anywhere, and unloading buys little.
  void* handle = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) fail(path, "cannot load the custom-op library: " + dl_error());
  dlerror();
  void* entry = dlsym(handle, ONNXKIT_PLUGIN_ENTRY_SYMBOL);
  if (entry == nullptr) {
    fail(path,
         "not an onnxkit custom-op library: it does not export the symbol "
         "'" ONNXKIT_PLUGIN_ENTRY_SYMBOL "' (extern \"C\" int " ONNXKIT_PLUGIN_ENTRY_SYMBOL
         "(const OnnxkitApi*, OnnxkitRegistrar*), see onnxkit/plugin/onnxkit_plugin.h)");
  }
  OnnxkitRegistrar r;
  r.registry = impl_.get();
  r.path = path;
  int status = ONNXKIT_FAIL;
  try {
    status = reinterpret_cast<OnnxkitRegisterFn>(entry)(&kApi, &r);
  } catch (...) {
    // A C++ plug-in that lets an exception escape its C entry point.
    fail(path, std::string(ONNXKIT_PLUGIN_ENTRY_SYMBOL) +
                   " threw an exception; a plug-in must return a status");
  }
  if (status == ONNXKIT_ABI_MISMATCH && r.error.empty()) registrar_fail(&r, "ABI version mismatch");
  if (!r.declared && r.error.empty()) {
    registrar_fail(&r, "the library did not declare its ABI version (ONNXKIT_PLUGIN_DECLARE_ABI)");
  }
  if (status != ONNXKIT_OK && r.error.empty()) {
    registrar_fail(&r, ONNXKIT_PLUGIN_ENTRY_SYMBOL " returned status " + std::to_string(status));
  }
  if (!r.error.empty()) fail(path, r.error);

  // Everything checked: commit. Schemas first (kernels may rely on them).
  for (schema::OpSchema& s : r.schemas) {
    const schema::OpSchema* have = impl_->schemas.find(s.domain, s.name, s.since_version);
    if (have != nullptr && have->since_version == s.since_version)
      continue;  // an ONNX op's: the built-in stays
    impl_->schemas.add(std::move(s));
  }
  for (const OnnxkitKernelDef& k : r.kernels) {
    KernelDef def;
    def.domain = k.domain;
    def.op = k.op;
    def.provider = k.provider;
    def.since_version = k.since_version > 0 ? k.since_version : 1;
    def.until_version = k.until_version > 0 ? k.until_version : kLatestVersion;
    def.prepare = plugin_prepare(k, path);
    add_kernel(std::move(def), path);
  }
  impl_->libraries.push_back(path);
}

}  // namespace onnxkit::runtime
