// Conv on oneDNN: float32, 1-3 spatial dims, groups (depthwise included),
// strides, dilations, pads, auto_pad, fused bias. Weights are packed once
// into the layout the primitive wants; primitives are made per input shape
// (the batch is often symbolic until run time) and cached under a mutex.
//
// The same kernel runs onnxkit.fast::FusedConv (fusion.cpp): a Conv whose
// output goes through an activation (Relu, or Clip with constant bounds) and
// optionally first adds a tensor Z of its own shape (a residual), all as
// oneDNN post-ops: y = act(conv(x) + b + z).

#include "runtime/reference/conv.h"

#include <algorithm>
#include <cstring>
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
constexpr std::size_t kW = 1;
constexpr std::size_t kBias = 2;
constexpr std::size_t kSum = 3;  // FusedConv's Z
constexpr std::size_t kOutput = 0;
constexpr int kSrcBuffer = 1;  // thread_buffer slots for layout copies
constexpr int kDstBuffer = 2;

/// The activation after the convolution (and the sum).
struct Activation {
  enum class Kind { kNone, kRelu, kClip } kind = Kind::kNone;
  float lo = 0, hi = 0;

  float apply(float v) const {
    if (kind == Kind::kRelu) return v > 0 ? v : 0;
    if (kind == Kind::kClip) return std::min(std::max(v, lo), hi);
    return v;
  }
};

/// One input shape's primitive, the memories it keeps and its layout copies.
struct ConvPlan {
  dnnl::convolution_forward prim;
  memory::desc src_plain, src, dst_plain, dst, scratch;
  dnnl::reorder src_reorder, dst_in_reorder, dst_out_reorder;  // empty when the layouts are plain
  memory weights, bias;
  Dims out;
};

class FastConv final : public Kernel {
 public:
  FastConv(reference::Window window, std::int64_t group, Value w, Value bias, Activation act,
           bool sum, std::unique_ptr<Kernel> fallback)
      : window_(std::move(window)),
        group_(group),
        w_(std::move(w)),
        bias_(std::move(bias)),
        act_(act),
        sum_(sum),
        fallback_(std::move(fallback)) {}

