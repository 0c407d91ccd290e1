// `onnxkit inspect MODEL [--json]`: what Netron's model-properties panel shows, and more.

#include <array>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/inspect/model_summary.h"
#include "onnxkit/proto/reader.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"json", 0, "", "Print the summary as JSON (stable key order)"},
    OptionSpec{"shapes", 0, "", "Also infer and print every value's type and shape"},
};

/// `--shapes`: one line per value computed by a node, "name: float[N,64,56,56]".
void print_shapes(const ir::Graph& g, const infer::Analysis& a, std::string_view indent) {
  for (const auto& n : g.nodes()) {
    for (const ir::Tensor* t : n->outputs()) {
      if (t->is_empty()) continue;
      const ir::Type* type = a.type(t);
      std::cout << indent << t->name() << ": " << (type ? ir::type_to_string(*type) : "?") << "\n";
    }
    for (const ir::Graph* sub : n->subgraphs()) print_shapes(*sub, a, std::string(indent) + "  ");
  }
}

int run(const ParsedArgs& args) {
  // The summary needs the weights' shapes, not their bytes: external data is
  // neither mapped nor required to be present.
  proto::ReadOptions options;
  options.load_external_data = false;
  // Kept to the end of the process: freeing a big graph costs about as much
  // as summarizing it, and the process ends right after.
  auto kept = std::make_shared<const ir::Model>(load_model(args.positionals[0], options));
  keep_until_exit(kept);
  const ir::Model& model = *kept;
  const inspect::ModelSummary summary = inspect::summarize(model);
  std::cout << (args.has("json") ? inspect::summary_to_json(summary)
                                 : inspect::summary_to_text(summary));
  if (args.has("shapes")) {
    std::cout << "\nShapes (inferred):\n";
    print_shapes(*model.graph, infer::analyze(model), "  ");
  }
  return 0;
}

}  // namespace

const Command& inspect_command() {
  static const Command command{
      "inspect",
      "MODEL [--json]",
      "Summarize a model: IR version, producer, opsets, inputs, outputs, ops, parameters",
      "MODEL is a binary .onnx file or the ONNX text syntax (.txt, .onnxtxt, or\n"
      "recognised by its content). The report lists the IR version, producer,\n"
      "domain, opset imports, metadata, graph inputs and outputs with element type\n"
      "and dims (symbolic dims such as N kept), initializers and parameter bytes,\n"
      "an op histogram, custom domains, subgraphs, local functions and the\n"
      "external-data files the model refers to.",
      kOptions,
      1,
      1,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
