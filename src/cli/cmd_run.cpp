// `onnxkit run MODEL [--input NAME=FILE|random]... [--output-dir DIR]
// [--compare-to DIR --rtol R --atol A]`: runs a model on the CPU.

#include <array>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "cli/commands.h"
#include "cli/custom_ops_option.h"
#include "cli/model_files.h"
#include "cli/random_inputs.h"
#include "onnxkit/core/error.h"
#include "onnxkit/passes/pass_manager.h"
#include "onnxkit/passes/session_factory.h"
#include "onnxkit/runtime/session.h"
#include "onnxkit/runtime/tensor_io.h"
#include "runtime/reference/half.h"

namespace onnxkit::cli {
namespace {

namespace fs = std::filesystem;
using runtime::Value;

constexpr std::array kOptions{
    OptionSpec{"input", 'i', "NAME=FILE",
               "Input NAME from a .npy or TensorProto .pb file, or 'random'", true},
    OptionSpec{"dim", 0, "NAME=VALUE", "Value of a symbolic dim for random inputs (default 1)",
               true},
    OptionSpec{"output-dir", 'o', "DIR",
               "Write each output to DIR/NAME.npy (a sequence or optional: NAME.pb)"},
    OptionSpec{"compare-to", 0, "DIR", "Compare outputs with DIR/NAME.npy or DIR/output_J.pb"},
    OptionSpec{"rtol", 0, "R", "Relative tolerance of --compare-to (default 1e-3)"},
    OptionSpec{"atol", 0, "A", "Absolute tolerance of --compare-to (default 1e-5)"},
    OptionSpec{"threads", 0, "T", "Intra-op threads (default 1; 0: all cores)"},
    OptionSpec{"seed", 0, "S", "Seed of random inputs (default 0)"},
    OptionSpec{"optimize", 'O', "LEVEL", "Graph optimizations: 0 none, 1 basic (default 1)"},
    kCustomOpsOption,
};

double parse_double(const std::string& text, std::string_view what) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(std::string(what) + " must be a number, got '" + text + "'");
}

std::string file_name_for(const std::string& name) {
  std::string s = name.empty() ? std::string("output") : name;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return s;
}

double element(const Value& v, std::size_t i) {
  using runtime::reference::BFloat16;
  using runtime::reference::Float16;
  switch (v.dtype()) {
    case DataType::kFloat:
      return v.span<float>()[i];
    case DataType::kDouble:
      return v.span<double>()[i];
    case DataType::kFloat16:
      return static_cast<float>(v.span<Float16>()[i]);
    case DataType::kBfloat16:
      return static_cast<float>(v.span<BFloat16>()[i]);
    case DataType::kBool:
      return v.span<bool>()[i] ? 1 : 0;
    case DataType::kInt8:
      return v.span<std::int8_t>()[i];
    case DataType::kInt16:
      return v.span<std::int16_t>()[i];
    case DataType::kInt32:
      return v.span<std::int32_t>()[i];
    case DataType::kInt64:
      return static_cast<double>(v.span<std::int64_t>()[i]);
    case DataType::kUint8:
      return v.span<std::uint8_t>()[i];
    case DataType::kUint16:
      return v.span<std::uint16_t>()[i];
    case DataType::kUint32:
      return v.span<std::uint32_t>()[i];
    case DataType::kUint64:
      return static_cast<double>(v.span<std::uint64_t>()[i]);
    default:
      fail("", "cannot compare elements of " + v.describe());
  }
}

/// Prints the worst error of `got` against `want`; returns true when within tolerance.
bool compare(const std::string& name, const Value& got, const Value& want, double rtol,
             double atol) {
  std::cout << name << ": ";
  if (got.dims() != want.dims()) {
    std::cout << "shape " << runtime::dims_to_string(got.dims()) << " != expected "
              << runtime::dims_to_string(want.dims()) << "  MISMATCH\n";
    return false;
  }
  double max_abs = 0, max_rel = 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(got.size()); ++i) {
    const double a = element(got, i), b = element(want, i);
    if (std::isnan(a) && std::isnan(b)) continue;
    const double err = std::abs(a - b);
    if (std::isnan(err)) {
      ++bad;
      max_abs = max_rel = INFINITY;
      continue;
    }
    max_abs = std::max(max_abs, err);
    if (b != 0) max_rel = std::max(max_rel, err / std::abs(b));
    if (err > atol + rtol * std::abs(b)) ++bad;
  }
  std::cout << "max abs error " << max_abs << ", max rel error " << max_rel;
  if (got.dtype() != want.dtype())
    std::cout << " (" << data_type_name(got.dtype()) << " vs " << data_type_name(want.dtype())
              << ")";
  std::cout << (bad ? "  MISMATCH (" + std::to_string(bad) + " elements)\n" : "  ok\n");
  return bad == 0;
}

