#include "onnxkit/proto/writer.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <vector>

#include "onnxkit/core/error.h"
#include "proto/encoder.h"
#include "proto/external_data.h"
#include "proto/external_layout.h"
#include "proto/field_numbers.h"
#include "proto/file_output.h"

namespace onnxkit::proto {
namespace {

namespace fs = std::filesystem;
namespace fl = fields;
using Bytes = std::span<const std::byte>;
using List = ir::Graph::DeclarationOverride::List;

std::string describe_tensor(const ir::TensorData& t) {
  return t.name.empty() ? std::string("tensor") : "tensor '" + t.name + "'";
}

/// How a tensor's payload is written, when not as the IR holds it.
struct Placement {
  enum class Kind : std::uint8_t { kAsIs, kInline, kExternal };
  Kind kind = Kind::kAsIs;
  Buffer bytes;                          ///< kInline: written as raw_data
  std::vector<ir::StringEntry> entries;  ///< kExternal: the new external_data
};

// Calls fn(tensor) for every TensorData of a graph, in the order they are encoded.
template <typename Fn>
void for_each_tensor(const ir::Graph& g, Fn& fn);

template <typename Fn>
void for_each_tensor(const ir::Attribute& a, Fn& fn) {
  if (a.t) fn(*a.t);
  if (a.g) for_each_tensor(*a.g, fn);
  for (const ir::TensorData& t : a.tensors) fn(t);
  for (const auto& g : a.graphs) for_each_tensor(*g, fn);
  auto sparse = [&](const ir::SparseTensorData& s) {
    fn(s.values);
    fn(s.indices);
  };
  if (a.sparse_tensor) sparse(*a.sparse_tensor);
  for (const ir::SparseTensorData& s : a.sparse_tensors) sparse(s);
}

template <typename Fn>
void for_each_tensor(const ir::Graph& g, Fn& fn) {
  for (const auto& node : g.nodes()) {
    for (const ir::Attribute& a : node->attributes()) for_each_tensor(a, fn);
  }
  for (const ir::Tensor* t : g.initializers()) {
    if (t->data() != nullptr) fn(*t->data());
  }
  for (const ir::Tensor* t : g.sparse_initializers()) {
    if (const ir::SparseTensorData* s = t->sparse_data()) {
      fn(s->values);
      fn(s->indices);
    }
  }
}

template <typename Fn>
void for_each_tensor(const ir::Model& m, Fn&& fn) {
  if (m.graph) for_each_tensor(*m.graph, fn);
  for (const ir::TrainingInfo& t : m.training_info) {
    if (t.initialization) for_each_tensor(*t.initialization, fn);
    if (t.algorithm) for_each_tensor(*t.algorithm, fn);
  }
  for (const ir::Function& f : m.functions) {
    for (const ir::Attribute& a : f.attribute_proto) for_each_tensor(a, fn);
    for_each_tensor(*f.body, fn);
  }
}

// A graph's nodes encoded during the size pass, for the emit pass to copy.
// Nodes of a shuffled file, or of an edited graph, lie scattered in memory:
// walking them twice (sizes, then bytes) would take every cache miss twice.
// Each node is sized and encoded back to back instead (the second walk of a
// node hits the cache), into chunks kept until the emit pass.
class EncodedNodes final : public Sink {
 public:
  static constexpr std::uint64_t kNotEncoded = std::numeric_limits<std::uint64_t>::max();

  void put(Bytes bytes, bool /*mapped*/) override {
    starts_.push_back(total_);
    total_ += bytes.size();
    chunks_.emplace_back(bytes.begin(), bytes.end());
  }

  /// Emits the encoded bytes [begin, end) into `e`.
  void copy(Encoder& e, std::uint64_t begin, std::uint64_t end) const {
    auto k = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), begin) -
                                      starts_.begin() - 1);
    while (begin < end) {
      const std::vector<std::byte>& chunk = chunks_[k];
      const std::uint64_t offset = begin - starts_[k];
      const std::uint64_t n = std::min<std::uint64_t>(end - begin, chunk.size() - offset);
      e.raw(Bytes(chunk.data() + offset, static_cast<std::size_t>(n)));
      begin += n;
      ++k;
    }
  }

  /// Where node i's bytes end, or kNotEncoded (walked again by the emit pass).
  std::vector<std::uint64_t> ends;

 private:
  std::vector<std::vector<std::byte>> chunks_;
  std::vector<std::uint64_t> starts_;
  std::uint64_t total_ = 0;
};

