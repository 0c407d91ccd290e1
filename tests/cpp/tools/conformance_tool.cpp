// Test-only tool for tests/python/test_conformance.py: runs ONNX backend test
// cases (ROOT/<suite>/<case>/model.onnx with test_data_set_0/) through
// runtime::Session and compares the outputs with the expected .pb files.
//
//   onnxkit_conformance ROOT [--timeout SECONDS] [--filter SUBSTRING]
//
// Each case runs in a forked child with an alarm, so a crash or a hang is
// reported and the run goes on. One line per case on stdout:
//   <suite>/<case> TAB pass|fail|error|timeout|crash TAB detail
// Inputs and outputs may be tensors, sequences or optionals (the declared
// type of the graph input or output says which .pb message a file holds).
// Floats compare with rtol 1e-3, atol 1e-5 (NaN equals NaN); everything else
// exactly. Cases whose outputs are random (test_bernoulli*,
// test_training_dropout* other than *zero_ratio*) are checked for element
// type and shape only, and say so in the detail.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"
#include "runtime/reference/half.h"

namespace fs = std::filesystem;
using namespace onnxkit;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-5;

bool random_output_case(const std::string& name) {
  if (name.starts_with("test_bernoulli")) return true;
  return name.starts_with("test_training_dropout") && name.find("zero_ratio") == std::string::npos;
}

double as_double(const runtime::Value& v, std::size_t i) {
  switch (v.dtype()) {
    case DataType::kFloat:
      return v.span<float>()[i];
    case DataType::kDouble:
      return v.span<double>()[i];
    case DataType::kFloat16:
      return static_cast<float>(v.span<runtime::reference::Float16>()[i]);
    case DataType::kBfloat16:
      return static_cast<float>(v.span<runtime::reference::BFloat16>()[i]);
    default:
      return 0;
  }
}

bool is_float(DataType t) {
  return t == DataType::kFloat || t == DataType::kDouble || t == DataType::kFloat16 ||
         t == DataType::kBfloat16;
}

std::string compare(const runtime::Value& got, const runtime::Value& want, bool shape_only);

/// compare() for sequences and optionals: kinds, lengths, then each item.
std::string compare_items(const runtime::Value& got, const runtime::Value& want, bool shape_only) {
  if (got.kind() != want.kind() || got.items().size() != want.items().size() ||
      (got.is_optional() && got.has_element() != want.has_element())) {
    return "got " + got.describe() + ", expected " + want.describe();
  }
  // An empty sequence carries no element type on the wire: only its length counts.
  for (std::size_t i = 0; i < want.items().size(); ++i) {
    const std::string diff = compare(got.items()[i], want.items()[i], shape_only);
    if (!diff.empty())
      return (got.is_sequence() ? "item " + std::to_string(i) + ": " : "element: ") + diff;
  }
  return {};
}

/// Empty when `got` matches `want`, else what differs.
std::string compare(const runtime::Value& got, const runtime::Value& want, bool shape_only) {
  if (!got) return "no value";
  if (!want.is_tensor() || !got.is_tensor()) return compare_items(got, want, shape_only);
  if (got.dtype() != want.dtype() || got.dims() != want.dims()) {
    return "got " + got.describe() + ", expected " + want.describe();
  }
  if (shape_only) return {};
  if (want.dtype() == DataType::kString) {
    auto a = got.string_data(), b = want.string_data();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i])
        return "element " + std::to_string(i) + ": '" + a[i] + "' != '" + b[i] + "'";
    }
    return {};
  }
  if (is_float(want.dtype())) {
    std::size_t bad = 0, first = 0;
    double worst = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(want.size()); ++i) {
      const double a = as_double(got, i), b = as_double(want, i);
      if (std::isnan(a) && std::isnan(b)) continue;
      if (a == b) continue;
      const double err = std::abs(a - b);
      if (!(err <= kAtol + kRtol * std::abs(b))) {
        if (bad++ == 0) first = i;
        worst = std::max(worst, std::isnan(err) ? INFINITY : err);
      }
    }
    if (bad == 0) return {};
    std::ostringstream s;
    s << bad << " of " << want.size() << " elements differ (first at " << first << ": "
      << as_double(got, first) << " vs " << as_double(want, first) << "; max abs error " << worst
      << ")";
    return s.str();
  }
  if (got.byte_size() != want.byte_size() ||
      std::memcmp(got.bytes().data(), want.bytes().data(), want.byte_size()) != 0) {
    return "elements differ";
  }
  return {};
}

