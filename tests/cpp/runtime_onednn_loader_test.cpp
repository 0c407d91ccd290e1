// runtime: oneDNN is loaded on first use (src/runtime/fast/onednn_loader.cpp),
// not linked: its functions resolve, and the OpenMP runtime it brings answers
// the thread-count calls the fast kernels make.

#include <gtest/gtest.h>

#include <dnnl.hpp>

#include "onnxkit/core/error.h"
#include "runtime/fast/onednn_loader.h"

namespace onnxkit::runtime::fast {
namespace {

TEST(OnednnLoader, ResolvesOnednnAndOpenmp) {
  EXPECT_NE(onednn_symbol("dnnl_engine_create"), nullptr);
  EXPECT_NE(onednn_symbol("omp_get_max_threads"), nullptr);  // through oneDNN's dependencies
  const int before = omp_max_threads();
  EXPECT_GE(before, 1);
  omp_set_threads(1);
  EXPECT_EQ(omp_max_threads(), 1);
  omp_set_threads(before);
  EXPECT_EQ(omp_max_threads(), before);
}

TEST(OnednnLoader, ForwardedCallsReachTheLibrary) {
  // dnnl.hpp's wrappers call the forwarding definitions.
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const dnnl::memory::desc desc({2, 3}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  EXPECT_EQ(desc.get_size(), 2u * 3u * sizeof(float));
  dnnl::memory mem(desc, engine);
  EXPECT_TRUE(mem.get_desc() == desc);
}

TEST(OnednnLoader, MissingSymbolIsALocatedError) {
  try {
    onednn_symbol("dnnl_no_such_function");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dnnl_no_such_function"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("libdnnl.so."), std::string::npos);
  }
}

}  // namespace
}  // namespace onnxkit::runtime::fast