// Encoded once only when small and plain: a node with a subgraph is walked in
// both passes (its subgraph's nodes are encoded once in turn), and so is one
// with a large or external tensor attribute (its bytes are not copied).
bool encode_once(const ir::Node& n) {
  constexpr std::uint64_t kSmallTensor = 4096;
  auto small = [](const ir::TensorData& t) {
    const std::optional<std::uint64_t> bytes = t.byte_size();
    return !t.is_external() && bytes && *bytes <= kSmallTensor;
  };
  for (const ir::Attribute& a : n.attributes()) {
    if (a.g || !a.graphs.empty() || a.sparse_tensor || !a.sparse_tensors.empty()) return false;
    if (a.t && !small(*a.t)) return false;
    for (const ir::TensorData& t : a.tensors) {
      if (!small(t)) return false;
    }
  }
  return true;
}

class MessageWriter {
 public:
  /// `inline_resolved`: external tensors whose bytes were resolved are
  /// written inline (unless `placements` says otherwise).
  explicit MessageWriter(bool inline_resolved) : inline_resolved_(inline_resolved) {}

  std::unordered_map<const ir::TensorData*, Placement>& placements() { return placements_; }

  void model(Encoder& e, const ir::Model& m);
  void tensor(Encoder& e, const ir::TensorData& t, std::string_view name);
  void value(Encoder& e, const ir::ValueData& v);

 private:
  void entry(Encoder& e, std::uint32_t field, const ir::StringEntry& s);
  void entries(Encoder& e, std::uint32_t field, const std::vector<ir::StringEntry>& list) {
    for (const ir::StringEntry& s : list) entry(e, field, s);
  }
  void opset(Encoder& e, const ir::OpsetId& o);
  void sparse(Encoder& e, const ir::SparseTensorData& s, std::string_view values_name);
  void type(Encoder& e, const ir::Type& t);
  void type_member(Encoder& e, const ir::Type& t);
  void shape(Encoder& e, const ir::TypeShape& s);
  void value_info(Encoder& e, std::string_view name, const ir::ValueInfo& info);
  void declarations(Encoder& e, std::uint32_t field, const ir::Graph& g, List list,
                    const std::vector<ir::Tensor*>& tensors);
  void attribute(Encoder& e, const ir::Attribute& a);
  void node(Encoder& e, const ir::Node& n);
  void graph(Encoder& e, const ir::Graph& g);
  void graph_nodes(Encoder& e, const ir::Graph& g);
  void function(Encoder& e, const ir::Function& f);
  void training(Encoder& e, const ir::TrainingInfo& t);
  void sequence(Encoder& e, const ir::ValueData& v);
  void map(Encoder& e, const ir::ValueData& v);
  void optional(Encoder& e, const ir::ValueData& v);

  bool inline_resolved_;
  std::unordered_map<const ir::TensorData*, Placement> placements_;
  // Size pass -> emit pass: the nodes of each big graph, encoded once.
  std::unordered_map<const ir::Graph*, std::unique_ptr<EncodedNodes>> encoded_nodes_;
};

void MessageWriter::entry(Encoder& e, std::uint32_t field, const ir::StringEntry& s) {
  e.message(field, [&] {
    e.opt_string(fl::entry::kKey, s.key, s.extras);
    e.opt_string(fl::entry::kValue, s.value, s.extras);
    e.unknown(s.extras);
  });
}

void MessageWriter::opset(Encoder& e, const ir::OpsetId& o) {
  e.message(fl::model::kOpsetImport, [&] {
    e.opt_string(fl::opset::kDomain, o.domain, o.extras);
    e.opt_int64(fl::opset::kVersion, o.version, o.extras);
    e.unknown(o.extras);
  });
}

