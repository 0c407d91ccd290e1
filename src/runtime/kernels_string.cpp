// String operators: StringNormalizer, StringConcat, StringSplit and
// RegexFullMatch. Case changes and whitespace are ASCII-only (bytes >= 0x80,
// i.e. every non-ASCII UTF-8 sequence, pass through unchanged).

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <string>
#include <unordered_set>
#include <vector>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"
#include "runtime/reference/broadcast.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kX = 0;
constexpr std::size_t kY = 1;
constexpr std::size_t kOut = 0;
constexpr std::size_t kLengths = 1;

std::string to_upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// ---- StringNormalizer: drop stopwords, then change case. Input [C] or [1, C].

enum class CaseChange { kNone, kLower, kUpper };

std::unique_ptr<Kernel> string_normalizer_prepare(const KernelInfo& info) {
  const std::string action = info.attr_string("case_change_action", "NONE");
  CaseChange change = CaseChange::kNone;
  if (action == "LOWER")
    change = CaseChange::kLower;
  else if (action == "UPPER")
    change = CaseChange::kUpper;
  else if (action != "NONE")
    info.fail("case_change_action must be LOWER, UPPER or NONE, got '" + action + "'");
  const bool case_sensitive = info.attr_int("is_case_sensitive", 0) != 0;
  std::unordered_set<std::string> stopwords;
  if (const ir::Attribute* a = info.attr("stopwords")) {
    for (const std::string& w : a->strings) stopwords.insert(case_sensitive ? w : to_lower(w));
  }
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    const bool two_d = x.rank() == 2;
    if (x.rank() != 1 && !(two_d && x.dims()[0] == 1)) {
      fail("", "StringNormalizer input must be [C] or [1, C], got " + x.describe());
    }
    std::vector<std::string> kept;
    for (const std::string& s : x.string_data()) {
      if (stopwords.count(case_sensitive ? s : to_lower(s)) != 0) continue;
      kept.push_back(change == CaseChange::kLower   ? to_lower(s)
                     : change == CaseChange::kUpper ? to_upper(s)
                                                    : s);
    }
    // Everything removed: one empty string, as the operator defines it.
    if (kept.empty()) kept.emplace_back();
    const auto n = static_cast<std::int64_t>(kept.size());
    ctx.set_output(kOut, Value::strings(two_d ? Dims{1, n} : Dims{n}, std::move(kept)));
  });
}

// ---- StringConcat: elementwise a + b with numpy broadcasting.

void string_concat(KernelContext& ctx) {
  const Value& a = ctx.required_input(kX);
  const Value& b = ctx.required_input(kY);
  const std::array<const Dims*, 2> shapes = {&a.dims(), &b.dims()};
  const auto out = reference::broadcast_dims(shapes);
  if (!out)
    fail("", "StringConcat inputs " + a.describe() + " and " + b.describe() + " do not broadcast");
  std::vector<std::string> result(static_cast<std::size_t>(element_count(*out)));
  const auto sa = a.string_data();
  const auto sb = b.string_data();
  reference::for_each_index<2>(
      *out,
      {reference::broadcast_strides(a.dims(), *out), reference::broadcast_strides(b.dims(), *out)},
      {0, 0}, [&](std::int64_t o, const std::array<std::int64_t, 2>& off) {
        result[static_cast<std::size_t>(o)] =
            sa[static_cast<std::size_t>(off[0])] + sb[static_cast<std::size_t>(off[1])];
      });
  ctx.set_output(kOut, Value::strings(*out, std::move(result)));
}

// ---- StringSplit: each string split into substrings, padded with "" to the
// longest split; lengths says how many are real.

/// Splits on runs of whitespace, ignoring leading and trailing whitespace
/// (Python's str.split()); at most `maxsplit` splits when maxsplit >= 0.
std::vector<std::string> split_whitespace(const std::string& s, std::int64_t maxsplit) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (true) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i == s.size()) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
      std::size_t end = s.size();
      while (end > i && is_space(s[end - 1])) --end;
      parts.push_back(s.substr(i, end - i));
      break;
    }
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    parts.push_back(s.substr(i, j - i));
    i = j;
  }
  return parts;
}

/// Splits on every occurrence of `delim` (empty fields kept).
std::vector<std::string> split_on(const std::string& s, const std::string& delim,
                                  std::int64_t maxsplit) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
    const std::size_t at = s.find(delim, start);
    if (at == std::string::npos) break;
    parts.push_back(s.substr(start, at - start));
    start = at + delim.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::unique_ptr<Kernel> string_split_prepare(const KernelInfo& info) {
  const std::string delimiter = info.attr_string("delimiter", "");
  const std::int64_t maxsplit = info.has_attr("maxsplit") ? info.attr_int("maxsplit", -1) : -1;
  return make_kernel([=](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    std::vector<std::vector<std::string>> splits;
    std::size_t widest = 0;
    for (const std::string& s : x.string_data()) {
      splits.push_back(delimiter.empty() ? split_whitespace(s, maxsplit)
                                         : split_on(s, delimiter, maxsplit));
      widest = std::max(widest, splits.back().size());
    }
    Dims out_dims = x.dims();
    out_dims.push_back(static_cast<std::int64_t>(widest));
    std::vector<std::string> flat(splits.size() * widest);
    Value& lengths = ctx.output(kLengths, DataType::kInt64, x.dims());
    auto len = lengths.mutable_span<std::int64_t>();
    for (std::size_t i = 0; i < splits.size(); ++i) {
      len[i] = static_cast<std::int64_t>(splits[i].size());
      std::move(splits[i].begin(), splits[i].end(),
                flat.begin() + static_cast<std::ptrdiff_t>(i * widest));
    }
    ctx.set_output(kOut, Value::strings(out_dims, std::move(flat)));
  });
}

// ---- RegexFullMatch. The spec names RE2 syntax; std::regex (ECMAScript) is
// used instead. Not supported: RE2's named groups (?P<name>...), inline flags
// such as (?i), \A \z \C, POSIX classes outside brackets, \pN / \p{Greek}
// Unicode classes, and RE2's linear-time guarantee (ECMAScript backtracks).

std::unique_ptr<Kernel> regex_full_match_prepare(const KernelInfo& info) {
  const std::string pattern = info.attr_string("pattern", "");
  auto re = std::make_shared<const std::regex>([&] {
    try {
      return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      info.fail("pattern '" + pattern + "' is not a valid regular expression: " + e.what());
    }
  }());
  return make_kernel([re](KernelContext& ctx) {
    const Value& x = ctx.required_input(kX);
    Value& y = ctx.output(kOut, DataType::kBool, x.dims());
    auto dst = y.mutable_span<bool>();
    const auto src = x.string_data();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i] = std::regex_match(src[i], *re);
  });
}

void add_string_op(KernelRegistry& r, std::string op, std::int64_t since, PrepareFn prepare) {
  add_def(r, std::move(op), since, std::move(prepare), {TypeRule{kX, {DataType::kString}}});
}

}  // namespace

void register_string_kernels(KernelRegistry& r) {
  add_string_op(r, "StringNormalizer", 10, string_normalizer_prepare);
  add_string_op(r, "StringConcat", 20,
                [](const KernelInfo&) { return make_kernel(string_concat); });
  add_string_op(r, "StringSplit", 20, string_split_prepare);
  add_string_op(r, "RegexFullMatch", 20, regex_full_match_prepare);
}

}  // namespace onnxkit::runtime
