// Rules of the ops that move dims around (Reshape, Transpose, Concat, Slice,
// Gather...) and of those that make shapes into values (Shape, Size,
// Constant), with small-value propagation through them.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "infer/context.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::infer::detail {

namespace {

std::optional<Shape> shape_of(const InferContext& cx, std::size_t i) {
  const Shape* s = cx.input_shape(i);
  return s != nullptr ? std::optional<Shape>(*s) : std::nullopt;
}

Shape dims_of(const std::vector<std::int64_t>& v) {
  Shape s;
  for (std::int64_t d : v) s.push_back(Dim::of(d));
  return s;
}

void shape_rule(InferContext& cx) {
  const Shape* s = cx.input_shape(0);
  if (s == nullptr) {
    cx.set_tensor(0, DataType::kInt64, Shape{Dim::unknown()});
    return;
  }
  const auto rank = static_cast<std::int64_t>(s->size());
  std::int64_t start = cx.opset() >= 15 ? cx.attr_int("start", 0) : 0;
  std::int64_t end =
      cx.opset() >= 15 && cx.attr("end") != nullptr ? cx.attr_int("end", rank) : rank;
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<std::int64_t>(start, 0, rank);
  end = std::clamp<std::int64_t>(end, 0, rank);
  Shape values(s->begin() + start, s->begin() + std::max(start, end));
  cx.set_tensor(0, DataType::kInt64, Shape{Dim::of(static_cast<std::int64_t>(values.size()))});
  cx.set_values(0, values);
}

void size_rule(InferContext& cx) {
  cx.set_tensor(0, DataType::kInt64, Shape{});
  if (const Shape* s = cx.input_shape(0)) {
    if (auto p = dims_product(*s, 0, s->size())) cx.set_values(0, Shape{Dim::of(*p)});
  }
}

void constant_rule(InferContext& cx) {
  const ir::Node& n = cx.node();
  for (const ir::Attribute& a : n.attributes()) {
    if (a.name == "value" && a.t) {
      // Constant has no inputs: its dims may go straight to the arena.
      cx.set_fact(0, cx.engine().fact_of_data(*a.t));
      return;
    }
    if (a.name == "sparse_value" && a.sparse_tensor) {
      Shape dims = dims_of(a.sparse_tensor->dims);
      cx.set_tensor(0, a.sparse_tensor->values.data_type, dims);
      return;
    }
    if (a.name == "value_int") {
      cx.set_tensor(0, DataType::kInt64, Shape{});
      cx.set_values(0, Shape{Dim::of(a.i)});
      return;
    }
    if (a.name == "value_ints") {
      cx.set_tensor(0, DataType::kInt64, Shape{Dim::of(static_cast<std::int64_t>(a.ints.size()))});
      cx.set_values(0, dims_of(a.ints));
      return;
    }
    if (a.name == "value_float") {
      cx.set_tensor(0, DataType::kFloat, Shape{});
      const DimFact v = DimFact::real(a.f);
      return cx.set_value_facts(0, std::span<const DimFact>(&v, 1));
    }
    if (a.name == "value_floats") {
      cx.set_tensor(0, DataType::kFloat,
                    Shape{Dim::of(static_cast<std::int64_t>(a.floats.size()))});
      if (a.floats.size() > kMaxTrackedReals) return;
      std::vector<DimFact> v;
      for (float x : a.floats) v.push_back(DimFact::real(x));
      return cx.set_value_facts(0, v);
    }
    if (a.name == "value_string") return cx.set_tensor(0, DataType::kString, Shape{});
    if (a.name == "value_strings") {
      return cx.set_tensor(0, DataType::kString,
                           Shape{Dim::of(static_cast<std::int64_t>(a.strings.size()))});
    }
  }
}

void constant_of_shape_rule(InferContext& cx) {
  DataType elem = DataType::kFloat;
  const ir::TensorData* fill = nullptr;
  if (const ir::Attribute* v = cx.attr("value"); v != nullptr && v->t) {
    elem = v->t->data_type;
    fill = v->t.get();
  }
  const Shape* values = cx.input_values(0);
  if (values != nullptr) {
    cx.set_tensor(0, elem, *values);
    // A 1-D tensor of a repeated integer (exported graphs build shapes so).
    if (fill != nullptr && values->size() == 1 && (*values)[0].is_value() &&
        static_cast<std::uint64_t>((*values)[0].value) <= kMaxTrackedValues) {
      const ValueFacts f = constant_facts(*fill);
      if (f.values && f.values->size() == 1) {
        cx.set_values(0, Shape(static_cast<std::size_t>((*values)[0].value), (*f.values)[0]));
      }
    }
    return;
  }
  const Shape* s = cx.input_shape(0);
  if (s != nullptr && s->size() == 1 && (*s)[0].is_value()) {
    cx.set_tensor(0, elem, Shape(static_cast<std::size_t>((*s)[0].value), Dim::unknown()));
  } else {
    cx.set_tensor(0, elem, std::nullopt);
  }
}

void reshape_rule(InferContext& cx) {
  const DataType elem = cx.input_elem(0);
  const Shape* target = cx.input_values(1);
  const Shape* in = cx.input_shape(0);
  if (target == nullptr) {
    const Shape* ts = cx.input_shape(1);
    if (ts != nullptr && ts->size() == 1 && (*ts)[0].is_value()) {
      cx.set_tensor(0, elem, Shape(static_cast<std::size_t>((*ts)[0].value), Dim::unknown()));
    } else {
      cx.set_tensor(0, elem, std::nullopt);
    }
    return;
  }
  const bool allowzero = cx.attr_int("allowzero", 0) != 0;
  Shape out = *target;
  int minus_one = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!out[i].is_value()) continue;
    if (out[i].value == 0 && !allowzero) {
      if (in != nullptr && i < in->size()) {
        out[i] = (*in)[i];
      } else if (in != nullptr) {
        cx.fail("shape entry " + std::to_string(i) +
                " is 0 (copy the input dim) but the input has rank " + std::to_string(in->size()));
      } else {
        out[i] = Dim::unknown();
      }
    } else if (out[i].value == -1) {
      if (minus_one >= 0) cx.fail("the shape has more than one -1");
      minus_one = static_cast<int>(i);
    } else if (out[i].value < 0) {
      cx.fail("shape entry " + std::to_string(i) + " is " + std::to_string(out[i].value));
    }
  }
  if (minus_one >= 0) {
    Dim& d = out[static_cast<std::size_t>(minus_one)];
    d = Dim::unknown();
    if (in != nullptr) {
      auto total = dims_product(*in, 0, in->size());
      std::int64_t known = 1;
      bool all = true;
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (static_cast<int>(i) == minus_one) continue;
        if (!out[i].is_value())
          all = false;
        else
          known *= out[i].value;
      }
      if (total && all && known != 0) {
        if (*total % known != 0) {
          cx.fail("cannot reshape [" + shape_to_string(*in) + "] (" + std::to_string(*total) +
                  " elements) to [" + shape_to_string(*target) + "]");
        }
        d = Dim::of(*total / known);
      } else if (!all || !total) {
        // Symbolic: the input's dims that are not matched by the target's
        // identical dims, when exactly one remains (N,3,4 -> N,-1 gives 12).
        Shape rest = *in;
        bool ok = true;
        std::int64_t divisor = 1;
        for (std::size_t i = 0; i < out.size() && ok; ++i) {
          if (static_cast<int>(i) == minus_one) continue;
          auto it = std::find(rest.begin(), rest.end(), out[i]);
          if (it != rest.end()) {
            rest.erase(it);
          } else if (out[i].is_value()) {
            divisor *= out[i].value;
          } else {
            ok = false;
          }
        }
        if (ok) {
          auto p = dims_product(rest, 0, rest.size());
          if (p && divisor != 0 && *p % divisor == 0) {
            d = Dim::of(*p / divisor);
          } else if (rest.size() == 1 && divisor == 1) {
            d = rest[0];
          }
        }
      }
    }
  }
  cx.set_tensor(0, elem, out);
  if (auto v = cx.values(0); v && out.size() <= 1) cx.set_value_facts(0, *v);
}

