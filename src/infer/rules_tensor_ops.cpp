// Rules of ops added or changed in the newer opsets, and of older ops that had
// none: quantization, scatters and gathers, one-hot, einsum, transposed
// convolution, resizing by scales, grid sampling, image patches, signal and
// string ops.

#include <algorithm>
#include <cmath>
#include <cstring>

#include "infer/context.h"
#include "onnxkit/core/half.h"
#include "onnxkit/ir/graph.h"

namespace onnxkit::infer::detail {

/// The float contents of input `i` when it is a constant (an initializer or a
/// Constant node's value) of float, float16 or bfloat16.
std::optional<std::vector<float>> const_floats(const InferContext& cx, std::size_t i) {
  if (!cx.has_input(i)) return std::nullopt;
  const ir::Tensor* t = cx.node().inputs()[i];
  const ir::TensorData* data = t->data();
  if (data == nullptr && t->producers().size() == 1) {
    const ir::Node* p = t->producers()[0];
    if (p->op_type() == "Constant" && p->domain().empty()) {
      if (const ir::Attribute* a = p->attribute("value"); a != nullptr && a->t) data = a->t.get();
      if (const ir::Attribute* a = p->attribute("value_floats")) return a->floats;
    }
  }
  if (data == nullptr) return std::nullopt;
  const std::uint64_t n = data->element_count();
  if (n > kMaxTrackedValues) return std::nullopt;
  const bool half = data->data_type == DataType::kFloat16 || data->data_type == DataType::kBfloat16;
  if (data->data_type != DataType::kFloat && !half) return std::nullopt;
  auto widen = [&](std::uint16_t bits) {
    return data->data_type == DataType::kFloat16 ? float16_to_float(bits) : bfloat16_to_float(bits);
  };
  if (data->data_type == DataType::kFloat && data->float_data.size() == n) return data->float_data;
  std::vector<float> out(n);
  if (half && data->int32_data.size() == n) {  // 16-bit floats travel in int32_data
    for (std::uint64_t k = 0; k < n; ++k)
      out[k] = widen(static_cast<std::uint16_t>(data->int32_data[k]));
    return out;
  }
  Buffer bytes;
  try {
    bytes = data->bytes();
  } catch (const Error&) {
    return std::nullopt;
  }
  const std::size_t width = half ? 2 : 4;
  if (bytes.size() != n * width) return std::nullopt;
  for (std::uint64_t k = 0; k < n; ++k) {
    if (half) {
      std::uint16_t bits = 0;
      std::memcpy(&bits, bytes.bytes().data() + k * 2, 2);
      out[k] = widen(bits);
    } else {
      std::memcpy(&out[k], bytes.bytes().data() + k * 4, 4);
    }
  }
  return out;
}

namespace {

std::optional<Shape> shape_of(const InferContext& cx, std::size_t i) {
  const Shape* s = cx.input_shape(i);
  return s != nullptr ? std::optional<Shape>(*s) : std::nullopt;
}

/// Output 0: input 0's shape with element type `elem`.
void shape_of_input_0(InferContext& cx, DataType elem) { cx.set_tensor(0, elem, shape_of(cx, 0)); }

void quantize_rule(InferContext& cx) {
  DataType elem = static_cast<DataType>(cx.attr_int("output_dtype", 0));
  if (elem == DataType::kUndefined) elem = cx.input_elem(2);
  if (elem == DataType::kUndefined) elem = DataType::kUint8;
  shape_of_input_0(cx, elem);
}

void dequantize_rule(InferContext& cx) {
  DataType elem = static_cast<DataType>(cx.attr_int("output_dtype", 0));
  if (elem == DataType::kUndefined) elem = cx.input_elem(1);
  shape_of_input_0(cx, elem);
}

void qlinear_matmul_rule(InferContext& cx) {
  const Shape* a = cx.input_shape(0);
  const Shape* b = cx.input_shape(3);
  const DataType elem = cx.input_elem(7);
  if (a == nullptr || b == nullptr || a->empty() || b->empty())
    return cx.set_tensor(0, elem, std::nullopt);
  Shape sa = *a, sb = *b;
  if (sa.size() == 1) sa.insert(sa.begin(), Dim::of(1));
  if (sb.size() == 1) sb.push_back(Dim::of(1));
  Shape out = broadcast(Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2));
  if (a->size() > 1) out.push_back(sa[sa.size() - 2]);
  if (b->size() > 1) out.push_back(sb[sb.size() - 1]);
  cx.set_tensor(0, elem, out);
}

void scatter_rule(InferContext& cx) {
  if (const ValueFacts* in = cx.input(0)) cx.set_output(0, in->type);
}

void gather_nd_rule(InferContext& cx) {
  const Shape* data = cx.input_shape(0);
  const Shape* idx = cx.input_shape(1);
  const DataType elem = cx.input_elem(0);
  if (data == nullptr || idx == nullptr || idx->empty() || !idx->back().is_value()) {
    return cx.set_tensor(0, elem, std::nullopt);
  }
  const auto b = static_cast<std::size_t>(std::max<std::int64_t>(0, cx.attr_int("batch_dims", 0)));
  const auto last = static_cast<std::size_t>(idx->back().value);
  if (b + last > data->size()) cx.fail("indices reach past the data's rank");
  Shape out(idx->begin(), idx->end() - 1);
  out.insert(out.end(), data->begin() + static_cast<std::ptrdiff_t>(b + last), data->end());
  cx.set_tensor(0, elem, out);
}

void one_hot_rule(InferContext& cx) {
  const Shape* idx = cx.input_shape(0);
  const DataType elem = cx.input_elem(2);
  if (idx == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  Dim depth = Dim::unknown();
  if (auto d = cx.input_ints(1); d && d->size() == 1) depth = Dim::of((*d)[0]);
  if (auto f = const_floats(cx, 1); f && f->size() == 1)
    depth = Dim::of(static_cast<std::int64_t>((*f)[0]));
  const auto rank = static_cast<std::int64_t>(idx->size()) + 1;
  const auto a = static_cast<std::size_t>(cx.axis(cx.attr_int("axis", -1), rank));
  Shape out = *idx;
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(a), depth);
  cx.set_tensor(0, elem, out);
}

/// Einsum: the output letters (explicit after "->", else the letters seen
/// once, sorted), each the dim of that letter in the inputs; "..." broadcast.
void einsum_rule(InferContext& cx) {
  std::string eq = cx.attr_string("equation", "");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  const DataType elem = cx.input_elem(0);
  const std::size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (std::size_t start = 0;;) {
    const std::size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != cx.num_inputs())
    cx.fail("the equation has " + std::to_string(terms.size()) + " terms");
  std::optional<Dim> letter[128];
  int seen[128] = {};
  std::optional<Shape> ellipsis;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const Shape* s = cx.input_shape(i);
    if (s == nullptr) return cx.set_tensor(0, elem, std::nullopt);
    const std::string& t = terms[i];
    const std::size_t dots = t.find("...");
    const std::size_t named = t.size() - (dots == std::string::npos ? 0 : 3);
    if (named > s->size())
      cx.fail("term '" + t + "' has more letters than input " + std::to_string(i) + " has dims");
    const std::size_t ell_rank = s->size() - named;
    std::size_t d = 0;
    for (std::size_t c = 0; c < t.size(); ++c) {
      if (c == dots) {
        Shape e(s->begin() + static_cast<std::ptrdiff_t>(d),
                s->begin() + static_cast<std::ptrdiff_t>(d + ell_rank));
        ellipsis = ellipsis ? broadcast(*ellipsis, e) : e;
        d += ell_rank;
        c += 2;
        continue;
      }
      const auto l = static_cast<unsigned char>(t[c]) & 127U;
      ++seen[l];
      const Dim& dim = (*s)[d++];
      if (!letter[l] || (letter[l]->is_value() && letter[l]->value == 1)) letter[l] = dim;
    }
  }
  std::string out_letters;
  if (arrow != std::string::npos) {
    out_letters = eq.substr(arrow + 2);
  } else {
    if (ellipsis) out_letters = "...";
    for (int l = 0; l < 128; ++l) {
      if (seen[l] == 1) out_letters += static_cast<char>(l);
    }
  }
  Shape out;
  for (std::size_t c = 0; c < out_letters.size(); ++c) {
    if (out_letters.compare(c, 3, "...") == 0) {
      if (ellipsis) out.insert(out.end(), ellipsis->begin(), ellipsis->end());
      c += 2;
      continue;
    }
    const auto l = static_cast<unsigned char>(out_letters[c]) & 127U;
    out.push_back(letter[l] ? *letter[l] : Dim::unknown());
  }
  cx.set_tensor(0, elem, out);
}

