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
#include <functional>
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
  /// Graph optimization level: 0 none, 1 basic (Identity/Dropout removal,
  /// constant folding, Conv+BatchNormalization folding, dead nodes removed).
  /// Default 1. The rewrites live in the passes layer, above the runtime:
  /// they run only when `optimizer` is set (passes::make_session() and
  /// passes::with_graph_optimizations() set it).
  int optimization_level = 1;
  /// Rewrites the session's own copy of the model, before planning, at
  /// `optimization_level` (called only when the level is above 0). Null (the
  /// default): the model is planned as given.
  std::function<void(ir::Model& model, int level)> optimizer;
};

/// Time per node, accumulated over the runs that were given it
/// (Session::run with a profile).
struct RunProfile {
  struct Entry {
    std::string node;  ///< node name (may be empty)
    std::string op;    ///< "Conv", "devtech::FooOp"
    double seconds = 0;
  };
  std::vector<Entry> nodes;  ///< per plan step, in execution order
  std::size_t runs = 0;
};

/// A graph input or output as the session sees it.
struct ValueInfo {
  std::string name;
  /// kTensor, kSequence or kOptional (kTensor when undeclared).
  Value::Kind kind = Value::Kind::kTensor;
  /// Element type (of a sequence or optional: of its tensors).
  DataType dtype = DataType::kUndefined;
  /// Shape of a tensor (of a sequence or optional: of its tensors); nullopt
  /// when the rank is unknown.
  std::optional<Shape> shape;
  /// The declared type as text: "float[N,3]", "seq(float[?])",
  /// "optional(seq(int64[4]))"; empty when undeclared.
  std::string type;
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
  NamedValues run(const NamedValues& feeds,
                  const std::vector<std::string>& output_names = {}) const;
  /// run(), timing every node into `profile` (added to what it holds; it is
  /// sized on first use). Not for concurrent runs on one profile.
  NamedValues run(const NamedValues& feeds, const std::vector<std::string>& output_names,
                  RunProfile* profile) const;

  /// Which kernel (provider and version range) each node got, in execution
  /// order: "node 'Conv_0' (Conv): Conv [11, latest] (cpu)".
  std::vector<std::string> describe_plan() const;

  /// The execution plan (defined in session.cpp; opaque here).
  struct Plan;

 private:
  std::unique_ptr<Plan> plan_;
};

}  // namespace onnxkit::runtime
