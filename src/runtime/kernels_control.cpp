// Control flow: If, Loop, Scan (version 8 with a batch axis, 9 and later
// without) and SequenceMap. Their bodies are planned once at session creation
// (KernelInfo::subgraph) and run here through KernelContext::run_subgraph,
// which binds the names a body reads from enclosing graphs to this run's
// values. Loop-carried values may be tensors, sequences or optionals.

#include <limits>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/graph.h"
#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/tensor_parts.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kCond = 0;          // If
constexpr std::size_t kTripCount = 0;     // Loop
constexpr std::size_t kLoopCond = 1;      // Loop
constexpr std::size_t kLoopCarried = 2;   // Loop: first loop-carried input
constexpr std::size_t kSequenceLens = 0;  // Scan 8
constexpr std::size_t kMapSequence = 0;   // SequenceMap

/// The value of a bool scalar (a one-element bool tensor).
bool truth(const Value& v, const char* what) {
  if (!v.is_tensor() || v.dtype() != DataType::kBool || v.size() != 1) {
    fail("", std::string(what) + " must be a bool scalar, got " + v.describe());
  }
  return v.span<bool>()[0];
}

Value int64_scalar(std::int64_t x) {
  Value v = Value::tensor(DataType::kInt64, {});
  v.mutable_span<std::int64_t>()[0] = x;
  return v;
}

Value bool_scalar(bool x) {
  Value v = Value::tensor(DataType::kBool, {});
  v.mutable_span<bool>()[0] = x;
  return v;
}

/// What a scan output is when the body never ran: zero parts stacked along
/// `axis`, shaped by the body's declared output type where it is fully known.
Value empty_scan_output(const Subgraph& body, std::size_t output, std::size_t axis) {
  DataType dtype = DataType::kFloat;
  Dims dims;
  const ir::Tensor* t = body.graph().outputs()[output];
  if (const std::optional<ir::Type> type = t->type(); type && type->is_tensor()) {
    if (type->elem_type != DataType::kUndefined) dtype = type->elem_type;
    if (const Shape* shape = type->dims()) {
      for (const Dim& d : *shape) {
        if (!d.is_value()) {
          dims.clear();
          break;
        }
        dims.push_back(d.value);
      }
    }
  }
  axis = std::min(axis, dims.size());
  dims.insert(dims.begin() + static_cast<std::ptrdiff_t>(axis), 0);
  return Value::tensor(dtype, std::move(dims));
}

/// Error at prepare unless `body` has `inputs` inputs and `outputs` outputs
/// (at least `outputs` when `at_least`).
void check_body(const KernelInfo& info, const char* attr, const Subgraph& body, std::size_t inputs,
                std::size_t outputs, bool at_least = false) {
  if (body.input_count() != inputs) {
    info.fail("attribute '" + std::string(attr) + "': the body has " +
              std::to_string(body.input_count()) + " inputs, the node needs " +
              std::to_string(inputs));
  }
  if (at_least ? body.output_count() < outputs : body.output_count() != outputs) {
    info.fail("attribute '" + std::string(attr) + "': the body has " +
              std::to_string(body.output_count()) + " outputs, the node needs " +
              (at_least ? "at least " : "") + std::to_string(outputs));
  }
}

// ---- If

class IfKernel final : public Kernel {
 public:
  explicit IfKernel(const KernelInfo& info)
      : then_(info.subgraph("then_branch")), else_(info.subgraph("else_branch")) {
    check_body(info, "then_branch", then_, 0, info.output_count());
    check_body(info, "else_branch", else_, 0, info.output_count());
  }
  void run(KernelContext& ctx) const override {
    const Subgraph& branch = truth(ctx.required_input(kCond), "the condition") ? then_ : else_;
    std::vector<Value> outs = ctx.run_subgraph(branch, {});
    for (std::size_t i = 0; i < outs.size(); ++i) ctx.set_output(i, std::move(outs[i]));
  }

 private:
  const Subgraph& then_;
  const Subgraph& else_;
};

// ---- Loop

class LoopKernel final : public Kernel {
 public:
  explicit LoopKernel(const KernelInfo& info) : body_(info.subgraph("body")) {
    if (info.input_count() < kLoopCarried)
      info.fail("Loop takes a trip count and a condition (each may be \"\")");
    carried_ = info.input_count() - kLoopCarried;
    check_body(info, "body", body_, carried_ + 2, carried_ + 1, true);
    scans_ = body_.output_count() - 1 - carried_;
    if (info.output_count() > carried_ + scans_) {
      info.fail("the node has " + std::to_string(info.output_count()) +
                " outputs, the body gives " + std::to_string(carried_ + scans_));
    }
  }

