// Test-only tool: prints the built-in operator schemas (SchemaRegistry::onnx()) as
// one onnxkit-op-schemas JSON document, for tests/python/test_schema_crosscheck.py.
//
//   onnxkit_schema_dump            the document on stdout
//   onnxkit_schema_dump --time     also "load_ms N cpu_ms M" on stderr: the first-use parse
//                                  time, wall-clock and CPU
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>

#include "onnxkit/core/error.h"
#include "onnxkit/schema/registry.h"
#include "onnxkit/schema/schema_json.h"

int main(int argc, char** argv) {
  const bool timed = argc > 1 && std::strcmp(argv[1], "--time") == 0;
  try {
    const std::clock_t cpu_start = std::clock();
    const auto start = std::chrono::steady_clock::now();
    const onnxkit::schema::SchemaRegistry& registry = onnxkit::schema::SchemaRegistry::onnx();
    const auto stop = std::chrono::steady_clock::now();
    const std::clock_t cpu_stop = std::clock();
    std::cout << onnxkit::schema::schemas_to_json(registry.all());
    if (timed) {
      std::cerr << "load_ms " << std::chrono::duration<double, std::milli>(stop - start).count()
                << " cpu_ms " << 1000.0 * static_cast<double>(cpu_stop - cpu_start) / CLOCKS_PER_SEC
                << "\n";
    }
  } catch (const onnxkit::Error& e) {
    std::cerr << "onnxkit_schema_dump: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
