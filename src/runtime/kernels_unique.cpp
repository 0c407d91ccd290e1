// Unique: the distinct elements of a tensor (or distinct slices along an
// axis), with first-occurrence indices, inverse indices and counts.

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kX = 0;
constexpr std::size_t kY = 0;
constexpr std::size_t kIndices = 1;
constexpr std::size_t kInverse = 2;
constexpr std::size_t kCounts = 3;

/// A tensor seen as `len` slices along one axis, each `outer` x `inner`.
struct Slices {
  std::int64_t outer = 1, len = 0, inner = 1;
  std::size_t at(std::int64_t slice, std::int64_t k) const {
    return static_cast<std::size_t>(((k / inner) * len + slice) * inner + k % inner);
  }
  std::int64_t slice_size() const { return outer * inner; }
};

/// Lexicographic order of slices, element by element (an explicit loop: the
/// library's memcmp path for byte vectors trips a GCC 12 false warning).
struct SliceLess {
  template <typename K>
  bool operator()(const std::vector<K>& a, const std::vector<K>& b) const {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i] < b[i]) return true;
      if (b[i] < a[i]) return false;
    }
    return a.size() < b.size();
  }
};

template <typename T>
void unique_typed(KernelContext& ctx, const Value& x, const Slices& s,
                  std::optional<std::size_t> axis, bool sorted) {
  using K = std::conditional_t<std::is_same_v<T, std::string>, std::string, compute_t<T>>;
  const std::span<const T> src = [&] {
    if constexpr (std::is_same_v<T, std::string>)
      return x.string_data();
    else
      return x.span<T>();
  }();
  auto key = [&](std::int64_t slice) {
    std::vector<K> k(static_cast<std::size_t>(s.slice_size()));
    for (std::int64_t e = 0; e < s.slice_size(); ++e)
      k[static_cast<std::size_t>(e)] = static_cast<K>(src[s.at(slice, e)]);
    return k;
  };
  // Distinct slices in order of first occurrence.
  std::map<std::vector<K>, std::int64_t, SliceLess> seen;  // key -> position in `firsts`
  std::vector<std::int64_t> firsts, counts, inverse(static_cast<std::size_t>(s.len));
  for (std::int64_t j = 0; j < s.len; ++j) {
    auto [it, inserted] = seen.emplace(key(j), static_cast<std::int64_t>(firsts.size()));
    if (inserted) {
      firsts.push_back(j);
      counts.push_back(0);
    }
    ++counts[static_cast<std::size_t>(it->second)];
    inverse[static_cast<std::size_t>(j)] = it->second;
  }
  // order[r] = which distinct slice is output r; rank[d] = its inverse.
  std::vector<std::int64_t> order(firsts.size());
  std::iota(order.begin(), order.end(), 0);
  if (sorted) {
    order.clear();
    for (const auto& [k, d] : seen)
      order.push_back(d);  // std::map iterates keys in ascending order
  }
  std::vector<std::int64_t> rank(order.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    rank[static_cast<std::size_t>(order[r])] = static_cast<std::int64_t>(r);

  const auto n = static_cast<std::int64_t>(order.size());
  Dims ydims = axis ? x.dims() : Dims{n};
  if (axis) ydims[*axis] = n;
  Value y = Value::tensor(x.dtype(), ydims);
  const Slices ys{s.outer, n, s.inner};
  auto write = [&](auto dst) {
    for (std::int64_t r = 0; r < n; ++r) {
      const std::int64_t from =
          firsts[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])];
      for (std::int64_t e = 0; e < s.slice_size(); ++e) dst[ys.at(r, e)] = src[s.at(from, e)];
    }
  };
  if constexpr (std::is_same_v<T, std::string>)
    write(y.mutable_string_data());
  else
    write(y.mutable_span<T>());
  ctx.set_output(kY, y);

  auto int_output = [&](std::size_t i, std::int64_t size, auto value_of) {
    if (!ctx.output_wanted(i)) return;
    auto dst = ctx.output(i, DataType::kInt64, {size}).template mutable_span<std::int64_t>();
    for (std::int64_t k = 0; k < size; ++k)
      dst[static_cast<std::size_t>(k)] = value_of(static_cast<std::size_t>(k));
  };
  int_output(kIndices, n,
             [&](std::size_t r) { return firsts[static_cast<std::size_t>(order[r])]; });
  int_output(kInverse, s.len,
             [&](std::size_t j) { return rank[static_cast<std::size_t>(inverse[j])]; });
  int_output(kCounts, n, [&](std::size_t r) { return counts[static_cast<std::size_t>(order[r])]; });
}

std::unique_ptr<Kernel> unique_prepare(const KernelInfo& info) {
  const bool has_axis = info.has_attr("axis");
  const std::int64_t axis_attr = info.attr_int("axis", 0);
  const bool sorted = info.attr_int("sorted", 1) != 0;
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    Slices s;
    std::optional<std::size_t> axis;
    if (has_axis) {
      axis =
          static_cast<std::size_t>(normalize_axis(axis_attr, static_cast<std::int64_t>(x.rank())));
      for (std::size_t d = 0; d < *axis; ++d) s.outer *= x.dims()[d];
      for (std::size_t d = *axis + 1; d < x.rank(); ++d) s.inner *= x.dims()[d];
      s.len = x.dims()[*axis];
    } else {
      s.len = x.size();
    }
    if (x.dtype() == DataType::kString) {
      unique_typed<std::string>(ctx, x, s, axis, sorted);
      return;
    }
    visit_numeric_or_bool(x.dtype(), [&](auto tag) {
      unique_typed<typename decltype(tag)::type>(ctx, x, s, axis, sorted);
    });
  });
}

}  // namespace

void register_unique_kernels(KernelRegistry& r) {
  add_def(r, "Unique", 11, unique_prepare, {TypeRule{kX, all_plain_types()}});
}

}  // namespace onnxkit::runtime
