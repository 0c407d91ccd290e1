#pragma once
/// Kernels and the registry that finds them.
///
/// A kernel is two functions (TFLite Micro's Prepare/Eval): `prepare`, called
/// once at session creation with what is known statically (attributes, input
/// element types, constant inputs), checks the node and returns a Kernel
/// holding everything decided then (parsed attributes, packed weights); its
/// `run()` only computes, is const, and may be called from several threads
/// at once. Output shapes are decided in run() (dims may be symbolic until
/// then).
///
/// The registry is keyed by (domain, op, since-version range, provider, type
/// constraints). A registration overlapping an existing one with the same
/// domain, op, provider and types is refused loudly.

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onnxkit/core/data_type.h"
#include "onnxkit/ir/node.h"
#include "onnxkit/runtime/value.h"

namespace onnxkit::runtime {

class ThreadPool;

/// A body graph (If branch, Loop/Scan/SequenceMap body) planned once at
/// session creation, as the main graph is. Kernels of control-flow ops get
/// it from KernelInfo::subgraph() and run it with KernelContext::run_subgraph().
/// Names the body reads from enclosing graphs are bound at run time to the
/// enclosing run's values.
class Subgraph {
 public:
  virtual ~Subgraph() = default;
  /// The body's graph inputs and outputs, in order.
  virtual std::size_t input_count() const = 0;
  virtual std::size_t output_count() const = 0;
  /// The body graph itself (declared types of its inputs and outputs).
  virtual const ir::Graph& graph() const = 0;
};

/// Subgraphs by the name of the attribute holding them.
using SubgraphList = std::vector<std::pair<std::string, const Subgraph*>>;

/// What prepare() sees: the node and the facts known before any run.
class KernelInfo {
 public:
  KernelInfo(const ir::Node& node, std::int64_t since_version, std::vector<DataType> input_dtypes,
             std::vector<const Value*> constant_inputs, SubgraphList subgraphs = {});

  const ir::Node& node() const noexcept { return *node_; }
  /// The since_version of the operator's schema the node resolves to (for
  /// custom ops without a schema, the domain's opset version).
  std::int64_t since_version() const noexcept { return since_version_; }

  std::size_t input_count() const noexcept { return input_dtypes_.size(); }
  std::size_t output_count() const noexcept;
  /// True when input `i` exists and is not an omitted optional ("").
  bool has_input(std::size_t i) const noexcept;
  bool has_output(std::size_t i) const noexcept;
  /// Element type of input `i` as inference or declarations give it;
  /// kUndefined when unknown or absent.
  DataType input_dtype(std::size_t i) const noexcept;
  /// The value of input `i` when it is known at creation (an initializer), else null.
  const Value* constant_input(std::size_t i) const noexcept;

  // ---- attributes (default returned when absent; Error when of the wrong type)
  bool has_attr(std::string_view name) const;
  std::int64_t attr_int(std::string_view name, std::int64_t fallback) const;
  float attr_float(std::string_view name, float fallback) const;
  std::string attr_string(std::string_view name, std::string fallback) const;
  std::vector<std::int64_t> attr_ints(std::string_view name,
                                      std::vector<std::int64_t> fallback = {}) const;
  std::vector<float> attr_floats(std::string_view name, std::vector<float> fallback = {}) const;
  /// The attribute itself, or null.
  const ir::Attribute* attr(std::string_view name) const;
  /// The planned body held by graph attribute `name`; Error (located at the
  /// node) when the node has no such graph attribute.
  const Subgraph& subgraph(std::string_view name) const;

  /// Throws Error located at the node: "node 'n' (Op): message".
  [[noreturn]] void fail(std::string message) const;

 private:
  const ir::Node* node_;
  std::int64_t since_version_;
  std::vector<DataType> input_dtypes_;
  std::vector<const Value*> constant_inputs_;
  SubgraphList subgraphs_;
};

/// What run() sees: this run's inputs, outputs and resources.
class KernelContext {
 public:
  virtual ~KernelContext() = default;

  virtual std::size_t input_count() const = 0;
  /// Input `i`, or null when it is omitted (or `i` is past the end).
  virtual const Value* input(std::size_t i) const = 0;
  virtual std::size_t output_count() const = 0;
  /// False when output `i` is omitted or nobody reads it (a kernel may skip it).
  virtual bool output_wanted(std::size_t i) const = 0;
  /// Allocates output `i` (zero-filled) and returns it for writing.
  virtual Value& output(std::size_t i, DataType dtype, Dims dims) = 0;
  /// Sets output `i` to an existing value (e.g. a view of an input).
  virtual void set_output(std::size_t i, Value value) = 0;
  /// The intra-op thread pool.
  virtual ThreadPool& threads() const = 0;
  /// Runs `body` (from this node's KernelInfo::subgraph()) with `inputs` as
  /// its graph inputs, in order; returns its graph outputs, in order. The
  /// default throws: only the session's own context runs subgraphs.
  virtual std::vector<Value> run_subgraph(const Subgraph& body, std::span<const Value> inputs);

  /// input(i), or Error naming the input when it is absent.
  const Value& required_input(std::size_t i) const;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  /// Computes the outputs. Must not modify the kernel (concurrent runs).
  virtual void run(KernelContext& ctx) const = 0;
};

/// A kernel from a plain function (no prepared state).
std::unique_ptr<Kernel> make_kernel(std::function<void(KernelContext&)> fn);

/// Builds a kernel for one node; throws Error (KernelInfo::fail) when the
/// node is not supported. An optimized kernel may instead return null to
/// decline a node it does not cover: the session then asks the next provider.
using PrepareFn = std::function<std::unique_ptr<Kernel>(const KernelInfo&)>;

inline constexpr std::int64_t kLatestVersion = std::numeric_limits<std::int64_t>::max();

/// Element types an input of the node must have (a type-constraint binding).
struct TypeRule {
  std::size_t input = 0;
  std::vector<DataType> allowed;
};

struct KernelDef {
  std::string domain;  ///< "" for ai.onnx
  std::string op;
  std::int64_t since_version = 1;               ///< first schema version covered
  std::int64_t until_version = kLatestVersion;  ///< last schema version covered
  std::string provider = "cpu";
  /// Inputs whose element types must be in a list; empty: any types.
  std::vector<TypeRule> types;
  PrepareFn prepare;

  /// "Add [7, 13] (cpu)".
  std::string describe() const;
};

class KernelRegistry {
 public:
  KernelRegistry();
  ~KernelRegistry();
  KernelRegistry(KernelRegistry&&) noexcept;
  KernelRegistry& operator=(KernelRegistry&&) noexcept;

  /// Adds a kernel. Throws Error when one for the same (domain, op,
  /// provider) with overlapping versions and overlapping types exists.
  void add(KernelDef def);
  /// Convenience for custom ops: every version, provider "cpu", any types.
  void add(std::string domain, std::string op, std::function<void(KernelContext&)> fn);

  /// The kernel for a node of (domain, op) at schema version `version` on
  /// `provider` whose inputs have `input_dtypes` (kUndefined: unknown, which
  /// any rule accepts). Null when none fits; then `why_not`, when given,
  /// says what is registered instead.
  const KernelDef* find(std::string_view domain, std::string_view op, std::int64_t version,
                        std::string_view provider, std::span<const DataType> input_dtypes,
                        std::string* why_not = nullptr) const;

  /// Every kernel registered, in registration order.
  std::vector<const KernelDef*> all() const;
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace onnxkit::runtime
