// Bench-only tool for bench/check_infer_vs_onnx.py: reads a model, then times
// the library calls behind `onnxkit check` and `onnxkit infer` in one process
// and prints one JSON line:
//   {"schemas_s": .., "read_s": .., "analyze_s": .., "check_s": .., "infer_s": .., "values": N,
//   "problems": N}
// Each call is timed `--repeats` times (default 3) on the same model read once
// (infer on a fresh read each time, since it writes into the model); the
// minimum is printed.
//
//   onnxkit_check_infer_timer MODEL [--repeats N] [--only read|analyze|check|infer]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "onnxkit/check/checker.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/schema/registry.h"

namespace {

double now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL [--repeats N] [--only read|analyze|check|infer]\n",
                 argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  int repeats = 3;
  std::string only;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string opt = argv[i];
    if (opt == "--repeats") repeats = std::max(1, std::atoi(argv[i + 1]));
    if (opt == "--only") only = argv[i + 1];
  }
  namespace ok = onnxkit;
  ok::proto::ReadOptions ro;
  ro.load_external_data = false;
  // The built-in schemas are parsed once per process (about 20 ms), as
  // python3-onnx's are loaded by `import onnx`: timed apart.
  double t_schemas = now();
  (void)ok::schema::SchemaRegistry::onnx();
  const double schemas_s = now() - t_schemas;
  double read_s = 1e9, analyze_s = 1e9, check_s = 1e9, infer_s = 1e9;
  std::size_t values = 0, problems = 0;
  // Models are kept (not freed) so that teardown is not timed in between.
  for (int r = 0; r < repeats; ++r) {
    double t0 = now();
    auto* model = new ok::ir::Model(ok::proto::read_model_file(path, ro));
    read_s = std::min(read_s, now() - t0);
    if (only.empty() || only == "analyze") {
      t0 = now();
      const ok::infer::Analysis a = ok::infer::analyze(*model);
      analyze_s = std::min(analyze_s, now() - t0);
    }
    if (only.empty() || only == "check") {
      t0 = now();
      problems = ok::check::check_model(*model).size();
      check_s = std::min(check_s, now() - t0);
    }
    if (only.empty() || only == "infer") {
      t0 = now();
      values = ok::infer::infer_shapes(*model).values_typed;
      infer_s = std::min(infer_s, now() - t0);
    }
  }
  auto num = [](double v) { return v > 1e8 ? std::string("null") : std::to_string(v); };
  std::printf(
      "{\"schemas_s\": %f, \"read_s\": %s, \"analyze_s\": %s, \"check_s\": %s, \"infer_s\": %s, "
      "\"values\": %zu, "
      "\"problems\": %zu}\n",
      schemas_s, num(read_s).c_str(), num(analyze_s).c_str(), num(check_s).c_str(),
      num(infer_s).c_str(), values, problems);
  std::fflush(stdout);
  std::_Exit(0);
}
