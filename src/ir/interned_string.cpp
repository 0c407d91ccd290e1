#include "interned_string.h"

#include <functional>
#include <mutex>
#include <unordered_set>

namespace onnxkit::ir::detail {
namespace {

struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct Table {
  std::mutex mutex;
  // Node-based: an element's address never changes on rehash.
  std::unordered_set<std::string, Hash, std::equal_to<>> strings;
};

// Never destroyed: nodes freed by late static destructors may still point here.
Table& table() {
  static Table* t = new Table;
  return *t;
}

}  // namespace

const std::string& interned_empty() noexcept {
  static const std::string* empty = new std::string;
  return *empty;
}

const std::string& intern(std::string_view s) {
  if (s.empty()) return interned_empty();
  // The strings this thread was handed lately, direct-mapped by a hash of
  // the (short) string: a reader sees the same few op types (often more than
  // eight: a round-robin list of eight thrashed on nine) over and over, so
  // most calls take no lock and compare one entry.
  constexpr std::size_t kSlots = 64;
  struct Recent {
    const std::string* entries[kSlots] = {};
  };
  thread_local Recent recent;
  std::size_t h = s.size();
  for (const char c : s) h = h * 31 + static_cast<unsigned char>(c);
  const std::size_t slot = (h ^ (h >> 7)) % kSlots;
  if (const std::string* e = recent.entries[slot]; e != nullptr && *e == s) return *e;
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto it = t.strings.find(s);
  if (it == t.strings.end()) it = t.strings.emplace(s).first;
  recent.entries[slot] = &*it;
  return *it;
}

}  // namespace onnxkit::ir::detail
