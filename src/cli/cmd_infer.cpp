// `onnxkit infer IN OUT [--op-schemas FILE]`: type and shape inference,
// written into OUT's value_info.

#include <array>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/custom_ops_option.h"
#include "cli/model_files.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    kOpSchemasOption,
    kCustomOpsOption,
    OptionSpec{"no-data-prop", 0, "", "Do not track the values of small integer tensors"},
};

int run(const ParsedArgs& args) {
  // The built-in schemas are parsed (about 20 ms of CPU) on another thread
  // while the model is read.
  std::jthread schemas([] { (void)schema::SchemaRegistry::onnx(); });
  // Not freed: the process ends right after, and tearing down a big graph
  // costs as much as inferring it. A static pointer keeps it reachable.
  static ir::Model* kept = nullptr;
  kept = new ir::Model(load_model(args.positionals[0]));
  ir::Model& model = *kept;
  schemas.join();
  const schema::SchemaRegistry& registry = load_custom_ops(args).schemas();
  infer::InferOptions options;
  options.registry = &registry;
  options.data_propagation = !args.has("no-data-prop");
  const infer::InferReport report = infer::infer_shapes(model, options);
  for (const infer::InferIssue& i : report.issues) {
    std::cerr << "onnxkit: warning: " << i.location << ": " << i.message << "\n";
  }
  save_model(model, args.positionals[1]);
  return 0;
}

}  // namespace

const Command& infer_command() {
  static const Command command{
      "infer",
      "IN OUT [--op-schemas FILE] [--custom-ops LIB]",
      "Infer types and shapes and write them into the model's value_info",
      "Symbolic dims are kept (N stays N); dims no rule can name get fresh names\n"
      "(unk__0, ...). Small integer tensors are tracked, so Shape → Gather →\n"
      "Concat → Reshape chains get exact shapes. If/Loop/Scan bodies are\n"
      "inferred too. Inconsistencies are printed as warnings.",
      kOptions,
      2,
      2,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
