#pragma once
// Command-line parsing shared by the subcommands: each command declares its
// options once; parsing, `--help` text and usage errors all come from that.

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace onnxkit::cli {

/// A mistake in how the program was called (exit status 2), as opposed to a
/// failure while doing the work (onnxkit::Error, exit status 1).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string_view name;        ///< long name without dashes: "external-data"
  char short_name = 0;          ///< 'o' for -o, or 0
  std::string_view value_name;  ///< "FILE" for an option that takes a value; "" for a flag
  std::string_view help;
  /// May be given more than once; every occurrence is kept, in order.
  bool repeatable = false;
};

struct ParsedArgs {
  std::vector<std::string> positionals;
  /// Options given, by long name; flags have an empty value.
  std::vector<std::pair<std::string, std::string>> options;

  bool has(std::string_view name) const;
  /// The option's value, or nullopt when it was not given.
  std::optional<std::string> value(std::string_view name) const;
};

/// Parses `args` (the words after the command name) against `specs`.
/// Accepts `--name value`, `--name=value`, `-o value`, and `--` to end options.
/// `-h`/`--help` are recognised and reported as the option "help".
/// Throws UsageError on an unknown option, a missing value, a value given to a
/// flag, or a non-repeatable option given twice.
ParsedArgs parse_args(std::span<const std::string> args, std::span<const OptionSpec> specs,
                      std::string_view command);

/// The options' help block: one line per option, aligned.
std::string format_options(std::span<const OptionSpec> specs);

/// A whole non-negative decimal number; throws UsageError naming `what` otherwise.
std::uint64_t parse_uint64(std::string_view text, std::string_view what);

}  // namespace onnxkit::cli