void MessageWriter::tensor(Encoder& e, const ir::TensorData& t, std::string_view name) {
  using Kind = Placement::Kind;
  Placement on_the_fly;
  const Placement* p = &on_the_fly;
  if (auto it = placements_.find(&t); it != placements_.end()) {
    p = &it->second;
  } else if (inline_resolved_ && t.is_external() && !t.external_bytes.empty()) {
    on_the_fly.kind = Kind::kInline;
    on_the_fly.bytes = t.external_bytes;
  }

  e.unpacked_varints(fl::tensor::kDims, t.dims);
  e.opt_int32(fl::tensor::kDataType, static_cast<std::int32_t>(t.data_type), t.extras);
  if (t.segment) {
    e.message(fl::tensor::kSegment, [&] {
      e.opt_int64(fl::segment::kBegin, t.segment->begin, t.segment->extras);
      e.opt_int64(fl::segment::kEnd, t.segment->end, t.segment->extras);
      e.unknown(t.segment->extras);
    });
  }
  e.packed_fixed(fl::tensor::kFloatData, t.float_data);
  e.packed_varints(fl::tensor::kInt32Data, t.int32_data);
  e.strings(fl::tensor::kStringData, t.string_data);
  e.packed_varints(fl::tensor::kInt64Data, t.int64_data);
  e.opt_string(fl::tensor::kName, name, t.extras);
  if (p->kind == Kind::kInline) {
    e.bytes_field(fl::tensor::kRawData, p->bytes);
  } else if (p->kind == Kind::kAsIs && (t.has_raw_data || !t.raw_data.empty())) {
    e.bytes_field(fl::tensor::kRawData, t.raw_data);
  }
  e.packed_fixed(fl::tensor::kDoubleData, t.double_data);
  e.packed_varints(fl::tensor::kUint64Data, t.uint64_data);
  e.opt_string(fl::tensor::kDocString, t.doc_string, t.extras);
  switch (p->kind) {
    case Kind::kAsIs:
      entries(e, fl::tensor::kExternalData, t.external_data);
      e.opt_int32(fl::tensor::kDataLocation, static_cast<std::int32_t>(t.data_location), t.extras);
      break;
    case Kind::kInline:
      break;
    case Kind::kExternal:
      entries(e, fl::tensor::kExternalData, p->entries);
      e.int32_field(fl::tensor::kDataLocation,
                    static_cast<std::int32_t>(ir::TensorData::Location::kExternal));
      break;
  }
  entries(e, fl::tensor::kMetadataProps, t.metadata_props);
  e.unknown(t.extras);
}

void MessageWriter::sparse(Encoder& e, const ir::SparseTensorData& s,
                           std::string_view values_name) {
  if (s.has_values) e.message(fl::sparse::kValues, [&] { tensor(e, s.values, values_name); });
  if (s.has_indices) e.message(fl::sparse::kIndices, [&] { tensor(e, s.indices, s.indices.name); });
  e.unpacked_varints(fl::sparse::kDims, s.dims);
  e.unknown(s.extras);
}

void MessageWriter::shape(Encoder& e, const ir::TypeShape& s) {
  static const ir::DimExtras kNone;
  for (std::size_t i = 0; i < s.dims.size(); ++i) {
    const Dim& d = s.dims[i];
    const ir::DimExtras& x = i < s.dim_extras.size() ? s.dim_extras[i] : kNone;
    e.message(fl::shape::kDim, [&] {
      if (d.is_value()) e.int64_field(fl::dim::kValue, d.value);
      if (d.is_param()) e.bytes_field(fl::dim::kParam, d.param);
      e.opt_string(fl::dim::kDenotation, x.denotation, x.wire);
      e.unknown(x.wire);
    });
  }
  e.unknown(s.extras);
}

void MessageWriter::type_member(Encoder& e, const ir::Type& t) {
  using Kind = ir::Type::Kind;
  const ir::WireExtras& x = t.inner_extras;
  switch (t.kind) {
    case Kind::kTensor:
    case Kind::kSparseTensor:
      e.message(t.kind == Kind::kTensor ? fl::type::kTensorType : fl::type::kSparseTensorType, [&] {
        e.opt_int32(fl::type_tensor::kElemType, static_cast<std::int32_t>(t.elem_type), x);
        if (t.shape) e.message(fl::type_tensor::kShape, [&] { shape(e, *t.shape); });
        e.unknown(x);
      });
      break;
    case Kind::kSequence:
    case Kind::kOptional:
      e.message(t.kind == Kind::kSequence ? fl::type::kSequenceType : fl::type::kOptionalType, [&] {
        if (t.elem) e.message(fl::type_elem::kElemType, [&] { type(e, *t.elem); });
        e.unknown(x);
      });
      break;
    case Kind::kMap:
      e.message(fl::type::kMapType, [&] {
        e.opt_int32(fl::type_map::kKeyType, static_cast<std::int32_t>(t.key_type), x);
        if (t.elem) e.message(fl::type_map::kValueType, [&] { type(e, *t.elem); });
        e.unknown(x);
      });
      break;
    case Kind::kOpaque:
      e.message(fl::type::kOpaqueType, [&] {
        e.opt_string(fl::type_opaque::kDomain, t.opaque_domain(), x);
        e.opt_string(fl::type_opaque::kName, t.opaque_name(), x);
        e.unknown(x);
      });
      break;
    case Kind::kNone:
      break;
  }
}

void MessageWriter::type(Encoder& e, const ir::Type& t) {
  using Kind = ir::Type::Kind;
  // Field order: tensor 1, sequence 4, map 5, denotation 6, opaque 7, sparse 8, optional 9.
  const bool before_denotation =
      t.kind == Kind::kTensor || t.kind == Kind::kSequence || t.kind == Kind::kMap;
  if (before_denotation) type_member(e, t);
  e.opt_string(fl::type::kDenotation, t.denotation(), t.extras);
  if (!before_denotation) type_member(e, t);
  e.unknown(t.extras);
}

