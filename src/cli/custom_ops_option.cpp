#include "cli/custom_ops_option.h"

#include "cli/commands.h"

namespace onnxkit::cli {

const runtime::CustomOpRegistry& load_custom_ops(const ParsedArgs& args) {
  auto registry = std::make_shared<runtime::CustomOpRegistry>();
  for (const auto& [name, value] : args.options) {
    if (name == kCustomOpsOption.name) registry->load_library(value);
    if (name == kOpSchemasOption.name) registry->schemas().add_json_file(value);
  }
  keep_until_exit(registry);  // sessions and schemas point into it
  return *registry;
}

}  // namespace onnxkit::cli