/// compare() through sequences and optionals: "name[i]" per item.
bool compare_value(const std::string& name, const Value& got, const Value& want, double rtol,
                   double atol) {
  if (got.is_tensor() && want.is_tensor()) return compare(name, got, want, rtol, atol);
  if (got.kind() != want.kind() || got.items().size() != want.items().size()) {
    std::cout << name << ": " << got.describe() << " != expected " << want.describe()
              << "  MISMATCH\n";
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < got.items().size(); ++i) {
    ok = compare_value(name + "[" + std::to_string(i) + "]", got.items()[i], want.items()[i], rtol,
                       atol) &&
         ok;
  }
  if (got.items().empty()) std::cout << name << ": " << got.describe() << "  ok\n";
  return ok;
}

int run(const ParsedArgs& args) {
  const fs::path model_path = args.positionals[0];
  const ir::Model model = load_model(model_path);
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
  const std::unique_ptr<runtime::Session> session_owner = passes::make_session(model, options);
  const runtime::Session& session = *session_owner;

  DimValues dims;
  std::vector<std::pair<std::string, std::string>> specs;
  for (const auto& [opt, value] : args.options) {
    const auto eq = value.find('=');
    if (opt == "dim") {
      if (eq == std::string::npos) throw UsageError("--dim takes NAME=VALUE, got '" + value + "'");
      dims[value.substr(0, eq)] =
          static_cast<std::int64_t>(parse_uint64(value.substr(eq + 1), "--dim"));
    } else if (opt == "input") {
      if (eq == std::string::npos) {
        if (session.inputs().size() != 1) {
          throw UsageError("--input takes NAME=FILE when the model has " +
                           std::to_string(session.inputs().size()) + " inputs");
        }
        specs.emplace_back(session.inputs()[0].name, value);
      } else {
        specs.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      }
    }
  }
  std::mt19937_64 rng(args.value("seed") ? parse_uint64(*args.value("seed"), "--seed") : 0);
  runtime::NamedValues feeds;
  for (const auto& [name, spec] : specs) {
    const runtime::ValueInfo* info = nullptr;
    for (const auto& i : session.inputs()) {
      if (i.name == name) info = &i;
    }
    if (info == nullptr) {
      std::string names;
      for (const auto& i : session.inputs()) names += (names.empty() ? "'" : ", '") + i.name + "'";
      throw UsageError("the model has no input '" + name + "' (inputs: " + names + ")");
    }
    feeds.emplace_back(name, spec == "random"
                                 ? random_value(*info, dims, rng)
                                 : runtime::read_value_file(spec, info->kind, info->dtype));
  }
  for (const auto& i : session.inputs()) {
    bool given = false;
    for (const auto& f : feeds) given = given || f.first == i.name;
    if (!given)
      throw UsageError("missing input '" + i.name + "'; give --input " + i.name + "=FILE or " +
                       i.name + "=random");
  }

  const runtime::NamedValues outputs = session.run(feeds);
  const auto out_dir = args.value("output-dir");
  if (out_dir) fs::create_directories(*out_dir);
  for (const auto& [name, value] : outputs) {
    std::cout << name << ": " << value.describe() << "\n";
    if (out_dir && value.is_tensor())
      runtime::write_npy(fs::path(*out_dir) / (file_name_for(name) + ".npy"), value);
    if (out_dir && !value.is_tensor())
      runtime::write_value_file(fs::path(*out_dir) / (file_name_for(name) + ".pb"), value);
  }
  if (auto ref = args.value("compare-to")) {
    const double rtol = args.value("rtol") ? parse_double(*args.value("rtol"), "--rtol") : 1e-3;
    const double atol = args.value("atol") ? parse_double(*args.value("atol"), "--atol") : 1e-5;
    bool ok = true;
    for (std::size_t j = 0; j < outputs.size(); ++j) {
      const auto& [name, value] = outputs[j];
      const runtime::ValueInfo& info = session.outputs()[j];
      fs::path p = fs::path(*ref) / (file_name_for(name) + (value.is_tensor() ? ".npy" : ".pb"));
      if (!fs::exists(p)) p = fs::path(*ref) / ("output_" + std::to_string(j) + ".pb");
      if (!fs::exists(p))
        fail(*ref, "no reference for output '" + name + "' (" + file_name_for(name) +
                       ".npy or output_" + std::to_string(j) + ".pb)");
      ok = compare_value(name, value, runtime::read_value_file(p, info.kind, info.dtype), rtol,
                         atol) &&
           ok;
    }
    if (!ok)
      fail(*ref,
           "outputs differ beyond rtol " + std::to_string(rtol) + ", atol " + std::to_string(atol));
  }
  return 0;
}

}  // namespace

const Command& run_command() {
  static const Command command{
      "run",
      "MODEL [--input NAME=FILE|random]... [--output-dir DIR] [--compare-to DIR] [--custom-ops "
      "LIB]...",
      "Run a model on the CPU",
      "Inputs come from .npy files, TensorProto .pb files (ONNX test data;\n"
      "SequenceProto/OptionalProto for sequence and optional inputs) or random\n"
      "values ('random'; symbolic dims are 1 unless --dim NAME=V). Prints each\n"
      "output's type and shape; --output-dir writes them as .npy (.pb), and\n"
      "--compare-to checks them against DIR/NAME.npy or DIR/output_J.pb and prints\n"
      "the worst error per output (exit status 1 on a mismatch). Custom ops get\n"
      "their kernels from plug-in libraries (--custom-ops, repeatable).",
      kOptions,
      1,
      1,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
