#pragma once
/// The name index of a Graph's tensors: an open-addressing hash table (linear
/// probing, backward-shift deletion, no tombstones) of 16-byte slots that hold
/// a name's hash and the tensor. The tensor's own name is the key, so nothing
/// is stored twice, and a lookup touches one slot run and, on a hash match,
/// the tensor. Growing reuses the stored hashes (no name is hashed again).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace onnxkit::ir {

class Tensor;

/// A fast hash of bytes (64-bit, not cryptographic), as the index uses it.
std::uint64_t hash_name(std::string_view name) noexcept;

class TensorIndex {
 public:
  TensorIndex() = default;
  TensorIndex(TensorIndex&&) noexcept = default;
  TensorIndex& operator=(TensorIndex&&) noexcept = default;

  /// The tensor indexed under `name`, or null.
  Tensor* find(std::string_view name) const noexcept { return find(name, hash_name(name)); }
  /// find() with `hash` == hash_name(name) computed by the caller (once for
  /// several lookups, or ahead of time).
  Tensor* find(std::string_view name, std::uint64_t hash) const noexcept;
  /// Indexes `t` under its name unless the name is taken (the first of
  /// duplicates stays). Returns true when `t` was added.
  bool insert(Tensor* t) { return insert(t, hash_name_of(t)); }
  /// insert() with `hash` == hash_name(t's name) computed by the caller.
  bool insert(Tensor* t, std::uint64_t hash);
  /// Starts loading the slot where a lookup of `hash` begins (a hint for a
  /// caller that knows its next lookups: the cache miss overlaps other work).
  void prefetch(std::uint64_t hash) const noexcept {
    if (capacity_ != 0) __builtin_prefetch(&slots_[hash & (capacity_ - 1)]);
  }
  /// The next step after prefetch(hash), once the slot has had time to
  /// arrive: starts loading the tensor stored there when its hash matches
  /// (find() then compares that tensor's name).
  void prefetch_tensor(std::uint64_t hash) const noexcept {
    if (capacity_ == 0) return;
    const Slot& s = slots_[hash & (capacity_ - 1)];
    if (s.hash == hash && s.tensor != nullptr) __builtin_prefetch(s.tensor);
  }
  /// Removes `t`'s entry if `t` is the tensor indexed under its name.
  bool erase(const Tensor* t) noexcept;
  /// Room for `n` entries without growing.
  void reserve(std::size_t n);
  void clear() noexcept;
  std::size_t size() const noexcept { return size_; }

  /// Calls f(Tensor*) for every indexed tensor (table order).
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].tensor != nullptr) f(slots_[i].tensor);
    }
  }

 private:
  struct Slot {
    std::uint64_t hash;
    Tensor* tensor;  ///< null: empty
  };
  static std::uint64_t hash_name_of(const Tensor* t) noexcept;
  void grow_to(std::size_t capacity);
  void place(std::uint64_t hash, Tensor* t) noexcept;

  /// Frees slot arrays made by allocate_slots().
  struct FreeSlots {
    void operator()(Slot* p) const noexcept;
  };
  static std::unique_ptr<Slot[], FreeSlots> allocate_slots(std::size_t capacity);

  std::unique_ptr<Slot[], FreeSlots> slots_;
  std::size_t capacity_ = 0;  ///< 0 or a power of two
  std::size_t size_ = 0;
};

}  // namespace onnxkit::ir
