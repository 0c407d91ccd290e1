// `onnxkit example seed|foo OUT [--seed S]`: the built-in example models.

#include <array>
#include <string>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "onnxkit/example/seed_model.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"seed", 0, "S", "Seed of the random weights (default 1234)"},
};

int run(const ParsedArgs& args) {
  const std::string& name = args.positionals[0];
  const auto variant = example::seed_variant_from_name(name);
  if (!variant) throw UsageError("unknown example '" + name + "'; the examples are seed and foo");
  std::uint64_t seed = 1234;
  if (auto s = args.value("seed")) seed = parse_uint64(*s, "--seed");
  save_model(example::make_seed_model(*variant, seed), args.positionals[1]);
  return 0;
}

}  // namespace

const Command& example_command() {
  static const Command command{
      "example",
      "seed|foo OUT [--seed S]",
      "Write a built-in example model",
      "seed  Conv(3->16,3x3,s2) BatchNorm Relu Conv(16->64,3x3,s2) BatchNorm Relu;\n"
      "      input \"input\" float32[N,3,128,128], output \"output\" float32[N,64,31,31],\n"
      "      opset 13, random weights and BatchNorm statistics from --seed\n"
      "foo   the first block, then the custom op devtech::FooOp (identity)\n"
      "OUT is binary ONNX, or the text syntax when it ends in .txt or .onnxtxt.",
      kOptions,
      2,
      2,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