  void run(KernelContext& ctx) const override {
    const Value* trip = ctx.input(kTripCount);
    const Value* cond = ctx.input(kLoopCond);
    if (trip == nullptr && cond == nullptr) {
      fail("", "a Loop with neither a trip count nor a condition never ends");
    }
    std::int64_t max_trips = std::numeric_limits<std::int64_t>::max();
    if (trip != nullptr) {
      const std::vector<std::int64_t> m = to_int64_vector(*trip);
      if (m.size() != 1) fail("", "the trip count must be a scalar, got " + trip->describe());
      max_trips = m[0];
    }
    bool keep_going = cond == nullptr || truth(*cond, "the condition");
    // inputs of the body: iteration number, condition, loop-carried values
    std::vector<Value> inputs(2 + carried_);
    for (std::size_t j = 0; j < carried_; ++j) inputs[2 + j] = ctx.required_input(kLoopCarried + j);
    std::vector<std::vector<Value>> scanned(scans_);
    for (std::int64_t i = 0; i < max_trips && keep_going; ++i) {
      inputs[0] = int64_scalar(i);
      inputs[1] = bool_scalar(keep_going);
      std::vector<Value> outs = ctx.run_subgraph(body_, inputs);
      if (cond != nullptr) keep_going = truth(outs[0], "the body's condition output");
      for (std::size_t j = 0; j < carried_; ++j) inputs[2 + j] = std::move(outs[1 + j]);
      for (std::size_t k = 0; k < scans_; ++k)
        scanned[k].push_back(std::move(outs[1 + carried_ + k]));
    }
    const std::size_t n = ctx.output_count();
    for (std::size_t j = 0; j < carried_ && j < n; ++j) ctx.set_output(j, inputs[2 + j]);
    for (std::size_t k = 0; k < scans_ && carried_ + k < n; ++k) {
      if (!ctx.output_wanted(carried_ + k)) continue;
      ctx.set_output(carried_ + k, scanned[k].empty()
                                       ? empty_scan_output(body_, 1 + carried_ + k, 0)
                                       : stack_along(scanned[k], 0));
    }
  }

 private:
  const Subgraph& body_;
  std::size_t carried_ = 0;  // N loop-carried values
  std::size_t scans_ = 0;    // K scan outputs
};

// ---- Scan

/// The attribute `name` (one entry per input or output), defaulting to zeros.
std::vector<std::int64_t> per_value(const KernelInfo& info, const char* name, std::size_t count) {
  std::vector<std::int64_t> v = info.attr_ints(name, std::vector<std::int64_t>(count, 0));
  if (v.size() != count) {
    info.fail("attribute '" + std::string(name) + "' has " + std::to_string(v.size()) +
              " entries, expected " + std::to_string(count));
  }
  return v;
}

/// Runs `body` once per slice of the scan inputs `xs` along `axes` (from
/// the end where `reverse`), threading `states`; returns the final states
/// and, per scan output, the parts in iteration order.
struct ScanRun {
  std::vector<Value> states;
  std::vector<std::vector<Value>> parts;
};

ScanRun scan(KernelContext& ctx, const Subgraph& body, std::vector<Value> states,
             const std::vector<Value>& xs, const std::vector<std::size_t>& axes,
             const std::vector<std::int64_t>& reverse, std::size_t outputs) {
  std::int64_t length = -1;
  for (std::size_t m = 0; m < xs.size(); ++m) {
    if (!xs[m].is_tensor() || axes[m] >= xs[m].rank()) {
      fail("", "scan input " + std::to_string(m) + " (" + xs[m].describe() + ") has no axis " +
                   std::to_string(axes[m]));
    }
    const std::int64_t n = xs[m].dims()[axes[m]];
    if (length >= 0 && n != length) {
      fail("", "scan inputs differ in length along their axes: " + std::to_string(length) +
                   " and " + std::to_string(n));
    }
    length = n;
  }
  const std::size_t carried = states.size();
  ScanRun r;
  r.parts.resize(outputs);
  std::vector<Value> inputs = std::move(states);
  inputs.resize(carried + xs.size());
  for (std::int64_t t = 0; t < std::max<std::int64_t>(length, 0); ++t) {
    for (std::size_t m = 0; m < xs.size(); ++m) {
      inputs[carried + m] = take_along(xs[m], axes[m], reverse[m] != 0 ? length - 1 - t : t);
    }
    std::vector<Value> outs = ctx.run_subgraph(body, inputs);
    for (std::size_t j = 0; j < carried; ++j) inputs[j] = std::move(outs[j]);
    for (std::size_t k = 0; k < outputs; ++k) r.parts[k].push_back(std::move(outs[carried + k]));
  }
  inputs.resize(carried);
  r.states = std::move(inputs);
  return r;
}

