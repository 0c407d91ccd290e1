# Compiles text files into a library as raw string literals, so that the
# installed library and binary need no data files (the operator schemas, the
# viewer page). A build step runs this same file in script mode whenever a
# source changes:
#   cmake -DOUT=<file.cpp> -DDIR=<folder> -DPATTERNS=<*.js|*.css> -DHEADER=<x.h>
#         -DNAMESPACE=<ns> -DTYPE=<struct> -DFUNCTION=<name> -DDELIM=<id> -P embed_files.cmake
# The generated function returns std::span<const TYPE>, TYPE being
# {std::string_view name; std::span<const std::string_view> pieces;}.

if(CMAKE_SCRIPT_MODE_FILE)
  string(REPLACE "|" ";" patterns "${PATTERNS}")
  set(globs "")
  foreach(p ${patterns})
    list(APPEND globs ${DIR}/${p})
  endforeach()
  file(GLOB files RELATIVE ${DIR} ${globs})
  list(SORT files)
  set(piece_size 4000)  # raw-string literals stay far below compilers' limits
  set(body "")
  set(table "")
  set(n 0)
  foreach(f ${files})
    file(READ ${DIR}/${f} text)
    string(FIND "${text}" ")${DELIM}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${f} contains the raw-string delimiter )${DELIM}\"")
    endif()
    string(LENGTH "${text}" len)
    string(APPEND body "constexpr std::string_view kFile${n}[] = {\n")
    set(pos 0)
    while(pos LESS len)
      string(SUBSTRING "${text}" ${pos} ${piece_size} piece)
      string(APPEND body "R\"${DELIM}(${piece})${DELIM}\",\n")
      math(EXPR pos "${pos} + ${piece_size}")
    endwhile()
    string(APPEND body "};\n\n")
    string(APPEND table "    {\"${f}\", kFile${n}},\n")
    math(EXPR n "${n} + 1")
  endforeach()
  file(WRITE ${OUT}.tmp
"// Written by cmake/embed_files.cmake from ${DIR}. Do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {
namespace {

${body}constexpr ${TYPE} kFiles[] = {
${table}};

}  // namespace

std::span<const ${TYPE}> ${FUNCTION}() { return kFiles; }

}  // namespace ${NAMESPACE}
")
  # Only touch the output when it changes, so an unchanged rerun recompiles nothing.
  file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
  file(REMOVE ${OUT}.tmp)
  return()
endif()

# onnxkit_embed_files(TARGET DIR PATTERNS HEADER NAMESPACE TYPE FUNCTION DELIM COMMENT):
# adds the generated source to TARGET, rebuilt when a matching file changes.
# PATTERNS is a |-separated list of globs; DELIM has at most 16 characters.
function(onnxkit_embed_files target dir patterns header namespace type function delim comment)
  string(REPLACE "|" ";" pattern_list "${patterns}")
  set(globs "")
  foreach(p ${pattern_list})
    list(APPEND globs ${dir}/${p})
  endforeach()
  file(GLOB inputs CONFIGURE_DEPENDS ${globs})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DDIR=${dir} -DPATTERNS=${patterns}
            -DHEADER=${header} -DNAMESPACE=${namespace} -DTYPE=${type}
            -DFUNCTION=${function} -DDELIM=${delim} -P ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
    DEPENDS ${inputs} ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
    COMMENT "${comment}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