void flatten_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  if (in == nullptr)
    return cx.set_tensor(0, cx.input_elem(0), Shape{Dim::unknown(), Dim::unknown()});
  const auto rank = static_cast<std::int64_t>(in->size());
  std::int64_t axis = cx.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) cx.fail("axis " + std::to_string(axis) + " is out of range");
  auto dim = [&](std::size_t b, std::size_t e) {
    if (e - b == 1) return (*in)[b];
    auto p = dims_product(*in, b, e);
    return p ? Dim::of(*p) : Dim::unknown();
  };
  const auto a = static_cast<std::size_t>(axis);
  cx.set_tensor(
      0, cx.input_elem(0),
      Shape{a == 0 ? Dim::of(1) : dim(0, a), a == in->size() ? Dim::of(1) : dim(a, in->size())});
}

void transpose_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  if (in == nullptr) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  std::vector<std::int64_t> perm;
  if (auto p = cx.attr_ints("perm"); p && !p->empty()) {
    perm = *p;
  } else {
    for (std::size_t i = in->size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
  }
  if (perm.size() != in->size()) {
    cx.fail("perm has " + std::to_string(perm.size()) + " entries for an input of rank " +
            std::to_string(in->size()));
  }
  Shape out;
  for (std::int64_t p : perm)
    out.push_back((*in)[static_cast<std::size_t>(
        cx.axis(p, static_cast<std::int64_t>(in->size()), "perm entry"))]);
  cx.set_tensor(0, cx.input_elem(0), out);
}

