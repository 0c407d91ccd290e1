// Test-only tool: reads lines "KIND IN OUT" from stdin (KIND = model | tensor |
// sequence | optional | map | sparse), reads IN with the proto reader and writes OUT
// with the writer, and prints "ok" or "error: ..." per line. Lets
// tests/python/test_roundtrip.py round-trip thousands of files in one process.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "onnxkit/core/error.h"
#include "onnxkit/core/mapped_file.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"

namespace {

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw onnxkit::Error(path.string(), "cannot write");
}

onnxkit::Buffer map_file(const std::filesystem::path& path) {
  auto file = onnxkit::MappedFile::open(path);
  return onnxkit::Buffer::view(file, file->bytes());
}

void roundtrip(const std::string& kind, const std::filesystem::path& in,
               const std::filesystem::path& out) {
  using onnxkit::ir::ValueData;
  namespace proto = onnxkit::proto;
  if (kind == "model") {
    proto::write_model_file(proto::read_model_file(in), out);
  } else if (kind == "tensor") {
    write_bytes(out, proto::write_tensor(proto::read_tensor_file(in)));
  } else if (kind == "sequence" || kind == "optional" || kind == "map" || kind == "sparse") {
    const ValueData::Kind k = kind == "sequence" ? ValueData::Kind::kSequence
                              : kind == "map"    ? ValueData::Kind::kMap
                              : kind == "sparse" ? ValueData::Kind::kSparseTensor
                                                 : ValueData::Kind::kOptional;
    write_bytes(out, proto::write_value(proto::read_value(map_file(in), k)));
  } else {
    throw onnxkit::Error("unknown kind '" + kind + "'");
  }
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream fields(line);
    std::string kind, in, out;
    if (!(fields >> kind >> in >> out)) {
      std::cout << "error: expected 'KIND IN OUT'" << std::endl;
      continue;
    }
    try {
      roundtrip(kind, in, out);
      std::cout << "ok" << std::endl;
    } catch (const std::exception& e) {
      std::cout << "error: " << e.what() << std::endl;
    }
  }
  return 0;
}