void MessageWriter::value_info(Encoder& e, std::string_view name, const ir::ValueInfo& info) {
  e.opt_string(fl::value_info::kName, name, info.extras);
  if (info.type) e.message(fl::value_info::kType, [&] { type(e, *info.type); });
  e.opt_string(fl::value_info::kDocString, info.doc_string, info.extras);
  entries(e, fl::value_info::kMetadataProps, info.metadata_props);
  e.unknown(info.extras);
}

void MessageWriter::declarations(Encoder& e, std::uint32_t field, const ir::Graph& g, List list,
                                 const std::vector<ir::Tensor*>& tensors) {
  const auto& overrides = g.declaration_overrides();
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const ir::ValueInfo* info = &tensors[i]->info();
    for (const auto& o : overrides) {
      if (o.list == list && o.index == i) info = &o.info;
    }
    e.message(field, [&] { value_info(e, tensors[i]->name(), *info); });
  }
}

void MessageWriter::attribute(Encoder& e, const ir::Attribute& a) {
  const ir::WireExtras& x = a.extras;
  e.opt_string(fl::attr::kName, a.name, x);
  e.opt_float(fl::attr::kF, a.f, x);
  e.opt_int64(fl::attr::kI, a.i, x);
  e.opt_string(fl::attr::kS, a.s, x);
  if (a.t) e.message(fl::attr::kT, [&] { tensor(e, *a.t, a.t->name); });
  if (a.g) e.message(fl::attr::kG, [&] { graph(e, *a.g); });
  e.unpacked_floats(fl::attr::kFloats, a.floats);
  e.unpacked_varints(fl::attr::kInts, a.ints);
  e.strings(fl::attr::kStrings, a.strings);
  for (const ir::TensorData& t : a.tensors)
    e.message(fl::attr::kTensors, [&] { tensor(e, t, t.name); });
  for (const auto& g : a.graphs) e.message(fl::attr::kGraphs, [&] { graph(e, *g); });
  e.opt_string(fl::attr::kDocString, a.doc_string, x);
  if (a.tp) e.message(fl::attr::kTp, [&] { type(e, *a.tp); });
  for (const ir::Type& t : a.type_protos) e.message(fl::attr::kTypeProtos, [&] { type(e, t); });
  e.opt_int32(fl::attr::kType, static_cast<std::int32_t>(a.type), x);
  e.opt_string(fl::attr::kRefAttrName, a.ref_attr_name, x);
  if (a.sparse_tensor) {
    e.message(fl::attr::kSparseTensor,
              [&] { sparse(e, *a.sparse_tensor, a.sparse_tensor->values.name); });
  }
  for (const ir::SparseTensorData& s : a.sparse_tensors) {
    e.message(fl::attr::kSparseTensors, [&] { sparse(e, s, s.values.name); });
  }
  e.unknown(x);
}

void MessageWriter::node(Encoder& e, const ir::Node& n) {
  const ir::WireExtras& x = n.extras();
  for (const ir::Tensor* t : n.inputs()) e.bytes_field(fl::node::kInput, t->name());
  for (const ir::Tensor* t : n.outputs()) e.bytes_field(fl::node::kOutput, t->name());
  e.opt_string(fl::node::kName, n.name(), x);
  e.opt_string(fl::node::kOpType, n.op_type(), x);
  for (const ir::Attribute& a : n.attributes())
    e.message(fl::node::kAttribute, [&] { attribute(e, a); });
  e.opt_string(fl::node::kDocString, n.doc_string(), x);
  e.opt_string(fl::node::kDomain, n.domain(), x);
  e.opt_string(fl::node::kOverload, n.overload(), x);
  entries(e, fl::node::kMetadataProps, n.metadata_props());
  e.unknown(x);
}

// Nodes lie scattered in memory when a file's order was not topological, or
// after edits: the writer asks for a node, then its link lists, then its
// tensors a few steps ahead, so that their cache misses overlap.
void prefetch_ahead(const std::vector<std::unique_ptr<ir::Node>>& nodes, std::size_t i) {
  if (i + 8 < nodes.size()) {
    const char* p = reinterpret_cast<const char*>(nodes[i + 8].get());
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
  }
  if (i + 4 < nodes.size()) {
    __builtin_prefetch(nodes[i + 4]->inputs().data());
    __builtin_prefetch(nodes[i + 4]->outputs().data());
  }
  if (i + 2 < nodes.size()) {
    for (const ir::Tensor* t : nodes[i + 2]->inputs()) __builtin_prefetch(t);
    for (const ir::Tensor* t : nodes[i + 2]->outputs()) __builtin_prefetch(t);
  }
}

