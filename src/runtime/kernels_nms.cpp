// NonMaxSuppression: per batch and class, greedily keep the highest-scoring
// boxes and drop any box overlapping a kept one by IoU > iou_threshold.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kBoxes = 0;
constexpr std::size_t kScores = 1;
constexpr std::size_t kMaxOutput = 2;
constexpr std::size_t kIouThreshold = 3;
constexpr std::size_t kScoreThreshold = 4;
constexpr std::size_t kSelected = 0;

struct Box {
  double y1, x1, y2, x2;  ///< normalized: y1 <= y2, x1 <= x2
  double area() const { return (y2 - y1) * (x2 - x1); }
};

Box read_box(const double* b, bool center_point) {
  if (center_point) {  // [x_center, y_center, width, height]
    return {b[1] - b[3] / 2, b[0] - b[2] / 2, b[1] + b[3] / 2, b[0] + b[2] / 2};
  }
  // [y1, x1, y2, x2], either corner first.
  return {std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]), std::max(b[1], b[3])};
}

double iou(const Box& a, const Box& b) {
  const double h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  const double w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (h <= 0 || w <= 0) return 0.0;
  const double inter = h * w;
  const double uni = a.area() + b.area() - inter;
  return uni <= 0 ? 0.0 : inter / uni;
}

std::vector<double> as_doubles(const Value& v) {
  std::vector<double> out(static_cast<std::size_t>(v.size()));
  visit_float(v.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto s = v.span<T>();
    for (std::size_t i = 0; i < s.size(); ++i)
      out[i] = static_cast<double>(static_cast<reference::compute_t<T>>(s[i]));
  });
  return out;
}

std::unique_ptr<Kernel> nms_prepare(const KernelInfo& info) {
  const bool center_point = info.attr_int("center_point_box", 0) != 0;
  return make_kernel([center_point](KernelContext& ctx) {
    const Value& boxes_v = ctx.required_input(kBoxes);
    const Value& scores_v = ctx.required_input(kScores);
    if (boxes_v.rank() != 3 || boxes_v.dims()[2] != 4 || scores_v.rank() != 3 ||
        scores_v.dims()[0] != boxes_v.dims()[0] || scores_v.dims()[2] != boxes_v.dims()[1]) {
      fail("", "NonMaxSuppression needs boxes [B, N, 4] and scores [B, C, N], got " +
                   boxes_v.describe() + " and " + scores_v.describe());
    }
    const Value* max_v = ctx.input(kMaxOutput);
    const std::int64_t max_out =
        max_v != nullptr && max_v->size() > 0 ? to_int64_vector(*max_v)[0] : 0;
    const Value* iou_v = ctx.input(kIouThreshold);
    const double iou_threshold =
        iou_v != nullptr && iou_v->size() > 0 ? scalar_as_double(*iou_v) : 0.0;
    const Value* score_v = ctx.input(kScoreThreshold);
    const bool filter_scores = score_v != nullptr && score_v->size() > 0;
    const double score_threshold = filter_scores ? scalar_as_double(*score_v) : 0.0;
    const std::int64_t batches = boxes_v.dims()[0], n = boxes_v.dims()[1],
                       classes = scores_v.dims()[1];
    const auto boxes = as_doubles(boxes_v), scores = as_doubles(scores_v);
    std::vector<std::int64_t> selected;  // triples
    for (std::int64_t b = 0; b < batches && max_out > 0; ++b) {
      std::vector<Box> bx(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i)
        bx[static_cast<std::size_t>(i)] = read_box(boxes.data() + (b * n + i) * 4, center_point);
      for (std::int64_t c = 0; c < classes; ++c) {
        const double* sc = scores.data() + (b * classes + c) * n;
        std::vector<std::int64_t> order;
        for (std::int64_t i = 0; i < n; ++i) {
          if (!filter_scores || sc[i] > score_threshold) order.push_back(i);
        }
        std::stable_sort(order.begin(), order.end(),
                         [&](std::int64_t l, std::int64_t r) { return sc[l] > sc[r]; });
        std::vector<std::int64_t> kept;
        for (const std::int64_t i : order) {
          if (static_cast<std::int64_t>(kept.size()) >= max_out) break;
          const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](std::int64_t k) {
            return iou(bx[static_cast<std::size_t>(i)], bx[static_cast<std::size_t>(k)]) >
                   iou_threshold;
          });
          if (!overlaps) kept.push_back(i);
        }
        for (const std::int64_t k : kept) selected.insert(selected.end(), {b, c, k});
      }
    }
    Value& y = ctx.output(kSelected, DataType::kInt64,
                          {static_cast<std::int64_t>(selected.size() / 3), 3});
    std::copy(selected.begin(), selected.end(), y.mutable_span<std::int64_t>().begin());
  });
}

}  // namespace

void register_nms_kernels(KernelRegistry& r) {
  add_def(r, "NonMaxSuppression", 10, nms_prepare, {TypeRule{kBoxes, kFloatTypes}});
}

}  // namespace onnxkit::runtime