/// Axes from the attribute (older opsets) or input 1 (newer).
std::optional<std::vector<std::int64_t>> axes_of(const InferContext& cx, std::size_t input) {
  if (cx.attr("axes") != nullptr) return cx.attr_ints("axes");
  if (cx.has_input(input)) return cx.input_ints(input);
  return std::vector<std::int64_t>{};
}

void squeeze_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  auto axes = axes_of(cx, 1);
  if (in == nullptr || !axes) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  const auto rank = static_cast<std::int64_t>(in->size());
  std::vector<bool> drop(in->size(), false);
  if (axes->empty()) {
    for (std::size_t i = 0; i < in->size(); ++i) {
      if (!(*in)[i].is_value()) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
      drop[i] = (*in)[i].value == 1;
    }
  } else {
    for (std::int64_t a : *axes) {
      const auto i = static_cast<std::size_t>(cx.axis(a, rank));
      if ((*in)[i].is_value() && (*in)[i].value != 1) {
        cx.fail("cannot squeeze axis " + std::to_string(a) + " of size " +
                std::to_string((*in)[i].value));
      }
      drop[i] = true;
    }
  }
  Shape out;
  for (std::size_t i = 0; i < in->size(); ++i) {
    if (!drop[i]) out.push_back((*in)[i]);
  }
  cx.set_tensor(0, cx.input_elem(0), out);
  if (auto v = cx.values(0)) cx.set_value_facts(0, *v);
}

void unsqueeze_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  auto axes = axes_of(cx, 1);
  if (in == nullptr || !axes) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  const auto rank = static_cast<std::int64_t>(in->size() + axes->size());
  std::vector<bool> added(static_cast<std::size_t>(rank), false);
  for (std::int64_t a : *axes) {
    const auto i = static_cast<std::size_t>(cx.axis(a, rank));
    if (added[i]) cx.fail("axis " + std::to_string(a) + " is given twice");
    added[i] = true;
  }
  Shape out;
  std::size_t j = 0;
  for (std::size_t i = 0; i < added.size(); ++i) out.push_back(added[i] ? Dim::of(1) : (*in)[j++]);
  cx.set_tensor(0, cx.input_elem(0), out);
  if (auto v = cx.values(0)) cx.set_value_facts(0, *v);
}