  void run(KernelContext& ctx) const override {
    const Value& x = ctx.required_input(kX);
    const int threads = ctx.threads().size();
    const std::shared_ptr<const ConvPlan> plan =
        plans_.get(x.dims(), threads, [&] { return make_plan(x.dims()); });
    if (!plan) {
      if (fallback_) {
        fallback_->run(ctx);
      } else {
        run_reference(ctx);
      }
      return;
    }
    Value& y = ctx.output(kOutput, DataType::kFloat, plan->out);
    const Value* z = sum_ ? &ctx.required_input(kSum) : nullptr;
    if (z != nullptr && z->dims() != plan->out) {
      fail("", "the fused sum input " + z->describe() + " does not have the output's shape " +
                   dims_to_string(plan->out));
    }
    const OmpThreads omp(threads);
    dnnl::stream stream(cpu_engine());
    memory src = wrap(plan->src_plain, x);
    if (plan->src_reorder) {
      memory blocked(plan->src, cpu_engine(), thread_buffer(kSrcBuffer, plan->src.get_size()));
      plan->src_reorder.execute(stream, src, blocked);
      src = blocked;
    }
    memory dst_user = wrap(plan->dst_plain, y);
    memory dst = dst_user;
    if (plan->dst_out_reorder)
      dst = memory(plan->dst, cpu_engine(), thread_buffer(kDstBuffer, plan->dst.get_size()));
    if (z != nullptr) {
      // The sum post-op adds what dst holds before the convolution.
      if (plan->dst_in_reorder) {
        memory z_plain = wrap(plan->dst_plain, *z);
        plan->dst_in_reorder.execute(stream, z_plain, dst);
      } else {
        std::memcpy(y.mutable_bytes().data(), z->raw_data(), y.byte_size());
      }
    }
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, plan->weights}, {DNNL_ARG_DST, dst}};
    if (plan->bias) args.emplace(DNNL_ARG_BIAS, plan->bias);
    if (plan->scratch.get_size() > 0) {
      args.emplace(DNNL_ARG_SCRATCHPAD,
                   memory(plan->scratch, cpu_engine(), thread_buffer(0, plan->scratch.get_size())));
    }
    plan->prim.execute(stream, args);
    if (plan->dst_out_reorder) plan->dst_out_reorder.execute(stream, dst, dst_user);
    stream.wait();
  }

 private:
  /// Output dims and the resolved window, or nullopt when X does not fit W.
  std::optional<std::pair<Dims, reference::Window>> geometry(const Dims& x) const {
    const Dims& wd = w_.dims();
    if (x.size() != wd.size() || x[1] != wd[1] * group_ || wd[0] % group_ != 0) return std::nullopt;
    reference::Window win = window_;
    if (win.kernel.empty()) win.kernel.assign(wd.begin() + 2, wd.end());
    for (std::size_t d = 0; d + 2 < x.size(); ++d) {
      if (d >= win.kernel.size() || win.kernel[d] != wd[2 + d]) return std::nullopt;
    }
    const std::vector<std::int64_t> sp = win.resolve(Dims(x.begin() + 2, x.end()));
    Dims out{x[0], wd[0]};
    out.insert(out.end(), sp.begin(), sp.end());
    return std::make_pair(out, win);
  }

  std::shared_ptr<const ConvPlan> make_plan(const Dims& x) const {
    auto geo = geometry(x);
    if (!geo) return nullptr;
    const auto& [out, win] = *geo;
    if (std::any_of(out.begin(), out.end(), [](std::int64_t o) { return o <= 0; })) return nullptr;
    const Dims& wd = w_.dims();
    const std::size_t nd = x.size() - 2;
    auto plan = std::make_shared<ConvPlan>();
    plan->out = out;
    memory::dims strides, dilations, pad_l, pad_r;
    for (std::size_t d = 0; d < nd; ++d) {
      strides.push_back(win.strides[d]);
      dilations.push_back(win.dilations[d] - 1);
      pad_l.push_back(win.pads[d]);
      // oneDNN wants the end pad that makes its output size formula exact.
      const std::int64_t span = (win.kernel[d] - 1) * win.dilations[d] + 1;
      pad_r.push_back((out[2 + d] - 1) * win.strides[d] + span - x[2 + d] - win.pads[d]);
    }
    memory::dims w_dims = to_dnnl(wd);
    if (group_ > 1) {
      w_dims[0] /= group_;
      w_dims.insert(w_dims.begin(), group_);
    }
    plan->src_plain = plain_f32(to_dnnl(x));
    plan->dst_plain = plain_f32(to_dnnl(out));
    const memory::desc any_src(to_dnnl(x), memory::data_type::f32, memory::format_tag::any);
    const memory::desc any_dst(to_dnnl(out), memory::data_type::f32, memory::format_tag::any);
    const memory::desc any_w(w_dims, memory::data_type::f32, memory::format_tag::any);
    const memory::desc bias_md = bias_ ? plain_f32({wd[0]}) : memory::desc();
    // Layouts chosen by oneDNN (blocked or channels-last; X and Y are copied
    // in and out): its fastest kernels need them, and measure about twice as
    // fast on resnet50 as its gemm convolution over NCHW, copies included.
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                               dnnl::algorithm::convolution_direct, any_src, any_w,
                                               bias_md, any_dst, strides, dilations, pad_l, pad_r);
    dnnl::primitive_attr attr = base_attr();
    dnnl::post_ops ops;
    if (sum_) ops.append_sum(1.0f);
    if (act_.kind == Activation::Kind::kRelu)
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    if (act_.kind == Activation::Kind::kClip)
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, act_.lo, act_.hi);
    attr.set_post_ops(ops);
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, cpu_engine());
    plan->prim = dnnl::convolution_forward(pd);
    plan->src = pd.src_desc();
    plan->dst = pd.dst_desc();
    plan->scratch = pd.scratchpad_desc();
    const dnnl::engine& e = cpu_engine();
    if (plan->src != plan->src_plain) {
      plan->src_reorder =
          dnnl::reorder(dnnl::reorder::primitive_desc(e, plan->src_plain, e, plan->src));
    }
    if (plan->dst != plan->dst_plain) {
      plan->dst_out_reorder =
          dnnl::reorder(dnnl::reorder::primitive_desc(e, plan->dst, e, plan->dst_plain));
      if (sum_)
        plan->dst_in_reorder =
            dnnl::reorder(dnnl::reorder::primitive_desc(e, plan->dst_plain, e, plan->dst));
    }
    plan->weights = packed_weights(pd.weights_desc(), plain_f32(w_dims));
    if (bias_) plan->bias = wrap(bias_md, bias_);
    return plan;
  }

  /// W in `layout`, packed once per layout (every batch size shares it).
  memory packed_weights(const memory::desc& layout, const memory::desc& plain) const {
    for (const auto& [desc, mem] : packed_) {
      if (desc == layout) return mem;
    }
    memory mem = reorder_to(wrap(plain, w_), layout);
    packed_.emplace_back(layout, mem);
    return mem;
  }

  /// A fused node oneDNN does not take: reference convolution, then the sum
  /// and the activation.
  void run_reference(KernelContext& ctx) const {
    const Value& x = ctx.required_input(kX);
    auto geo = x.rank() >= 3 ? geometry(x.dims()) : std::nullopt;
    if (!geo)
      fail("", "Conv: X " + x.describe() + " does not fit W " + w_.describe() + " (group " +
                   std::to_string(group_) + ")");
    const auto& [out, win] = *geo;
    reference::ConvShape s;
    s.batch = x.dims()[0];
    s.in_channels = x.dims()[1];
    s.out_channels = w_.dims()[0];
    s.group = group_;
    s.in.assign(x.dims().begin() + 2, x.dims().end());
    s.out.assign(out.begin() + 2, out.end());
    Value& y = ctx.output(kOutput, DataType::kFloat, out);
    float* dst = y.mutable_span<float>().data();
    reference::conv<float>(s, win, x.span<float>().data(), w_.span<float>().data(),
                           bias_ ? bias_.span<float>().data() : nullptr, dst);
    const Value* z = sum_ ? &ctx.required_input(kSum) : nullptr;
    if (z != nullptr && z->dims() != out)
      fail("", "the fused sum input " + z->describe() + " does not have the output's shape");
    const float* zs = z != nullptr ? z->span<float>().data() : nullptr;
    for (std::int64_t i = 0; i < y.size(); ++i)
      dst[i] = act_.apply(zs != nullptr ? dst[i] + zs[i] : dst[i]);
  }

  reference::Window window_;
  std::int64_t group_;
  Value w_, bias_;
  Activation act_;
  bool sum_;
  std::unique_ptr<Kernel> fallback_;  ///< the reference Conv kernel (null for FusedConv)
  PlanCache<Dims, ConvPlan> plans_;
  mutable std::vector<std::pair<memory::desc, memory>> packed_;
};

