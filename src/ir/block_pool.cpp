#include "block_pool.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ONNXKIT_POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ONNXKIT_POOL_OFF 1
#endif
#endif

namespace onnxkit::ir::detail {
namespace {

#if !defined(ONNXKIT_POOL_OFF)
constexpr std::size_t kKinds = 4;
constexpr std::size_t kFirstChunk = std::size_t{64} << 10;
constexpr std::size_t kHugeChunk = std::size_t{2} << 20;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so it stays usable in this thread even after the
// Reaper below ran (an object freed from a late static destructor).
struct Local {
  FreeBlock* free;
  char* bump;
  char* end;
  std::size_t block;
  std::size_t chunk;  // bytes of the last chunk cut
  bool reaper;        // this thread's Reaper exists
};

struct Shared {
  std::mutex mutex;
  std::vector<FreeBlock*> lists;  // free lists of threads that ended
};

Shared g_shared[kKinds];
thread_local Local t_local[kKinds];

// Hands a finished thread's blocks to the shared lists.
struct Reaper {
  Reaper() = default;
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;
  ~Reaper() {
    for (std::size_t k = 0; k < kKinds; ++k) {
      Local& l = t_local[k];
      while (l.bump != nullptr && static_cast<std::size_t>(l.end - l.bump) >= l.block) {
        auto* b = reinterpret_cast<FreeBlock*>(l.bump);
        b->next = l.free;
        l.free = b;
        l.bump += l.block;
      }
      l.bump = l.end = nullptr;
      if (l.free == nullptr) continue;
      try {
        std::lock_guard<std::mutex> lock(g_shared[k].mutex);
        g_shared[k].lists.push_back(l.free);  // the whole list, without walking it
        l.free = nullptr;
      } catch (...) {  // out of memory at thread exit: keep the blocks here
      }
    }
  }
};
thread_local Reaper t_reaper;

char* huge_chunk() {
#if defined(__linux__)
  // Map twice the size and keep the 2 MiB-aligned middle, so that the kernel
  // can back it with one huge page.
  void* raw =
      mmap(nullptr, 2 * kHugeChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHugeChunk - 1) & ~(std::uintptr_t{kHugeChunk} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const std::uintptr_t tail = aligned + kHugeChunk;
  const std::uintptr_t raw_end = start + 2 * kHugeChunk;
  if (raw_end > tail) munmap(reinterpret_cast<void*>(tail), raw_end - tail);
#if defined(MADV_HUGEPAGE)
  madvise(reinterpret_cast<void*>(aligned), kHugeChunk, MADV_HUGEPAGE);  // a hint: errors are fine
#endif
  return reinterpret_cast<char*>(aligned);
#else
  return static_cast<char*>(::operator new(kHugeChunk));
#endif
}

void need_reaper(Local& l) {
  if (!l.reaper) {
    static_cast<void>(&t_reaper);  // constructs this thread's Reaper
    l.reaper = true;
  }
}

void refill(std::size_t kind, Local& l) {
  need_reaper(l);
  {
    Shared& s = g_shared[kind];
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.lists.empty()) {
      l.free = s.lists.back();
      s.lists.pop_back();
      return;
    }
  }
  // A small first chunk (a small graph stays small), then 2 MiB ones at once:
  // on a virtual machine a fault per 4 KiB page costs microseconds, and the
  // steps between (128 KiB to 1 MiB) were half of a 10k-node graph's faults.
  const std::size_t bytes = l.chunk == 0 ? kFirstChunk : kHugeChunk;
  char* chunk = bytes == kHugeChunk ? huge_chunk() : static_cast<char*>(::operator new(bytes));
  l.chunk = bytes;
  l.bump = chunk;
  l.end = chunk + bytes / l.block * l.block;
}

#endif  // !ONNXKIT_POOL_OFF

}  // namespace

void* pool_allocate(std::size_t kind, std::size_t size) {
#if defined(ONNXKIT_POOL_OFF)
  static_cast<void>(kind);
  return ::operator new(size);
#else
  Local& l = t_local[kind];
  if (l.free == nullptr) {
    if (l.block == 0)
      l.block = std::max<std::size_t>((size + 15) & ~std::size_t{15}, sizeof(FreeBlock));
    if (static_cast<std::size_t>(l.end - l.bump) < l.block) {
      refill(kind, l);
    }
  }
  if (l.free != nullptr) {
    FreeBlock* b = l.free;
    l.free = b->next;
    return b;
  }
  char* p = l.bump;
  l.bump += l.block;
  return p;
#endif
}

void pool_deallocate(std::size_t kind, void* p) noexcept {
#if defined(ONNXKIT_POOL_OFF)
  static_cast<void>(kind);
  ::operator delete(p);
#else
  if (p == nullptr) return;
  Local& l = t_local[kind];
  need_reaper(l);
  auto* b = static_cast<FreeBlock*>(p);
  b->next = l.free;
  l.free = b;
#endif
}

}  // namespace onnxkit::ir::detail