/// ConvTranspose: output_shape when given, else
/// stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pads.
void conv_transpose_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const Shape* w = cx.input_shape(1);
  const DataType elem = cx.input_elem(0);
  if (x == nullptr || x->size() < 3) return cx.set_tensor(0, elem, std::nullopt);
  const std::size_t spatial = x->size() - 2;
  const std::int64_t group = cx.attr_int("group", 1);
  Shape out{(*x)[0], w != nullptr && w->size() > 1 && (*w)[1].is_value()
                         ? Dim::of((*w)[1].value * group)
                         : Dim::unknown()};
  std::vector<std::int64_t> kernel;
  if (auto k = cx.attr_ints("kernel_shape"); k && !k->empty()) {
    kernel = *k;
  } else if (w != nullptr) {
    for (std::size_t i = 2; i < w->size(); ++i)
      kernel.push_back((*w)[i].is_value() ? (*w)[i].value : -1);
  }
  auto ints = [&](std::string_view name, std::size_t n, std::int64_t fill) {
    auto v = cx.attr_ints(name);
    return v && v->size() == n ? *v : std::vector<std::int64_t>(n, fill);
  };
  const auto strides = ints("strides", spatial, 1);
  const auto dilations = ints("dilations", spatial, 1);
  const auto out_pad = ints("output_padding", spatial, 0);
  const auto pads = ints("pads", 2 * spatial, 0);
  const auto output_shape = cx.attr_ints("output_shape");
  const std::string auto_pad = cx.attr_string("auto_pad", "NOTSET");
  for (std::size_t i = 0; i < spatial; ++i) {
    if (output_shape && output_shape->size() == spatial) {
      out.push_back(Dim::of((*output_shape)[i]));
      continue;
    }
    const Dim& in = (*x)[i + 2];
    if (!in.is_value() || kernel.size() != spatial || kernel[i] < 0) {
      out.push_back(Dim::unknown());
      continue;
    }
    const std::int64_t full =
        strides[i] * (in.value - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out.push_back(Dim::of(in.value * strides[i]));
    } else {
      out.push_back(Dim::of(full - pads[i] - pads[i + spatial]));
    }
  }
  cx.set_tensor(0, elem, out);
}

