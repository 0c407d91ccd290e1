#include "cli/huge_page_heap.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define ONNXKIT_HEAP_AS_IS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define ONNXKIT_HEAP_AS_IS 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(ONNXKIT_HEAP_AS_IS)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#define ONNXKIT_HUGE_PAGE_HEAP 1
#endif

namespace onnxkit::cli {

void use_huge_pages_for_heap() noexcept {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
#if defined(ONNXKIT_HUGE_PAGE_HEAP)
  constexpr int kReserve = 1 << 30;           // address space taken per heap growth
  constexpr int kMmapThreshold = 32 << 20;    // glibc's maximum
  constexpr std::size_t kStep = 64 << 10;     // below the default mmap threshold
  constexpr std::uintptr_t kHuge = 2u << 20;  // x86-64 and arm64 THP size
  // Opt-in (ONNXKIT_HUGE_PAGES=1): with the kernel's THP defrag at "madvise"
  // (Debian's default), advised faults compact memory synchronously, and
  // right after another big process has exited that cost 0.2-0.4 s of system
  // time per run of `check wide_graph.onnx`, more than the page faults saved.
  if (const char* on = std::getenv("ONNXKIT_HUGE_PAGES");
      on == nullptr || *on == '\0' || *on == '0') {
    return;
  }
  // Growing the heap takes 1 GiB at once and trimming never gives it back, so
  // the advice below covers the heap a command uses (up to 1 GiB). Blocks up
  // to 32 MiB come from the heap too instead of mmap (which has no advice).
  if (mallopt(M_TOP_PAD, kReserve) == 0 || mallopt(M_TRIM_THRESHOLD, kReserve) == 0 ||
      mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 0) {
    return;
  }
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  // Allocate until the heap grows (the start-up heap has a little room left).
  std::array<void*, 16> blocks{};
  std::size_t n = 0;
  while (n < blocks.size()) {
    blocks[n] = std::malloc(kStep);
    if (blocks[n] == nullptr) break;
    ++n;
    if (reinterpret_cast<std::uintptr_t>(sbrk(0)) != before) break;
  }
  for (std::size_t i = 0; i < n; ++i) std::free(blocks[i]);
  const auto after = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const std::uintptr_t start = (before + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = after & ~(kHuge - 1);
  if (end > start) {
    // A hint: when the kernel declines, pages are just small.
    madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  }
#endif
}

void use_huge_pages_for_model(unsigned long long model_bytes) noexcept {
  if (model_bytes >= kHugePageHeapModelBytes) use_huge_pages_for_heap();
}

}  // namespace onnxkit::cli
