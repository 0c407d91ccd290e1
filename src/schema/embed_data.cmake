# Compiles src/schema/data/*.json into onnxkit_schema, so that the installed
# library and binary need no data files.
#
# Included from the top-level CMakeLists.txt after onnxkit_layer(schema ...): adds
# a build step that writes ${CMAKE_CURRENT_BINARY_DIR}/onnxkit_schema_data.cpp
# (the definition of detail::embedded_schema_documents(), src/schema/builtin_data.h)
# whenever a data file changes. That step runs this same file in script mode:
#   cmake -DOUT=<file.cpp> -DDATA_DIR=<src/schema/data> -P embed_data.cmake

if(CMAKE_SCRIPT_MODE_FILE)
  file(GLOB docs RELATIVE ${DATA_DIR} ${DATA_DIR}/*.json)
  list(SORT docs)
  set(delim "schema_json")  # raw-string delimiters have at most 16 characters
  set(piece_size 4000)
  set(body "")
  set(table "")
  set(n 0)
  foreach(doc ${docs})
    file(READ ${DATA_DIR}/${doc} text)
    string(FIND "${text}" ")${delim}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${doc} contains the raw-string delimiter )${delim}\"")
    endif()
    string(LENGTH "${text}" len)
    string(APPEND body "constexpr std::string_view kDoc${n}[] = {\n")
    set(pos 0)
    while(pos LESS len)
      string(SUBSTRING "${text}" ${pos} ${piece_size} piece)
      string(APPEND body "R\"${delim}(${piece})${delim}\",\n")
      math(EXPR pos "${pos} + ${piece_size}")
    endwhile()
    string(APPEND body "};\n\n")
    string(APPEND table "    {\"${doc}\", kDoc${n}},\n")
    math(EXPR n "${n} + 1")
  endforeach()
  file(WRITE ${OUT}.tmp
"// Written by src/schema/embed_data.cmake from src/schema/data/*.json. Do not edit.
#include \"schema/builtin_data.h\"

namespace onnxkit::schema::detail {
namespace {

${body}constexpr EmbeddedDocument kDocuments[] = {
${table}};

}  // namespace

std::span<const EmbeddedDocument> embedded_schema_documents() { return kDocuments; }

}  // namespace onnxkit::schema::detail
")
  # Only touch the output when it changes, so an unchanged rerun recompiles nothing.
  file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
  file(REMOVE ${OUT}.tmp)
  return()
endif()

set(_schema_data_dir ${PROJECT_SOURCE_DIR}/src/schema/data)
file(GLOB _schema_data_files CONFIGURE_DEPENDS ${_schema_data_dir}/*.json)
set(_schema_data_cpp ${CMAKE_CURRENT_BINARY_DIR}/onnxkit_schema_data.cpp)
add_custom_command(
  OUTPUT ${_schema_data_cpp}
  COMMAND ${CMAKE_COMMAND} -DOUT=${_schema_data_cpp} -DDATA_DIR=${_schema_data_dir}
          -P ${PROJECT_SOURCE_DIR}/src/schema/embed_data.cmake
  DEPENDS ${_schema_data_files} ${PROJECT_SOURCE_DIR}/src/schema/embed_data.cmake
  COMMENT "Embedding the operator schemas (src/schema/data/*.json)"
  VERBATIM)
target_sources(onnxkit_schema PRIVATE ${_schema_data_cpp})

# The built-in schemas are parsed at first use; keep that fast in Debug builds too
# (about 20 ms of CPU, against some 200 ms for nlohmann::json without optimisation).
set_source_files_properties(
  ${PROJECT_SOURCE_DIR}/src/schema/schema_json.cpp
  ${PROJECT_SOURCE_DIR}/src/schema/registry.cpp
  ${PROJECT_SOURCE_DIR}/src/schema/op_schema.cpp
  TARGET_DIRECTORY onnxkit_schema
  PROPERTIES COMPILE_OPTIONS "-O2")
