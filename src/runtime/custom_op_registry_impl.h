#pragma once
// Internal to the runtime layer: the state of a CustomOpRegistry, shared by
// custom_op_registry.cpp (C++ registrations) and plugin_loader.cpp (plug-ins).

#include <map>
#include <string>
#include <vector>

#include "onnxkit/runtime/custom_op.h"

namespace onnxkit::runtime {

struct CustomOpRegistry::Impl {
  schema::SchemaRegistry schemas = schema::SchemaRegistry::with_onnx();
  KernelRegistry kernels;
  std::vector<std::string> libraries;
  /// "domain::op@provider" -> who registered it ("C++", "python", a library path).
  std::map<std::string, std::string, std::less<>> origins;

  static std::string key(std::string_view domain, std::string_view op, std::string_view provider) {
    return std::string(domain) + "::" + std::string(op) + "@" + std::string(provider);
  }
  /// Throws when (domain, op, provider) was registered by someone else.
  void check_free(const KernelDef& def, const std::string& origin) const;
};

}  // namespace onnxkit::runtime
