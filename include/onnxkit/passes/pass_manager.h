#pragma once
/// Runs passes in order, repeated until none changes anything (a fixed point),
/// and reports every run, so that `--print-ir-after-all`-style tooling and
/// timing come from one hook.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/passes/pass.h"

namespace onnxkit::passes {

/// What one run of one pass did.
struct PassRecord {
  std::string pass;
  bool changed = false;
  double seconds = 0;
  std::size_t nodes_before = 0, nodes_after = 0;  ///< main-graph node counts
};

class PassManager {
 public:
  PassManager();
  ~PassManager();
  PassManager(PassManager&&) noexcept;
  PassManager& operator=(PassManager&&) noexcept;

  /// Appends `pass` (run after those added before).
  PassManager& add(std::unique_ptr<Pass> pass);
  std::size_t size() const noexcept { return passes_.size(); }

  /// Called after every pass run with its record and the model as it is then
  /// (instrumentation: printing, timing, checking). Default: none.
  std::function<void(const PassRecord&, const ir::Model&)> after_pass;

  /// Toposorts the main graph, then runs every pass in order, and the whole
  /// list again while any pass changed something, at most `max_rounds` times
  /// (default 4). Returns one record per pass run, in order.
  std::vector<PassRecord> run(ir::Model& model, int max_rounds = 4) const;

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
};

/// Graph optimization levels, as SessionOptions::optimization_level takes them.
inline constexpr int kOptimizeNone = 0;
/// Plain, correctness-preserving rewrites: Identity and inference-mode
/// Dropout removal, constant folding (with a size cap), Conv+BatchNormalization
/// folding, and removal of nodes that no output needs.
inline constexpr int kOptimizeBasic = 1;
inline constexpr int kOptimizeMax = kOptimizeBasic;

/// The passes of `level` (0: none; 1 and above: basic). Throws Error for a
/// negative level.
PassManager passes_for_level(int level);

/// passes_for_level(level).run(model).
std::vector<PassRecord> optimize(ir::Model& model, int level);

}  // namespace onnxkit::passes