/// The normalized `axes` attribute, or every axis when it is absent or empty.
std::vector<std::int64_t> axes_attr_or_all(InferContext& cx, std::int64_t rank) {
  std::vector<std::int64_t> axes;
  if (auto a = cx.attr_ints("axes"); a && !a->empty()) {
    for (std::int64_t v : *a) axes.push_back(cx.axis(v, rank));
  } else {
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  return axes;
}

/// Resize-11+: sizes when given (for `axes` only, when set), else each dim
/// times its scale, rounded down.
void resize_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  if (x == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  const auto rank = static_cast<std::int64_t>(x->size());
  const std::vector<std::int64_t> axes = axes_attr_or_all(cx, rank);
  const std::size_t scales_input = cx.opset() >= 11 ? 2 : 1;
  const std::size_t sizes_input = cx.opset() >= 11 ? 3 : 99;
  Shape out = *x;
  if (auto sizes = cx.input_ints(sizes_input); sizes && sizes->size() == axes.size()) {
    const std::string policy = cx.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (std::size_t k = 0; k < axes.size(); ++k)
        out[static_cast<std::size_t>(axes[k])] = Dim::of((*sizes)[k]);
      return cx.set_tensor(0, elem, out);
    }
    // not_larger / not_smaller: one scale for every axis.
    std::optional<double> scale;
    for (std::size_t k = 0; k < axes.size(); ++k) {
      const Dim& d = (*x)[static_cast<std::size_t>(axes[k])];
      if (!d.is_value() || d.value == 0)
        return cx.set_tensor(0, elem, Shape(x->size(), Dim::unknown()));
      const double s = static_cast<double>((*sizes)[k]) / static_cast<double>(d.value);
      scale = !scale ? s : (policy == "not_larger" ? std::min(*scale, s) : std::max(*scale, s));
    }
    for (std::int64_t a : axes) {
      const Dim& d = (*x)[static_cast<std::size_t>(a)];
      out[static_cast<std::size_t>(a)] =
          Dim::of(static_cast<std::int64_t>(std::round(static_cast<double>(d.value) * *scale)));
    }
    return cx.set_tensor(0, elem, out);
  }
  if (cx.has_input(sizes_input) && !cx.has_input(scales_input)) {
    return cx.set_tensor(0, elem, Shape(x->size(), Dim::unknown()));
  }
  auto scales = const_floats(cx, scales_input);
  if (!scales && cx.opset() < 10) {
    if (auto s = cx.attr_floats("scales")) scales = s;
  }
  if (!scales || scales->size() != axes.size())
    return cx.set_tensor(0, elem, Shape(x->size(), Dim::unknown()));
  for (std::size_t k = 0; k < axes.size(); ++k) {
    Dim& d = out[static_cast<std::size_t>(axes[k])];
    if (!d.is_value()) {
      if ((*scales)[k] != 1.0F) d = Dim::unknown();
      continue;
    }
    d = Dim::of(static_cast<std::int64_t>(
        std::floor(static_cast<double>(d.value) * static_cast<double>((*scales)[k]))));
  }
  cx.set_tensor(0, elem, out);
}

