#include "onnxkit/passes/session_factory.h"

#include "onnxkit/passes/pass_manager.h"

namespace onnxkit::passes {

runtime::SessionOptions with_graph_optimizations(runtime::SessionOptions options) {
  if (!options.optimizer) {
    options.optimizer = [](ir::Model& model, int level) { optimize(model, level); };
  }
  return options;
}

std::unique_ptr<runtime::Session> make_session(const ir::Model& model,
                                               runtime::SessionOptions options) {
  return std::make_unique<runtime::Session>(model, with_graph_optimizations(std::move(options)));
}

}  // namespace onnxkit::passes