/// Runs one case; returns "status\tdetail".
std::string run_case(const fs::path& dir) {
  const std::string name = dir.filename().string();
  try {
    const ir::Model model = proto::read_model_file(dir / "model.onnx");
    std::vector<const ir::Tensor*> inputs;
    for (const ir::Tensor* t : model.graph->inputs()) {
      if (!t->is_constant()) inputs.push_back(t);
    }
    runtime::Session session(model);
    const fs::path data = dir / "test_data_set_0";
    runtime::NamedValues feeds;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const fs::path p = data / ("input_" + std::to_string(i) + ".pb");
      if (!fs::exists(p)) continue;  // an optional input left out
      const runtime::ValueInfo& info = session.inputs()[i];
      feeds.emplace_back(inputs[i]->name(), runtime::read_value_file(p, info.kind, info.dtype));
    }
    const runtime::NamedValues outputs = session.run(feeds);
    const bool shape_only = random_output_case(name);
    for (std::size_t j = 0; j < outputs.size(); ++j) {
      const fs::path p = data / ("output_" + std::to_string(j) + ".pb");
      if (!fs::exists(p)) continue;
      const runtime::ValueInfo& info = session.outputs()[j];
      const runtime::Value want = runtime::read_value_file(p, info.kind, info.dtype);
      const std::string diff = compare(outputs[j].second, want, shape_only);
      if (!diff.empty()) return "fail\toutput '" + outputs[j].first + "': " + diff;
    }
    return shape_only ? "pass\trandom output: element type and shape checked" : "pass\t";
  } catch (const Error& e) {
    return "error\t" + (e.location().empty() ? e.message() : e.location() + ": " + e.message());
  } catch (const std::exception& e) {
    return std::string("error\t") + e.what();
  }
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 1500) s.resize(1500);
  return s;
}

std::string run_forked(const fs::path& dir, unsigned timeout) {
  int fds[2];
  if (pipe(fds) != 0) return "error\tpipe failed";
  std::cout.flush();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(timeout);
    const std::string line = one_line(run_case(dir));
    const ssize_t w = write(fds[1], line.data(), line.size());
    (void)w;
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGALRM)
      return "timeout\tno result after " + std::to_string(timeout) + " s";
    return "crash\tsignal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  if (out.empty())
    return "crash\tthe child exited with status " + std::to_string(WEXITSTATUS(status));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: onnxkit_conformance ROOT [--timeout SECONDS] [--filter SUBSTRING]\n";
    return 2;
  }
  const fs::path root = argv[1];
  unsigned timeout = 20;
  std::string filter;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string opt = argv[i];
    if (opt == "--timeout")
      timeout = static_cast<unsigned>(std::stoul(argv[i + 1]));
    else if (opt == "--filter")
      filter = argv[i + 1];
  }
  std::vector<fs::path> cases;
  for (const auto& suite : fs::directory_iterator(root)) {
    if (!suite.is_directory()) continue;
    for (const auto& c : fs::directory_iterator(suite.path())) {
      if (fs::exists(c.path() / "model.onnx")) cases.push_back(c.path());
    }
  }
  std::sort(cases.begin(), cases.end());
  for (const fs::path& c : cases) {
    const std::string id = c.parent_path().filename().string() + "/" + c.filename().string();
    if (!filter.empty() && id.find(filter) == std::string::npos) continue;
    std::string result = run_forked(c, timeout);
    if (result.find('\t') == std::string::npos) result += '\t';
    std::cout << id << '\t' << result << '\n';
  }
  std::cout.flush();
  return 0;
}
