#include "onnxkit/runtime/provider.h"
#include "runtime/fast/fast_kernels.h"

namespace onnxkit::runtime {
namespace {

/// Optimized kernels; memory is the CPU provider's.
class FastCpuProvider final : public Provider {
 public:
  FastCpuProvider() {
    fast::register_fast_conv(kernels_);
    fast::register_fast_matmul(kernels_);
    fast::register_fast_pool(kernels_);
    fast::register_fast_elementwise(kernels_);
  }
  std::string_view name() const override { return "cpu-fast"; }
  const KernelRegistry& kernels() const override { return kernels_; }
  Allocator& allocator() override { return cpu_provider()->allocator(); }

 private:
  KernelRegistry kernels_;
};

}  // namespace

std::shared_ptr<Provider> fast_cpu_provider() {
  static const std::shared_ptr<Provider> provider = std::make_shared<FastCpuProvider>();
  return provider;
}

}  // namespace onnxkit::runtime
