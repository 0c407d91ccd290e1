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
/// Nothing happens off Linux/glibc, under a sanitizer (which replaces
/// malloc), or when the environment sets ONNXKIT_SMALL_PAGES=1. Call it first
/// thing in main(), before other threads start.
void use_huge_pages_for_heap() noexcept;

}  // namespace onnxkit::cli
