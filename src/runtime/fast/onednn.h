#pragma once
// oneDNN glue shared by the fast kernels: the CPU engine, OpenMP thread
// counts (oneDNN's threading in Debian's build), plain row-major memory
// descriptors, execution with a per-call scratchpad (so that concurrent runs
// of one primitive never share scratch memory), and the reference kernel a
// fast kernel falls back on for shapes oneDNN refuses.

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "onnxkit/core/error.h"
#include "onnxkit/runtime/kernel.h"
#include "onnxkit/runtime/value.h"

namespace onnxkit::runtime::fast {

/// The one CPU engine.
const dnnl::engine& cpu_engine();

/// Sets the calling thread's OpenMP thread count (what oneDNN uses, both
/// when it creates a primitive and when it runs one) for a scope.
class OmpThreads {
 public:
  explicit OmpThreads(int threads);
  ~OmpThreads();
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int saved_;
};

/// Plans (primitives and their memory descriptors) of one kernel, made once
/// per input shape and thread count, on first use, under OmpThreads. A shape
/// oneDNN refuses is remembered as null, and the kernel's reference runs it.
/// Safe for concurrent runs.
template <typename Key, typename Plan>
class PlanCache {
 public:
  template <typename Make>
  std::shared_ptr<const Plan> get(Key key, int threads, Make&& make) const {
    std::lock_guard lock(mutex_);
    auto full = std::make_pair(std::move(key), threads);
    if (auto it = plans_.find(full); it != plans_.end()) return it->second;
    std::shared_ptr<const Plan> plan;
    try {
      const OmpThreads omp(threads);
      plan = make();
    } catch (const dnnl::error&) {
      plan = nullptr;
    } catch (const Error&) {
      plan = nullptr;
    }
    plans_.emplace(std::move(full), plan);
    return plan;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::pair<Key, int>, std::shared_ptr<const Plan>> plans_;
};

/// oneDNN dims of `dims`.
dnnl::memory::dims to_dnnl(const Dims& dims);

/// A dense row-major float32 tensor of `dims`.
dnnl::memory::desc plain_f32(const dnnl::memory::dims& dims);

/// Primitive attributes every fast kernel uses: a user scratchpad.
dnnl::primitive_attr base_attr();

/// A buffer of at least `bytes` owned by the calling thread, 64-byte
/// aligned, kept for the thread's next calls (slot 0 is execute()'s
/// scratchpad; kernels use 1 and up for layout copies). Reusing it spares
/// the page faults of fresh allocations on every run; concurrent runs are on
/// different threads and so never share one.
std::byte* thread_buffer(int slot, std::size_t bytes);
inline constexpr int kThreadBufferSlots = 4;

/// Runs `prim` on the caller's thread with the scratchpad described by
/// `scratch` (thread_buffer slot 0); `args` are the primitive's memories.
void execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratch,
             std::unordered_map<int, dnnl::memory> args);

/// Memory over `v`'s bytes (read-only use: oneDNN takes a non-const pointer).
dnnl::memory wrap(const dnnl::memory::desc& desc, const Value& v);
dnnl::memory wrap(const dnnl::memory::desc& desc, Value& v);

/// Copies `src` (of desc `from`) into new memory of layout `to`: weights
/// packed once for a primitive.
dnnl::memory reorder_to(const dnnl::memory& src, const dnnl::memory::desc& to);

/// The reference CPU kernel for the node of `info`, for the cases a fast
/// kernel leaves to it at run time.
std::unique_ptr<Kernel> reference_kernel(const KernelInfo& info);

}  // namespace onnxkit::runtime::fast