void concat_rule(InferContext& cx) {
  DataType elem = DataType::kUndefined;
  std::optional<Shape> out;
  bool unknown = false;
  std::int64_t axis = cx.attr_int("axis", 0);
  for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
    if (elem == DataType::kUndefined) elem = cx.input_elem(i);
    const Shape* s = cx.input_shape(i);
    if (s == nullptr) {
      unknown = true;
      continue;
    }
    const auto rank = static_cast<std::int64_t>(s->size());
    const auto a = static_cast<std::size_t>(cx.axis(axis, rank));
    if (!out) {
      out = *s;
      continue;
    }
    if (out->size() != s->size()) {
      cx.fail("input " + std::to_string(i) + " has rank " + std::to_string(s->size()) +
              ", input 0 rank " + std::to_string(out->size()));
    }
    for (std::size_t d = 0; d < s->size(); ++d) {
      Dim& o = (*out)[d];
      const Dim& x = (*s)[d];
      if (d == a) {
        o = o.is_value() && x.is_value() ? Dim::of(o.value + x.value) : Dim::unknown();
      } else {
        auto m = merge_dim(o, x);
        if (!m)
          cx.fail("inputs differ in dim " + std::to_string(d) + " (" + std::to_string(o.value) +
                  " vs " + std::to_string(x.value) + ")");
        o = *m;
      }
    }
  }
  if (unknown && out) {
    const auto a = static_cast<std::size_t>(cx.axis(axis, static_cast<std::int64_t>(out->size())));
    (*out)[a] = Dim::unknown();
  }
  cx.set_tensor(0, elem, out);
  // Values: concatenation of 1-D tracked values.
  std::vector<DimFact> values;
  for (std::size_t i = 0; i < cx.num_inputs(); ++i) {
    const auto v = cx.values(i);
    if (!v) return;
    values.insert(values.end(), v->begin(), v->end());
  }
  cx.set_value_facts(0, values);
}

void split_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  const std::size_t n = cx.num_outputs();
  if (in == nullptr) {
    for (std::size_t i = 0; i < n; ++i) cx.set_tensor(i, elem, std::nullopt);
    return;
  }
  const auto rank = static_cast<std::int64_t>(in->size());
  const auto a = static_cast<std::size_t>(cx.axis(cx.attr_int("axis", 0), rank));
  std::optional<std::vector<std::int64_t>> split;
  if (cx.attr("split") != nullptr)
    split = cx.attr_ints("split");
  else if (cx.has_input(1))
    split = cx.input_ints(1);
  const Dim& total = (*in)[a];
  // A 1-D tensor whose elements are tracked splits them too (AffineGrid's
  // body splits its size input into N, C, H, W).
  const auto values = rank == 1 ? cx.values(0) : std::nullopt;
  std::optional<std::size_t> offset = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Shape s = *in;
    if (split && split->size() == n) {
      s[a] = Dim::of((*split)[i]);
    } else if (cx.has_input(1) && !split) {
      s[a] = Dim::unknown();
    } else if (total.is_value()) {
      const std::int64_t parts = cx.attr("num_outputs") != nullptr ? cx.attr_int("num_outputs", 1)
                                                                   : static_cast<std::int64_t>(n);
      const std::int64_t chunk = (total.value + parts - 1) / parts;
      const std::int64_t begin = chunk * static_cast<std::int64_t>(i);
      s[a] = Dim::of(std::max<std::int64_t>(0, std::min(chunk, total.value - begin)));
    } else {
      s[a] = Dim::unknown();
    }
    cx.set_tensor(i, elem, s);
    if (!values || !offset || !s[a].is_value() || s[a].value < 0 ||
        *offset + static_cast<std::size_t>(s[a].value) > values->size()) {
      offset.reset();
      continue;
    }
    const auto len = static_cast<std::size_t>(s[a].value);
    cx.set_value_facts(i, values->subspan(*offset, len));
    *offset += len;
  }
}

