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

/// Tensor address → slot index, open addressing (no node per entry).
class TensorSlots {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;

  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > keys_.size()) rehash(cap);
  }
  std::uint32_t find(const ir::Tensor* t) const {
    if (keys_.empty()) return kNone;
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t i = hash(t) & mask;; i = (i + 1) & mask) {
      if (keys_[i] == t) return slots_[i];
      if (keys_[i] == nullptr) return kNone;
    }
  }
  /// The slot of `t`, or, when it has none, `slot` given to it (one probe
  /// where find() and insert() would take two).
  std::uint32_t find_or_insert(const ir::Tensor* t, std::uint32_t slot) {
    if (2 * (size_ + 1) > keys_.size()) rehash(keys_.empty() ? 16 : keys_.size() * 2);
    const std::size_t mask = keys_.size() - 1;
    std::size_t i = hash(t) & mask;
    for (; keys_[i] != nullptr; i = (i + 1) & mask) {
      if (keys_[i] == t) return slots_[i];
    }
    keys_[i] = t;
    slots_[i] = slot;
    ++size_;
    return slot;
  }

 private:
  static std::size_t hash(const ir::Tensor* t) {
    auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(t));
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
  void place(const ir::Tensor* t, std::uint32_t slot) {
    const std::size_t mask = keys_.size() - 1;
    std::size_t i = hash(t) & mask;
    while (keys_[i] != nullptr) i = (i + 1) & mask;
    keys_[i] = t;
    slots_[i] = slot;
  }
  void rehash(std::size_t cap) {
    std::vector<const ir::Tensor*> keys = std::move(keys_);
    std::vector<std::uint32_t> slots = std::move(slots_);
    keys_.assign(cap, nullptr);
    slots_.assign(cap, kNone);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != nullptr) place(keys[i], slots[i]);
    }
  }
  std::vector<const ir::Tensor*> keys_;
  std::vector<std::uint32_t> slots_;
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
