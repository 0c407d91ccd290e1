// MatMul (numpy batching and broadcasting) and Gemm on oneDNN's matmul,
// float32. A constant right-hand side (the weights of a Linear layer) is
// packed once into the primitive's preferred layout and the left-hand
// side's batch dims fold into its rows; otherwise both operands are read in
// place, batch dims broadcast by oneDNN. Primitives are cached per shape.

#include <map>
#include <mutex>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/runtime/thread_pool.h"
#include "runtime/fast/fast_kernels.h"
#include "runtime/fast/onednn.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime::fast {
namespace {

using dnnl::memory;

constexpr std::size_t kA = 0;
constexpr std::size_t kB = 1;
constexpr std::size_t kC = 2;
constexpr std::size_t kOutput = 0;

/// One shape's primitive: src (M x K, batched), weights, dst.
struct MatMulPlan {
  dnnl::matmul prim;
  memory::desc src, weights_user, dst, scratch;
  memory weights;  ///< packed constant weights, or empty (then weights_user wraps B)
  memory bias;
  Dims out;
};

/// What both kernels share: the plan cache and packing of a constant B.
class MatMulBase : public Kernel {
 protected:
  explicit MatMulBase(std::unique_ptr<Kernel> fallback) : fallback_(std::move(fallback)) {}

  /// Constant B packed into `layout` (from `user`), once per layout.
  memory packed(const Value& b, const memory::desc& user, const memory::desc& layout) const {
    for (const auto& [desc, mem] : packed_) {
      if (desc == layout) return mem;
    }
    memory mem = reorder_to(wrap(user, b), layout);
    packed_.emplace_back(layout, mem);
    return mem;
  }

  void execute_plan(const MatMulPlan& plan, const Value& a, const Value& b, Value& y,
                    int threads) const {
    const OmpThreads omp(threads);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(plan.src, a)},
                                         {DNNL_ARG_DST, wrap(plan.dst, y)}};
    args.emplace(DNNL_ARG_WEIGHTS, plan.weights ? plan.weights : wrap(plan.weights_user, b));
    if (plan.bias) args.emplace(DNNL_ARG_BIAS, plan.bias);
    execute(plan.prim, plan.scratch, std::move(args));
  }

  std::unique_ptr<Kernel> fallback_;
  PlanCache<std::pair<Dims, Dims>, MatMulPlan> plans_;  // make() runs under its lock, packed() too

 private:
  mutable std::vector<std::pair<memory::desc, memory>> packed_;
};

class FastMatMul final : public MatMulBase {
 public:
  FastMatMul(const Value* constant_b, std::unique_ptr<Kernel> fallback)
      : MatMulBase(std::move(fallback)), b_const_(constant_b != nullptr ? *constant_b : Value()) {}

  void run(KernelContext& ctx) const override {
    const Value& a = ctx.required_input(kA);
    const Value& b = ctx.required_input(kB);
    const int threads = ctx.threads().size();
    auto plan = plans_.get(std::make_pair(a.dims(), b.dims()), threads,
                           [&] { return make(a.dims(), b.dims()); });
    if (!plan) {
      fallback_->run(ctx);
      return;
    }
    Value& y = ctx.output(kOutput, DataType::kFloat, plan->out);
    if (y.size() == 0) return;
    execute_plan(*plan, a, b, y, threads);
  }

 private:
  std::shared_ptr<MatMulPlan> make(const Dims& a_dims, const Dims& b_dims) const {
    if (a_dims.empty() || b_dims.empty()) return nullptr;
    Dims ad = a_dims, bd = b_dims;
    const bool a_vec = ad.size() == 1, b_vec = bd.size() == 1;
    if (a_vec) ad.insert(ad.begin(), 1);
    if (b_vec) bd.push_back(1);
    const std::int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
    if (bd[bd.size() - 2] != k || k == 0) return nullptr;
    const Dims abatch(ad.begin(), ad.end() - 2), bbatch(bd.begin(), bd.end() - 2);
    const Dims* shapes[] = {&abatch, &bbatch};
    const auto batch = reference::broadcast_dims(shapes);
    if (!batch) return nullptr;
    auto plan = std::make_shared<MatMulPlan>();
    plan->out = *batch;
    if (!a_vec) plan->out.push_back(m);
    if (!b_vec) plan->out.push_back(n);
    if (element_count(plan->out) == 0) return plan;
    memory::dims src, wei, dst;
    if (bd.size() == 2) {
      // B is one matrix: A's batch dims fold into its rows (A is dense).
      const std::int64_t rows = element_count(ad) / k;
      src = {rows, k};
      wei = {k, n};
      dst = {rows, n};
    } else {
      const std::size_t rank = std::max(ad.size(), bd.size());
      auto padded = [rank](const Dims& d) {
        memory::dims p(rank - d.size(), 1);
        p.insert(p.end(), d.begin(), d.end());
        return p;
      };
      src = padded(ad);
      wei = padded(bd);
      dst = to_dnnl(*batch);
      dst.push_back(m);
      dst.push_back(n);
    }
    plan->src = plain_f32(src);
    plan->weights_user = plain_f32(wei);
    plan->dst = plain_f32(dst);
    const bool pack = b_const_ && bd.size() == 2;
    const memory::desc wei_md =
        pack ? memory::desc(wei, memory::data_type::f32, memory::format_tag::any)
             : plan->weights_user;
    const dnnl::matmul::desc desc(plan->src, wei_md, plan->dst);
    const dnnl::matmul::primitive_desc pd(desc, base_attr(), cpu_engine());
    plan->prim = dnnl::matmul(pd);
    plan->scratch = pd.scratchpad_desc();
    if (pack) plan->weights = packed(b_const_, plan->weights_user, pd.weights_desc());
    return plan;
  }