void slice_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  if (in == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  const auto rank = static_cast<std::int64_t>(in->size());
  std::optional<std::vector<std::int64_t>> starts, ends, axes, steps;
  if (cx.opset() < 10) {
    starts = cx.attr_ints("starts");
    ends = cx.attr_ints("ends");
    axes = cx.attr("axes") != nullptr ? cx.attr_ints("axes") : std::nullopt;
  } else {
    starts = cx.input_ints(1);
    ends = cx.input_ints(2);
    if (cx.has_input(3)) axes = cx.input_ints(3);
    if (cx.has_input(4)) steps = cx.input_ints(4);
    if ((cx.has_input(3) && !axes) || (cx.has_input(4) && !steps)) starts.reset();
  }
  if (!starts || !ends || starts->size() != ends->size()) {
    // Which axes change is unknown: keep the rank, forget the dims that may change.
    Shape out(in->size(), Dim::unknown());
    if (axes) {
      out = *in;
      for (std::int64_t a : *axes) out[static_cast<std::size_t>(cx.axis(a, rank))] = Dim::unknown();
    }
    return cx.set_tensor(0, elem, out);
  }
  if (!axes) {
    axes.emplace();
    for (std::size_t i = 0; i < starts->size(); ++i) axes->push_back(static_cast<std::int64_t>(i));
  }
  if (!steps) steps = std::vector<std::int64_t>(starts->size(), 1);
  Shape out = *in;
  std::vector<std::int64_t> value_range;  // for 1-D values
  for (std::size_t i = 0; i < starts->size(); ++i) {
    const auto a = static_cast<std::size_t>(cx.axis((*axes)[i], rank));
    const std::int64_t step = (*steps)[i];
    if (step == 0) cx.fail("step 0");
    if (!(*in)[a].is_value()) {
      const bool whole = (*starts)[i] == 0 && step == 1 && (*ends)[i] >= (std::int64_t{1} << 62);
      out[a] = whole ? (*in)[a] : Dim::unknown();
      continue;
    }
    const std::int64_t dim = (*in)[a].value;
    auto clampi = [&](std::int64_t v, bool is_end) {
      if (v < 0) v += dim;
      if (step > 0) return std::clamp<std::int64_t>(v, 0, dim);
      return std::clamp<std::int64_t>(v, -1, dim - 1) + (is_end ? 0 : 0);
    };
    const std::int64_t s = clampi((*starts)[i], false);
    const std::int64_t e = clampi((*ends)[i], true);
    std::int64_t len = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
    len = std::max<std::int64_t>(0, len);
    out[a] = Dim::of(len);
    if (in->size() == 1) value_range = {s, e, step};
  }
  cx.set_tensor(0, elem, out);
  if (auto v = cx.values(0); v && value_range.size() == 3) {
    std::vector<DimFact> values;
    for (std::int64_t k = value_range[0];
         value_range[2] > 0 ? k < value_range[1] : k > value_range[1]; k += value_range[2]) {
      if (k >= 0 && static_cast<std::size_t>(k) < v->size())
        values.push_back((*v)[static_cast<std::size_t>(k)]);
    }
    cx.set_value_facts(0, values);
  }
}

void gather_rule(InferContext& cx) {
  const Shape* data = cx.input_shape(0);
  const Shape* idx = cx.input_shape(1);
  const DataType elem = cx.input_elem(0);
  if (data == nullptr || idx == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  const auto rank = static_cast<std::int64_t>(data->size());
  if (rank == 0) cx.fail("cannot gather from a scalar");
  const auto a = static_cast<std::size_t>(cx.axis(cx.attr_int("axis", 0), rank));
  Shape out(data->begin(), data->begin() + static_cast<std::ptrdiff_t>(a));
  out.insert(out.end(), idx->begin(), idx->end());
  out.insert(out.end(), data->begin() + static_cast<std::ptrdiff_t>(a) + 1, data->end());
  cx.set_tensor(0, elem, out);
  const auto v = cx.values(0);
  auto indices = cx.input_ints(1);
  if (v && indices && a == 0 && data->size() == 1) {
    std::vector<DimFact> values;
    for (std::int64_t k : *indices) {
      if (k < 0) k += static_cast<std::int64_t>(v->size());
      if (k < 0 || static_cast<std::size_t>(k) >= v->size()) return;
      values.push_back((*v)[static_cast<std::size_t>(k)]);
    }
    cx.set_value_facts(0, values);
  }
}

void gather_elements_rule(InferContext& cx) { cx.set_tensor(0, cx.input_elem(0), shape_of(cx, 1)); }

void expand_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  const Shape* target = cx.input_values(1);
  if (in == nullptr || target == nullptr) {
    const Shape* ts = cx.input_shape(1);
    if (in != nullptr && ts != nullptr && ts->size() == 1 && (*ts)[0].is_value()) {
      const auto r = std::max<std::size_t>(in->size(), static_cast<std::size_t>((*ts)[0].value));
      return cx.set_tensor(0, cx.input_elem(0), Shape(r, Dim::unknown()));
    }
    return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  }
  cx.set_tensor(0, cx.input_elem(0), broadcast(*in, *target));
}