// True when walking `nodes` in list order moves through memory in small
// steps (a file read in topological order, lightly edited): the emit pass's
// second walk then costs less than encoding every node once and copying its
// bytes (sorted gen graphs, write only: 100k nodes 33 -> 28 ms, 300k 99 ->
// 84 ms). After a shuffled file's toposort the steps are random, and
// encoding once wins (300k: 163 ms against 207). One pass over the
// pointers, no node touched.
bool walks_in_memory_order(const std::vector<std::unique_ptr<ir::Node>>& nodes) {
  constexpr std::uintptr_t kNear = 4096;
  std::size_t near = 0;
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    const auto a = reinterpret_cast<std::uintptr_t>(nodes[i - 1].get());
    const auto b = reinterpret_cast<std::uintptr_t>(nodes[i].get());
    if ((a < b ? b - a : a - b) <= kNear) ++near;
  }
  return near * 4 >= (nodes.size() - 1) * 3;
}

void MessageWriter::graph_nodes(Encoder& e, const ir::Graph& g) {
  const auto& nodes = g.nodes();
  // A graph of up to some 30k nodes is walked twice: its nodes stay within
  // the caches' reach anyway (10k nodes, write only: 3.0 ms twice against
  // 3.3 ms once, sorted or shuffled). So is a big one in memory order.
  constexpr std::size_t kEncodeOnceFrom = 32768;
  if (nodes.size() < kEncodeOnceFrom || walks_in_memory_order(nodes)) {
    for (const auto& n : nodes) e.message(fl::graph::kNode, [&] { node(e, *n); });
    return;
  }
  if (e.sizing()) {
    auto encoded = std::make_unique<EncodedNodes>();
    encoded->ends.reserve(nodes.size());
    Encoder side(*encoded, {});
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      prefetch_ahead(nodes, i);
      const ir::Node& n = *nodes[i];
      if (!encode_once(n)) {
        encoded->ends.push_back(EncodedNodes::kNotEncoded);
        e.message(fl::graph::kNode, [&] { node(e, n); });
        continue;
      }
      Encoder sizer;
      node(sizer, n);
      side.restart_sizes(sizer.take_sizes());
      const std::uint64_t begin = side.count();
      node(side, n);
      encoded->ends.push_back(side.count());
      e.message(fl::graph::kNode, [&] { e.skip(side.count() - begin); });
    }
    side.flush();
    encoded_nodes_[&g] = std::move(encoded);
    return;
  }
  auto it = encoded_nodes_.find(&g);
  if (it == encoded_nodes_.end() || it->second->ends.size() != nodes.size()) {
    throw Error(g.describe(),
                "internal error: the emit pass met nodes the size pass did not encode");
  }
  const EncodedNodes& encoded = *it->second;
  std::uint64_t begin = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::uint64_t end = encoded.ends[i];
    if (end == EncodedNodes::kNotEncoded) {
      e.message(fl::graph::kNode, [&] { node(e, *nodes[i]); });
      continue;
    }
    e.message(fl::graph::kNode, [&] { encoded.copy(e, begin, end); });
    begin = end;
  }
  encoded_nodes_.erase(it);
}

void MessageWriter::graph(Encoder& e, const ir::Graph& g) {
  const ir::WireExtras& x = g.extras();
  graph_nodes(e, g);
  e.opt_string(fl::graph::kName, g.name(), x);
  for (const ir::Tensor* t : g.initializers()) {
    if (t->data() == nullptr) {
      throw Error(g.describe(), "initializer '" + t->name() + "' is not a dense Constant");
    }
    e.message(fl::graph::kInitializer, [&] { tensor(e, *t->data(), t->name()); });
  }
  e.opt_string(fl::graph::kDocString, g.doc_string(), x);
  declarations(e, fl::graph::kInput, g, List::kInput, g.inputs());
  declarations(e, fl::graph::kOutput, g, List::kOutput, g.outputs());
  declarations(e, fl::graph::kValueInfo, g, List::kValueInfo, g.value_info());
  for (const ir::TensorAnnotation& a : g.quantization_annotation()) {
    e.message(fl::graph::kQuantizationAnnotation, [&] {
      e.opt_string(fl::annotation::kTensorName, a.tensor_name, a.extras);
      entries(e, fl::annotation::kQuantParameterTensorNames, a.quant_parameter_tensor_names);
      e.unknown(a.extras);
    });
  }
  for (const ir::Tensor* t : g.sparse_initializers()) {
    if (t->sparse_data() == nullptr) {
      throw Error(g.describe(), "sparse initializer '" + t->name() + "' is not a sparse Constant");
    }
    e.message(fl::graph::kSparseInitializer, [&] { sparse(e, *t->sparse_data(), t->name()); });
  }
  entries(e, fl::graph::kMetadataProps, g.metadata_props());
  e.unknown(x);
}

