# bench/custom_op_overhead.cpp: the custom-op overhead benchmark
# (build/onnxkit_custom_op_bench; bench/custom_op_overhead.py runs it).
add_executable(onnxkit_custom_op_bench ${PROJECT_SOURCE_DIR}/bench/custom_op_overhead.cpp)
target_link_libraries(onnxkit_custom_op_bench PRIVATE onnxkit_runtime)
set_target_properties(onnxkit_custom_op_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
add_dependencies(onnxkit_custom_op_bench devtech_ops)
