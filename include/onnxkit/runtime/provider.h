#pragma once
/// Execution providers: where kernels run. Kept small (ggml's backend table)
/// so that a CUDA provider can be added without touching the session: a
/// name, the kernels it has, and its memory. The session asks each provider
/// in the order given for a kernel per node; the CPU provider is always
/// the last resort.

#include <cstddef>
#include <memory>
#include <string_view>

#include "onnxkit/runtime/kernel.h"

namespace onnxkit::ir {
class Node;
}

namespace onnxkit::runtime {

/// Device memory of a provider. The CPU's is plain aligned host memory.
class Allocator {
 public:
  virtual ~Allocator() = default;
  /// `bytes` of memory (any size, 0 included), freed when the last owner goes.
  virtual std::shared_ptr<void> allocate(std::size_t bytes) = 0;
  /// Address of the memory of a block returned by allocate().
  virtual std::byte* address(const std::shared_ptr<void>& block) const = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  /// "cpu", "cuda": the provider name of its KernelDefs.
  virtual std::string_view name() const = 0;
  /// Its kernels.
  virtual const KernelRegistry& kernels() const = 0;
  /// Its memory.
  virtual Allocator& allocator() = 0;
  /// Optional: refuse a node that a kernel exists for (e.g. shapes a device
  /// library does not cover). Default: take every node it has a kernel for.
  virtual bool takes(const ir::Node& node) const {
    (void)node;
    return true;
  }
};

/// The CPU provider with the reference kernels (one shared instance).
std::shared_ptr<Provider> cpu_provider();

/// The registry of the CPU provider's kernels (what cpu_provider() serves).
const KernelRegistry& cpu_kernels();

/// The CPU's optimized kernels (oneDNN convolutions, matrix products and
/// pools; vectorized elementwise code), provider name "cpu-fast". Sessions
/// try it before cpu_provider() unless SessionOptions::reference_kernels is
/// set. Its kernels decline (prepare returns null) the cases they do not
/// cover, and the reference kernel runs those.
std::shared_ptr<Provider> fast_cpu_provider();

}  // namespace onnxkit::runtime
