#pragma once
// Internal to the infer layer: where an Analysis keeps its facts. Flat
// arrays: a slot per tensor (found through an open-addressing table keyed by
// the tensor's address), one arena of dims shared by every fact, interned
// symbol names. Nothing is allocated per value.

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "onnxkit/infer/infer.h"

namespace onnxkit::infer::detail {

/// Tensor address → slot index, open addressing (no node per entry); also
/// a set of tensors (insert/contains).
class TensorSlots {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;

  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > entries_.size()) rehash(cap);
  }
  std::uint32_t find(const ir::Tensor* t) const {
    if (entries_.empty()) return kNone;
    const std::size_t mask = entries_.size() - 1;
    for (std::size_t i = hash(t) & mask;; i = (i + 1) & mask) {
      if (entries_[i].key == t) return entries_[i].slot;
      if (entries_[i].key == nullptr) return kNone;
    }
  }
  /// The slot of `t`, or, when it has none, `slot` given to it (one probe
  /// where find() and insert() would take two).
  std::uint32_t find_or_insert(const ir::Tensor* t, std::uint32_t slot) {
    if (2 * (size_ + 1) > entries_.size()) rehash(entries_.empty() ? 16 : entries_.size() * 2);
    const std::size_t mask = entries_.size() - 1;
    std::size_t i = hash(t) & mask;
    for (; entries_[i].key != nullptr; i = (i + 1) & mask) {
      if (entries_[i].key == t) return entries_[i].slot;
    }
    entries_[i] = Entry{t, slot};
    ++size_;
    return slot;
  }
  /// Set use: adds `t` (slot 0); false when it was there already.
  bool insert(const ir::Tensor* t) {
    const std::size_t before = size_;
    find_or_insert(t, 0);
    return size_ != before;
  }
  bool contains(const ir::Tensor* t) const { return find(t) != kNone; }

 private:
  struct Entry {
    const ir::Tensor* key = nullptr;
    std::uint32_t slot = kNone;
  };
  // Tensors come from the IR's pool in chunks of up to 2 MiB, in creation
  // order, and analysis and writing visit them in about that order. So the
  // offset inside a chunk stays linear (neighbouring tensors, neighbouring
  // entries: a stride the prefetcher follows, where a scrambling hash makes
  // every lookup of a 300k-tensor graph a cache and TLB miss) and only the
  // chunk is scrambled. A tensor is 104 bytes, so entries of one chunk are 6-7
  // apart: runs of two chunks that overlap still interleave sparsely.
  static std::size_t hash(const ir::Tensor* t) {
    const auto a = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(t));
    const std::uint64_t chunk = (a >> 21) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>((chunk >> 24) + ((a & 0x1fffff) >> 4));
  }
  void place(const Entry& e) {
    const std::size_t mask = entries_.size() - 1;
    std::size_t i = hash(e.key) & mask;
    while (entries_[i].key != nullptr) i = (i + 1) & mask;
    entries_[i] = e;
  }
  void rehash(std::size_t cap) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(cap, Entry{});
    for (const Entry& e : old) {
      if (e.key != nullptr) place(e);
    }
  }
  std::vector<Entry> entries_;
  std::size_t size_ = 0;
};

/// Names of symbolic dims, each stored once.
class SymbolTable {
 public:
  /// The DimFact naming `name`.
  DimFact intern(std::string_view name) {
    // Most dims of a graph share one or two names (N, seq): ask the last first.
    if (last_id_ != 0 && name == names_[last_id_ - DimFact::kFirstSymbol])
      return DimFact{0, last_id_};
    auto it = ids_.find(name);
    if (it != ids_.end()) {
      last_id_ = it->second;
      return DimFact{0, it->second};
    }
    const auto id = static_cast<std::uint32_t>(DimFact::kFirstSymbol + names_.size());
    const std::string& kept = names_.emplace_back(name);
    ids_.emplace(kept, id);
    last_id_ = id;
    return DimFact{0, id};
  }
  std::string_view name(const DimFact& d) const { return names_[d.sym - DimFact::kFirstSymbol]; }

 private:
  std::deque<std::string> names_;  // a deque: the map's keys view these strings
  std::unordered_map<std::string_view, std::uint32_t> ids_;
  std::uint32_t last_id_ = 0;
};

}  // namespace onnxkit::infer::detail

namespace onnxkit::infer {

struct Analysis::Store {
  detail::TensorSlots slots;
  /// By slot. A slot exists once the tensor was looked at; kind kNone there
  /// means nothing is known. A deque: pointers to facts stay valid as slots
  /// are added.
  std::deque<Fact> facts;
  std::vector<DimFact> dims;
  detail::SymbolTable symbols;
  std::vector<ir::Type> others;
  /// type(): IR forms made on request (node-based, so pointers stay valid).
  mutable std::unordered_map<const ir::Tensor*, ir::Type> materialized;

  /// The offset of `d` in the arena: `d` itself when it is a range of the
  /// arena already (shared, not copied), else a copy appended.
  std::uint32_t append_dims(std::span<const DimFact> d) {
    if (!d.empty() && !dims.empty() && d.data() >= dims.data() &&
        d.data() < dims.data() + dims.size()) {
      return static_cast<std::uint32_t>(d.data() - dims.data());
    }
    const auto at = static_cast<std::uint32_t>(dims.size());
    dims.insert(dims.end(), d.begin(), d.end());
    return at;
  }
  DimFact dim_fact(const Dim& d) {
    if (d.is_value()) return DimFact::of(d.value);
    if (d.is_param()) return symbols.intern(d.param);
    return DimFact::unknown();
  }
};

}  // namespace onnxkit::infer