void MessageWriter::function(Encoder& e, const ir::Function& f) {
  const ir::WireExtras& x = f.extras;
  const ir::Graph& body = *f.body;
  e.opt_string(fl::function::kName, f.name, x);
  for (const ir::Tensor* t : body.inputs()) e.bytes_field(fl::function::kInput, t->name());
  for (const ir::Tensor* t : body.outputs()) e.bytes_field(fl::function::kOutput, t->name());
  e.strings(fl::function::kAttribute, f.attribute);
  for (const auto& n : body.nodes()) e.message(fl::function::kNode, [&] { node(e, *n); });
  e.opt_string(fl::function::kDocString, f.doc_string, x);
  for (const ir::OpsetId& o : f.opset_import) {
    e.message(fl::function::kOpsetImport, [&] {
      e.opt_string(fl::opset::kDomain, o.domain, o.extras);
      e.opt_int64(fl::opset::kVersion, o.version, o.extras);
      e.unknown(o.extras);
    });
  }
  e.opt_string(fl::function::kDomain, f.domain, x);
  for (const ir::Attribute& a : f.attribute_proto) {
    e.message(fl::function::kAttributeProto, [&] { attribute(e, a); });
  }
  declarations(e, fl::function::kValueInfo, body, List::kValueInfo, body.value_info());
  e.opt_string(fl::function::kOverload, f.overload, x);
  entries(e, fl::function::kMetadataProps, f.metadata_props);
  e.unknown(x);
}

void MessageWriter::training(Encoder& e, const ir::TrainingInfo& t) {
  if (t.initialization)
    e.message(fl::training::kInitialization, [&] { graph(e, *t.initialization); });
  if (t.algorithm) e.message(fl::training::kAlgorithm, [&] { graph(e, *t.algorithm); });
  entries(e, fl::training::kInitializationBinding, t.initialization_binding);
  entries(e, fl::training::kUpdateBinding, t.update_binding);
  e.unknown(t.extras);
}

void MessageWriter::model(Encoder& e, const ir::Model& m) {
  const ir::WireExtras& x = m.extras;
  e.opt_int64(fl::model::kIrVersion, m.ir_version, x);
  e.opt_string(fl::model::kProducerName, m.producer_name, x);
  e.opt_string(fl::model::kProducerVersion, m.producer_version, x);
  e.opt_string(fl::model::kDomain, m.domain, x);
  e.opt_int64(fl::model::kModelVersion, m.model_version, x);
  e.opt_string(fl::model::kDocString, m.doc_string, x);
  if (m.graph) e.message(fl::model::kGraph, [&] { graph(e, *m.graph); });
  for (const ir::OpsetId& o : m.opset_import) opset(e, o);
  entries(e, fl::model::kMetadataProps, m.metadata_props);
  for (const ir::TrainingInfo& t : m.training_info) {
    e.message(fl::model::kTrainingInfo, [&] { training(e, t); });
  }
  for (const ir::Function& f : m.functions)
    e.message(fl::model::kFunctions, [&] { function(e, f); });
  e.unknown(x);
}

// ---- SequenceProto, MapProto, OptionalProto

void MessageWriter::sequence(Encoder& e, const ir::ValueData& v) {
  e.opt_string(fl::sequence::kName, v.name, v.extras);
  e.opt_int32(fl::sequence::kElemType, v.elem_type, v.extras);
  for (const auto& t : v.tensor_values)
    e.message(fl::sequence::kTensorValues, [&] { tensor(e, t, t.name); });
  for (const auto& s : v.sparse_tensor_values) {
    e.message(fl::sequence::kSparseTensorValues, [&] { sparse(e, s, s.values.name); });
  }
  for (const auto& s : v.sequence_values)
    e.message(fl::sequence::kSequenceValues, [&] { sequence(e, s); });
  for (const auto& m : v.map_values) e.message(fl::sequence::kMapValues, [&] { map(e, m); });
  for (const auto& o : v.optional_values)
    e.message(fl::sequence::kOptionalValues, [&] { optional(e, o); });
  e.unknown(v.extras);
}

