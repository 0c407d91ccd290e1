// `onnxkit bench MODEL [--batch B] [--dim NAME=V]... [--threads T] [--warmup W]
// [--runs R] [--profile] [--json]`: how fast a model runs on the CPU, with
// random inputs.

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/custom_ops_option.h"
#include "cli/model_files.h"
#include "cli/random_inputs.h"
#include "onnxkit/core/error.h"
#include "onnxkit/passes/pass_manager.h"
#include "onnxkit/passes/session_factory.h"
#include "onnxkit/runtime/session.h"

namespace onnxkit::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::array kOptions{
    OptionSpec{"batch", 'b', "B", "Batch: the symbolic first dim of the inputs (default 1)"},
    OptionSpec{"dim", 0, "NAME=VALUE", "Value of the symbolic dim NAME (others are 1)", true},
    OptionSpec{"threads", 0, "T", "Intra-op threads (default 1; 0: all cores)"},
    OptionSpec{"warmup", 0, "W", "Runs before timing starts (default 2)"},
    OptionSpec{"runs", 'r', "R", "Timed runs (default 10)"},
    OptionSpec{"optimize", 'O', "LEVEL", "Graph optimizations: 0 none, 1 basic (default 1)"},
    OptionSpec{"profile", 0, "", "Time every node and print the time per op type"},
    OptionSpec{"top", 0, "N", "Op types listed by --profile (default 15; 0: all)"},
    OptionSpec{"seed", 0, "S", "Seed of the random inputs (default 0)"},
    OptionSpec{"json", 0, "", "Print the results as JSON"},
    kCustomOpsOption,
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::int64_t positive(const std::string& text, std::string_view what) {
  const std::uint64_t v = parse_uint64(text, what);
  if (v == 0) throw UsageError(std::string(what) + " must be at least 1");
  return static_cast<std::int64_t>(v);
}

/// Latency statistics over the timed runs, in milliseconds.
struct Latency {
  double min = 0, median = 0, p90 = 0, mean = 0;
};

Latency summarize(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  const std::size_t n = times.size();
  Latency l;
  l.min = times.front();
  l.median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  l.p90 =
      times[static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(n))) - 1];  // nearest rank
  l.mean = std::accumulate(times.begin(), times.end(), 0.0) / static_cast<double>(n);
  return l;
}

/// Time per op type over the profiled runs.
struct OpTime {
  std::string op;
  double ms_per_run = 0;
  std::size_t nodes = 0;
};

std::vector<OpTime> per_op(const runtime::RunProfile& profile) {
  std::map<std::string, OpTime> by_op;
  for (const auto& n : profile.nodes) {
    OpTime& t = by_op[n.op];
    t.op = n.op;
    t.ms_per_run +=
        n.seconds * 1000.0 / static_cast<double>(std::max<std::size_t>(profile.runs, 1));
    ++t.nodes;
  }
  std::vector<OpTime> out;
  for (auto& [op, t] : by_op) out.push_back(t);
  std::stable_sort(out.begin(), out.end(),
                   [](const OpTime& a, const OpTime& b) { return a.ms_per_run > b.ms_per_run; });
  return out;
}

/// Peak resident memory of this process, in MiB (Linux reports ru_maxrss in KiB).
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string fixed(double v, int digits = 2) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

/// --batch and --dim, checked against the symbolic dims the inputs have.
DimValues dim_values(const ParsedArgs& args, const runtime::Session& session) {
  std::set<std::string> names;
  for (const auto& i : session.inputs()) {
    if (!i.shape) continue;
    for (const Dim& d : *i.shape) {
      if (d.is_param()) names.insert(d.param);
    }
  }
  DimValues dims;
  for (const auto& [opt, value] : args.options) {
    if (opt != "dim") continue;
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--dim takes NAME=VALUE, got '" + value + "'");
    const std::string name = value.substr(0, eq);
    if (!names.count(name)) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw UsageError("--dim " + name + ": no input has a symbolic dim '" + name +
                       "' (symbolic dims: " + (known.empty() ? std::string("none") : known) + ")");
    }
    dims[name] = positive(value.substr(eq + 1), "--dim " + name);
  }
  if (auto b = args.value("batch")) {
    // The batch is the first dim: its name, wherever it appears, unless --dim set it.
    const std::int64_t batch = positive(*b, "--batch");
    dims.emplace("", batch);
    for (const auto& i : session.inputs()) {
      if (i.shape && !i.shape->empty() && (*i.shape)[0].is_param())
        dims.emplace((*i.shape)[0].param, batch);
    }
  }
  return dims;
}