/// GridSample: (N, C) of X, then the grid's spatial dims.
void grid_sample_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const Shape* grid = cx.input_shape(1);
  const DataType elem = cx.input_elem(0);
  if (x == nullptr || grid == nullptr || grid->size() < 3)
    return cx.set_tensor(0, elem, std::nullopt);
  Shape out{(*x)[0], x->size() > 1 ? (*x)[1] : Dim::unknown()};
  out.insert(out.end(), grid->begin() + 1, grid->end() - 1);
  cx.set_tensor(0, elem, out);
}

/// AffineGrid: size = (N, C, H, W) gives (N, H, W, 2); (N, C, D, H, W) gives (N, D, H, W, 3).
void affine_grid_rule(InferContext& cx) {
  const DataType elem = cx.input_elem(0);
  auto size = cx.input_ints(1);
  if (!size || size->size() < 3) return cx.set_tensor(0, elem, std::nullopt);
  Shape out{Dim::of((*size)[0])};
  for (std::size_t i = 2; i < size->size(); ++i) out.push_back(Dim::of((*size)[i]));
  out.push_back(Dim::of(static_cast<std::int64_t>(size->size()) - 2));
  cx.set_tensor(0, elem, out);
}

/// Col2Im: (N, C * prod(block) , L) to (N, C, image dims...).
void col2im_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  auto image = cx.input_ints(1);
  auto block = cx.input_ints(2);
  if (x == nullptr || x->size() != 3 || !image) return cx.set_tensor(0, elem, std::nullopt);
  Dim c = Dim::unknown();
  if (block && (*x)[1].is_value()) {
    std::int64_t p = 1;
    for (std::int64_t b : *block) p *= b;
    if (p > 0) c = Dim::of((*x)[1].value / p);
  }
  Shape out{(*x)[0], c};
  for (std::int64_t d : *image) out.push_back(Dim::of(d));
  cx.set_tensor(0, elem, out);
}

/// CenterCropPad: the dims of `axes` (all by default) become `shape`.
void center_crop_pad_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  if (x == nullptr) return cx.set_tensor(0, elem, std::nullopt);
  const auto rank = static_cast<std::int64_t>(x->size());
  const std::vector<std::int64_t> axes = axes_attr_or_all(cx, rank);
  Shape out = *x;
  auto shape = cx.input_ints(1);
  for (std::size_t k = 0; k < axes.size(); ++k) {
    out[static_cast<std::size_t>(axes[k])] =
        shape && shape->size() == axes.size() ? Dim::of((*shape)[k]) : Dim::unknown();
  }
  cx.set_tensor(0, elem, out);
}

/// DFT-20: the signal axis becomes dft_length (or half plus one, onesided);
/// the last dim is 2 (real and imaginary parts).
void dft_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  if (x == nullptr || x->size() < 2) return cx.set_tensor(0, elem, std::nullopt);
  const auto rank = static_cast<std::int64_t>(x->size());
  std::int64_t axis = cx.opset() >= 20 ? -2 : cx.attr_int("axis", 1);
  if (cx.opset() >= 20 && cx.has_input(2)) {
    auto a = cx.input_ints(2);
    if (!a || a->size() != 1) return cx.set_tensor(0, elem, Shape(x->size(), Dim::unknown()));
    axis = (*a)[0];
  }
  const auto a = static_cast<std::size_t>(cx.axis(axis, rank));
  if (a + 1 == x->size())
    cx.fail("the signal axis cannot be the last (it holds real and imaginary parts)");
  Shape out = *x;
  Dim n = (*x)[a];
  if (cx.has_input(1)) {
    auto len = cx.input_ints(1);
    n = len && len->size() <= 1 && !len->empty() ? Dim::of((*len)[0]) : Dim::unknown();
  }
  const bool onesided = cx.attr_int("onesided", 0) != 0;
  const bool inverse = cx.attr_int("inverse", 0) != 0;
  if (onesided && inverse) {
    // The inverse of a one-sided transform is real: dft_length samples, or
    // 2 * (n - 1) without one.
    if (!cx.has_input(1))
      n = (*x)[a].is_value() ? Dim::of(2 * ((*x)[a].value - 1)) : Dim::unknown();
    out[a] = n;
    out.back() = Dim::of(1);
  } else {
    out[a] = onesided && n.is_value() ? Dim::of(n.value / 2 + 1) : (onesided ? Dim::unknown() : n);
    out.back() = Dim::of(2);
  }
  cx.set_tensor(0, elem, out);
}

