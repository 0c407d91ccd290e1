// Overhead of custom-op kernels (issue #6): a chain of 1,000 nodes that pass
// their input through, run by runtime::Session with
//   builtin  ai.onnx Identity (the CPU provider's kernel: output = input view)
//   plugin   devtech::FooOp from libdevtech_ops.so (C ABI; forwards the input)
//   cpp_ctx  devtech::FooOp as a C++ KernelContext function (set_output)
//   cpp_value devtech::FooOp as a typed C++ function over Value (y = x)
//   cpp_typed devtech::FooOp over Tensor<float> (allocates and copies: not
//             an identity's cost, shown for the price of a copy)
// Every session is made with the same default SessionOptions (no graph
// passes exist in this runtime yet, so no Identity is removed); only the
// kernel differs. Prints one line per variant: median microseconds per run
// of the chain and nanoseconds per node.
//
//   build/onnxkit_custom_op_bench [PLUGIN.so] [--nodes N] [--elements E] [--runs R] [--rounds K]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/custom_op.h"
#include "onnxkit/runtime/session.h"

using namespace onnxkit;
using namespace onnxkit::runtime;

namespace {

ir::Model chain(const std::string& domain, const std::string& op, int nodes,
                std::int64_t elements) {
  ir::Model m;
  m.ir_version = 8;
  m.opset_import.push_back(ir::OpsetId{});
  m.opset_import.back().version = 17;
  ir::OpsetId custom;
  custom.domain = "devtech";
  custom.version = 1;
  m.opset_import.push_back(custom);
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("chain");
  ir::Tensor* x = g.add_variable("x");
  x->info().type = ir::Type::tensor(DataType::kFloat, Shape{Dim::of(1), Dim::of(elements)});
  g.inputs().push_back(x);
  for (int i = 0; i < nodes; ++i) {
    ir::Tensor* y = g.add_variable("t" + std::to_string(i));
    g.layer(op, {x}, {y}, {}, domain, "n" + std::to_string(i));
    x = y;
  }
  g.outputs().push_back(x);
  return m;
}

double median_us(const Session& s, const NamedValues& feeds, int runs) {
  for (int i = 0; i < 20; ++i) s.run(feeds);  // warm the memory pool and caches
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto a = std::chrono::steady_clock::now();
    s.run(feeds);
    t.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin;
  int nodes = 1000, runs = 300, rounds = 5;
  std::int64_t elements = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--nodes" && i + 1 < argc)
      nodes = std::stoi(argv[++i]);
    else if (a == "--elements" && i + 1 < argc)
      elements = std::stoll(argv[++i]);
    else if (a == "--runs" && i + 1 < argc)
      runs = std::stoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc)
      rounds = std::stoi(argv[++i]);
    else
      plugin = a;
  }
  Value input = Value::tensor(DataType::kFloat, {1, elements});
  const NamedValues feeds{{"x", input}};

  // All sessions first, then rounds that alternate between them, keeping the
  // best median of each: a loaded machine disturbs them alike.
  std::vector<std::pair<std::string, std::unique_ptr<Session>>> sessions;
  std::vector<std::unique_ptr<CustomOpRegistry>> registries;  // must outlive their sessions
  auto custom = [&](const char* name, auto&& fill) {
    registries.push_back(std::make_unique<CustomOpRegistry>());
    fill(*registries.back());
    SessionOptions options;
    registries.back()->configure(options);
    sessions.emplace_back(
        name, std::make_unique<Session>(chain("devtech", "FooOp", nodes, elements), options));
  };
  sessions.emplace_back("builtin",
                        std::make_unique<Session>(chain("", "Identity", nodes, elements)));
  if (!plugin.empty()) custom("plugin", [&](CustomOpRegistry& r) { r.load_library(plugin); });
  custom("cpp_ctx", [](CustomOpRegistry& r) {
    KernelDef def;
    def.domain = "devtech";
    def.op = "FooOp";
    def.prepare = [](const KernelInfo&) {
      return make_kernel([](KernelContext& ctx) { ctx.set_output(0, ctx.required_input(0)); });
    };
    r.add_kernel(std::move(def));
  });
  custom("cpp_value", [](CustomOpRegistry& r) {
    r.add("devtech", "FooOp", [](const Value& x, Value& y) { y = x; });
  });
  custom("cpp_typed", [](CustomOpRegistry& r) {
    r.add("devtech", "FooOp", [](const Tensor<float>& x, Tensor<float>& y) {
      auto out = y.allocate(x.shape());
      std::memcpy(out.data(), x.data().data(), out.size_bytes());
    });
  });
  std::vector<double> best(sessions.size(), 1e300);
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      best[i] = std::min(best[i], median_us(*sessions[i].second, feeds, runs));
    }
  }
  std::printf("chain of %d nodes, float[1,%lld], best of %d rounds of the median of %d runs\n",
              nodes, static_cast<long long>(elements), rounds, runs);
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    std::printf("%-10s %9.1f us/run  %7.1f ns/node  %+6.1f%% vs builtin\n",
                sessions[i].first.c_str(), best[i], best[i] * 1000.0 / nodes,
                100.0 * (best[i] / best[0] - 1.0));
  }
  return 0;
}
