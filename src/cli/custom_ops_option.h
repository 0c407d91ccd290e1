#pragma once
// `--custom-ops LIB` (repeatable) and `--op-schemas FILE`, shared by the
// commands that read models: each library is loaded (schemas and kernels)
// and each JSON file declared, in the order given.

#include <memory>

#include "cli/args.h"
#include "onnxkit/runtime/custom_op.h"

namespace onnxkit::cli {

inline constexpr OptionSpec kCustomOpsOption{
    "custom-ops", 0, "LIB", "Load custom operators (schemas and kernels) from a plug-in library",
    true};
inline constexpr OptionSpec kOpSchemasOption{"op-schemas", 0, "FILE",
                                             "Read custom operator schemas (JSON) from FILE", true};

/// The custom ops of the command line: every --custom-ops LIB loaded and
/// every --op-schemas FILE read, in order. Kept alive until the process ends.
const runtime::CustomOpRegistry& load_custom_ops(const ParsedArgs& args);

}  // namespace onnxkit::cli
