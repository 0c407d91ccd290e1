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
  // The last string handed out on this thread: readers see runs of the same op.
  thread_local const std::string* last = nullptr;
  if (last != nullptr && *last == s) return *last;
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto it = t.strings.find(s);
  if (it == t.strings.end()) it = t.strings.emplace(s).first;
  last = &*it;
  return *it;
}

}  // namespace onnxkit::ir::detail
