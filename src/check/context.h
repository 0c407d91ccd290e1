#pragma once
// Internal to the check layer: the state of one check_model() run, shared by
// the files that check the model, graphs, nodes and tensors.

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnxkit/check/checker.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::check::detail {

/// A location built only when a problem is reported: a string, or a callable
/// giving one (held by reference: it must outlive the call it is passed to).
class Where {
 public:
  Where(const std::string& s)
      : obj_(&s), call_([](const void* o) { return *static_cast<const std::string*>(o); }) {}
  template <typename F>
  requires(!std::is_convertible_v<const F&, std::string> &&
           std::is_invocable_r_v<std::string, const F&>) Where(const F& f)
      : obj_(&f),
        call_([](const void* o) -> std::string { return (*static_cast<const F*>(o))(); }) {}
  std::string operator()() const { return call_(obj_); }

 private:
  const void* obj_;
  std::string (*call_)(const void*);
};

/// A set of names (views of the model's strings), open addressing with the
/// hash kept beside each view: a lookup touches one slot and, on a hash
/// match, the name. A graph defines about a name per node, so this is the
/// checker's hottest structure.
class NameSet {
 public:
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > slots_.size()) rehash(cap);
  }
  /// Adds `name`; false when it was there already.
  bool insert(std::string_view name) {
    if (2 * (size_ + 1) > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const std::size_t h = hash(name);
    Slot* s = probe(name, h);
    if (s->data != nullptr) return false;
    *s = Slot{h, name.data() != nullptr ? name.data() : "", name.size()};
    ++size_;
    return true;
  }
  bool contains(std::string_view name) const {
    if (slots_.empty()) return false;
    return probe(name, hash(name))->data != nullptr;
  }

 private:
  struct Slot {
    std::size_t hash = 0;
    const char* data = nullptr;  // null: empty
    std::size_t size = 0;
  };
  /// Eight bytes at a time, inline: names are short ("t12345",
  /// "/layer3/conv/Conv_output_0"), and std::hash's out-of-line loop was
  /// the checker's largest single cost on a 300k-node graph.
  static std::size_t hash(std::string_view name) {
    const char* p = name.data();
    std::size_t n = name.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
    std::uint64_t tail = 0;
    for (std::size_t i = 0; i < n; ++i)
      tail |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    h = (h ^ tail) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
  Slot* probe(std::string_view name, std::size_t h) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.data == nullptr || (s.hash == h && std::string_view(s.data, s.size) == name)) {
        return const_cast<Slot*>(&s);
      }
    }
  }
  void rehash(std::size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    for (const Slot& s : old) {
      if (s.data == nullptr) continue;
      for (std::size_t i = s.hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (slots_[i].data == nullptr) {
          slots_[i] = s;
          break;
        }
      }
    }
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

/// Names defined so far in a graph, seen through to the enclosing graphs'
/// names that were defined before the node holding the subgraph.
struct Scope {
  const Scope* parent = nullptr;
  NameSet names;

  bool defines(std::string_view name) const {
    for (const Scope* s = this; s != nullptr; s = s->parent) {
      if (s->names.contains(name)) return true;
    }
    return false;
  }
};

/// Where the graph being checked sits and what it may use.
struct GraphContext {
  /// "graph 'main'" or "... › attribute 'body' › graph 'body'".
  std::string location;
  /// The scope of the enclosing graph (at the node holding this subgraph), or null.
  const Scope* outer = nullptr;
  bool is_main = true;
  /// Opset versions in force: the model's, or a function's.
  const std::unordered_map<std::string, std::int64_t>* opsets = nullptr;
  /// Inside a function body: attribute references are allowed.
  bool in_function = false;
};

class Context {
 public:
  Context(const ir::Model& model, const CheckOptions& options);

  std::vector<Problem> run();

  // ---- reporting
  void error(std::string location, std::string message) {
    problems_.push_back({Severity::kError, std::move(location), std::move(message)});
  }
  void warning(std::string location, std::string message) {
    problems_.push_back({Severity::kWarning, std::move(location), std::move(message)});
  }

  // ---- the pieces (check_graph.cpp, check_node.cpp, check_tensor.cpp)
  void check_graph(const ir::Graph& graph, const GraphContext& gc);
  void check_node(const ir::Node& node, const GraphContext& gc, const Scope& scope);
  /// A TensorProto: data type, data fields, sizes, external data.
  void check_tensor_data(const ir::TensorData& data, const Where& location);
  void check_sparse_data(const ir::SparseTensorData& data, const Where& location);

  std::int64_t ir_version() const { return model_.ir_version; }
  const ir::Model& model() const { return model_; }
  const CheckOptions& options() const { return options_; }
  const schema::SchemaRegistry& registry() const { return *registry_; }

  /// The type of a value: inferred (declared types included), or declared
  /// (or given by its data). Null when unknown. The pointer stays valid for
  /// the run.
  const ir::Type* type_of(const ir::Tensor* t);

  /// schema::type_string(type), kept for the run (so views of it stay valid).
  std::string_view type_text(const ir::Type& type);
  /// type_text() of a value's type ("" when unknown or without an element
  /// type); from inference's compact fact when it is a tensor, without
  /// building an ir::Type.
  std::string_view value_type_text(const ir::Tensor* t, DataType* tensor_elem);
  /// The rank of a value when known.
  std::optional<std::size_t> rank_of(const ir::Tensor* t);

  /// The types a formal parameter allows, looked up once per parameter.
  struct AllowedTypes {
    std::vector<std::string> list;
    std::unordered_set<std::string_view> set;  // views into `list`
    /// Bit c: "tensor(<DataType c>)" is allowed (the same answer as `set`).
    std::uint64_t tensor_mask = 0;
    /// The formal's type is a type parameter of the schema.
    bool constrained = false;
    bool contains(std::string_view ts) const { return set.count(ts) != 0; }
  };
  const AllowedTypes& allowed_types(const schema::OpSchema& s, const schema::FormalParameter& f);

  /// What a node's (domain, op_type) resolves to under a set of opsets, with
  /// what checking its nodes needs from the schema, worked out once.
  struct OpLookup {
    std::string domain;  // canonical
    bool imported = false;
    std::int64_t version = 0;
    const schema::OpSchema* schema = nullptr;
    int min_inputs = 0, max_inputs = 0, min_outputs = 0, max_outputs = 0;
    /// Conv, ConvTranspose, the pools...: the rank rules apply.
    bool conv_family = false;
    /// Per formal input and output: its allowed types, and the index of its
    /// type parameter among the schema's (-1: not a parameter).
    std::vector<const AllowedTypes*> input_types, output_types;
    std::vector<int> input_param, output_param;
  };
  const OpLookup& lookup_op(const ir::Node& node,
                            const std::unordered_map<std::string, std::int64_t>& opsets);

  /// The model-local function (domain, name), or null.
  const ir::Function* find_function(std::string_view domain, std::string_view name) const;

  /// "graph 'main' › node 'x' (Op)".
  static std::string node_location(const GraphContext& gc, const ir::Node& node) {
    return gc.location + " › " + node.describe();
  }

 private:
  void check_model_fields();
  void check_functions();

  const ir::Model& model_;
  CheckOptions options_;
  const schema::SchemaRegistry* registry_;
  std::unordered_map<std::string, std::int64_t> model_opsets_;
  std::vector<std::unordered_map<std::string, std::int64_t>> function_opsets_;
  std::vector<Problem> problems_;
  infer::Analysis analysis_;

  // Caches. Keys view strings of the model and schemas, which outlive the run.
  struct OpKey {
    const void* opsets;
    std::string_view domain, op;
    bool operator==(const OpKey&) const = default;
  };
  struct OpKeyHash {
    std::size_t operator()(const OpKey& k) const noexcept {
      std::size_t h = std::hash<const void*>{}(k.opsets);
      h ^= std::hash<std::string_view>{}(k.domain) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      h ^= std::hash<std::string_view>{}(k.op) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      return h;
    }
  };
  std::unordered_map<OpKey, OpLookup, OpKeyHash> ops_;
  // A direct-mapped cache in front of the map, keyed by the addresses of the
  // node's interned op type and domain; it holds the node that filled the entry.
  struct OpCacheSlot {
    const void* opsets = nullptr;
    const ir::Node* node = nullptr;
    const OpLookup* lookup = nullptr;
  };
  std::array<OpCacheSlot, 64> op_cache_{};
  std::unordered_map<const schema::FormalParameter*, AllowedTypes> allowed_;
  /// type_text() of tensor types by element type (index: the DataType code).
  std::array<std::string, 64> tensor_text_;
  std::string_view tensor_text(DataType elem);
  /// type_text() of other types (node-based: the strings stay in place).
  std::unordered_set<std::string> other_text_;
  /// Types computed for tensors that inference did not reach (function bodies).
  std::unordered_map<const ir::Tensor*, std::optional<ir::Type>> other_types_;
};

/// True for the domains whose operators ONNX itself defines: a node there
/// without a schema is an error whatever --strict says.
bool is_onnx_domain(std::string_view domain);

}  // namespace onnxkit::check::detail