void MessageWriter::map(Encoder& e, const ir::ValueData& v) {
  e.opt_string(fl::map::kName, v.name, v.extras);
  e.opt_int32(fl::map::kKeyType, v.key_type, v.extras);
  e.unpacked_varints(fl::map::kKeys, v.keys);
  e.strings(fl::map::kStringKeys, v.string_keys);
  if (v.map_value_sequence)
    e.message(fl::map::kValues, [&] { sequence(e, *v.map_value_sequence); });
  e.unknown(v.extras);
}

void MessageWriter::optional(Encoder& e, const ir::ValueData& v) {
  using Kind = ir::ValueData::Kind;
  e.opt_string(fl::optional::kName, v.name, v.extras);
  e.opt_int32(fl::optional::kElemType, v.elem_type, v.extras);
  if (const ir::ValueData* o = v.optional_value.get()) {
    switch (o->kind) {
      case Kind::kTensor:
        e.message(fl::optional::kTensorValue, [&] { tensor(e, o->tensor, o->tensor.name); });
        break;
      case Kind::kSparseTensor:
        e.message(fl::optional::kSparseTensorValue,
                  [&] { sparse(e, o->sparse_tensor, o->sparse_tensor.values.name); });
        break;
      case Kind::kSequence:
        e.message(fl::optional::kSequenceValue, [&] { sequence(e, *o); });
        break;
      case Kind::kMap:
        e.message(fl::optional::kMapValue, [&] { map(e, *o); });
        break;
      case Kind::kOptional:
        e.message(fl::optional::kOptionalValue, [&] { optional(e, *o); });
        break;
    }
  }
  e.unknown(v.extras);
}

void MessageWriter::value(Encoder& e, const ir::ValueData& v) {
  using Kind = ir::ValueData::Kind;
  switch (v.kind) {
    case Kind::kTensor:
      tensor(e, v.tensor, v.tensor.name);
      break;
    case Kind::kSparseTensor:
      sparse(e, v.sparse_tensor, v.sparse_tensor.values.name);
      break;
    case Kind::kSequence:
      sequence(e, v);
      break;
    case Kind::kMap:
      map(e, v);
      break;
    case Kind::kOptional:
      optional(e, v);
      break;
  }
}

// Runs `body` twice (size pass, emit pass) and returns the bytes.
template <typename Body>
std::string encode_to_string(Body&& body) {
  Encoder sizer;
  body(sizer);
  std::string out;
  out.reserve(static_cast<std::size_t>(sizer.count()));
  StringSink sink(out);
  Encoder emit(sink, sizer.take_sizes());
  body(emit);
  emit.flush();
  return out;
}

// ---------------------------------------------------------------- external data on save

struct ExternalFile {
  std::string location;
  std::vector<Piece> pieces;  // by offset, not overlapping
};

/// Decides where every tensor's bytes go for write_model_file.
class SavePlan {
 public:
  SavePlan(const ir::Model& model, const WriteOptions& options, MessageWriter& writer)
      : model_(model), options_(options), placements_(writer.placements()) {}

  std::vector<ExternalFile> make(const std::string& model_file_name);

 private:
  // The bytes of an external tensor: resolved when the model was read, or now.
  Buffer external_bytes(const ir::TensorData& t);
  void keep_external(std::vector<const ir::TensorData*> tensors, ExternalFile& file);

  const ir::Model& model_;
  const WriteOptions& options_;
  std::unordered_map<const ir::TensorData*, Placement>& placements_;
  std::optional<ExternalDataResolver> resolver_;
};

Buffer SavePlan::external_bytes(const ir::TensorData& t) {
  if (!t.external_bytes.empty()) return t.external_bytes;
  if (auto size = t.byte_size(); size && *size == 0) return {};
  if (!resolver_) {
    if (model_.path.empty()) {
      throw Error(describe_tensor(t),
                  "its external data was not loaded and the model has no source path");
    }
    fs::path base = model_.path.parent_path();
    resolver_.emplace(base.empty() ? fs::path(".") : base);
  }
  try {
    return resolver_->resolve(t);
  } catch (const Error& e) {
    throw e.within(describe_tensor(t));
  }
}

void SavePlan::keep_external(std::vector<const ir::TensorData*> tensors, ExternalFile& file) {
  std::vector<KeptTensor> kept;
  kept.reserve(tensors.size());
  for (const ir::TensorData* t : tensors) {
    const ir::ExternalDataRef ref = t->external_ref();
    kept.push_back({ref.offset, ref.length, external_bytes(*t)});
  }
  if (auto pieces = keep_offsets(kept)) {
    file.pieces = std::move(*pieces);  // the entries stay as they are
    return;
  }
  // Offsets cannot stay: lay the tensors out again, in model order.
  ExternalLayout layout(file.location);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const ir::TensorData* t = tensors[i];
    const std::uint64_t offset = layout.add(kept[i].bytes);
    placements_[t] =
        Placement{Placement::Kind::kExternal,
                  {},
                  with_offset(t->external_data, file.location, offset, kept[i].bytes.size())};
  }
  file.pieces = std::move(layout.pieces());
}

