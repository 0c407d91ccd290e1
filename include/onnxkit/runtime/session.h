#pragma once
/// A Session runs one model. It is built once (kernels chosen per node and
/// prepared, execution order and value lifetimes planned) and then holds an
/// immutable plan; every run() keeps its own state, so concurrent run() calls
/// on one session are safe.
///
/// A model that uses an op no provider has a kernel for fails here, at
/// creation, with an Error naming the node, the op, its domain and version,
/// and what would provide a kernel.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "onnxkit/core/shape.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/kernel.h"
#include "onnxkit/runtime/provider.h"
#include "onnxkit/runtime/value.h"

namespace onnxkit::schema {
class SchemaRegistry;
}

namespace onnxkit::runtime {

struct SessionOptions {
  /// Intra-op threads, the calling thread included (default 1; 0 means
  /// std::thread::hardware_concurrency()).
  int threads = 1;
  /// Providers to try, in order, before the CPU provider (default none).
  std::vector<std::shared_ptr<Provider>> providers;
  /// Run every op on the CPU's reference kernels, skipping the optimized ones
  /// (fast_cpu_provider()): for debugging and for checking the fast kernels
  /// against them. Default false. The environment variable
  /// ONNXKIT_KERNELS=reference has the same effect for every session.
  bool reference_kernels = false;
  /// Kernels preferred over every provider's (e.g. custom ops), run on the
  /// CPU; null (the default) for none. Must outlive the session.
  const KernelRegistry* custom_kernels = nullptr;
  /// Schemas for version resolution; null (the default) means
  /// schema::SchemaRegistry::onnx().
  const schema::SchemaRegistry* schemas = nullptr;
};

/// A graph input or output as the session sees it.
struct ValueInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::optional<Shape> shape;  ///< nullopt when the rank is unknown
};

using NamedValues = std::vector<std::pair<std::string, Value>>;

class Session {
 public:
  /// Plans `model` (which is copied: weights are shared, not duplicated, and
  /// the model may be destroyed afterwards). Throws Error on an op without
  /// a kernel, a node its kernel refuses, or a graph that cannot be ordered.
  explicit Session(const ir::Model& model, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Graph inputs that must be fed (initializers excluded), in graph order.
  const std::vector<ValueInfo>& inputs() const noexcept;
  const std::vector<ValueInfo>& outputs() const noexcept;

  /// Runs the model. `feeds` gives every input by name; returns the outputs
  /// named in `output_names` (empty: all, in graph order). Throws Error on an
  /// unknown, missing or mistyped input (naming it) and on a kernel failure
  /// (naming the node).
  NamedValues run(const NamedValues& feeds, const std::vector<std::string>& output_names = {}) const;

  /// Which kernel (provider and version range) each node got, in execution
  /// order: "node 'Conv_0' (Conv): Conv [11, latest] (cpu)".
  std::vector<std::string> describe_plan() const;

  /// The execution plan (defined in session.cpp; opaque here).
  struct Plan;

 private:
  std::unique_ptr<Plan> plan_;
};

}  // namespace onnxkit::runtime
