#include "onnxkit/ir/tensor_index.h"

#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "onnxkit/ir/tensor.h"

namespace onnxkit::ir {
namespace {

constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio

std::uint64_t load_word(const char* p, std::size_t n) noexcept {
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  return w;
}

// The last 1-7 bytes of a name as one word, from overlapping loads rather than
// a byte loop (whose stores the following word load would wait for). Every
// byte is used, so names of one length that differ get different words.
std::uint64_t load_tail(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t lo = 0, hi = 0;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (std::uint64_t{hi} << 32);
  }
  const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
  return byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
}

std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kSlotAlign = 64;  // a slot never straddles cache lines

// Load factor at most 3/4, so that probe runs stay short.
bool too_full(std::size_t size, std::size_t capacity) noexcept { return size * 4 >= capacity * 3; }

}  // namespace

std::uint64_t hash_name(std::string_view name) noexcept {
  const char* p = name.data();
  std::size_t n = name.size();
  std::uint64_t h = n * kMul;
  while (n >= 8) {
    h = (h ^ load_word(p, 8)) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) h = (h ^ load_tail(p, n)) * kMul;
  return mix(h);
}

std::uint64_t TensorIndex::hash_name_of(const Tensor* t) noexcept { return hash_name(t->name()); }

Tensor* TensorIndex::find(std::string_view name, std::uint64_t hash) const noexcept {
  if (size_ == 0) return nullptr;
  const std::size_t mask = capacity_ - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.tensor == nullptr) return nullptr;
    if (s.hash == hash && s.tensor->name() == name) return s.tensor;
  }
}

void TensorIndex::place(std::uint64_t hash, Tensor* t) noexcept {
  const std::size_t mask = capacity_ - 1;
  std::size_t i = hash & mask;
  while (slots_[i].tensor != nullptr) i = (i + 1) & mask;
  slots_[i] = Slot{hash, t};
}

bool TensorIndex::insert(Tensor* t, std::uint64_t hash) {
  const std::string_view name = t->name();
  if (capacity_ == 0 || too_full(size_ + 1, capacity_))
    grow_to(capacity_ == 0 ? 16 : capacity_ * 2);
  const std::size_t mask = capacity_ - 1;
  std::size_t i = hash & mask;
  for (;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.tensor == nullptr) break;
    if (s.hash == hash && s.tensor->name() == name) return false;
  }
  slots_[i] = Slot{hash, t};
  ++size_;
  return true;
}

bool TensorIndex::erase(const Tensor* t) noexcept {
  if (size_ == 0) return false;
  const std::uint64_t hash = hash_name(t->name());
  const std::size_t mask = capacity_ - 1;
  std::size_t i = hash & mask;
  for (;; i = (i + 1) & mask) {
    if (slots_[i].tensor == nullptr) return false;
    if (slots_[i].tensor == t) break;
  }
  // Backward-shift deletion: pull later members of the run into the hole
  // when their home slot is at or before it (cyclically).
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & mask;; j = (j + 1) & mask) {
    const Slot& s = slots_[j];
    if (s.tensor == nullptr) break;
    const std::size_t home = s.hash & mask;
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      slots_[hole] = s;
      hole = j;
    }
  }
  slots_[hole] = Slot{0, nullptr};
  --size_;
  return true;
}

// Big tables (a graph of 100k+ tensors has a table of 4-8 MiB) sit on
// transparent huge pages where the kernel allows: lookups land at random,
// and with 4 KiB pages most of them would miss the TLB as well as the cache.
std::unique_ptr<TensorIndex::Slot[], TensorIndex::FreeSlots> TensorIndex::allocate_slots(
    std::size_t capacity) {
  static_assert(std::is_trivially_copyable_v<Slot>);
  const std::size_t bytes = capacity * sizeof(Slot);
  void* p = ::operator new (bytes, std::align_val_t{kSlotAlign});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // The advice covers the whole huge pages inside the table.
  const auto first = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t start = (first + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t end = (first + bytes) & ~(kHugePage - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
#endif
  std::memset(p, 0, bytes);  // all empty
  return std::unique_ptr<Slot[], FreeSlots>(static_cast<Slot*>(p));
}

void TensorIndex::FreeSlots::operator()(Slot* p) const noexcept {
  ::operator delete (p, std::align_val_t{kSlotAlign});
}

void TensorIndex::reserve(std::size_t n) {
  std::size_t capacity = capacity_ == 0 ? 16 : capacity_;
  while (too_full(n, capacity)) capacity *= 2;
  if (capacity != capacity_) grow_to(capacity);
}

void TensorIndex::grow_to(std::size_t capacity) {
  std::unique_ptr<Slot[], FreeSlots> old = std::move(slots_);
  const std::size_t old_capacity = capacity_;
  slots_ = allocate_slots(capacity);
  capacity_ = capacity;
  for (std::size_t i = 0; i < old_capacity; ++i) {
    if (old[i].tensor != nullptr) place(old[i].hash, old[i].tensor);
  }
}

void TensorIndex::clear() noexcept {
  slots_.reset();
  capacity_ = 0;
  size_ = 0;
}

}  // namespace onnxkit::ir
