// libFuzzer target for the wire-format reader: any bytes either parse or give
// onnxkit::Error; what parses is written back and must parse again.
// Build: CC=clang CXX=clang++ cmake -B build-fuzz -DONNXKIT_FUZZ=ON && ninja -C build-fuzz
// fuzz_reader Run:   build-fuzz/fuzz_reader tests/fuzz/corpus -max_total_time=60

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onnxkit;
  proto::ReadOptions options;
  options.load_external_data = false;
  std::string written;
  try {
    const ir::Model model = proto::read_model(
        Buffer::owned(std::string_view(reinterpret_cast<const char*>(data), size)), options);
    written = proto::write_model(model);
  } catch (const Error&) {
    return 0;
  }
  // What we wrote must read again, and write the same bytes (a fixed point).
  try {
    const ir::Model again = proto::read_model(Buffer::owned(written), options);
    if (!written.empty() && proto::write_model(again) != written) std::abort();
  } catch (const Error&) {
    // An empty model writes zero bytes, which read_model refuses as an empty file.
    if (!written.empty()) std::abort();
  }
  return 0;
}
