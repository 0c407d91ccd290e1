// ai.onnx.ml LabelEncoder (versions 1-4): maps each input element through a
// key -> value table (keys and values as typed attribute lists or, from
// version 4, tensors), writing a default for keys not in the table.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "onnxkit/runtime/tensor_io.h"
#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

/// Keys compare as strings, or as doubles for numeric keys.
struct Key {
  bool is_string = false;
  std::string s;
  double d = 0;
  bool operator<(const Key& o) const { return is_string ? s < o.s : d < o.d; }
};

/// The elements of a string or numeric tensor as keys.
std::vector<Key> keys_of(const Value& v) {
  std::vector<Key> out;
  if (v.dtype() == DataType::kString) {
    for (const std::string& s : v.string_data()) out.push_back({true, s, 0});
    return out;
  }
  visit_numeric(v.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (const T e : v.span<T>())
      out.push_back({false, {}, static_cast<double>(static_cast<compute_t<T>>(e))});
  });
  return out;
}

/// The attribute `<prefix>_tensor`, else the list `<prefix>_{strings,int64s,floats}`, as a 1-D
/// tensor.
Value table_attr(const KernelInfo& info, const std::string& prefix) {
  if (const ir::Attribute* t = info.attr(prefix + "_tensor"); t != nullptr && t->t)
    return value_from_tensor_data(*t->t);
  if (const ir::Attribute* a = info.attr(prefix + "_strings")) {
    return Value::strings({static_cast<std::int64_t>(a->strings.size())}, a->strings);
  }
  if (const ir::Attribute* a = info.attr(prefix + "_int64s")) {
    Value v = Value::tensor(DataType::kInt64, {static_cast<std::int64_t>(a->ints.size())});
    std::copy(a->ints.begin(), a->ints.end(), v.mutable_span<std::int64_t>().begin());
    return v;
  }
  if (const ir::Attribute* a = info.attr(prefix + "_floats")) {
    Value v = Value::tensor(DataType::kFloat, {static_cast<std::int64_t>(a->floats.size())});
    std::copy(a->floats.begin(), a->floats.end(), v.mutable_span<float>().begin());
    return v;
  }
  info.fail("needs " + prefix + "_strings, " + prefix + "_int64s, " + prefix + "_floats or " +
            prefix + "_tensor");
}

/// The default for values of type `t`: default_tensor, or the typed default attribute.
Value default_value(const KernelInfo& info, DataType t) {
  if (const ir::Attribute* a = info.attr("default_tensor"); a != nullptr && a->t)
    return value_from_tensor_data(*a->t);
  if (t == DataType::kString)
    return Value::strings({1}, {info.attr_string("default_string", "_Unused")});
  Value v = Value::tensor(t, {1});
  const double d = t == DataType::kInt64
                       ? static_cast<double>(info.attr_int("default_int64", -1))
                       : static_cast<double>(info.attr_float("default_float", -0.0f));
  visit_numeric(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    v.mutable_span<T>()[0] = static_cast<T>(static_cast<compute_t<T>>(d));
  });
  return v;
}

std::unique_ptr<Kernel> label_encoder_prepare(const KernelInfo& info) {
  const Value keys = table_attr(info, "keys");
  const Value vals = table_attr(info, "values");
  if (keys.size() != vals.size()) info.fail("keys and values must have the same number of entries");
  const Value fallback = default_value(info, vals.dtype());
  if (fallback.dtype() != vals.dtype() || fallback.size() < 1)
    info.fail("the default must be one value of the values' type");
  std::map<Key, std::size_t> table;
  const auto k = keys_of(keys);
  for (std::size_t i = 0; i < k.size(); ++i) table.emplace(k[i], i);
  return make_kernel([table, vals, fallback](KernelContext& ctx) {
    const Value& x = ctx.required_input(0);
    const std::vector<Key> in = keys_of(x);
    Value y = Value::tensor(vals.dtype(), x.dims());
    visit_storage(vals.dtype(), [&](auto tag) {
      using S = typename decltype(tag)::type;
      auto pick = [&](auto src_vals, auto src_default, auto dst) {
        for (std::size_t i = 0; i < in.size(); ++i) {
          const auto it = table.find(in[i]);
          dst[i] = it != table.end() ? src_vals[it->second] : src_default[0];
        }
      };
      if constexpr (std::is_same_v<S, std::string>)
        pick(vals.string_data(), fallback.string_data(), y.mutable_string_data());
      else
        pick(vals.span<S>(), fallback.span<S>(), y.mutable_span<S>());
    });
    ctx.set_output(0, y);
  });
}

}  // namespace

void register_label_encoder_kernels(KernelRegistry& r) {
  KernelDef def;
  def.domain = "ai.onnx.ml";
  def.op = "LabelEncoder";
  def.since_version = 1;
  def.prepare = label_encoder_prepare;
  r.add(std::move(def));
}

}  // namespace onnxkit::runtime
