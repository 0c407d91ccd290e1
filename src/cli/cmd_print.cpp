// `onnxkit print MODEL [--full-weights] [-o OUT]`: the model in the ONNX text syntax.

#include <array>
#include <iostream>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "onnxkit/text/printer.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"full-weights", 0, "", "Print every weight value (the output parses back exactly)"},
    OptionSpec{"output", 'o', "OUT", "Write to OUT instead of standard output"},
};

int run(const ParsedArgs& args) {
  // Kept to the end of the process: freeing a big graph costs about as much
  // as printing it, and the process ends right after.
  auto kept = std::make_shared<const ir::Model>(load_model(args.positionals[0]));
  keep_until_exit(kept);
  const ir::Model& model = *kept;
  text::PrintOptions options;
  options.full_weights = args.has("full-weights");
  const std::string text = text::print_model(model, options);
  if (auto out = args.value("output")) {
    write_file_atomically(*out, text);
  } else {
    std::cout << text;
  }
  return 0;
}

}  // namespace

const Command& print_command() {
  static const Command command{
      "print",
      "MODEL [--full-weights] [-o OUT]",
      "Print a model in the ONNX text syntax",
      "Without --full-weights, weights with more than a few elements print as\n"
      "their type and shape with a short preview in a comment; the graph itself\n"
      "is always complete.",
      kOptions,
      1,
      1,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