/// BitCast-26: the same bytes as another type; a last dim of the size ratio
/// appears or goes when the element sizes differ.
void bitcast_rule(InferContext& cx) {
  const auto to = static_cast<DataType>(cx.attr_int("to", 0));
  const Shape* x = cx.input_shape(0);
  if (x == nullptr) return cx.set_tensor(0, to, std::nullopt);
  const int from_size = data_type_bits(cx.input_elem(0));
  const int to_size = data_type_bits(to);
  Shape out = *x;
  if (from_size > to_size && to_size > 0) {
    out.push_back(Dim::of(static_cast<std::int64_t>(from_size / to_size)));
  } else if (from_size < to_size && from_size > 0) {
    if (out.empty()) cx.fail("cannot widen a scalar");
    out.pop_back();
  }
  cx.set_tensor(0, to, out);
}

void nll_loss_rule(InferContext& cx) {
  const DataType elem = cx.input_elem(0);
  if (cx.attr_string("reduction", "mean") != "none") return cx.set_tensor(0, elem, Shape{});
  cx.set_tensor(0, elem, shape_of(cx, 1));
}

/// EyeLike, Bernoulli, RandomUniformLike...: input 0's shape, `dtype` or input 0's type.
void like_rule(InferContext& cx) {
  DataType elem = static_cast<DataType>(cx.attr_int("dtype", 0));
  if (cx.attr("dtype") == nullptr || elem == DataType::kUndefined) elem = cx.input_elem(0);
  shape_of_input_0(cx, elem);
}

void regex_full_match_rule(InferContext& cx) { shape_of_input_0(cx, DataType::kBool); }

void string_concat_rule(InferContext& cx) {
  const Shape* a = cx.input_shape(0);
  const Shape* b = cx.input_shape(1);
  if (a == nullptr || b == nullptr) return cx.set_tensor(0, DataType::kString, std::nullopt);
  cx.set_tensor(0, DataType::kString, broadcast(*a, *b));
}

/// StringSplit: Y gets one more dim (the most pieces, known only from the data);
/// Z, the number of pieces per string, has X's shape.
void string_split_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  if (x == nullptr) {
    cx.set_tensor(0, DataType::kString, std::nullopt);
    cx.set_tensor(1, DataType::kInt64, std::nullopt);
    return;
  }
  Shape y = *x;
  y.push_back(Dim::unknown());
  cx.set_tensor(0, DataType::kString, y);
  cx.set_tensor(1, DataType::kInt64, *x);
}

/// Det: the batch dims (all but the last two).
void det_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  if (x == nullptr || x->size() < 2) return cx.set_tensor(0, cx.input_elem(0), std::nullopt);
  cx.set_tensor(0, cx.input_elem(0), Shape(x->begin(), x->end() - 2));
}

/// MaxUnpool: output_shape when given, else (in - 1) * stride + kernel - pads.
void max_unpool_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const DataType elem = cx.input_elem(0);
  if (auto shape = cx.input_ints(2)) {
    Shape out;
    for (std::int64_t d : *shape) out.push_back(Dim::of(d));
    return cx.set_tensor(0, elem, out);
  }
  if (x == nullptr || x->size() < 3) return cx.set_tensor(0, elem, std::nullopt);
  const std::size_t spatial = x->size() - 2;
  auto kernel = cx.attr_ints("kernel_shape");
  auto strides = cx.attr_ints("strides");
  auto pads = cx.attr_ints("pads");
  Shape out{(*x)[0], (*x)[1]};
  for (std::size_t i = 0; i < spatial; ++i) {
    const Dim& in = (*x)[i + 2];
    if (!in.is_value() || !kernel || kernel->size() != spatial) {
      out.push_back(Dim::unknown());
      continue;
    }
    const std::int64_t s = strides && strides->size() == spatial ? (*strides)[i] : 1;
    const std::int64_t p =
        pads && pads->size() == 2 * spatial ? (*pads)[i] + (*pads)[i + spatial] : 0;
    out.push_back(Dim::of((in.value - 1) * s + (*kernel)[i] - p));
  }
  cx.set_tensor(0, elem, out);
}

