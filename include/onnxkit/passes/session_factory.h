#pragma once
/// Sessions with graph optimizations. The runtime sits below this layer and
/// knows no passes; SessionOptions::optimizer is its hook: a Session applies
/// it to its own copy of the model before planning. These functions fill the
/// hook with this layer's passes, so front ends (CLI, Python) create sessions
/// here, and SessionOptions::optimization_level picks the passes.

#include <memory>

#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/session.h"

namespace onnxkit::passes {

/// `options` with `optimizer` set to run passes_for_level(level) (an
/// optimizer already set is kept).
runtime::SessionOptions with_graph_optimizations(runtime::SessionOptions options);

/// A Session over `model` whose copy is first optimized at
/// options.optimization_level (default 1, basic).
std::unique_ptr<runtime::Session> make_session(const ir::Model& model,
                                               runtime::SessionOptions options = {});

}  // namespace onnxkit::passes
