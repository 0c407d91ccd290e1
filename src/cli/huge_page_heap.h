#pragma once
// The CLI's malloc heap on transparent huge pages.

namespace onnxkit::cli {

/// Asks the kernel to back the malloc heap with transparent huge pages, as
/// glibc's tunable glibc.malloc.hugetlb=1 does (which only the environment can
/// set). Reading a graph of 100k nodes makes about a million small
/// allocations: with 4 KiB pages the first touch of that memory costs some
/// 60k page faults, about as long as the reading itself; with 2 MiB pages, a
/// few hundred. Reserves 1 GiB of address space for the heap (memory is
/// only used as it is touched) and keeps freed heap memory in the process
/// rather than handing it back (fine for a command that ends soon).
/// Off unless the environment sets ONNXKIT_HUGE_PAGES=1 (synchronous
/// compaction after memory churn costs more than it saves, see the .cpp);
/// nothing happens off Linux/glibc or under a sanitizer (which replaces
/// malloc). Only the
/// first call does anything; call it from the main thread before the big
/// allocations (other threads may allocate meanwhile: mallopt locks).
void use_huge_pages_for_heap() noexcept;

/// Model files at least this big get the huge-page heap (about 55k nodes of
/// bench/gen_graph.py's graph). Below it the heap is a few MiB, page faults
/// cost little, and 2 MiB pages only round the resident memory up: at 10k
/// nodes they cost 2.5 MiB of a 21 MiB peak.
inline constexpr unsigned long long kHugePageHeapModelBytes = 4ull << 20;

/// use_huge_pages_for_heap() when a model of model_bytes is about to be read.
void use_huge_pages_for_model(unsigned long long model_bytes) noexcept;

}  // namespace onnxkit::cli
