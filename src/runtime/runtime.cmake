# The runtime layer (docs/ARCHITECTURE.md, "Runtime"). Included from the
# top-level CMakeLists.txt after the CLI target: onnxkit_layer() globs
# src/runtime/*.cpp (session, registry, kernels); the reference math lives in
# src/runtime/reference/*.cpp and is added here, and the CLI links the layer.
onnxkit_layer(runtime DEPS onnxkit_infer onnxkit_schema onnxkit_proto)
file(GLOB runtime_reference_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/runtime/reference/*.cpp)
target_sources(onnxkit_runtime PRIVATE ${runtime_reference_srcs})
target_link_libraries(onnxkit_runtime PUBLIC ${CMAKE_DL_LIBS})  # plug-in libraries (plugin_loader.cpp)
# The passes layer sits on the runtime (constant folding evaluates through it).
onnxkit_layer(passes DEPS onnxkit_runtime)
if(TARGET onnxkit)
  target_link_libraries(onnxkit PRIVATE onnxkit_runtime onnxkit_passes)
endif()

# The fast CPU provider (src/runtime/fast/): oneDNN from Debian (libdnnl-dev)
# for Conv, MatMul, Gemm and pools. Debian builds oneDNN on OpenMP, so the
# kernels set OpenMP's thread count from SessionOptions::threads. oneDNN is
# not linked: fast/onednn_loader.cpp loads it (and its OpenMP) on first use,
# so that programs that never run a kernel (`import onnxkit`, `onnxkit edit`)
# do not carry it. Only its headers are needed at build time.
file(GLOB runtime_fast_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/runtime/fast/*.cpp)
target_sources(onnxkit_runtime PRIVATE ${runtime_fast_srcs})
find_path(DNNL_INCLUDE_DIR NAMES dnnl.hpp REQUIRED)
target_include_directories(onnxkit_runtime SYSTEM PRIVATE ${DNNL_INCLUDE_DIR})
if(ONNXKIT_SANITIZE)
  # LeakSanitizer's scan at exit crashes when oneDNN and its OpenMP came in by
  # dlopen; sanitizer builds load it at start instead (the forwarders then
  # find it already loaded).
  find_library(DNNL_LIBRARY NAMES dnnl REQUIRED)
  target_link_libraries(onnxkit_runtime PUBLIC -Wl,--no-as-needed ${DNNL_LIBRARY})
endif()

# bench/runtime_bench.cpp: one model's latency on the runtime, as JSON, for
# bench/runtime_vs_ort.py.
add_executable(onnxkit_runtime_bench ${PROJECT_SOURCE_DIR}/bench/runtime_bench.cpp)
target_link_libraries(onnxkit_runtime_bench PRIVATE onnxkit_runtime)