void tile_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  auto reps = cx.input_ints(1);
  if (in == nullptr) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  Shape out = *in;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (reps && i < reps->size() && out[i].is_value())
      out[i] = Dim::of(out[i].value * (*reps)[i]);
    else if (!(reps && i < reps->size() && (*reps)[i] == 1))
      out[i] = Dim::unknown();
  }
  cx.set_tensor(0, cx.input_elem(0), out);
}

void pad_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  if (in == nullptr) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  const auto rank = static_cast<std::int64_t>(in->size());
  std::optional<std::vector<std::int64_t>> pads =
      cx.opset() < 11 ? cx.attr_ints("pads") : cx.input_ints(1);
  std::vector<std::int64_t> axes;
  if (cx.opset() >= 18 && cx.has_input(3)) {
    auto ax = cx.input_ints(3);
    if (!ax)
      pads.reset();
    else
      axes = *ax;
  }
  if (axes.empty())
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  Shape out = *in;
  if (!pads || pads->size() != 2 * axes.size()) {
    for (Dim& d : out) d = Dim::unknown();
    return cx.set_tensor(0, cx.input_elem(0), out);
  }
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const auto a = static_cast<std::size_t>(cx.axis(axes[k], rank));
    const std::int64_t add = (*pads)[k] + (*pads)[k + axes.size()];
    if (out[a].is_value())
      out[a] = Dim::of(out[a].value + add);
    else if (add != 0)
      out[a] = Dim::unknown();
  }
  cx.set_tensor(0, cx.input_elem(0), out);
}

void reduce_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  const std::string& op = cx.node().op_type();
  const bool axes_input = cx.opset() >= 18 || (op == "ReduceSum" && cx.opset() >= 13);
  const DataType elem = cx.input_elem(0);
  if (in == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  const bool keep = cx.attr_int("keepdims", 1) != 0;
  std::optional<std::vector<std::int64_t>> axes;
  if (axes_input) {
    axes = cx.has_input(1) ? cx.input_ints(1) : std::vector<std::int64_t>{};
  } else {
    axes = cx.attr("axes") != nullptr ? cx.attr_ints("axes") : std::vector<std::int64_t>{};
  }
  if (!axes)
    return cx.set_tensor(
        0, elem, keep ? std::optional<Shape>(Shape(in->size(), Dim::unknown())) : std::nullopt);
  const auto rank = static_cast<std::int64_t>(in->size());
  std::vector<bool> reduced(in->size(), false);
  if (axes->empty()) {
    if (cx.attr_int("noop_with_empty_axes", 0) != 0) return cx.set_tensor(0, elem, *in);
    std::fill(reduced.begin(), reduced.end(), true);
  }
  for (std::int64_t a : *axes) reduced[static_cast<std::size_t>(cx.axis(a, rank))] = true;
  Shape out;
  for (std::size_t i = 0; i < in->size(); ++i) {
    if (!reduced[i])
      out.push_back((*in)[i]);
    else if (keep)
      out.push_back(Dim::of(1));
  }
  cx.set_tensor(0, elem, out);
}

void arg_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  if (in == nullptr) return cx.set_tensor(0, DataType::kInt64, std::nullopt);
  const auto a = static_cast<std::size_t>(
      cx.axis(cx.attr_int("axis", 0), static_cast<std::int64_t>(in->size())));
  Shape out = *in;
  if (cx.attr_int("keepdims", 1) != 0)
    out[a] = Dim::of(1);
  else
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(a));
  cx.set_tensor(0, DataType::kInt64, out);
}

void topk_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  if (in == nullptr) {
    cx.set_tensor(0, cx.input_elem(0), std::nullopt);
    cx.set_tensor(1, DataType::kInt64, std::nullopt);
    return;
  }
  const auto a = static_cast<std::size_t>(
      cx.axis(cx.attr_int("axis", -1), static_cast<std::int64_t>(in->size())));
  Shape out = *in;
  if (cx.opset() < 10) {
    out[a] = Dim::of(cx.attr_int("k", 0));
  } else if (auto k = cx.input_ints(1); k && k->size() == 1) {
    out[a] = Dim::of((*k)[0]);
  } else {
    out[a] = Dim::unknown();
  }
  cx.set_tensor(0, cx.input_elem(0), out);
  cx.set_tensor(1, DataType::kInt64, out);
}

