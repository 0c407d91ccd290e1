# Compiles the viewer page's sources (src/view/page/*.js, *.css, *.html) into
# onnxkit_view, so that `onnxkit view` writes a self-contained page with no data
# files installed. Same scheme as src/schema/embed_data.cmake: a build step
# runs this file in script mode whenever a page source changes:
#   cmake -DOUT=<file.cpp> -DPAGE_DIR=<src/view/page> -P embed_page.cmake

if(CMAKE_SCRIPT_MODE_FILE)
  file(GLOB assets RELATIVE ${PAGE_DIR} ${PAGE_DIR}/*.js ${PAGE_DIR}/*.css ${PAGE_DIR}/*.html)
  list(SORT assets)
  set(delim "onnxkit_page")
  set(piece_size 4000)
  set(body "")
  set(table "")
  set(n 0)
  foreach(asset ${assets})
    file(READ ${PAGE_DIR}/${asset} text)
    string(FIND "${text}" ")${delim}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${asset} contains the raw-string delimiter )${delim}\"")
    endif()
    string(LENGTH "${text}" len)
    string(APPEND body "constexpr std::string_view kAsset${n}[] = {\n")
    set(pos 0)
    while(pos LESS len)
      string(SUBSTRING "${text}" ${pos} ${piece_size} piece)
      string(APPEND body "R\"${delim}(${piece})${delim}\",\n")
      math(EXPR pos "${pos} + ${piece_size}")
    endwhile()
    string(APPEND body "};\n\n")
    string(APPEND table "    {\"${asset}\", kAsset${n}},\n")
    math(EXPR n "${n} + 1")
  endforeach()
  file(WRITE ${OUT}.tmp
"// Written by src/view/embed_page.cmake from src/view/page/. Do not edit.
#include \"view/page_assets.h\"

namespace onnxkit::view::detail {
namespace {

${body}constexpr PageAsset kAssets[] = {
${table}};

}  // namespace

std::span<const PageAsset> page_assets() { return kAssets; }

}  // namespace onnxkit::view::detail
")
  file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
  file(REMOVE ${OUT}.tmp)
  return()
endif()

set(_page_dir ${PROJECT_SOURCE_DIR}/src/view/page)
file(GLOB _page_files CONFIGURE_DEPENDS ${_page_dir}/*.js ${_page_dir}/*.css ${_page_dir}/*.html)
set(_page_cpp ${CMAKE_CURRENT_BINARY_DIR}/onnxkit_view_page.cpp)
add_custom_command(
  OUTPUT ${_page_cpp}
  COMMAND ${CMAKE_COMMAND} -DOUT=${_page_cpp} -DPAGE_DIR=${_page_dir}
          -P ${PROJECT_SOURCE_DIR}/src/view/embed_page.cmake
  DEPENDS ${_page_files} ${PROJECT_SOURCE_DIR}/src/view/embed_page.cmake
  COMMENT "Embedding the viewer page (src/view/page/)"
  VERBATIM)
target_sources(onnxkit_view PRIVATE ${_page_cpp})
