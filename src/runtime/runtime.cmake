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
