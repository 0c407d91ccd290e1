// `onnxkit convert IN OUT [...]`: between binary .onnx and the text syntax, and
// between inline weights and external data.

#include <array>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/huge_page_heap.h"
#include "cli/model_files.h"
#include "onnxkit/proto/transcode.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"external-data", 0, "FILE",
               "Write tensors of at least --size-threshold bytes to FILE, next to OUT"},
    OptionSpec{"size-threshold", 0, "BYTES",
               "Smallest tensor moved to --external-data (default 1024)"},
    OptionSpec{"inline-external-data", 0, "", "Write every tensor inline"},
    OptionSpec{"via-ir", 0, "",
               "Binary to binary through the in-memory model (same result, slower)"},
};

proto::WriteOptions write_options(const ParsedArgs& args, const std::filesystem::path& out) {
  proto::WriteOptions options;
  const auto external = args.value("external-data");
  const auto threshold = args.value("size-threshold");
  const bool inline_all = args.has("inline-external-data");
  if (has_text_extension(out) && (external || threshold || inline_all)) {
    throw UsageError(
        "--external-data, --size-threshold and --inline-external-data apply to "
        "binary output only; the text syntax always holds every weight");
  }
  if (external && inline_all) {
    throw UsageError("--external-data and --inline-external-data exclude each other");
  }
  if (threshold && !external) throw UsageError("--size-threshold needs --external-data");
  if (inline_all) options.external_data = proto::WriteOptions::ExternalData::kInline;
  if (external) {
    const std::filesystem::path file(*external);
    if (file.empty() || file.is_absolute() || !file.has_filename()) {
      throw UsageError("--external-data takes a file name relative to OUT's folder, not '" +
                       *external + "'");
    }
    options.external_data = proto::WriteOptions::ExternalData::kOneFile;
    options.external_file = *external;
  }
  if (threshold) options.size_threshold = parse_uint64(*threshold, "--size-threshold");
  return options;
}

int run(const ParsedArgs& args) {
  const std::filesystem::path in = args.positionals[0];
  const std::filesystem::path out = args.positionals[1];
  const proto::WriteOptions options = write_options(args, out);  // usage errors before any work
  if (!args.has("via-ir") && !has_text_extension(out)) {
    use_huge_pages_for_model(require_model_file(in));
    if (detect_model_format(in) == ModelFormat::kBinary) {
      // Binary to binary: streamed on the wire bytes, never building the IR.
      proto::transcode_model_file(in, out, options);
      return 0;
    }
  }
  auto model = std::make_shared<ir::Model>(load_model(in));
  save_model(*model, out, options);
  keep_until_exit(std::move(model));
  return 0;
}

}  // namespace

const Command& convert_command() {
  static const Command command{
      "convert",
      "IN OUT [--external-data FILE [--size-threshold BYTES] | --inline-external-data]",
      "Convert between binary .onnx and the text syntax; move weights to or from external data",
      "IN and OUT are each a binary .onnx file or the ONNX text syntax (.txt or\n"
      ".onnxtxt; IN is also recognised by its content). Text output holds every\n"
      "weight. For binary output, tensors stay where they were unless\n"
      "--external-data or --inline-external-data says otherwise. OUT is written to\n"
      "a temporary file and renamed, so a failure leaves no half-written model.\n"
      "Binary to binary streams the model without reading it into memory: only\n"
      "the tensors that move are re-encoded, weights are copied file to file, and\n"
      "an external data file already in place next to OUT is left as it is.",
      kOptions,
      2,
      2,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