  Value b_const_;
};

/// Gemm: Y = alpha * A' B' + beta * C, taken when alpha is 1 and C (if any)
/// is constant or beta is 1; A' and B' are transposes read through strides.
class FastGemm final : public MatMulBase {
 public:
  FastGemm(bool ta, bool tb, const Value* constant_b, Value bias, std::unique_ptr<Kernel> fallback)
      : MatMulBase(std::move(fallback)),
        ta_(ta),
        tb_(tb),
        b_const_(constant_b != nullptr ? *constant_b : Value()),
        bias_(std::move(bias)) {}

  void run(KernelContext& ctx) const override {
    const Value& a = ctx.required_input(kA);
    const Value& b = ctx.required_input(kB);
    const Value* c = ctx.input(kC);
    const int threads = ctx.threads().size();
    if ((c != nullptr && !bias_) || a.rank() != 2 || b.rank() != 2) {
      fallback_->run(ctx);
      return;
    }
    auto plan = plans_.get(std::make_pair(a.dims(), b.dims()), threads,
                           [&] { return make(a.dims(), b.dims()); });
    if (!plan) {
      fallback_->run(ctx);
      return;
    }
    Value& y = ctx.output(kOutput, DataType::kFloat, plan->out);
    if (y.size() == 0) return;
    execute_plan(*plan, a, b, y, threads);
  }

 private:
  std::shared_ptr<MatMulPlan> make(const Dims& a, const Dims& b) const {
    const std::int64_t m = ta_ ? a[1] : a[0], k = ta_ ? a[0] : a[1];
    const std::int64_t kb = tb_ ? b[1] : b[0], n = tb_ ? b[0] : b[1];
    if (k != kb || k == 0) return nullptr;
    auto plan = std::make_shared<MatMulPlan>();
    plan->out = {m, n};
    if (m == 0 || n == 0) return plan;
    plan->src =
        ta_ ? memory::desc({m, k}, memory::data_type::f32, memory::dims{1, m}) : plain_f32({m, k});
    plan->weights_user =
        tb_ ? memory::desc({k, n}, memory::data_type::f32, memory::dims{1, k}) : plain_f32({k, n});
    plan->dst = plain_f32({m, n});
    memory::desc bias_md;
    if (bias_) {
      // C broadcasts to (M, N) from a scalar, (N), (1|M, 1|N).
      Dims cd = bias_.dims();
      while (cd.size() < 2) cd.insert(cd.begin(), 1);
      if (cd.size() != 2 || (cd[0] != 1 && cd[0] != m) || (cd[1] != 1 && cd[1] != n))
        return nullptr;
      bias_md = plain_f32(to_dnnl(cd));
    }
    const memory::desc wei_md =
        b_const_ ? memory::desc({k, n}, memory::data_type::f32, memory::format_tag::any)
                 : plan->weights_user;
    const dnnl::matmul::desc desc(plan->src, wei_md, bias_md, plan->dst);
    const dnnl::matmul::primitive_desc pd(desc, base_attr(), cpu_engine());
    plan->prim = dnnl::matmul(pd);
    plan->scratch = pd.scratchpad_desc();
    if (b_const_) plan->weights = packed(b_const_, plan->weights_user, pd.weights_desc());
    if (bias_) plan->bias = wrap(bias_md, bias_);
    return plan;
  }

  bool ta_, tb_;
  Value b_const_;
  Value bias_;  ///< beta * C, when C is given
};

std::unique_ptr<Kernel> matmul_prepare(const KernelInfo& info) {
  if (info.input_dtype(kA) != DataType::kFloat || info.input_dtype(kB) != DataType::kFloat)
    return nullptr;
  const Value* b = info.constant_input(kB);
  if (b != nullptr && b->dtype() != DataType::kFloat) return nullptr;
  return std::make_unique<FastMatMul>(b, reference_kernel(info));
}

std::unique_ptr<Kernel> gemm_prepare(const KernelInfo& info) {
  if (info.input_dtype(kA) != DataType::kFloat || info.input_dtype(kB) != DataType::kFloat)
    return nullptr;
  if (info.attr_float("alpha", 1.0f) != 1.0f) return nullptr;
  const float beta = info.attr_float("beta", 1.0f);
  const Value* b = info.constant_input(kB);
  if (b != nullptr && b->dtype() != DataType::kFloat) return nullptr;
  Value bias;
  if (info.has_input(kC) && beta != 0.0f) {
    const Value* c = info.constant_input(kC);
    if (c == nullptr || c->dtype() != DataType::kFloat) return nullptr;
    bias = *c;
    if (beta != 1.0f) {
      bias = c->clone();
      for (float& v : bias.mutable_span<float>()) v *= beta;
    }
  } else if (info.has_input(kC)) {
    return nullptr;  // beta 0 with C: rare, the reference handles it
  }
  return std::make_unique<FastGemm>(info.attr_int("transA", 0) != 0,
                                    info.attr_int("transB", 0) != 0, b, std::move(bias),
                                    reference_kernel(info));
}

}  // namespace

void register_fast_matmul(KernelRegistry& r) {
  KernelDef mm;
  mm.op = "MatMul";
  mm.since_version = 1;
  mm.provider = "cpu-fast";
  mm.types = {TypeRule{kA, {DataType::kFloat}}};
  mm.prepare = matmul_prepare;
  r.add(std::move(mm));
  KernelDef gemm;
  gemm.op = "Gemm";
  gemm.since_version = 7;
  gemm.provider = "cpu-fast";
  gemm.types = {TypeRule{kA, {DataType::kFloat}}};
  gemm.prepare = gemm_prepare;
  r.add(std::move(gemm));
}

}  // namespace onnxkit::runtime::fast