std::vector<ExternalFile> SavePlan::make(const std::string& model_file_name) {
  using Mode = WriteOptions::ExternalData;
  std::vector<ExternalFile> files;
  if (options_.external_data == Mode::kKeep) {
    std::vector<std::string> locations;
    std::unordered_map<std::string, std::vector<const ir::TensorData*>> by_location;
    for_each_tensor(model_, [&](const ir::TensorData& t) {
      if (!t.is_external()) return;
      std::string location;
      try {
        location = t.external_ref().location;
      } catch (const Error& e) {
        throw e.within(describe_tensor(t));
      }
      auto [it, fresh] = by_location.try_emplace(location);
      if (fresh) locations.push_back(location);
      it->second.push_back(&t);
    });
    for (const std::string& location : locations) {
      check_output_location(location);
      ExternalFile& file = files.emplace_back();
      file.location = location;
      keep_external(std::move(by_location[location]), file);
    }
    return files;
  }

  if (options_.external_data == Mode::kInline) {
    for_each_tensor(model_, [&](const ir::TensorData& t) {
      if (t.is_external())
        placements_[&t] = Placement{Placement::Kind::kInline, external_bytes(t), {}};
    });
    return files;
  }

  // kOneFile
  ExternalLayout layout(options_.external_file.empty() ? model_file_name + ".data"
                                                       : options_.external_file);
  check_output_location(layout.location());
  for_each_tensor(model_, [&](const ir::TensorData& t) {
    if (t.data_type == DataType::kString || (!t.has_raw_data && !t.is_external())) return;
    const Buffer bytes = t.is_external() ? external_bytes(t) : t.raw_data;
    if (bytes.size() < options_.size_threshold) {
      if (t.is_external()) placements_[&t] = Placement{Placement::Kind::kInline, bytes, {}};
      return;
    }
    const std::uint64_t offset = layout.add(bytes);
    placements_[&t] =
        Placement{Placement::Kind::kExternal, {}, layout.fresh_entries(offset, bytes.size())};
  });
  ExternalFile file;
  file.location = layout.location();
  file.pieces = std::move(layout.pieces());
  if (!file.pieces.empty()) files.push_back(std::move(file));
  return files;
}

}  // namespace

void write_model_file(const ir::Model& model, const fs::path& path, const WriteOptions& options) {
  try {
    MessageWriter writer(false);
    SavePlan plan(model, options, writer);
    const std::vector<ExternalFile> files = plan.make(path.filename().string());
    fs::path dir = path.parent_path();
    if (dir.empty()) dir = ".";

    // Everything goes to temporary files first; renames come last, external
    // data before the model that refers to it.
    std::vector<std::unique_ptr<TempFile>> temps;
    for (const ExternalFile& file : files) {
      const fs::path target = dir / file.location;
      if (target.has_parent_path()) fs::create_directories(target.parent_path());
      auto temp = std::make_unique<TempFile>(target);
      write_pieces(*temp, file.pieces, false);
      temp->close();
      temps.push_back(std::move(temp));
    }

    Encoder sizer;
    writer.model(sizer, model);
    if (options.external_data == WriteOptions::ExternalData::kInline &&
        sizer.count() > kProtobufLimit) {
      fail_too_big_inline(sizer.count());
    }
    auto model_file = std::make_unique<TempFile>(path);
    Encoder emit(*model_file, sizer.take_sizes());
    writer.model(emit, model);
    emit.flush();
    model_file->close();

    for (auto& temp : temps) temp->commit();
    model_file->commit();
  } catch (const Error& e) {
    if (e.location().rfind(path.string(), 0) == 0) throw;
    throw e.within(path.string());
  } catch (const fs::filesystem_error& e) {
    throw Error(path.string(), e.what());
  }
}

std::string write_model(const ir::Model& model) {
  MessageWriter writer(true);
  return encode_to_string([&](Encoder& e) { writer.model(e, model); });
}

std::string write_tensor(const ir::TensorData& tensor) {
  MessageWriter writer(true);
  return encode_to_string([&](Encoder& e) { writer.tensor(e, tensor, tensor.name); });
}

std::string write_value(const ir::ValueData& value) {
  MessageWriter writer(true);
  return encode_to_string([&](Encoder& e) { writer.value(e, value); });
}

}  // namespace onnxkit::proto
