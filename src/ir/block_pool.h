#pragma once
// Fixed-size blocks for the IR's most numerous objects (Node, Tensor, and
// the ValueInfo that inference gives each typed value): a graph of 300k
// nodes makes some 650k nodes and tensors, and `infer` 300k ValueInfos. Blocks come from big
// chunks, so objects made together sit together, and a free is a push on a list.
//
// - Each thread has its own free list and chunk (no locks on the fast path).
//   A block freed by another thread joins that thread's list: blocks are
//   interchangeable, chunks are never returned.
// - When a thread ends, its free blocks go to a shared list that threads take
//   from before they cut a new chunk.
// - Chunks start small (64 KiB) and grow to 2 MiB; those are 2 MiB-aligned
//   and marked for transparent huge pages, which cuts TLB misses when big
//   graphs are walked in random order (toposort, cleanup, writing).
//
// The memory is kept for reuse by later objects of the same kind, not given
// back to the system: the high-water mark of nodes and tensors stays mapped.

#include <cstddef>

namespace onnxkit::ir::detail {

void* pool_allocate(std::size_t kind, std::size_t size);
void pool_deallocate(std::size_t kind, void* p) noexcept;

/// kinds
inline constexpr std::size_t kNodePool = 0;
inline constexpr std::size_t kTensorPool = 1;
inline constexpr std::size_t kValueInfoPool = 2;
inline constexpr std::size_t kTensorDataPool = 3;

}  // namespace onnxkit::ir::detail
