// Test-only tool: reads lines "MODE THRESHOLD IN TC_OUT IR_OUT" from stdin
// (MODE = keep | inline | onefile; onefile writes to "x.bin" next to each
// output), writes IN to TC_OUT with proto::transcode_model_file and to IR_OUT
// through the IR (read_model_file + write_model_file), and prints one line
// per job: "ok", or "error: <tc error> | <ir error>" when either failed. Lets
// tests/python/test_transcode.py compare thousands of models in one process.

#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/transcode.h"
#include "onnxkit/proto/writer.h"

namespace {

template <typename Fn>
std::string attempt(Fn&& fn) {
  try {
    fn();
    return {};
  } catch (const onnxkit::Error& e) {
    return e.location() + ": " + e.message();
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace

int main() {
  namespace proto = onnxkit::proto;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream fields(line);
    std::string mode, in, tc, ir;
    std::uint64_t threshold = 0;
    if (!(fields >> mode >> threshold >> in >> tc >> ir)) {
      std::cout << "error: expected 'MODE THRESHOLD IN TC_OUT IR_OUT'" << std::endl;
      continue;
    }
    proto::WriteOptions options;
    if (mode == "inline") options.external_data = proto::WriteOptions::ExternalData::kInline;
    if (mode == "onefile") {
      options.external_data = proto::WriteOptions::ExternalData::kOneFile;
      options.external_file = "x.bin";
      options.size_threshold = threshold;
    }
    std::filesystem::create_directories(std::filesystem::path(tc).parent_path());
    std::filesystem::create_directories(std::filesystem::path(ir).parent_path());
    const std::string tc_error = attempt([&] { proto::transcode_model_file(in, tc, options); });
    const std::string ir_error =
        attempt([&] { proto::write_model_file(proto::read_model_file(in), ir, options); });
    if (tc_error.empty() && ir_error.empty()) {
      std::cout << "ok" << std::endl;
    } else {
      std::cout << "error: " << tc_error << " | " << ir_error << std::endl;
    }
  }
  return 0;
}
