// Sequence and optional ops: SequenceEmpty, SequenceConstruct, SequenceAt,
// SequenceInsert, SequenceErase, SequenceLength, SplitToSequence,
// ConcatFromSequence, Optional, OptionalHasElement, OptionalGetElement.
// Sequences are immutable Values: an op that "changes" one builds a new item
// list that shares the tensors.

#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/type.h"
#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/tensor_parts.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kSequence = 0;
constexpr std::size_t kInput = 0;
constexpr std::size_t kPosition = 1;        // SequenceAt, SequenceErase
constexpr std::size_t kInsertTensor = 1;    // SequenceInsert
constexpr std::size_t kInsertPosition = 2;  // SequenceInsert
constexpr std::size_t kSplit = 1;           // SplitToSequence
constexpr std::size_t kOutput = 0;

const Value& sequence_input(const KernelContext& ctx, std::size_t i) {
  const Value& v = ctx.required_input(i);
  if (!v.is_sequence())
    fail("", "input " + std::to_string(i) + " must be a sequence, got " + v.describe());
  return v;
}

/// A position input (int32/int64 scalar) made non-negative for a sequence of
/// `n`; valid in [-n, n - 1], or [-n, n] with `allow_end`.
std::size_t position(const Value& p, std::size_t n, bool allow_end) {
  const std::vector<std::int64_t> v = to_int64_vector(p);
  if (v.size() != 1) fail("", "position must be a scalar, got " + p.describe());
  const auto len = static_cast<std::int64_t>(n);
  const std::int64_t pos = v[0] < 0 ? v[0] + len : v[0];
  if (pos < 0 || pos > len || (pos == len && !allow_end)) {
    fail("", "position " + std::to_string(v[0]) + " is out of range for a sequence of " +
                 std::to_string(n));
  }
  return static_cast<std::size_t>(pos);
}

std::vector<Value> items_of(const Value& seq) { return {seq.items().begin(), seq.items().end()}; }

void sequence_construct(KernelContext& ctx) {
  std::vector<Value> items;
  for (std::size_t i = 0; i < ctx.input_count(); ++i) items.push_back(ctx.required_input(i));
  ctx.set_output(kOutput, Value::sequence(DataType::kUndefined, std::move(items)));
}

void sequence_at(KernelContext& ctx) {
  const Value& seq = sequence_input(ctx, kSequence);
  ctx.set_output(kOutput,
                 seq.item(position(ctx.required_input(kPosition), seq.item_count(), false)));
}

void sequence_insert(KernelContext& ctx) {
  const Value& seq = sequence_input(ctx, kSequence);
  const Value& tensor = ctx.required_input(kInsertTensor);
  const Value* at = ctx.input(kInsertPosition);
  const std::size_t pos = at ? position(*at, seq.item_count(), true) : seq.item_count();
  std::vector<Value> items = items_of(seq);
  items.insert(items.begin() + static_cast<std::ptrdiff_t>(pos), tensor);
  // An empty sequence of unknown type takes the inserted tensor's.
  const DataType dtype =
      seq.item_count() == 0 && seq.dtype() == DataType::kUndefined ? tensor.dtype() : seq.dtype();
  ctx.set_output(kOutput, Value::sequence(dtype, std::move(items)));
}

void sequence_erase(KernelContext& ctx) {
  const Value& seq = sequence_input(ctx, kSequence);
  if (seq.item_count() == 0) fail("", "cannot erase from an empty sequence");
  const Value* at = ctx.input(kPosition);
  const std::size_t pos = at ? position(*at, seq.item_count(), false) : seq.item_count() - 1;
  std::vector<Value> items = items_of(seq);
  items.erase(items.begin() + static_cast<std::ptrdiff_t>(pos));
  ctx.set_output(kOutput, Value::sequence(seq.dtype(), std::move(items)));
}

void sequence_length(KernelContext& ctx) {
  const Value& seq = sequence_input(ctx, kSequence);
  ctx.output(kOutput, DataType::kInt64, {}).mutable_span<std::int64_t>()[0] =
      static_cast<std::int64_t>(seq.item_count());
}

std::unique_ptr<Kernel> prepare_sequence_empty(const KernelInfo& info) {
  const std::int64_t code = info.attr_int("dtype", static_cast<std::int64_t>(DataType::kFloat));
  if (!data_type_known(static_cast<std::int32_t>(code)) || code == 0) {
    info.fail("attribute 'dtype' is not an element type: " + std::to_string(code));
  }
  const auto dtype = static_cast<DataType>(code);
  return make_kernel(
      [dtype](KernelContext& ctx) { ctx.set_output(kOutput, Value::sequence(dtype, {})); });
}

