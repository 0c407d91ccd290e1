#pragma once
// The subcommands of `onnxkit`: each one lives in its own cmd_*.cpp and is
// described by a Command, from which main() parses, checks and documents it.

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "cli/args.h"

namespace onnxkit::cli {

struct Command {
  std::string_view name;
  std::string_view arguments;    ///< after the name in the usage line: "MODEL [--json]"
  std::string_view summary;      ///< one line for the command list
  std::string_view description;  ///< paragraph(s) for `onnxkit help NAME`; may be empty
  std::span<const OptionSpec> options;
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;
  /// Does the work; returns the exit status. Throws onnxkit::Error on failure.
  int (*run)(const ParsedArgs& args) = nullptr;
};

/// Keeps `object` alive until the process ends, which then skips destroying
/// it (main() ends with std::_Exit): freeing a 100,000-node IR piece by piece
/// takes tens of milliseconds that buy nothing when the process is exiting.
void keep_until_exit(std::shared_ptr<const void> object);

const Command& inspect_command();
const Command& print_command();
const Command& convert_command();
const Command& example_command();
const Command& edit_command();
const Command& check_command();
const Command& infer_command();
const Command& run_command();
const Command& bench_command();
const Command& view_command();
const Command& diff_command();

}  // namespace onnxkit::cli
