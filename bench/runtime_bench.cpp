// onnxkit_runtime_bench: times one model on onnxkit's runtime and prints one
// JSON line, for bench/runtime_vs_ort.py (the ONNX Runtime side is
// bench/ort/ort_bench.js, which prints the same fields).
//
//   onnxkit_runtime_bench MODEL [--batch B] [--dim NAME=V]... [--threads T]
//                         [--warmup W] [--runs R] [--reference]
//
// Inputs are random normal floats (integers: zeros); a symbolic first dim is
// the batch B (default 1), other symbolic dims come from --dim (default 1).
// Fields: create_ms (session creation, model already read), load_ms (reading
// the file), median_ms / min_ms / p90_ms of the runs, cpu_ms_per_run (CPU
// time of all threads over the timed runs / runs: on a shared machine the
// wall time also counts waiting for a core), peak_rss_kb (the process's,
// model and session included).

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/runtime/session.h"

using namespace onnxkit;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// CPU time of the whole process (every thread), in ms.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

runtime::Value random_input(const runtime::ValueInfo& info, std::int64_t batch,
                            const std::map<std::string, std::int64_t>& dims, std::mt19937_64& rng) {
  if (!info.shape) throw Error("input '" + info.name + "'", "has no declared shape");
  runtime::Dims d;
  for (std::size_t i = 0; i < info.shape->size(); ++i) {
    const Dim& dim = (*info.shape)[i];
    if (dim.is_value()) {
      d.push_back(dim.value);
    } else if (auto it = dims.find(dim.param); dim.is_param() && it != dims.end()) {
      d.push_back(it->second);
    } else {
      d.push_back(i == 0 ? batch : 1);
    }
  }
  runtime::Value v = runtime::Value::tensor(info.dtype, d);
  if (info.dtype == DataType::kFloat) {
    std::normal_distribution<float> normal;
    for (float& x : v.mutable_span<float>()) x = normal(rng);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  std::int64_t batch = 1;
  int threads = 1, warmup = 3, runs = 20;
  bool reference = false;
  std::map<std::string, std::int64_t> dims;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--batch")
      batch = std::stoll(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--warmup")
      warmup = std::stoi(next());
    else if (a == "--runs")
      runs = std::stoi(next());
    else if (a == "--reference")
      reference = true;
    else if (a == "--dim") {
      const std::string v = next();
      const auto eq = v.find('=');
      if (eq == std::string::npos) {
        std::cerr << "--dim takes NAME=V\n";
        return 2;
      }
      dims[v.substr(0, eq)] = std::stoll(v.substr(eq + 1));
    } else if (!a.empty() && a[0] != '-' && path.empty())
      path = a;
    else {
      std::cerr << "usage: onnxkit_runtime_bench MODEL [--batch B] [--dim NAME=V]... [--threads T] "
                   "[--warmup W] "
                   "[--runs R] [--reference]\n";
      return 2;
    }
  }
  if (path.empty() || runs < 1) {
    std::cerr << "usage: onnxkit_runtime_bench MODEL [options]\n";
    return 2;
  }
  try {
    auto t0 = Clock::now();
    const ir::Model model = proto::read_model_file(path);
    const double load_ms = ms_since(t0);
    runtime::SessionOptions options;
    options.threads = threads;
    options.reference_kernels = reference;
    t0 = Clock::now();
    const runtime::Session session(model, options);
    const double create_ms = ms_since(t0);
    std::mt19937_64 rng(0);
    runtime::NamedValues feeds;
    for (const auto& in : session.inputs())
      feeds.emplace_back(in.name, random_input(in, batch, dims, rng));
    for (int i = 0; i < warmup; ++i) session.run(feeds);
    std::vector<double> times;
    const double cpu0 = cpu_ms();
    for (int i = 0; i < runs; ++i) {
      t0 = Clock::now();
      session.run(feeds);
      times.push_back(ms_since(t0));
    }
    const double cpu_per_run = (cpu_ms() - cpu0) / runs;
    std::sort(times.begin(), times.end());
    const auto at = [&](double q) {
      return times[static_cast<std::size_t>(q * static_cast<double>(times.size() - 1) + 0.5)];
    };
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf(
        "{\"engine\": \"onnxkit%s\", \"batch\": %lld, \"threads\": %d, \"load_ms\": %.3f, "
        "\"create_ms\": %.3f, "
        "\"median_ms\": %.3f, \"min_ms\": %.3f, \"p90_ms\": %.3f, \"cpu_ms_per_run\": %.3f, "
        "\"runs\": %d, \"peak_rss_kb\": "
        "%ld}\n",
        reference ? "-reference" : "", static_cast<long long>(batch), threads, load_ms, create_ms,
        at(0.5), times.front(), at(0.9), cpu_per_run, runs, usage.ru_maxrss);
  } catch (const Error& e) {
    std::cerr << "onnxkit_runtime_bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