class ScanKernel final : public Kernel {
 public:
  explicit ScanKernel(const KernelInfo& info)
      : body_(info.subgraph("body")), batched_(info.since_version() < 9) {
    if (!info.has_attr("num_scan_inputs")) info.fail("attribute 'num_scan_inputs' is required");
    const std::int64_t m = info.attr_int("num_scan_inputs", 0);
    const std::size_t first = batched_ ? 1 : 0;  // Scan 8 starts with sequence_lens
    if (m < 1 || static_cast<std::size_t>(m) + first > info.input_count()) {
      info.fail("num_scan_inputs " + std::to_string(m) + " does not fit " +
                std::to_string(info.input_count()) + " inputs");
    }
    scan_inputs_ = static_cast<std::size_t>(m);
    carried_ = info.input_count() - first - scan_inputs_;
    check_body(info, "body", body_, carried_ + scan_inputs_, carried_, true);
    scan_outputs_ = body_.output_count() - carried_;
    if (info.output_count() > carried_ + scan_outputs_) {
      info.fail("the node has " + std::to_string(info.output_count()) +
                " outputs, the body gives " + std::to_string(carried_ + scan_outputs_));
    }
    if (batched_) {
      input_reverse_ = per_value(info, "directions", scan_inputs_);
      input_axes_.assign(scan_inputs_, 0);
      output_reverse_.assign(scan_outputs_, 0);
      output_axes_.assign(scan_outputs_, 0);
    } else {
      input_reverse_ = per_value(info, "scan_input_directions", scan_inputs_);
      input_axes_ = per_value(info, "scan_input_axes", scan_inputs_);
      output_reverse_ = per_value(info, "scan_output_directions", scan_outputs_);
      output_axes_ = per_value(info, "scan_output_axes", scan_outputs_);
    }
  }

  void run(KernelContext& ctx) const override {
    if (batched_) {
      run_batched(ctx);
      return;
    }
    std::vector<Value> states, xs;
    for (std::size_t j = 0; j < carried_; ++j) states.push_back(ctx.required_input(j));
    std::vector<std::size_t> axes;
    for (std::size_t m = 0; m < scan_inputs_; ++m) {
      xs.push_back(ctx.required_input(carried_ + m));
      axes.push_back(static_cast<std::size_t>(
          normalize_axis(input_axes_[m], static_cast<std::int64_t>(xs.back().rank()))));
    }
    ScanRun r = scan(ctx, body_, std::move(states), xs, axes, input_reverse_, scan_outputs_);
    const std::size_t n = ctx.output_count();
    for (std::size_t j = 0; j < carried_ && j < n; ++j) ctx.set_output(j, std::move(r.states[j]));
    for (std::size_t k = 0; k < scan_outputs_ && carried_ + k < n; ++k) {
      if (!ctx.output_wanted(carried_ + k)) continue;
      const std::vector<Value>& parts = r.parts[k];
      if (parts.empty()) {
        ctx.set_output(carried_ + k, empty_scan_output(body_, carried_ + k, 0));
        continue;
      }
      const auto axis = static_cast<std::size_t>(
          normalize_axis(output_axes_[k], static_cast<std::int64_t>(parts[0].rank()) + 1));
      ctx.set_output(carried_ + k, stack_along(parts, axis, output_reverse_[k] != 0));
    }
  }

