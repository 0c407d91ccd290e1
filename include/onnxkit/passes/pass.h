#pragma once
/// One graph rewrite behind one interface (MLIR's idea): a pass has a name and
/// rewrites a model in place, saying whether it changed anything, so that a
/// PassManager can run a list of them to a fixed point and report each run.

#include <string_view>

#include "onnxkit/ir/model.h"

namespace onnxkit::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  /// A short stable name: "constant-folding", "conv-bn-folding", ...
  virtual std::string_view name() const = 0;
  /// Rewrites `model` (its main graph) in place; returns true when anything
  /// changed. Never changes the names of graph inputs or outputs. Throws
  /// Error only on a model it cannot make sense of.
  virtual bool run(ir::Model& model) = 0;
};

}  // namespace onnxkit::passes
