// TfIdfVectorizer: counts the n-grams of a pool (integers or strings) in each
// row of the input, with up to max_skip_count items skipped between the
// items of an n-gram, and weighs the counts (TF, IDF or TFIDF).

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kX = 0;
constexpr std::size_t kY = 0;

enum class Weighting { kTf, kIdf, kTfIdf };

struct TfIdfParams {
  std::int64_t min_n = 1, max_n = 1, max_skip = 0;
  Weighting mode = Weighting::kTf;
  std::vector<std::int64_t> ngram_counts;   ///< start of the n-grams of each length in the pool
  std::vector<std::int64_t> ngram_indexes;  ///< output column of each n-gram of the pool
  std::vector<float> weights;               ///< per n-gram; empty: all 1
  std::int64_t columns = 0;
};

/// n-gram (as pool items) -> output column, for every n-gram of the pool.
template <typename K>
std::map<std::vector<K>, std::int64_t> pool_ngrams(const std::vector<K>& pool, const TfIdfParams& p,
                                                   const KernelInfo& info) {
  std::map<std::vector<K>, std::int64_t> out;
  std::size_t ngram = 0;
  for (std::size_t level = 0; level < p.ngram_counts.size(); ++level) {
    const std::int64_t n = static_cast<std::int64_t>(level) + 1;
    const std::int64_t begin = p.ngram_counts[level];
    const std::int64_t end = level + 1 < p.ngram_counts.size()
                                 ? p.ngram_counts[level + 1]
                                 : static_cast<std::int64_t>(pool.size());
    if (begin < 0 || end < begin || end > static_cast<std::int64_t>(pool.size()) ||
        (end - begin) % n != 0) {
      info.fail("ngram_counts does not split the pool into whole " + std::to_string(n) + "-grams");
    }
    for (std::int64_t at = begin; at < end; at += n, ++ngram) {
      if (ngram >= p.ngram_indexes.size())
        info.fail("ngram_indexes has fewer entries than the pool has n-grams");
      out.emplace(std::vector<K>(pool.begin() + at, pool.begin() + at + n), p.ngram_indexes[ngram]);
    }
  }
  return out;
}

template <typename K>
class TfIdfKernel final : public Kernel {
 public:
  TfIdfKernel(TfIdfParams p, std::map<std::vector<K>, std::int64_t> ngrams)
      : p_(std::move(p)), ngrams_(std::move(ngrams)) {}

  void run(KernelContext& ctx) const override {
    const Value& x = ctx.required_input(kX);
    if (x.rank() != 1 && x.rank() != 2)
      fail("", "TfIdfVectorizer input must be [C] or [N, C], got " + x.describe());
    const std::vector<K> items = read(x);
    const std::int64_t rows = x.rank() == 2 ? x.dims()[0] : 1;
    const std::int64_t len = x.dims().back();
    Value& y =
        ctx.output(kY, DataType::kFloat, x.rank() == 2 ? Dims{rows, p_.columns} : Dims{p_.columns});
    auto dst = y.mutable_span<float>();
    std::vector<K> gram;
    for (std::int64_t r = 0; r < rows; ++r) {
      float* counts = dst.data() + r * p_.columns;
      const K* row = items.data() + r * len;
      for (std::int64_t start = 0; start < len; ++start) {
        for (std::int64_t n = p_.min_n; n <= p_.max_n; ++n) {
          // A 1-gram is the same item whatever the skip: count it once.
          const std::int64_t max_skip = n == 1 ? 0 : p_.max_skip;
          for (std::int64_t skip = 0; skip <= max_skip; ++skip) {
            const std::int64_t last = start + (n - 1) * (skip + 1);
            if (last >= len) break;
            gram.clear();
            for (std::int64_t k = 0; k < n; ++k) gram.push_back(row[start + k * (skip + 1)]);
            const auto it = ngrams_.find(gram);
            if (it != ngrams_.end()) counts[it->second] += 1;
          }
        }
      }
      weigh(counts);
    }
  }

 private:
  static std::vector<K> read(const Value& x) {
    if constexpr (std::is_same_v<K, std::string>) {
      const auto s = x.string_data();
      return {s.begin(), s.end()};
    } else {
      return to_int64_vector(x);
    }
  }

  void weigh(float* counts) const {
    for (std::int64_t c = 0; c < p_.columns; ++c) {
      const float w = p_.weights.empty() ? 1.0f : p_.weights[static_cast<std::size_t>(c)];
      if (p_.mode == Weighting::kIdf)
        counts[c] = counts[c] > 0 ? w : 0.0f;
      else if (p_.mode == Weighting::kTfIdf)
        counts[c] *= w;
    }
  }

  TfIdfParams p_;
  std::map<std::vector<K>, std::int64_t> ngrams_;
};

std::unique_ptr<Kernel> tfidf_prepare(const KernelInfo& info) {
  TfIdfParams p;
  p.min_n = info.attr_int("min_gram_length", 1);
  p.max_n = info.attr_int("max_gram_length", 1);
  p.max_skip = info.attr_int("max_skip_count", 0);
  if (p.min_n < 1 || p.max_n < p.min_n || p.max_skip < 0) {
    info.fail("need 1 <= min_gram_length <= max_gram_length and max_skip_count >= 0");
  }
  const std::string mode = info.attr_string("mode", "");
  if (mode == "TF")
    p.mode = Weighting::kTf;
  else if (mode == "IDF")
    p.mode = Weighting::kIdf;
  else if (mode == "TFIDF")
    p.mode = Weighting::kTfIdf;
  else
    info.fail("mode must be TF, IDF or TFIDF, got '" + mode + "'");
  p.ngram_counts = info.attr_ints("ngram_counts");
  p.ngram_indexes = info.attr_ints("ngram_indexes");
  p.weights = info.attr_floats("weights");
  for (const std::int64_t i : p.ngram_indexes) {
    if (i < 0) info.fail("ngram_indexes must not be negative");
    p.columns = std::max(p.columns, i + 1);
  }
  if (!p.weights.empty() && static_cast<std::int64_t>(p.weights.size()) < p.columns) {
    info.fail("weights needs one entry per output column (" + std::to_string(p.columns) + ")");
  }
  if (info.input_dtype(kX) == DataType::kString) {
    const ir::Attribute* a = info.attr("pool_strings");
    if (a == nullptr) info.fail("a string input needs pool_strings");
    auto grams = pool_ngrams(a->strings, p, info);
    return std::make_unique<TfIdfKernel<std::string>>(std::move(p), std::move(grams));
  }
  auto grams = pool_ngrams(info.attr_ints("pool_int64s"), p, info);
  return std::make_unique<TfIdfKernel<std::int64_t>>(std::move(p), std::move(grams));
}

}  // namespace

void register_tfidf_kernels(KernelRegistry& r) {
  add_def(r, "TfIdfVectorizer", 9, tfidf_prepare,
          {TypeRule{kX, {DataType::kString, DataType::kInt32, DataType::kInt64}}});
}

}  // namespace onnxkit::runtime
