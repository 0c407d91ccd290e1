// `onnxkit check MODEL [--json] [--strict] [--op-schemas FILE]`: validate a
// model against the ONNX specification; every problem on its own line.

#include <array>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/custom_ops_option.h"
#include "cli/model_files.h"
#include "onnxkit/check/checker.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"json", 0, "", "Print the problems as JSON"},
    OptionSpec{"strict", 0, "", "Ops without a schema (unknown custom domains) are errors"},
    kOpSchemasOption,
    kCustomOpsOption,
};

int run(const ParsedArgs& args) {
  // The built-in schemas are parsed (about 20 ms of CPU) on another thread
  // while the model is read.
  std::jthread schemas([] { (void)schema::SchemaRegistry::onnx(); });
  // External data is checked by the checker itself (a bad reference is a
  // problem to report, not a reason to refuse the file).
  proto::ReadOptions read_options;
  read_options.load_external_data = false;
  const std::string path = args.positionals[0];
  // The model is not freed: the process ends right after, and tearing down
  // a big graph costs as much as checking it (clang's -disable-free). A
  // static pointer keeps it reachable, so leak checkers stay quiet.
  static const ir::Model* kept = nullptr;
  kept = new ir::Model(load_model(path, read_options));
  const ir::Model& model = *kept;
  schemas.join();
  const schema::SchemaRegistry& registry = load_custom_ops(args).schemas();

  check::CheckOptions options;
  options.registry = &registry;
  options.strict = args.has("strict");
  const std::vector<check::Problem> problems = check::check_model(model, options);
  const bool bad = check::has_errors(problems);
  if (args.has("json")) {
    std::cout << check::problems_to_json(problems);
  } else {
    std::size_t errors = 0;
    for (const check::Problem& p : problems) {
      std::cout << check::problem_to_string(p) << "\n";
      errors += p.severity == check::Severity::kError ? 1 : 0;
    }
    const std::size_t warnings = problems.size() - errors;
    std::cout << path << ": " << (bad ? "invalid" : "valid");
    if (!problems.empty()) {
      std::cout << " (" << errors << (errors == 1 ? " error, " : " errors, ") << warnings
                << (warnings == 1 ? " warning)" : " warnings)");
    }
    std::cout << "\n";
  }
  return bad ? 1 : 0;
}

}  // namespace

const Command& check_command() {
  static const Command command{
      "check",
      "MODEL [--json] [--strict] [--op-schemas FILE] [--custom-ops LIB]",
      "Validate a model against the ONNX specification",
      "Checks what onnx.checker.check_model(full_check=True) checks: IR version\n"
      "and opset imports, names, SSA form and topological order, attributes,\n"
      "input and output counts and type constraints against each operator's\n"
      "schema, initializers, external data references, subgraphs and local\n"
      "functions. Every problem is printed with its location; the exit status\n"
      "is 1 when there is any error. An op of a domain no schema declares is a\n"
      "warning, or an error with --strict; declare custom ops with --op-schemas,\n"
      "or load a plug-in library that declares them with --custom-ops.",
      kOptions,
      1,
      1,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
