#include "cli/args.h"

#include <algorithm>
#include <charconv>

namespace onnxkit::cli {
namespace {

const OptionSpec* find_long(std::span<const OptionSpec> specs, std::string_view name) {
  auto it =
      std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

const OptionSpec* find_short(std::span<const OptionSpec> specs, char name) {
  auto it = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) {
    return s.short_name != 0 && s.short_name == name;
  });
  return it == specs.end() ? nullptr : &*it;
}

std::string hint(std::string_view command) {
  return "; see 'onnxkit help " + std::string(command) + "'";
}

}  // namespace

bool ParsedArgs::has(std::string_view name) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const auto& o) { return o.first == name; });
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  for (const auto& [n, v] : options) {
    if (n == name) return v;
  }
  return std::nullopt;
}

ParsedArgs parse_args(std::span<const std::string> args, std::span<const OptionSpec> specs,
                      std::string_view command) {
  ParsedArgs out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positionals.push_back(arg);  // "-" alone is a positional too
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out.options.emplace_back("help", "");
      continue;
    }

    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown = arg;
    if (arg.starts_with("--")) {
      std::string_view body = std::string_view(arg).substr(2);
      if (auto eq = body.find('='); eq != std::string_view::npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
        shown = "--" + std::string(body);
      }
      spec = find_long(specs, body);
    } else if (arg.size() == 2) {
      spec = find_short(specs, arg[1]);
    }
    if (spec == nullptr) {
      throw UsageError("unknown option '" + shown + "' for '" + std::string(command) + "'" +
                       hint(command));
    }
    const std::string name(spec->name);
    if (!spec->repeatable && out.has(name)) throw UsageError("option '" + shown + "' given twice");

    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError("option '" + shown + "' takes no value");
      out.options.emplace_back(name, "");
    } else if (inline_value) {
      out.options.emplace_back(name, *inline_value);
    } else if (i + 1 < args.size()) {
      out.options.emplace_back(name, args[++i]);
    } else {
      throw UsageError("option '" + shown + "' needs a value (" + std::string(spec->value_name) +
                       ")" + hint(command));
    }
  }
  return out;
}

std::string format_options(std::span<const OptionSpec> specs) {
  std::vector<std::pair<std::string, std::string_view>> rows;
  std::size_t width = 0;
  for (const OptionSpec& s : specs) {
    // Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on `"-" + c + ", "`.
    std::string left;
    if (s.short_name != 0) {
      left.push_back('-');
      left.push_back(s.short_name);
      left.append(", --");
    } else {
      left.append("    --");
    }
    left.append(s.name);
    if (!s.value_name.empty()) left.append(" ").append(s.value_name);
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), s.help);
  }
  rows.emplace_back("-h, --help", "Show this help");
  width = std::max(width, rows.back().first.size());
  std::string out;
  for (const auto& [left, help] : rows) {
    out += "  " + left + std::string(width - left.size() + 2, ' ') + std::string(help) + "\n";
  }
  return out;
}

std::uint64_t parse_uint64(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw UsageError(std::string(what) + " must be a non-negative whole number, not '" +
                     std::string(text) + "'");
  }
  return v;
}

}  // namespace onnxkit::cli