reference::Window window_of(const KernelInfo& info) {
  reference::Window window;
  window.kernel = info.attr_ints("kernel_shape");
  window.strides = info.attr_ints("strides");
  window.dilations = info.attr_ints("dilations");
  window.pads = info.attr_ints("pads");
  window.auto_pad = info.attr_string("auto_pad", "NOTSET");
  return window;
}

std::unique_ptr<Kernel> conv_prepare(const KernelInfo& info) {
  if (!conv_takes(info.input_dtype(kX), info.constant_input(kW), info.has_input(kBias),
                  info.has_input(kBias) ? info.constant_input(kBias) : nullptr,
                  info.attr_int("group", 1))) {
    return nullptr;
  }
  const Value* b = info.has_input(kBias) ? info.constant_input(kBias) : nullptr;
  return std::make_unique<FastConv>(window_of(info), info.attr_int("group", 1),
                                    *info.constant_input(kW), b != nullptr ? *b : Value(),
                                    Activation{}, false, reference_kernel(info));
}

/// onnxkit.fast::FusedConv: never declines (fusion.cpp only makes it for
/// Convs conv_takes() accepts).
std::unique_ptr<Kernel> fused_conv_prepare(const KernelInfo& info) {
  const Value* w = info.constant_input(kW);
  const Value* b = info.has_input(kBias) ? info.constant_input(kBias) : nullptr;
  if (!conv_takes(info.input_dtype(kX), w, info.has_input(kBias), b, info.attr_int("group", 1))) {
    info.fail("FusedConv needs float X, constant float W and bias");
  }
  Activation act;
  const std::string name = info.attr_string("activation", "");
  if (name == "Relu") {
    act.kind = Activation::Kind::kRelu;
  } else if (name == "Clip") {
    const std::vector<float> bounds = info.attr_floats("activation_params");
    if (bounds.size() != 2) info.fail("Clip activation needs activation_params (min, max)");
    act = {Activation::Kind::kClip, bounds[0], bounds[1]};
  } else if (!name.empty()) {
    info.fail("unknown activation '" + name + "'");
  }
  return std::make_unique<FastConv>(window_of(info), info.attr_int("group", 1), *w,
                                    b != nullptr ? *b : Value(), act, info.has_input(kSum),
                                    nullptr);
}

}  // namespace

bool conv_takes(DataType x, const Value* w, bool has_bias, const Value* bias, std::int64_t group) {
  if (x != DataType::kFloat || w == nullptr || w->dtype() != DataType::kFloat || w->rank() < 3 ||
      w->rank() > 5) {
    return false;
  }
  if (group <= 0 || w->dims()[0] % group != 0) return false;
  if (!has_bias) return true;
  return bias != nullptr && bias->dtype() == DataType::kFloat && bias->rank() == 1 &&
         bias->dims()[0] == w->dims()[0];
}

void register_fast_conv(KernelRegistry& r) {
  KernelDef def;
  def.op = "Conv";
  def.since_version = 1;
  def.provider = "cpu-fast";
  def.types = {TypeRule{kX, {DataType::kFloat}}};
  def.prepare = conv_prepare;
  r.add(std::move(def));
  KernelDef fused;
  fused.domain = kFastDomain;
  fused.op = "FusedConv";
  fused.since_version = 1;
  fused.provider = "cpu-fast";
  fused.prepare = fused_conv_prepare;
  r.add(std::move(fused));
}

}  // namespace onnxkit::runtime::fast