std::unique_ptr<Kernel> prepare_split_to_sequence(const KernelInfo& info) {
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  const bool keepdims = info.attr_int("keepdims", 1) != 0;
  return make_kernel([axis_attr, keepdims](KernelContext& ctx) {
    const Value& x = ctx.required_input(kInput);
    const auto axis =
        static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
    if (axis >= x.rank()) fail("", "cannot split a scalar");
    const std::int64_t dim = x.dims()[axis];
    std::vector<Value> items;
    const Value* split = ctx.input(kSplit);
    if (split == nullptr) {
      for (std::int64_t i = 0; i < dim; ++i)
        items.push_back(keepdims ? slice_along(x, axis, i, 1) : take_along(x, axis, i));
    } else if (split->rank() == 0) {
      const std::int64_t chunk = to_int64_vector(*split)[0];
      if (chunk <= 0) fail("", "split must be positive, got " + std::to_string(chunk));
      for (std::int64_t at = 0; at < dim; at += chunk)
        items.push_back(slice_along(x, axis, at, std::min(chunk, dim - at)));
    } else {
      std::int64_t at = 0;
      for (std::int64_t n : to_int64_vector(*split)) {
        if (n < 0 || at + n > dim)
          fail("", "split lengths exceed dim " + std::to_string(dim) + " of " + x.describe());
        items.push_back(slice_along(x, axis, at, n));
        at += n;
      }
      if (at != dim)
        fail("", "split lengths sum to " + std::to_string(at) + ", not dim " + std::to_string(dim));
    }
    ctx.set_output(kOutput, Value::sequence(x.dtype(), std::move(items)));
  });
}

std::unique_ptr<Kernel> prepare_concat_from_sequence(const KernelInfo& info) {
  if (!info.has_attr("axis")) info.fail("attribute 'axis' is required");
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  const bool new_axis = info.attr_int("new_axis", 0) != 0;
  return make_kernel([axis_attr, new_axis](KernelContext& ctx) {
    const Value& seq = sequence_input(ctx, kSequence);
    if (seq.item_count() == 0) fail("", "cannot concatenate an empty sequence");
    const auto rank = static_cast<std::int64_t>(seq.item(0).rank()) + (new_axis ? 1 : 0);
    const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, rank));
    ctx.set_output(kOutput,
                   new_axis ? stack_along(seq.items(), axis) : concat_along(seq.items(), axis));
  });
}

std::unique_ptr<Kernel> prepare_optional(const KernelInfo& info) {
  Value empty;
  if (const ir::Attribute* a = info.attr("type")) {
    if (a->type != ir::AttributeType::kTypeProto || !a->tp)
      info.fail("attribute 'type' must be a type");
    const ir::Type& t = *a->tp;
    if (t.is_tensor()) {
      empty = Value::empty_optional(Value::Kind::kTensor, t.elem_type);
    } else if (t.kind == ir::Type::Kind::kSequence && t.elem && t.elem->is_tensor()) {
      empty = Value::empty_optional(Value::Kind::kSequence, t.elem->elem_type);
    } else {
      info.fail("attribute 'type' must be a tensor or sequence type, got " + ir::type_to_string(t));
    }
  } else if (!info.has_input(kInput)) {
    info.fail("an Optional without an input needs attribute 'type'");
  }
  return make_kernel([empty](KernelContext& ctx) {
    const Value* x = ctx.input(kInput);
    ctx.set_output(kOutput, x ? Value::optional(*x) : empty);
  });
}

void optional_has_element(KernelContext& ctx) {
  const Value* x = ctx.input(kInput);
  const bool has = x != nullptr && (!x->is_optional() || x->has_element());
  ctx.output(kOutput, DataType::kBool, {}).mutable_span<bool>()[0] = has;
}

void optional_get_element(KernelContext& ctx) {
  const Value& x = ctx.required_input(kInput);
  ctx.set_output(kOutput, x.is_optional() ? x.element() : x);
}

}  // namespace

void register_sequence_kernels(KernelRegistry& r) {
  add_def(r, "SequenceEmpty", 11, prepare_sequence_empty);
  add_simple(r, "SequenceConstruct", 11, kLatestVersion, sequence_construct);
  add_simple(r, "SequenceAt", 11, kLatestVersion, sequence_at);
  add_simple(r, "SequenceInsert", 11, kLatestVersion, sequence_insert);
  add_simple(r, "SequenceErase", 11, kLatestVersion, sequence_erase);
  add_simple(r, "SequenceLength", 11, kLatestVersion, sequence_length);
  add_def(r, "SplitToSequence", 11, prepare_split_to_sequence);
  add_def(r, "ConcatFromSequence", 11, prepare_concat_from_sequence);
  add_def(r, "Optional", 15, prepare_optional);
  add_simple(r, "OptionalHasElement", 15, kLatestVersion, optional_has_element);
  add_simple(r, "OptionalGetElement", 15, kLatestVersion, optional_get_element);
}

}  // namespace onnxkit::runtime
