#pragma once
/// The link lists of the graph (a node's inputs and outputs, a tensor's
/// producers and consumers): a vector of pointers that holds its first N
/// elements inside itself. Almost every node has one or two inputs and one
/// output, and almost every tensor one producer and a couple of consumers,
/// so a graph of 300k nodes keeps its links without 1.2 million small heap
/// blocks, and walks (toposort, cleanup, the writer) follow one pointer less.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace onnxkit::ir {

template <typename T, std::uint32_t N>
class LinkList {
  static_assert(std::is_pointer_v<T>, "a link list holds pointers");
  static_assert(N >= 1);

 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;

  LinkList() noexcept {}
  LinkList(const LinkList& other) { assign(other.begin(), other.end()); }
  LinkList(LinkList&& other) noexcept { take(other); }
  LinkList& operator=(const LinkList& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  LinkList& operator=(LinkList&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~LinkList() { release(); }

  /// A copy as a std::vector (for code that keeps a snapshot).
  explicit operator std::vector<T>() const { return std::vector<T>(begin(), end()); }

  T* data() noexcept { return on_heap() ? heap_ : inline_; }
  const T* data() const noexcept { return on_heap() ? heap_ : inline_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }

  iterator begin() noexcept { return data(); }
  iterator end() noexcept { return data() + size_; }
  const_iterator begin() const noexcept { return data(); }
  const_iterator end() const noexcept { return data() + size_; }

  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  T& front() noexcept { return data()[0]; }
  const T& front() const noexcept { return data()[0]; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T& back() const noexcept { return data()[size_ - 1]; }

  void reserve(std::size_t n) {
    if (n > cap_) grow(n);
  }
  void push_back(T x) {
    if (size_ == cap_) grow(static_cast<std::size_t>(cap_) * 2);
    data()[size_++] = x;
  }
  void pop_back() noexcept { --size_; }
  void clear() noexcept { size_ = 0; }

  iterator insert(const_iterator pos, T x) {
    const auto at = static_cast<std::size_t>(pos - begin());
    push_back(x);
    std::rotate(begin() + at, end() - 1, end());
    return begin() + at;
  }
  iterator erase(const_iterator pos) noexcept { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) noexcept {
    const auto at = static_cast<std::size_t>(first - begin());
    const auto n = static_cast<std::size_t>(last - first);
    std::copy(begin() + at + n, end(), begin() + at);
    size_ -= static_cast<std::uint32_t>(n);
    return begin() + at;
  }

  template <typename It>
  void assign(It first, It last) {
    clear();
    reserve(static_cast<std::size_t>(std::distance(first, last)));
    for (; first != last; ++first) data()[size_++] = *first;
  }

  friend bool operator==(const LinkList& a, const LinkList& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const LinkList& a, const std::vector<T>& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const noexcept { return cap_ > N; }
  void grow(std::size_t want) {
    const std::size_t cap = std::max<std::size_t>(want, N + 1);
    T* bigger = new T[cap];
    std::copy(begin(), end(), bigger);
    if (on_heap()) delete[] heap_;
    heap_ = bigger;
    cap_ = static_cast<std::uint32_t>(cap);
  }
  void release() noexcept {
    if (on_heap()) delete[] heap_;
    cap_ = N;
    size_ = 0;
  }
  void take(LinkList& other) noexcept {
    if (other.on_heap()) {
      heap_ = other.heap_;
    } else {
      std::copy(other.inline_, other.inline_ + other.size_, inline_);
    }
    size_ = other.size_;
    cap_ = other.cap_;
    other.size_ = 0;
    other.cap_ = N;
  }

  union {
    T inline_[N];
    T* heap_;
  };
  std::uint32_t size_ = 0;
  std::uint32_t cap_ = N;
};

/// Removes the first element equal to `x` (a node may read one tensor twice:
/// once per slot); false when there is none.
template <typename T, std::uint32_t N>
bool erase_one(LinkList<T, N>& list, const std::remove_pointer_t<T>* x) {
  auto it = std::find(list.begin(), list.end(), x);
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

}  // namespace onnxkit::ir
