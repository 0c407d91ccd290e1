// `onnxkit edit IN OUT OPERATIONS...`: graph surgery from the command line.
// Every operation is one library call (onnxkit/edit); they run in the order
// given, through edit::apply_edits, the same runner Python uses.

#include <iostream>
#include <memory>
#include <vector>

#include "cli/commands.h"
#include "cli/custom_ops_option.h"
#include "cli/model_files.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/apply.h"

namespace onnxkit::cli {
namespace {

std::span<const OptionSpec> options() {
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> out;
    for (const edit::EditOptionInfo& o : edit::edit_options()) {
      out.push_back(OptionSpec{o.name, 0, o.value_name, o.help, true});
    }
    out.push_back(OptionSpec{"quiet", 'q', "", "Do not print notes", false});
    out.push_back(kCustomOpsOption);
    return out;
  }();
  return specs;
}

int run(const ParsedArgs& args) {
  std::vector<edit::EditOp> edits;
  for (const auto& [name, value] : args.options) {
    if (name == "quiet" || name == kCustomOpsOption.name) continue;
    try {
      edits.push_back(edit::EditOp::parse(name, value));
    } catch (const Error& e) {
      throw UsageError((e.location().empty() ? "" : e.location() + ": ") + e.message());
    }
  }
  if (edits.empty()) {
    throw UsageError("no edits given; see 'onnxkit help edit' for --bypass, --extract, ...");
  }
  // The same command line as run and check: a bad library fails here. Without
  // --custom-ops there is nothing to check, and edits need no schemas (parsing
  // the ONNX ones would cost 1 MiB).
  if (args.has(kCustomOpsOption.name)) load_custom_ops(args);
  auto model = std::make_shared<ir::Model>(load_model(args.positionals[0]));
  const edit::Notes notes = edit::apply_edits(*model, edits);
  save_model(*model, args.positionals[1]);
  // Freeing a big graph node by node costs a fifth of the command (as convert).
  keep_until_exit(std::move(model));
  if (!args.has("quiet")) {
    for (const std::string& note : notes) std::cerr << "onnxkit: note: " << note << "\n";
  }
  return 0;
}

}  // namespace

const Command& edit_command() {
  static const Command command{
      "edit",
      "IN OUT OPERATION...",
      "Edit a model's graph: bypass, remove, extract, rename, reshape inputs",
      "Operations run in the order given, each on the result of the one before,\n"
      "and may repeat. SELECTOR picks nodes in the graph and its subgraphs:\n"
      "  NAME                 the node of that exact name (name=NAME for any name)\n"
      "  op=[DOMAIN::]OP      nodes of that op type (any domain unless given)\n"
      "  re=REGEX or /REGEX/  nodes whose name matches (a search, ECMAScript syntax)\n"
      "--bypass joins a node's input to its consumers (its producer takes over\n"
      "the node's output name); --remove deletes nodes, and an output still read\n"
      "becomes a graph input. --extract keeps what lies between the tensors; with\n"
      "nothing before ':' it keeps the graph inputs the outputs need. In names a\n"
      "backslash quotes ',' ':' or '='. DIMS are numbers, names (N) or ?.\n"
      "--bypass and --remove clean the graph up afterwards. IN and OUT are binary\n"
      ".onnx or the text syntax; OUT is written to a temporary file and renamed.\n"
      "Example: onnxkit edit model.onnx out.onnx --bypass op=devtech::FooOp",
      options(),
      2,
      2,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
