#include "runtime/fast/onednn.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <new>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/ir/node.h"
#include "onnxkit/runtime/provider.h"
#include "onnxkit/schema/op_schema.h"
#include "runtime/fast/onednn_loader.h"

namespace onnxkit::runtime::fast {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

OmpThreads::OmpThreads(int threads) : saved_(omp_max_threads()) {
  if (threads != saved_) omp_set_threads(threads);
}

OmpThreads::~OmpThreads() {
  if (omp_max_threads() != saved_) omp_set_threads(saved_);
}

dnnl::memory::dims to_dnnl(const Dims& dims) {
  return dnnl::memory::dims(dims.begin(), dims.end());
}

dnnl::memory::desc plain_f32(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size(), 1);
  for (std::size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::primitive_attr base_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

std::byte* thread_buffer(int slot, std::size_t bytes) {
  struct Buffer {
    std::unique_ptr<std::byte, decltype(&std::free)> data{nullptr, &std::free};
    std::size_t size = 0;
  };
  thread_local std::array<Buffer, kThreadBufferSlots> buffers;
  Buffer& b = buffers.at(static_cast<std::size_t>(slot));
  if (b.size < bytes || !b.data) {
    const std::size_t size = (std::max<std::size_t>(bytes, 64) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, size);
    if (p == nullptr) throw std::bad_alloc();
    b.data.reset(static_cast<std::byte*>(p));
    b.size = size;
  }
  return b.data.get();
}

void execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratch,
             std::unordered_map<int, dnnl::memory> args) {
  if (scratch.get_size() > 0) {
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 dnnl::memory(scratch, cpu_engine(), thread_buffer(0, scratch.get_size())));
  }
  dnnl::stream stream(cpu_engine());
  prim.execute(stream, args);
  stream.wait();
}

dnnl::memory wrap(const dnnl::memory::desc& desc, const Value& v) {
  return dnnl::memory(desc, cpu_engine(), const_cast<void*>(v.raw_data()));
}

dnnl::memory wrap(const dnnl::memory::desc& desc, Value& v) {
  return dnnl::memory(desc, cpu_engine(), v.mutable_bytes().data());
}

dnnl::memory reorder_to(const dnnl::memory& src, const dnnl::memory::desc& to) {
  dnnl::memory dst(to, cpu_engine());
  dnnl::stream stream(cpu_engine());
  dnnl::reorder(src, dst).execute(stream, const_cast<dnnl::memory&>(src), dst);
  stream.wait();
  return dst;
}

std::unique_ptr<Kernel> reference_kernel(const KernelInfo& info) {
  std::vector<DataType> dtypes(info.input_count());
  for (std::size_t i = 0; i < dtypes.size(); ++i) dtypes[i] = info.input_dtype(i);
  const ir::Node& node = info.node();
  const KernelDef* def = cpu_kernels().find(schema::canonical_domain(node.domain()), node.op_type(),
                                            info.since_version(), "cpu", dtypes);
  if (def == nullptr) info.fail("no reference kernel to fall back on");
  return def->prepare(info);
}

}  // namespace onnxkit::runtime::fast
