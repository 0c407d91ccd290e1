#include <cstdlib>
#include <new>

#include "onnxkit/runtime/provider.h"
#include "runtime/cpu_kernels.h"

namespace onnxkit::runtime {
namespace {

class CpuAllocator final : public Allocator {
 public:
  std::shared_ptr<void> allocate(std::size_t bytes) override {
    const std::size_t size = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, size == 0 ? kAlignment : size);
    if (p == nullptr) throw std::bad_alloc();
    return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  }
  std::byte* address(const std::shared_ptr<void>& block) const override {
    return static_cast<std::byte*>(block.get());
  }

 private:
  static constexpr std::size_t kAlignment = 64;
};

class CpuProvider final : public Provider {
 public:
  CpuProvider() {
    register_elementwise_kernels(kernels_);
    register_unary_kernels(kernels_);
    register_tensor_kernels(kernels_);
    register_shape_kernels(kernels_);
    register_math_kernels(kernels_);
    register_nn_kernels(kernels_);
    register_reduce_kernels(kernels_);
    register_loss_kernels(kernels_);
    register_index_kernels(kernels_);
    register_attention_kernels(kernels_);
    register_quant_kernels(kernels_);
    register_resize_kernels(kernels_);
    register_gridsample_kernels(kernels_);
    register_string_kernels(kernels_);
    register_tfidf_kernels(kernels_);
    register_bitcast_kernels(kernels_);
    register_qlinear_kernels(kernels_);
    register_sequence_kernels(kernels_);
    register_control_kernels(kernels_);
    register_unique_kernels(kernels_);
    register_crop_kernels(kernels_);
    register_rnn_kernels(kernels_);
    register_einsum_kernels(kernels_);
    register_nms_kernels(kernels_);
    register_dft_kernels(kernels_);
    register_linear_attention_kernels(kernels_);
    register_rotary_kernels(kernels_);
    register_window_kernels(kernels_);
    register_swiglu_kernels(kernels_);
    register_random_kernels(kernels_);
    register_affine_grid_kernels(kernels_);
    register_label_encoder_kernels(kernels_);
  }
  std::string_view name() const override { return "cpu"; }
  const KernelRegistry& kernels() const override { return kernels_; }
  Allocator& allocator() override { return allocator_; }

 private:
  KernelRegistry kernels_;
  CpuAllocator allocator_;
};

}  // namespace

std::shared_ptr<Provider> cpu_provider() {
  static const std::shared_ptr<Provider> provider = std::make_shared<CpuProvider>();
  return provider;
}

const KernelRegistry& cpu_kernels() { return cpu_provider()->kernels(); }

}  // namespace onnxkit::runtime
