#pragma once
/// The intra-op thread pool: kernels split loops with parallel_for(). One
/// pool serves every run of a session; parallel_for() may be called from
/// several runs at once (each caller works on its own loop too, so a call
/// never waits for a busy pool with nothing to do).

#include <cstdint>
#include <functional>
#include <memory>

namespace onnxkit::runtime {

class ThreadPool {
 public:
  /// `threads` in all, the caller included (1: everything runs on the
  /// caller; 0: std::thread::hardware_concurrency()).
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const noexcept { return threads_; }

  /// Calls fn(begin, end) over [0, n) in chunks of at least `grain`
  /// iterations, on the pool and the caller; returns when all are done.
  /// The first exception thrown by fn is rethrown here.
  void parallel_for(std::int64_t n, std::int64_t grain,
                    const std::function<void(std::int64_t, std::int64_t)>& fn);

 private:
  struct Impl;
  int threads_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace onnxkit::runtime