 private:
  /// Scan 8: every input has a leading batch axis; each batch entry is
  /// scanned on its own (scan inputs along their axis 1).
  void run_batched(KernelContext& ctx) const {
    const std::size_t first = 1;
    std::int64_t batch = -1;
    for (std::size_t i = first; i < first + carried_ + scan_inputs_; ++i) {
      const Value& v = ctx.required_input(i);
      if (!v.is_tensor() || v.rank() == 0)
        fail("", "input " + std::to_string(i) + " needs a batch axis, got " + v.describe());
      if (batch >= 0 && v.dims()[0] != batch) fail("", "inputs differ in batch size");
      batch = v.dims()[0];
    }
    std::vector<std::int64_t> lens;
    if (const Value* l = ctx.input(kSequenceLens)) lens = to_int64_vector(*l);
    if (!lens.empty() && static_cast<std::int64_t>(lens.size()) != batch) {
      fail("", "sequence_lens has " + std::to_string(lens.size()) + " entries, the batch is " +
                   std::to_string(batch));
    }
    std::vector<std::vector<Value>> states(carried_), outs(scan_outputs_);
    const std::vector<std::size_t> axes(scan_inputs_, 0);
    for (std::int64_t b = 0; b < batch; ++b) {
      std::vector<Value> s, xs;
      for (std::size_t j = 0; j < carried_; ++j)
        s.push_back(take_along(ctx.required_input(first + j), 0, b));
      std::int64_t steps =
          -1;  // this entry's sequence length: sequence_lens[b], else the whole axis
      for (std::size_t m = 0; m < scan_inputs_; ++m) {
        xs.push_back(take_along(ctx.required_input(first + carried_ + m), 0, b));
        if (xs.back().rank() == 0)
          fail("", "scan input " + std::to_string(m) + " has no sequence axis");
        if (steps < 0)
          steps = lens.empty() ? xs.back().dims()[0] : lens.at(static_cast<std::size_t>(b));
        if (steps < 1 || steps > xs.back().dims()[0]) {
          fail("", "sequence_lens[" + std::to_string(b) + "] = " + std::to_string(steps) +
                       " is outside [1, " + std::to_string(xs.back().dims()[0]) + "]");
        }
        // Only the first `steps` entries are scanned (backwards too, for reverse directions).
        if (steps < xs.back().dims()[0]) xs.back() = slice_along(xs.back(), 0, 0, steps);
      }
      ScanRun r = scan(ctx, body_, std::move(s), xs, axes, input_reverse_, scan_outputs_);
      for (std::size_t j = 0; j < carried_; ++j) states[j].push_back(std::move(r.states[j]));
      const std::int64_t full = ctx.required_input(first + carried_).dims()[1];
      for (std::size_t k = 0; k < scan_outputs_; ++k) {
        Value stacked = stack_along(r.parts[k], 0);
        if (steps < full) {  // past its sequence length an entry's outputs are zeros
          Dims pad = stacked.dims();
          pad[0] = full - steps;
          const Value parts[] = {stacked, Value::tensor(stacked.dtype(), pad)};
          stacked = concat_along(parts, 0);
        }
        outs[k].push_back(std::move(stacked));
      }
    }
    if (batch == 0) fail("", "a batch of size 0 is not supported by Scan 8");
    const std::size_t n = ctx.output_count();
    for (std::size_t j = 0; j < carried_ && j < n; ++j)
      ctx.set_output(j, stack_along(states[j], 0));
    for (std::size_t k = 0; k < scan_outputs_ && carried_ + k < n; ++k) {
      ctx.set_output(carried_ + k, stack_along(outs[k], 0));
    }
  }

  const Subgraph& body_;
  bool batched_;
  std::size_t scan_inputs_ = 0, carried_ = 0, scan_outputs_ = 0;
  std::vector<std::int64_t> input_reverse_, input_axes_, output_reverse_, output_axes_;
};

// ---- SequenceMap

class SequenceMapKernel final : public Kernel {
 public:
  explicit SequenceMapKernel(const KernelInfo& info) : body_(info.subgraph("body")) {
    check_body(info, "body", body_, info.input_count(), info.output_count());
  }

  void run(KernelContext& ctx) const override {
    const Value& seq = ctx.required_input(kMapSequence);
    if (!seq.is_sequence()) fail("", "input 0 must be a sequence, got " + seq.describe());
    const std::size_t n = seq.item_count();
    std::vector<const Value*> extra;
    for (std::size_t j = 1; j < ctx.input_count(); ++j) {
      extra.push_back(&ctx.required_input(j));
      if (extra.back()->is_sequence() && extra.back()->item_count() != n) {
        fail("", "input " + std::to_string(j) + " has " +
                     std::to_string(extra.back()->item_count()) + " items, input 0 has " +
                     std::to_string(n));
      }
    }
    std::vector<std::vector<Value>> results(body_.output_count());
    std::vector<Value> inputs(1 + extra.size());
    for (std::size_t i = 0; i < n; ++i) {
      inputs[0] = seq.item(i);
      for (std::size_t j = 0; j < extra.size(); ++j) {
        inputs[1 + j] = extra[j]->is_sequence() ? extra[j]->item(i) : *extra[j];
      }
      std::vector<Value> outs = ctx.run_subgraph(body_, inputs);
      for (std::size_t k = 0; k < outs.size(); ++k) results[k].push_back(std::move(outs[k]));
    }
    for (std::size_t k = 0; k < results.size(); ++k) {
      DataType dtype = DataType::kUndefined;
      if (results[k].empty()) {
        const std::optional<ir::Type> t = body_.graph().outputs()[k]->type();
        if (t && t->is_tensor()) dtype = t->elem_type;
      }
      ctx.set_output(k, Value::sequence(dtype, std::move(results[k])));
    }
  }

 private:
  const Subgraph& body_;
};

template <typename K>
void add_control(KernelRegistry& r, const char* op, std::int64_t since) {
  KernelDef def;
  def.op = op;
  def.since_version = since;
  def.prepare = [](const KernelInfo& info) -> std::unique_ptr<Kernel> {
    return std::make_unique<K>(info);
  };
  r.add(std::move(def));
}

}  // namespace

void register_control_kernels(KernelRegistry& r) {
  add_control<IfKernel>(r, "If", 1);
  add_control<LoopKernel>(r, "Loop", 1);
  add_control<ScanKernel>(r, "Scan", 8);
  add_control<SequenceMapKernel>(r, "SequenceMap", 17);
}

}  // namespace onnxkit::runtime
