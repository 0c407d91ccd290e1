// Einsum: a reference kernel that walks every combination of the equation's
// labels (output labels, then summed ones) and accumulates products. Handles
// repeated labels within an operand (diagonals), "..." with numpy
// broadcasting, and the implicit output form (no "->").

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

using reference::compute_t;

constexpr std::size_t kOutput = 0;
/// Labels of the dims "..." stands for: kEllipsisLabel + position among them.
constexpr int kEllipsisLabel = 1000;

struct Equation {
  std::vector<std::string> inputs;
  std::string output;
  bool explicit_output = false;
};

Equation parse_equation(const std::string& text) {
  std::string eq;
  for (const char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) eq += c;
  }
  Equation e;
  const std::size_t arrow = eq.find("->");
  const std::string lhs = arrow == std::string::npos ? eq : eq.substr(0, arrow);
  if (arrow != std::string::npos) {
    e.output = eq.substr(arrow + 2);
    e.explicit_output = true;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = lhs.find(',', start);
    e.inputs.push_back(
        lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return e;
}

/// The label of each dim of an operand of rank `rank` written as `term`;
/// `ellipsis_rank` is the widest "..." over all operands (right-aligned).
std::vector<int> term_labels(const std::string& term, std::size_t rank, std::size_t ellipsis_rank) {
  std::vector<int> labels;
  const std::size_t dots = term.find("...");
  std::size_t letters = 0;
  for (std::size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') continue;
    if (!std::isalpha(static_cast<unsigned char>(term[i])))
      fail("", std::string("Einsum: bad label '") + term[i] + "'");
    ++letters;
  }
  if (dots == std::string::npos && letters != rank) {
    fail("", "Einsum: term '" + term + "' has " + std::to_string(letters) +
                 " labels for an operand of rank " + std::to_string(rank));
  }
  if (dots != std::string::npos && letters > rank)
    fail("", "Einsum: term '" + term + "' has more labels than dims");
  const std::size_t covered = dots == std::string::npos ? 0 : rank - letters;
  for (std::size_t i = 0; i < term.size(); ++i) {
    if (i == dots) {
      for (std::size_t k = 0; k < covered; ++k)
        labels.push_back(kEllipsisLabel + static_cast<int>(ellipsis_rank - covered + k));
      i += 2;
      continue;
    }
    labels.push_back(static_cast<int>(static_cast<unsigned char>(term[i])));
  }
  return labels;
}

std::size_t letters_in(const std::string& term) {
  return static_cast<std::size_t>(
      std::count_if(term.begin(), term.end(), [](char c) { return c != '.'; }));
}

std::unique_ptr<Kernel> einsum_prepare(const KernelInfo& info) {
  const Equation eq = parse_equation(info.attr_string("equation", ""));
  if (eq.inputs.size() != info.input_count()) {
    info.fail("equation has " + std::to_string(eq.inputs.size()) + " operands but the node has " +
              std::to_string(info.input_count()) + " inputs");
  }
  return make_kernel([eq](KernelContext& ctx) {
    std::vector<const Value*> xs;
    for (std::size_t i = 0; i < eq.inputs.size(); ++i) xs.push_back(&ctx.required_input(i));
    std::size_t ellipsis_rank = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (eq.inputs[i].find("...") != std::string::npos) {
        ellipsis_rank = std::max(ellipsis_rank,
                                 xs[i]->rank() - std::min(xs[i]->rank(), letters_in(eq.inputs[i])));
      }
    }
    // Sizes of every label (broadcasting 1 against n), and per-operand labels.
    std::map<int, std::int64_t> size;
    std::map<int, int> uses;
    std::vector<std::vector<int>> labels;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      labels.push_back(term_labels(eq.inputs[i], xs[i]->rank(), ellipsis_rank));
      for (std::size_t d = 0; d < labels[i].size(); ++d) {
        const int l = labels[i][d];
        const std::int64_t n = xs[i]->dims()[d];
        auto [it, fresh] = size.emplace(l, n);
        if (!fresh && it->second != n) {
          if (it->second == 1)
            it->second = n;
          else if (n != 1)
            fail("", "Einsum: label sizes " + std::to_string(it->second) + " and " +
                         std::to_string(n) + " differ");
        }
        ++uses[l];
      }
    }
    std::vector<int> out_labels;
    if (eq.explicit_output) {
      out_labels = term_labels(eq.output,
                               eq.output.find("...") != std::string::npos
                                   ? letters_in(eq.output) + ellipsis_rank
                                   : letters_in(eq.output),
                               ellipsis_rank);
      for (const int l : out_labels) {
        if (size.count(l) == 0) fail("", "Einsum: output label not found among the inputs");
      }
    } else {
      for (std::size_t k = 0; k < ellipsis_rank; ++k)
        out_labels.push_back(kEllipsisLabel + static_cast<int>(k));
      for (const auto& [l, n] : uses) {
        if (l < kEllipsisLabel && n == 1) out_labels.push_back(l);  // std::map: alphabetical
      }
    }
    // Walk order: output labels, then the summed ones.
    std::vector<int> walk = out_labels;
    for (const auto& [l, n] : size) {
      if (std::find(out_labels.begin(), out_labels.end(), l) == out_labels.end()) walk.push_back(l);
    }
    Dims out_dims;
    for (const int l : out_labels) out_dims.push_back(size[l]);
    std::int64_t out_count = 1, sum_count = 1;
    for (std::size_t k = 0; k < walk.size(); ++k)
      (k < out_labels.size() ? out_count : sum_count) *= size[walk[k]];
    // strides[i][k]: step in operand i when walk label k advances.
    std::vector<std::vector<std::int64_t>> strides(xs.size(),
                                                   std::vector<std::int64_t>(walk.size(), 0));
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const Dims s = strides_of(xs[i]->dims());
      for (std::size_t d = 0; d < labels[i].size(); ++d) {
        if (xs[i]->dims()[d] == 1) continue;  // broadcast
        const auto k = static_cast<std::size_t>(std::find(walk.begin(), walk.end(), labels[i][d]) -
                                                walk.begin());
        strides[i][k] += s[d];
      }
    }
    std::vector<std::int64_t> walk_size;
    for (const int l : walk) walk_size.push_back(size[l]);
    Value& y = ctx.output(kOutput, xs[0]->dtype(), out_dims);
    visit_numeric(xs[0]->dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      std::vector<std::vector<C>> data;
      for (const Value* x : xs) data.push_back(widen<T>(*x));
      auto dst = y.mutable_span<T>();
      std::vector<std::int64_t> idx(walk.size(), 0), off(xs.size(), 0);
      for (std::int64_t o = 0; o < out_count; ++o) {
        C acc = C(0);
        for (std::int64_t s = 0; s < sum_count; ++s) {
          C prod = C(1);
          for (std::size_t i = 0; i < xs.size(); ++i)
            prod *= data[i][static_cast<std::size_t>(off[i])];
          acc += prod;
          // Advance the odometer (innermost label last).
          for (std::size_t k = walk.size(); k-- > 0;) {
            for (std::size_t i = 0; i < xs.size(); ++i) off[i] += strides[i][k];
            if (++idx[k] < walk_size[k]) break;
            for (std::size_t i = 0; i < xs.size(); ++i) off[i] -= strides[i][k] * idx[k];
            idx[k] = 0;
          }
        }
        dst[static_cast<std::size_t>(o)] = static_cast<T>(acc);
      }
    });
  });
}

}  // namespace

void register_einsum_kernels(KernelRegistry& r) {
  add_def(r, "Einsum", 12, einsum_prepare, {TypeRule{0, numeric_types()}});
}

}  // namespace onnxkit::runtime
