// `onnxkit view MODEL [--html OUT] [--serve [--port P]]`: the graph viewer as
// one self-contained HTML page, written to a file or served on 127.0.0.1.

#include <array>
#include <iostream>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "cli/view_server.h"
#include "onnxkit/core/error.h"
#include "onnxkit/view/page.h"

namespace onnxkit::cli {
namespace {

constexpr std::array kOptions{
    OptionSpec{"html", 'o', "OUT", "Write the page to OUT (default: MODEL with .html)"},
    OptionSpec{"serve", 0, "", "Serve the page on 127.0.0.1 with editing, instead of writing it"},
    OptionSpec{"port", 0, "P", "Port for --serve (default 0: any free port)"},
    OptionSpec{"save-dir", 0, "DIR",
               "Folder where --serve saves edited models (default: MODEL's folder)"},
    OptionSpec{"op-schemas", 0, "FILE", "Read custom operator schemas (JSON) from FILE", true},
};

int run(const ParsedArgs& args) {
  static schema::SchemaRegistry registry = schema::SchemaRegistry::with_onnx();
  for (const auto& [name, value] : args.options) {
    if (name == "op-schemas") registry.add_json_file(value);
  }
  const std::filesystem::path input = args.positionals[0];
  if (args.has("serve")) {
    if (args.has("html")) throw UsageError("--html and --serve exclude each other");
    ServeOptions options;
    options.port =
        args.has("port") ? static_cast<int>(parse_uint64(*args.value("port"), "--port")) : 0;
    if (options.port > 65535) throw UsageError("--port must be at most 65535");
    options.save_dir = args.has("save-dir") ? std::filesystem::path(*args.value("save-dir"))
                                            : std::filesystem::absolute(input).parent_path();
    options.registry = &registry;
    return serve_model_from_module(input, options);
  }
  if (args.has("port") || args.has("save-dir"))
    throw UsageError("--port and --save-dir need --serve");
  auto model = std::make_shared<ir::Model>(load_model(input));
  keep_until_exit(model);
  view::ViewOptions options;
  options.registry = &registry;
  const std::string page =
      view::render_page(view::model_view_json(*model, options), input.filename().string());
  std::filesystem::path out = args.has("html")
                                  ? std::filesystem::path(*args.value("html"))
                                  : std::filesystem::path(input).replace_extension(".html");
  write_file_atomically(out, page);
  std::cout << "wrote " << out.string() << "\n";
  return 0;
}

}  // namespace

const Command& view_command() {
  static const Command command{
      "view",
      "MODEL [--html OUT | --serve [--port P] [--save-dir DIR]] [--op-schemas FILE]",
      "Show the model's graph in a browser",
      "Writes one self-contained HTML page (no network access): the graph laid\n"
      "out natively (layered), inferred shapes on edges, FLOPs and parameters per\n"
      "node, weights with statistics, If/Loop/Scan bodies, find, SVG/PNG export.\n"
      "With --serve the page is served on 127.0.0.1 only (the URL is printed) and\n"
      "can bypass, remove and rename nodes, set input shapes, and save the result\n"
      "as a new model in the save folder; it never overwrites without asking.",
      kOptions,
      1,
      1,
      run,
  };
  return command;
}

}  // namespace onnxkit::cli