/// Range: the count ceil((limit - start) / delta), clamped at 0, from the
/// inputs' tracked values (integers, or reals for float types); the
/// elements too when there are few.
void range_rule(InferContext& cx) {
  const DataType elem = cx.input_elem(0);
  auto scalar = [&](std::size_t i) -> std::optional<DimFact> {
    auto v = cx.values(i);
    if (!v || v->size() != 1 || !(*v)[0].number()) return std::nullopt;
    return (*v)[0];
  };
  const auto s = scalar(0), l = scalar(1), d = scalar(2);
  if (!s || !l || !d || *d->number() == 0.0) return cx.set_tensor(0, elem, Shape{Dim::unknown()});
  std::int64_t n = 0;
  if (s->is_value() && l->is_value() && d->is_value()) {
    const std::int64_t step = d->value;
    n = (l->value - s->value + step - (step > 0 ? 1 : -1)) / step;
  } else {
    const double count = std::ceil((*l->number() - *s->number()) / *d->number());
    if (!(std::fabs(count) < 9.0e18)) return cx.set_tensor(0, elem, Shape{Dim::unknown()});
    n = static_cast<std::int64_t>(count);
  }
  n = std::max<std::int64_t>(0, n);
  cx.set_tensor(0, elem, Shape{Dim::of(n)});
  if (static_cast<std::uint64_t>(n) > kMaxTrackedValues) return;
  std::vector<DimFact> values;
  for (std::int64_t k = 0; k < n; ++k) {
    if (s->is_value() && d->is_value()) {
      values.push_back(DimFact::of(s->value + k * d->value));
    } else {
      values.push_back(round_to(elem, *s->number() + static_cast<double>(k) * *d->number()));
    }
  }
  cx.set_value_facts(0, values);
}

void nonzero_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  cx.set_tensor(0, DataType::kInt64,
                in != nullptr ? std::optional<Shape>(Shape{
                                    Dim::of(static_cast<std::int64_t>(in->size())), Dim::unknown()})
                              : std::optional<Shape>(Shape{Dim::unknown(), Dim::unknown()}));
}

void space_depth_rule(InferContext& cx) {
  const Shape* in = cx.input_shape(0);
  if (in == nullptr || in->size() != 4) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  const std::int64_t b = cx.attr_int("blocksize", 1);
  const bool to_depth = cx.node().op_type() == "SpaceToDepth";
  auto scale = [&](const Dim& d, bool up) {
    if (!d.is_value()) return Dim::unknown();
    return Dim::of(up ? d.value * b : d.value / b);
  };
  Shape out{(*in)[0], scale((*in)[1], to_depth), scale((*in)[2], !to_depth),
            scale((*in)[3], !to_depth)};
  if (to_depth)
    out[1] = (*in)[1].is_value() ? Dim::of((*in)[1].value * b * b) : Dim::unknown();
  else
    out[1] = (*in)[1].is_value() ? Dim::of((*in)[1].value / (b * b)) : Dim::unknown();
  cx.set_tensor(0, cx.input_elem(0), out);
}

}  // namespace

void add_shape_rules(RuleTable& t) {
  t.add("Shape", shape_rule);
  t.add("Size", size_rule);
  t.add("Constant", constant_rule);
  t.add("ConstantOfShape", constant_of_shape_rule);
  t.add("Reshape", reshape_rule);
  t.add("Flatten", flatten_rule);
  t.add("Transpose", transpose_rule);
  t.add("Squeeze", squeeze_rule);
  t.add("Unsqueeze", unsqueeze_rule);
  t.add("Concat", concat_rule);
  t.add("Split", split_rule);
  t.add("Slice", slice_rule);
  t.add("Gather", gather_rule);
  t.add("GatherElements", gather_elements_rule);
  t.add("Expand", expand_rule);
  t.add("Tile", tile_rule);
  t.add("Pad", pad_rule);
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
    t.add(op, reduce_rule);
  }
  t.add("ArgMax", arg_rule);
  t.add("ArgMin", arg_rule);
  t.add("TopK", topk_rule);
  t.add("Range", range_rule);
  t.add("NonZero", nonzero_rule);
  t.add("DepthToSpace", space_depth_rule);
  t.add("SpaceToDepth", space_depth_rule);
}

}  // namespace onnxkit::infer::detail
