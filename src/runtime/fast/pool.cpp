// MaxPool and AveragePool on oneDNN (float32, 1-3 spatial dims, no Indices
// output, no dilations), and GlobalAveragePool as a plain loop over planes
// split across the intra-op pool.

#include <map>
#include <mutex>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/runtime/thread_pool.h"
#include "runtime/fast/fast_kernels.h"
#include "runtime/fast/onednn.h"
#include "runtime/reference/window.h"

namespace onnxkit::runtime::fast {
namespace {

using dnnl::memory;

constexpr std::size_t kX = 0;
constexpr std::size_t kOutput = 0;
constexpr std::size_t kIndices = 1;

struct PoolPlan {
  dnnl::pooling_forward prim;
  memory::desc src, dst, scratch;
  Dims out;
};

class FastPool final : public Kernel {
 public:
  FastPool(reference::Window window, bool max, bool include_pad, std::unique_ptr<Kernel> fallback)
      : window_(std::move(window)),
        max_(max),
        include_pad_(include_pad),
        fallback_(std::move(fallback)) {}

  void run(KernelContext& ctx) const override {
    const Value& x = ctx.required_input(kX);
    const int threads = ctx.threads().size();
    const auto plan = plans_.get(x.dims(), threads, [&] { return make(x.dims()); });
    if (!plan) {
      fallback_->run(ctx);
      return;
    }
    Value& y = ctx.output(kOutput, DataType::kFloat, plan->out);
    const OmpThreads omp(threads);
    execute(plan->prim, plan->scratch,
            {{DNNL_ARG_SRC, wrap(plan->src, x)}, {DNNL_ARG_DST, wrap(plan->dst, y)}});
  }

 private:
  std::shared_ptr<const PoolPlan> make(const Dims& x) const {
    if (x.size() < 3 || x.size() > 5 || element_count(x) == 0) return nullptr;
    reference::Window win = window_;
    const std::size_t nd = x.size() - 2;
    if (win.kernel.size() != nd) return nullptr;
    const std::vector<std::int64_t> out = win.resolve(Dims(x.begin() + 2, x.end()));
    memory::dims strides, kernel, pad_l, pad_r;
    for (std::size_t d = 0; d < nd; ++d) {
      if (win.dilations[d] != 1 || out[d] <= 0) return nullptr;
      // The end pad that makes oneDNN's floor formula give ONNX's size
      // (ceil_mode may need more than the declared pad).
      const std::int64_t end =
          (out[d] - 1) * win.strides[d] + win.kernel[d] - x[2 + d] - win.pads[d];
      if (end < 0 || win.pads[d] >= win.kernel[d]) return nullptr;
      // Averages counting pads must not count the extra ceil_mode padding.
      if (!max_ && include_pad_ && end > win.pads[nd + d]) return nullptr;
      // A window starting past the input (possible with ceil_mode) has no
      // elements; ONNX drops such windows, oneDNN would not.
      if ((out[d] - 1) * win.strides[d] - win.pads[d] >= x[2 + d]) return nullptr;
      strides.push_back(win.strides[d]);
      kernel.push_back(win.kernel[d]);
      pad_l.push_back(win.pads[d]);
      pad_r.push_back(end);
    }
    auto plan = std::make_shared<PoolPlan>();
    plan->out = {x[0], x[1]};
    plan->out.insert(plan->out.end(), out.begin(), out.end());
    plan->src = plain_f32(to_dnnl(x));
    plan->dst = plain_f32(to_dnnl(plan->out));
    const auto algo = max_ ? dnnl::algorithm::pooling_max
                           : (include_pad_ ? dnnl::algorithm::pooling_avg_include_padding
                                           : dnnl::algorithm::pooling_avg_exclude_padding);
    const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, algo, plan->src,
                                           plan->dst, strides, kernel, pad_l, pad_r);
    const dnnl::pooling_forward::primitive_desc pd(desc, base_attr(), cpu_engine());
    plan->prim = dnnl::pooling_forward(pd);
    plan->scratch = pd.scratchpad_desc();
    return plan;
  }

  reference::Window window_;
  bool max_, include_pad_;
  std::unique_ptr<Kernel> fallback_;
  PlanCache<Dims, PoolPlan> plans_;
};

std::unique_ptr<Kernel> pool_prepare(const KernelInfo& info, bool max) {
  if (info.input_dtype(kX) != DataType::kFloat) return nullptr;
  if (max && (info.has_output(kIndices) || info.since_version() < 8)) return nullptr;
  reference::Window window;
  window.kernel = info.attr_ints("kernel_shape");
  window.strides = info.attr_ints("strides");
  window.dilations = info.attr_ints("dilations");
  window.pads = info.attr_ints("pads");
  window.auto_pad = info.attr_string("auto_pad", "NOTSET");
  window.ceil_mode = info.attr_int("ceil_mode", 0) != 0;
  if (window.kernel.empty()) return nullptr;
  const bool include_pad = info.attr_int("count_include_pad", 0) != 0;
  return std::make_unique<FastPool>(std::move(window), max, include_pad, reference_kernel(info));
}

/// GlobalAveragePool: the mean of each (n, c) plane.
void global_average_pool(KernelContext& ctx) {
  const Value& x = ctx.required_input(kX);
  if (x.rank() < 2) fail("", "GlobalAveragePool needs X (N, C, ...), got " + x.describe());
  Dims out{x.dims()[0], x.dims()[1]};
  out.resize(x.rank(), 1);
  Value& y = ctx.output(kOutput, DataType::kFloat, out);
  const std::int64_t planes = out[0] * out[1];
  const std::int64_t size = planes == 0 ? 0 : x.size() / planes;
  const float* src = x.span<float>().data();
  float* dst = y.mutable_span<float>().data();
  ctx.threads().parallel_for(
      planes, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(size, 1)),
      [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t p = lo; p < hi; ++p) {
          const float* row = src + p * size;
          // Eight partial sums: vectorizable without reassociation flags.
          float acc[8] = {};
          std::int64_t i = 0;
          for (; i + 8 <= size; i += 8) {
            for (int j = 0; j < 8; ++j) acc[j] += row[i + j];
          }
          double total = 0;
          for (; i < size; ++i) total += row[i];
          for (float a : acc) total += a;
          dst[p] = size == 0 ? 0.0f : static_cast<float>(total / static_cast<double>(size));
        }
      });
}

}  // namespace

void register_fast_pool(KernelRegistry& r) {
  const std::pair<const char*, bool> pools[] = {{"MaxPool", true}, {"AveragePool", false}};
  for (const auto& [name, max] : pools) {
    KernelDef def;
    def.op = name;
    def.since_version = 1;
    def.provider = "cpu-fast";
    def.types = {TypeRule{kX, {DataType::kFloat}}};
    def.prepare = [max = max](const KernelInfo& info) { return pool_prepare(info, max); };
    r.add(std::move(def));
  }
  KernelDef gap;
  gap.op = "GlobalAveragePool";
  gap.since_version = 1;
  gap.provider = "cpu-fast";
  gap.types = {TypeRule{kX, {DataType::kFloat}}};
  gap.prepare = [](const KernelInfo& info) -> std::unique_ptr<Kernel> {
    if (info.input_dtype(kX) != DataType::kFloat) return nullptr;
    return make_kernel(global_average_pool);
  };
  r.add(std::move(gap));
}

}  // namespace onnxkit::runtime::fast
