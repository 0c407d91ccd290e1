// `onnxkit diff A B [--html OUT]`: what changed between two models, as a text
// summary on standard output and, with --html, as the viewer page.

#include <array>
#include <iostream>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "onnxkit/view/model_diff.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"html", 'o', "OUT", "Also write the comparison page to OUT"},
    OptionSpec{"exit-code", 0, "", "Exit with status 3 when the models differ"},
    OptionSpec{"op-schemas", 0, "FILE", "Read custom operator schemas (JSON) from FILE", true},
};

constexpr int kExitDifferent = 3;

int run(const ParsedArgs& args) {
  static schema::SchemaRegistry registry = schema::SchemaRegistry::with_onnx();
  for (const auto& [name, value] : args.options) {
    if (name == "op-schemas") registry.add_json_file(value);
  }
  auto a = std::make_shared<ir::Model>(load_model(args.positionals[0]));
  auto b = std::make_shared<ir::Model>(load_model(args.positionals[1]));
  keep_until_exit(a);
  keep_until_exit(b);
  const view::ModelDiff diff = view::diff_models(*a, *b);
  const std::string summary = view::diff_summary(diff, args.positionals[0], args.positionals[1]);
  std::cout << summary;
  if (auto out = args.value("html")) {
    view::ViewOptions options;
    options.registry = &registry;
    const std::string title = std::filesystem::path(args.positionals[0]).filename().string() +
                              " vs " +
                              std::filesystem::path(args.positionals[1]).filename().string();
    write_file_atomically(
        *out, view::render_page(view::diff_view_json(*a, *b, diff, summary, options), title));
    std::cout << "wrote " << *out << "\n";
  }
  return args.has("exit-code") && !diff.identical() ? kExitDifferent : 0;
}

}  // namespace

const Command& diff_command() {
  static const Command command{
      "diff",
      "A B [--html OUT] [--exit-code]",
      "Compare two models: nodes, attributes, weights, inputs and outputs",
      "Nodes are matched by name, then by structure (the same op reading the\n"
      "matched producers). Prints one line per removed (-), added (+) and\n"
      "changed (~) node, changed weights with their largest difference, and\n"
      "changed graph inputs and outputs. With --html, also writes the viewer\n"
      "page in comparison mode, each node coloured by its status.",
      kOptions,
      2,
      2,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