/// RoiAlign: (number of rois, channels, output_height, output_width).
void roi_align_rule(InferContext& cx) {
  const Shape* x = cx.input_shape(0);
  const Shape* rois = cx.input_shape(1);
  cx.set_tensor(
      0, cx.input_elem(0),
      Shape{rois != nullptr && !rois->empty() ? (*rois)[0] : Dim::unknown(),
            x != nullptr && x->size() > 1 ? (*x)[1] : Dim::unknown(),
            Dim::of(cx.attr_int("output_height", 1)), Dim::of(cx.attr_int("output_width", 1))});
}

/// ImageDecoder: (height, width, channels); the size is in the encoded bytes,
/// the channels follow pixel_format.
void image_decoder_rule(InferContext& cx) {
  const std::string format = cx.attr_string("pixel_format", "RGB");
  cx.set_tensor(0, DataType::kUint8,
                Shape{Dim::unknown(), Dim::unknown(), Dim::of(format == "Grayscale" ? 1 : 3)});
}

/// SplitToSequence: a sequence of input 0's element type.
void split_to_sequence_rule(InferContext& cx) {
  const ValueFacts* in = cx.input(0);
  if (in == nullptr) return;
  ir::Type t;
  t.kind = ir::Type::Kind::kSequence;
  t.elem = std::make_unique<ir::Type>(ir::Type::tensor(in->type.elem_type, std::nullopt));
  cx.set_output(0, t);
}

void optional_get_element_rule(InferContext& cx) {
  const ValueFacts* in = cx.input(0);
  if (in == nullptr) return;
  if (in->type.kind == ir::Type::Kind::kOptional && in->type.elem)
    return cx.set_output(0, *in->type.elem);
  if (in->type.kind != ir::Type::Kind::kOptional) cx.set_output(0, in->type);
}

void optional_rule(InferContext& cx) {
  ir::Type t;
  t.kind = ir::Type::Kind::kOptional;
  if (const ValueFacts* in = cx.input(0)) {
    t.elem = std::make_unique<ir::Type>(in->type);
  } else if (const ir::Attribute* a = cx.attr("type"); a != nullptr && a->tp) {
    t.elem = std::make_unique<ir::Type>(*a->tp);
  } else {
    return;
  }
  cx.set_output(0, t);
}

}  // namespace

void add_tensor_op_rules(RuleTable& t) {
  t.add("QuantizeLinear", quantize_rule);
  t.add("DequantizeLinear", dequantize_rule);
  t.add("QLinearMatMul", qlinear_matmul_rule);
  for (const char* op : {"ScatterND", "ScatterElements", "Scatter", "TensorScatter"})
    t.add(op, scatter_rule);
  t.add("GatherND", gather_nd_rule);
  t.add("OneHot", one_hot_rule);
  t.add("Einsum", einsum_rule);
  t.add("ConvTranspose", conv_transpose_rule);
  t.add("Resize", resize_rule);
  t.add("GridSample", grid_sample_rule);
  t.add("AffineGrid", affine_grid_rule);
  t.add("Col2Im", col2im_rule);
  t.add("CenterCropPad", center_crop_pad_rule);
  t.add("DFT", dft_rule);
  t.add("BitCast", bitcast_rule);
  t.add("NegativeLogLikelihoodLoss", nll_loss_rule);
  for (const char* op : {"EyeLike", "Bernoulli", "RandomUniformLike", "RandomNormalLike"})
    t.add(op, like_rule);
  t.add("RegexFullMatch", regex_full_match_rule);
  t.add("StringConcat", string_concat_rule);
  t.add("StringSplit", string_split_rule);
  t.add("Det", det_rule);
  t.add("MaxUnpool", max_unpool_rule);
  t.add("OptionalGetElement", optional_get_element_rule);
  t.add("RoiAlign", roi_align_rule);
  t.add("ImageDecoder", image_decoder_rule);
  t.add("SplitToSequence", split_to_sequence_rule);
  t.add("Optional", optional_rule);
}

}  // namespace onnxkit::infer::detail