int bench(const ParsedArgs& args) {
  runtime::SessionOptions options;
  load_custom_ops(args).configure(options);
  if (auto t = args.value("threads"))
    options.threads = static_cast<int>(parse_uint64(*t, "--threads"));
  if (auto o = args.value("optimize")) {
    options.optimization_level = static_cast<int>(parse_uint64(*o, "--optimize"));
    if (options.optimization_level > passes::kOptimizeMax) {
      throw UsageError("--optimize takes 0 (none) or 1 (basic), got " + *o);
    }
  }
  const std::int64_t warmup =
      args.value("warmup")
          ? static_cast<std::int64_t>(parse_uint64(*args.value("warmup"), "--warmup"))
          : 2;
  const std::int64_t runs = args.value("runs") ? positive(*args.value("runs"), "--runs") : 10;
  const std::size_t top = args.value("top") ? parse_uint64(*args.value("top"), "--top") : 15;
  const bool profile = args.has("profile");

  const std::string model_path = args.positionals[0];
  const Clock::time_point t0 = Clock::now();
  const ir::Model model = load_model(model_path);
  const Clock::time_point t1 = Clock::now();
  const std::unique_ptr<runtime::Session> session = passes::make_session(model, options);
  const Clock::time_point t2 = Clock::now();

  const DimValues dims = dim_values(args, *session);
  std::mt19937_64 rng(args.value("seed") ? parse_uint64(*args.value("seed"), "--seed") : 0);
  runtime::NamedValues feeds;
  for (const auto& i : session->inputs()) feeds.emplace_back(i.name, random_value(i, dims, rng));

  for (std::int64_t i = 0; i < warmup; ++i) session->run(feeds);
  std::vector<double> times;
  for (std::int64_t i = 0; i < runs; ++i) {
    const Clock::time_point start = Clock::now();
    session->run(feeds);
    times.push_back(ms(Clock::now() - start));
  }
  runtime::RunProfile node_times;
  if (profile) {  // separate runs: timing every node costs a little
    for (std::int64_t i = 0; i < runs; ++i) session->run(feeds, {}, &node_times);
  }
  const Latency latency = summarize(times);
  const double peak = peak_rss_mib();
  const std::vector<OpTime> ops = profile ? per_op(node_times) : std::vector<OpTime>();
  double op_total = 0;
  for (const OpTime& o : ops) op_total += o.ms_per_run;
  const std::size_t shown = top == 0 ? ops.size() : std::min(top, ops.size());
  const int threads = options.threads;

  if (args.has("json")) {
    nlohmann::ordered_json j;
    j["model"] = model_path;
    j["load_ms"] = ms(t1 - t0);
    j["session_ms"] = ms(t2 - t1);
    j["optimization_level"] = options.optimization_level;
    j["threads"] = threads;
    j["nodes"] = session->describe_plan().size();
    nlohmann::ordered_json inputs = nlohmann::ordered_json::object();
    for (const auto& [name, v] : feeds)
      inputs[name] = {{"type", data_type_name(v.dtype())}, {"dims", v.dims()}};
    j["inputs"] = inputs;
    j["warmup"] = warmup;
    j["runs"] = runs;
    j["latency_ms"] = {{"min", latency.min},
                       {"median", latency.median},
                       {"p90", latency.p90},
                       {"mean", latency.mean}};
    j["peak_rss_mib"] = peak;
    if (profile) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < shown; ++i) {
        list.push_back({{"op", ops[i].op},
                        {"ms_per_run", ops[i].ms_per_run},
                        {"percent", op_total > 0 ? 100.0 * ops[i].ms_per_run / op_total : 0.0},
                        {"nodes", ops[i].nodes}});
      }
      j["ops"] = list;
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "model         " << model_path << "\n"
            << "load          " << fixed(ms(t1 - t0), 1) << " ms\n"
            << "session       " << fixed(ms(t2 - t1), 1) << " ms (optimization level "
            << options.optimization_level << ", " << session->describe_plan().size() << " nodes, "
            << (threads == 0 ? std::string("all cores")
                             : std::to_string(threads) + (threads == 1 ? " thread" : " threads"))
            << ")\n";
  for (const auto& [name, v] : feeds)
    std::cout << "input         " << name << " " << v.describe() << "\n";
  std::cout << "runs          " << runs << " (after " << warmup << " warmup)\n"
            << "latency       min " << fixed(latency.min, 3) << " ms, median "
            << fixed(latency.median, 3) << " ms, p90 " << fixed(latency.p90, 3) << " ms, mean "
            << fixed(latency.mean, 3) << " ms\n"
            << "peak memory   " << fixed(peak, 1) << " MiB (ru_maxrss)\n";
  if (profile) {
    std::size_t width = 2;
    for (std::size_t i = 0; i < shown; ++i) width = std::max(width, ops[i].op.size());
    std::cout << "op time per run (" << runs << " profiled runs, " << fixed(op_total, 3)
              << " ms in nodes)\n";
    for (std::size_t i = 0; i < shown; ++i) {
      std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << ops[i].op
                << std::right << "  " << std::setw(10) << fixed(ops[i].ms_per_run, 3) << " ms  "
                << std::setw(5)
                << fixed(op_total > 0 ? 100.0 * ops[i].ms_per_run / op_total : 0.0, 1) << " %  "
                << ops[i].nodes << (ops[i].nodes == 1 ? " node\n" : " nodes\n");
    }
    if (shown < ops.size())
      std::cout << "  (" << ops.size() - shown << " more op types; --top 0 lists all)\n";
  }
  return 0;
}

}  // namespace

const Command& bench_command() {
  static const Command command{
      "bench",
      "MODEL [--batch B] [--dim NAME=V]... [--threads T] [--warmup W] [--runs R] [--profile] "
      "[--json]",
      "Measure how fast a model runs on the CPU",
      "Creates a session (graph optimizations at --optimize, default 1), feeds\n"
      "random inputs of the declared types (symbolic dims: --dim NAME=V, the\n"
      "first dim --batch B, others 1), runs W warmup runs, then times R runs.\n"
      "Prints load and session-creation time, latency (min, median, p90, mean),\n"
      "and peak memory (ru_maxrss); --profile times every node in R more runs\n"
      "and prints the time per op type.",
      kOptions,
      1,
      1,
      bench,
  };
  return command;
}

}  // namespace onnxkit::cli
