#include "onnxkit/passes/pass_manager.h"

#include <chrono>

#include "onnxkit/core/error.h"
#include "onnxkit/passes/constant_folding.h"
#include "onnxkit/passes/graph_rewrites.h"

namespace onnxkit::passes {

PassManager::PassManager() = default;
PassManager::~PassManager() = default;
PassManager::PassManager(PassManager&&) noexcept = default;
PassManager& PassManager::operator=(PassManager&&) noexcept = default;

PassManager& PassManager::add(std::unique_ptr<Pass> pass) {
  passes_.push_back(std::move(pass));
  return *this;
}

std::vector<PassRecord> PassManager::run(ir::Model& model, int max_rounds) const {
  std::vector<PassRecord> records;
  if (!model.graph || passes_.empty()) return records;
  model.graph->toposort();
  using Clock = std::chrono::steady_clock;
  for (int round = 0; round < max_rounds; ++round) {
    bool any = false;
    for (const auto& pass : passes_) {
      PassRecord r;
      r.pass = std::string(pass->name());
      r.nodes_before = model.graph->node_count();
      const Clock::time_point start = Clock::now();
      try {
        r.changed = pass->run(model);
      } catch (const Error& e) {
        throw e.within("pass '" + r.pass + "'");
      }
      r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      r.nodes_after = model.graph->node_count();
      any = any || r.changed;
      if (after_pass) after_pass(r, model);
      records.push_back(std::move(r));
    }
    if (!any) break;
  }
  return records;
}

PassManager passes_for_level(int level) {
  if (level < 0)
    fail("optimization level", "must be 0 (none) or more, got " + std::to_string(level));
  PassManager pm;
  if (level == kOptimizeNone) return pm;
  FoldOptions fold;
  fold.limit_growth =
      true;  // a session must not grow the model by folding Expand/Tile/ConstantOfShape
  pm.add(std::make_unique<IdentityElimination>());
  pm.add(std::make_unique<ConstantFolding>(std::move(fold)));
  pm.add(std::make_unique<DeadNodeElimination>());
  pm.add(std::make_unique<ConvBatchNormFolding>());
  pm.add(std::make_unique<DeadNodeElimination>());
  return pm;
}

std::vector<PassRecord> optimize(ir::Model& model, int level) {
  return passes_for_level(level).run(model);
}

}  // namespace onnxkit::passes
