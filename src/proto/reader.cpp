#include "onnxkit/proto/reader.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/core/mapped_file.h"
#include "proto/external_data.h"
#include "proto/field_numbers.h"
#include "proto/wire.h"

namespace onnxkit::proto {
namespace {

namespace fs = std::filesystem;
namespace fl = fields;
using Bytes = std::span<const std::byte>;
using wire::Decoder;
using wire::Field;
using wire::WireType;
using List = ir::Graph::DeclarationOverride::List;

std::string quoted(std::string_view what, std::string_view name, std::size_t index) {
  if (name.empty()) return std::string(what) + " #" + std::to_string(index);
  return std::string(what) + " '" + std::string(name) + "'";
}

void keep_unknown(const Field& f, ir::WireExtras& x) { x.append_unknown(f.raw_chars()); }

// Singular fields: each returns false when the wire type does not fit, and
// the caller keeps the field as unknown. A value equal to the default is
// marked present, since proto2 tells present-and-default from absent.
bool read_string(const Field& f, std::string& out, ir::WireExtras& x) {
  if (f.type != WireType::kLen) return false;
  out.assign(f.chars());
  if (out.empty()) x.mark_default(static_cast<int>(f.number));
  return true;
}

bool read_int64(const Field& f, std::int64_t& out, ir::WireExtras& x) {
  if (f.type != WireType::kVarint) return false;
  out = f.as_int64();
  if (out == 0) x.mark_default(static_cast<int>(f.number));
  return true;
}

template <typename Enum>
bool read_int32(const Field& f, Enum& out, ir::WireExtras& x) {
  if (f.type != WireType::kVarint) return false;
  out = static_cast<Enum>(f.as_int32());
  if (f.as_int32() == 0) x.mark_default(static_cast<int>(f.number));
  return true;
}

bool read_float(const Field& f, float& out, ir::WireExtras& x) {
  if (f.type != WireType::kFixed32) return false;
  out = f.as_float();
  if (f.value == 0) x.mark_default(static_cast<int>(f.number));
  return true;
}

void append_string(const Field& f, std::vector<std::string>& out) { out.emplace_back(f.chars()); }

// Repeated fixed-width values: packed payloads are copied in one go.
template <typename T>
bool read_fixed_list(const Field& f, std::vector<T>& out, const std::byte* origin) {
  constexpr WireType elem = sizeof(T) == 4 ? WireType::kFixed32 : WireType::kFixed64;
  if (f.type == WireType::kLen && f.bytes.size() % sizeof(T) == 0) {
    const std::size_t n = f.bytes.size() / sizeof(T);
    const std::size_t old = out.size();
    out.resize(old + n);
    if (n != 0) std::memcpy(out.data() + old, f.bytes.data(), f.bytes.size());
    return true;
  }
  return wire::for_each_scalar(f, elem, origin, [&](std::uint64_t v) {
    if constexpr (sizeof(T) == 4) {
      out.push_back(std::bit_cast<T>(static_cast<std::uint32_t>(v)));
    } else {
      out.push_back(std::bit_cast<T>(v));
    }
  });
}

template <typename T>
bool read_varint_list(const Field& f, std::vector<T>& out, const std::byte* origin) {
  if (f.type == WireType::kLen) out.reserve(out.size() + wire::packed_count(f, WireType::kVarint));
  return wire::for_each_scalar(f, WireType::kVarint, origin,
                               [&](std::uint64_t v) { out.push_back(static_cast<T>(v)); });
}

// A node's input names while the node is read: most nodes have a few, kept
// on the stack; a long list moves to the heap.
class InputNames {
 public:
  void push_back(std::string_view name) {
    if (more_.empty() && n_ < few_.size()) {
      few_[n_++] = name;
      return;
    }
    if (more_.empty()) more_.assign(few_.begin(), few_.begin() + static_cast<std::ptrdiff_t>(n_));
    more_.push_back(name);
    ++n_;
  }
  std::span<const std::string_view> view() const noexcept {
    return more_.empty() ? std::span<const std::string_view>(few_.data(), n_)
                         : std::span<const std::string_view>(more_);
  }

 private:
  std::array<std::string_view, 8> few_;
  std::size_t n_ = 0;
  std::vector<std::string_view> more_;
};

// A node whose inputs are wired once every graph has defined its tensors.
struct PendingNode {
  ir::Graph* graph;
  ir::Node* node;
  std::size_t first, count;  // into Reader::names_
};

// A graph output or value_info entry, resolved by name in the second pass.
struct PendingDecl {
  ir::Graph* graph;
  List list;
  Bytes bytes;
  std::string_view name;
  std::uint64_t hash;                   // of name
  std::unique_ptr<ir::ValueInfo> info;  // handed to the tensor as it is
};

// Function outputs are plain names, resolved in the second pass.
struct PendingOutputs {
  ir::Graph* body;
  std::size_t first, count;
};

class Reader {
 public:
  Reader(Buffer input, const ReadOptions& options, const fs::path& base_dir, bool resolve)
      : input_(std::move(input)), origin_(input_.bytes().data()), max_depth_(options.max_depth) {
    if (resolve) resolver_.emplace(base_dir);
  }

  ir::Model model();
  ir::TensorData tensor() {
    ir::TensorData t;
    parse_tensor(input_.bytes(), t);
    return t;
  }
  ir::ValueData value(ir::ValueData::Kind kind) {
    ir::ValueData v;
    switch (kind) {
      case ir::ValueData::Kind::kTensor:
        parse_tensor(input_.bytes(), v.tensor);
        break;
      case ir::ValueData::Kind::kSparseTensor:
        parse_sparse(input_.bytes(), v.sparse_tensor);
        break;
      case ir::ValueData::Kind::kSequence:
        parse_sequence(input_.bytes(), v);
        break;
      case ir::ValueData::Kind::kMap:
        parse_map(input_.bytes(), v);
        break;
      case ir::ValueData::Kind::kOptional:
        parse_optional(input_.bytes(), v);
        break;
    }
    v.kind = kind;
    return v;
  }

 private:
  struct Depth : wire::NestingGuard {
    explicit Depth(Reader& r) : NestingGuard(r.depth_, r.max_depth_) {}
  };

  Decoder decoder(Bytes bytes) const { return Decoder(bytes, origin_); }

  void parse_entry(Bytes bytes, ir::StringEntry& e);
  void parse_opset(Bytes bytes, ir::OpsetId& o);
  void parse_tensor(Bytes bytes, ir::TensorData& t);
  void parse_sparse(Bytes bytes, ir::SparseTensorData& s);
  void parse_type(Bytes bytes, ir::Type& t);
  void parse_type_member(Bytes bytes, ir::Type& t, ir::Type::Kind kind);
  void parse_shape(Bytes bytes, ir::TypeShape& s);
  std::string_view parse_value_info(Bytes bytes, ir::ValueInfo& info);
  void parse_attribute(Bytes bytes, ir::Attribute& a, ir::Graph& owner);
  void parse_node(Bytes bytes, ir::Graph& g);
  void parse_graph(const std::vector<Bytes>& parts, ir::Graph& g);
  void parse_annotation(Bytes bytes, ir::TensorAnnotation& a);
  void parse_function(Bytes bytes, ir::Function& fn);
  void parse_training(Bytes bytes, ir::TrainingInfo& t, ir::Graph* main);
  void parse_sequence(Bytes bytes, ir::ValueData& v);
  void parse_map(Bytes bytes, ir::ValueData& v);
  void parse_optional(Bytes bytes, ir::ValueData& v);

  void define_input(ir::Graph& g, Bytes bytes, std::size_t index);
  void defer_declaration(ir::Graph& g, List list, Bytes bytes, std::size_t index);
  void declare(ir::Graph& g, List list, ir::Tensor* t, std::unique_ptr<ir::ValueInfo> info,
               Bytes bytes);
  Bytes first_declaration(const ir::Tensor* t);
  void wire_all();

  Buffer input_;
  const std::byte* origin_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::optional<ExternalDataResolver> resolver_;

  std::vector<std::string_view> names_;
  std::vector<PendingNode> pending_nodes_;
  std::vector<PendingDecl> pending_decls_;
  std::vector<PendingOutputs> pending_outputs_;
  // First declaration of each tensor (ValueInfoProto bytes), to spot later
  // declarations that differ. Repeats are rare: the map is made from the list
  // only when one comes.
  std::vector<std::pair<const ir::Tensor*, Bytes>> declared_;
  std::unordered_map<const ir::Tensor*, Bytes> declared_map_;
  std::size_t declared_mapped_ = 0;  // entries of declared_ in declared_map_
};

// ---------------------------------------------------------------- small messages

void Reader::parse_entry(Bytes bytes, ir::StringEntry& e) {
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (f.number) {
      case fl::entry::kKey:
        ok = read_string(f, e.key, e.extras);
        break;
      case fl::entry::kValue:
        ok = read_string(f, e.value, e.extras);
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, e.extras);
  }
}

void Reader::parse_opset(Bytes bytes, ir::OpsetId& o) {
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (f.number) {
      case fl::opset::kDomain:
        ok = read_string(f, o.domain, o.extras);
        break;
      case fl::opset::kVersion:
        ok = read_int64(f, o.version, o.extras);
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, o.extras);
  }
}

void Reader::parse_annotation(Bytes bytes, ir::TensorAnnotation& a) {
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (f.number) {
      case fl::annotation::kTensorName:
        ok = read_string(f, a.tensor_name, a.extras);
        break;
      case fl::annotation::kQuantParameterTensorNames:
        if ((ok = f.type == WireType::kLen))
          parse_entry(f.bytes, a.quant_parameter_tensor_names.emplace_back());
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, a.extras);
  }
}

// ---------------------------------------------------------------- tensors

void Reader::parse_tensor(Bytes bytes, ir::TensorData& t) {
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (f.number) {
      case fl::tensor::kDims:
        ok = read_varint_list(f, t.dims, origin_);
        break;
      case fl::tensor::kDataType:
        ok = read_int32(f, t.data_type, t.extras);
        break;
      case fl::tensor::kSegment:
        if ((ok = f.type == WireType::kLen)) {
          if (!t.segment) t.segment = ir::TensorData::Segment{0, 0, {}};
          Depth seg_depth(*this);
          Decoder sd = decoder(f.bytes);
          while (!sd.done()) {
            const Field sf = sd.next();
            bool sok = false;
            if (sf.number == fl::segment::kBegin)
              sok = read_int64(sf, t.segment->begin, t.segment->extras);
            if (sf.number == fl::segment::kEnd)
              sok = read_int64(sf, t.segment->end, t.segment->extras);
            if (!sok) keep_unknown(sf, t.segment->extras);
          }
        }
        break;
      case fl::tensor::kFloatData:
        ok = read_fixed_list(f, t.float_data, origin_);
        break;
      case fl::tensor::kInt32Data:
        ok = read_varint_list(f, t.int32_data, origin_);
        break;
      case fl::tensor::kStringData:
        if ((ok = f.type == WireType::kLen)) append_string(f, t.string_data);
        break;
      case fl::tensor::kInt64Data:
        ok = read_varint_list(f, t.int64_data, origin_);
        break;
      case fl::tensor::kName:
        ok = read_string(f, t.name, t.extras);
        break;
      case fl::tensor::kRawData:
        if ((ok = f.type == WireType::kLen)) {
          t.raw_data =
              input_.slice(static_cast<std::size_t>(f.bytes.data() - origin_), f.bytes.size());
          t.has_raw_data = true;
        }
        break;
      case fl::tensor::kDoubleData:
        ok = read_fixed_list(f, t.double_data, origin_);
        break;
      case fl::tensor::kUint64Data:
        ok = read_varint_list(f, t.uint64_data, origin_);
        break;
      case fl::tensor::kDocString:
        ok = read_string(f, t.doc_string, t.extras);
        break;
      case fl::tensor::kExternalData:
        if ((ok = f.type == WireType::kLen)) parse_entry(f.bytes, t.external_data.emplace_back());
        break;
      case fl::tensor::kDataLocation:
        ok = read_int32(f, t.data_location, t.extras);
        break;
      case fl::tensor::kMetadataProps:
        if ((ok = f.type == WireType::kLen)) parse_entry(f.bytes, t.metadata_props.emplace_back());
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, t.extras);
  }
  if (t.is_external() && resolver_) t.external_bytes = resolver_->resolve(t);
}

void Reader::parse_sparse(Bytes bytes, ir::SparseTensorData& s) {
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (f.number) {
      case fl::sparse::kValues:
        if ((ok = f.type == WireType::kLen)) {
          s.has_values = true;
          try {
            parse_tensor(f.bytes, s.values);
          } catch (const Error& e) {
            throw e.within("values");
          }
        }
        break;
      case fl::sparse::kIndices:
        if ((ok = f.type == WireType::kLen)) {
          s.has_indices = true;
          try {
            parse_tensor(f.bytes, s.indices);
          } catch (const Error& e) {
            throw e.within("indices");
          }
        }
        break;
      case fl::sparse::kDims:
        ok = read_varint_list(f, s.dims, origin_);
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, s.extras);
  }
}

// ---------------------------------------------------------------- types

// Counts the `dim` entries of a TensorShapeProto, so that the dims are
// allocated once (a Dim is 80 bytes; growing 1 -> 2 -> 4 costs a copy each).
std::size_t count_dims(Decoder d) {
  std::size_t n = 0;
  while (!d.done()) {
    const Field f = d.next();
    n += f.number == fl::shape::kDim && f.type == WireType::kLen ? 1 : 0;
  }
  return n;
}

void Reader::parse_shape(Bytes bytes, ir::TypeShape& s) {
  Depth depth(*this);
  s.dims.reserve(s.dims.size() + count_dims(decoder(bytes)));
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    if (f.number != fl::shape::kDim || f.type != WireType::kLen) {
      keep_unknown(f, s.extras);
      continue;
    }
    Dim& dim = s.dims.emplace_back();
    ir::WireExtras x;
    std::string denotation;
    Depth dim_depth(*this);
    Decoder dd = decoder(f.bytes);
    while (!dd.done()) {
      const Field df = dd.next();
      bool ok = false;
      switch (df.number) {
        case fl::dim::kValue:
          if ((ok = df.type == WireType::kVarint)) {
            dim.kind = Dim::Kind::kValue;
            dim.value = df.as_int64();
            dim.param.clear();
          }
          break;
        case fl::dim::kParam:
          if ((ok = df.type == WireType::kLen)) {
            dim.kind = Dim::Kind::kParam;
            dim.param.assign(df.chars());
            dim.value = 0;
          }
          break;
        case fl::dim::kDenotation:
          ok = read_string(df, denotation, x);
          break;
        default:
          break;
      }
      if (!ok) keep_unknown(df, x);
    }
    // dim_extras stays empty unless some dim has extras (most have none).
    if (!x.empty() || !denotation.empty()) {
      s.dim_extras.resize(s.dims.size());
      s.dim_extras.back() = ir::DimExtras{std::move(denotation), std::move(x)};
    }
  }
  if (!s.dim_extras.empty()) s.dim_extras.resize(s.dims.size());
}

void Reader::parse_type_member(Bytes bytes, ir::Type& t, ir::Type::Kind kind) {
  using Kind = ir::Type::Kind;
  if (t.kind != kind && t.kind != Kind::kNone) {
    // A oneof: a new member replaces the old one.
    t.elem_type = DataType::kUndefined;
    t.shape.reset();
    t.elem.reset();
    t.key_type = DataType::kUndefined;
    if (!t.opaque_domain().empty()) t.set_opaque_domain({});
    if (!t.opaque_name().empty()) t.set_opaque_name({});
    t.inner_extras = {};
  }
  t.kind = kind;
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (kind) {
      case Kind::kTensor:
      case Kind::kSparseTensor:
        if (f.number == fl::type_tensor::kElemType) ok = read_int32(f, t.elem_type, t.inner_extras);
        if (f.number == fl::type_tensor::kShape && (ok = f.type == WireType::kLen)) {
          if (!t.shape) t.shape.emplace();
          parse_shape(f.bytes, *t.shape);
        }
        break;
      case Kind::kSequence:
      case Kind::kOptional:
        if (f.number == fl::type_elem::kElemType && (ok = f.type == WireType::kLen)) {
          if (!t.elem) t.elem = std::make_unique<ir::Type>();
          parse_type(f.bytes, *t.elem);
        }
        break;
      case Kind::kMap:
        if (f.number == fl::type_map::kKeyType) ok = read_int32(f, t.key_type, t.inner_extras);
        if (f.number == fl::type_map::kValueType && (ok = f.type == WireType::kLen)) {
          if (!t.elem) t.elem = std::make_unique<ir::Type>();
          parse_type(f.bytes, *t.elem);
        }
        break;
      case Kind::kOpaque:
        if (f.number == fl::type_opaque::kDomain || f.number == fl::type_opaque::kName) {
          std::string text;
          if ((ok = read_string(f, text, t.inner_extras))) {
            if (f.number == fl::type_opaque::kDomain)
              t.set_opaque_domain(std::move(text));
            else
              t.set_opaque_name(std::move(text));
          }
        }
        break;
      case Kind::kNone:
        break;
    }
    if (!ok) keep_unknown(f, t.inner_extras);
  }
}

void Reader::parse_type(Bytes bytes, ir::Type& t) {
  using Kind = ir::Type::Kind;
  Depth depth(*this);
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    std::optional<Kind> kind;
    switch (f.number) {
      case fl::type::kTensorType:
        kind = Kind::kTensor;
        break;
      case fl::type::kSequenceType:
        kind = Kind::kSequence;
        break;
      case fl::type::kMapType:
        kind = Kind::kMap;
        break;
      case fl::type::kOptionalType:
        kind = Kind::kOptional;
        break;
      case fl::type::kSparseTensorType:
        kind = Kind::kSparseTensor;
        break;
      case fl::type::kOpaqueType:
        kind = Kind::kOpaque;
        break;
      case fl::type::kDenotation:
        if (std::string text; read_string(f, text, t.extras)) {
          t.set_denotation(std::move(text));
          continue;
        }
        break;
      default:
        break;
    }
    if (kind && f.type == WireType::kLen) {
      parse_type_member(f.bytes, t, *kind);
    } else {
      keep_unknown(f, t.extras);
    }
  }
}

std::string_view Reader::parse_value_info(Bytes bytes, ir::ValueInfo& info) {
  Depth depth(*this);
  std::string_view name;
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    bool ok = false;
    switch (f.number) {
      case fl::value_info::kName:
        if ((ok = f.type == WireType::kLen)) {
          name = f.chars();
          if (name.empty()) info.extras.mark_default(fl::value_info::kName);
        }
        break;
      case fl::value_info::kType:
        if ((ok = f.type == WireType::kLen)) {
          if (!info.type) info.type.emplace();
          parse_type(f.bytes, *info.type);
        }
        break;
      case fl::value_info::kDocString:
        ok = read_string(f, info.doc_string, info.extras);
        break;
      case fl::value_info::kMetadataProps:
        if ((ok = f.type == WireType::kLen))
          parse_entry(f.bytes, info.metadata_props.emplace_back());
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, info.extras);
  }
  return name;
}

// ---------------------------------------------------------------- attributes, nodes

void Reader::parse_attribute(Bytes bytes, ir::Attribute& a, ir::Graph& owner) {
  Depth depth(*this);
  std::vector<Bytes> graph_parts;  // `g`, merged when it occurs more than once
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    bool ok = false;
    switch (f.number) {
      case fl::attr::kName:
        ok = read_string(f, a.name, a.extras);
        break;
      case fl::attr::kF:
        ok = read_float(f, a.f, a.extras);
        break;
      case fl::attr::kI:
        ok = read_int64(f, a.i, a.extras);
        break;
      case fl::attr::kS:
        ok = read_string(f, a.s, a.extras);
        break;
      case fl::attr::kT:
        if ((ok = len)) {
          if (!a.t) a.t = std::make_unique<ir::TensorData>();
          parse_tensor(f.bytes, *a.t);
        }
        break;
      case fl::attr::kG:
        if ((ok = len)) graph_parts.push_back(f.bytes);
        break;
      case fl::attr::kFloats:
        ok = read_fixed_list(f, a.floats, origin_);
        break;
      case fl::attr::kInts:
        ok = read_varint_list(f, a.ints, origin_);
        break;
      case fl::attr::kStrings:
        if ((ok = len)) append_string(f, a.strings);
        break;
      case fl::attr::kTensors:
        if ((ok = len)) parse_tensor(f.bytes, a.tensors.emplace_back());
        break;
      case fl::attr::kGraphs:
        if ((ok = len)) {
          auto g = std::make_unique<ir::Graph>(&owner);
          parse_graph({f.bytes}, *g);
          a.graphs.push_back(std::move(g));
        }
        break;
      case fl::attr::kDocString:
        ok = read_string(f, a.doc_string, a.extras);
        break;
      case fl::attr::kTp:
        if ((ok = len)) {
          if (!a.tp) a.tp = std::make_unique<ir::Type>();
          parse_type(f.bytes, *a.tp);
        }
        break;
      case fl::attr::kTypeProtos:
        if ((ok = len)) parse_type(f.bytes, a.type_protos.emplace_back());
        break;
      case fl::attr::kType:
        ok = read_int32(f, a.type, a.extras);
        break;
      case fl::attr::kRefAttrName:
        ok = read_string(f, a.ref_attr_name, a.extras);
        break;
      case fl::attr::kSparseTensor:
        if ((ok = len)) {
          if (!a.sparse_tensor) a.sparse_tensor = std::make_unique<ir::SparseTensorData>();
          parse_sparse(f.bytes, *a.sparse_tensor);
        }
        break;
      case fl::attr::kSparseTensors:
        if ((ok = len)) parse_sparse(f.bytes, a.sparse_tensors.emplace_back());
        break;
      default:
        break;
    }
    if (!ok) keep_unknown(f, a.extras);
  }
  if (!graph_parts.empty()) {
    a.g = std::make_unique<ir::Graph>(&owner);
    parse_graph(graph_parts, *a.g);
  }
}

void Reader::parse_node(Bytes bytes, ir::Graph& g) {
  Depth depth(*this);
  ir::Node* node = g.add_node({});
  InputNames inputs;
  ir::WireExtras extras;  // stored on the node only if there are any (most have none)
  try {
    Decoder d = decoder(bytes);
    while (!d.done()) {
      const Field f = d.next();
      const bool len = f.type == WireType::kLen;
      bool ok = false;
      // As read_string(), but the string is made in place for the setter.
      auto set = [&](void (ir::Node::*setter)(std::string)) {
        if ((ok = len)) {
          const std::string_view value = f.chars();
          if (value.empty()) extras.mark_default(static_cast<int>(f.number));
          (node->*setter)(std::string(value));
        }
      };
      switch (f.number) {
        case fl::node::kInput:
          if ((ok = len)) inputs.push_back(f.chars());
          break;
        case fl::node::kOutput:
          if ((ok = len)) {
            node->add_output(g.local_tensor(f.chars()));
          }
          break;
        case fl::node::kName:
          set(&ir::Node::set_name);
          break;
        case fl::node::kOpType:
          set(&ir::Node::set_op_type);
          break;
        case fl::node::kAttribute:
          if ((ok = len)) {
            ir::Attribute& a = node->attributes().emplace_back();
            try {
              parse_attribute(f.bytes, a, g);
            } catch (const Error& e) {
              throw e.within(quoted("attribute", a.name, node->attributes().size() - 1));
            }
          }
          break;
        case fl::node::kDocString:
          set(&ir::Node::set_doc_string);
          break;
        case fl::node::kDomain:
          set(&ir::Node::set_domain);
          break;
        case fl::node::kOverload:
          set(&ir::Node::set_overload);
          break;
        case fl::node::kMetadataProps:
          if ((ok = len)) parse_entry(f.bytes, node->metadata_props().emplace_back());
          break;
        default:
          break;
      }
      if (!ok) keep_unknown(f, extras);
    }
    if (!extras.empty()) node->extras() = std::move(extras);
  } catch (const Error& e) {
    throw e.within(node->name().empty()
                       ? "node #" + std::to_string(g.node_count() - 1) +
                             (node->op_type().empty() ? "" : " (" + node->qualified_op() + ")")
                       : node->describe());
  }
  const std::span<const std::string_view> names = inputs.view();
  pending_nodes_.push_back({&g, node, names_.size(), names.size()});
  names_.insert(names_.end(), names.begin(), names.end());
}

// ---------------------------------------------------------------- graphs

Bytes Reader::first_declaration(const ir::Tensor* t) {
  if (declared_map_.empty()) declared_map_.reserve(declared_.size());
  for (; declared_mapped_ < declared_.size(); ++declared_mapped_) {
    declared_map_.emplace(declared_[declared_mapped_]);
  }
  return declared_map_.at(t);
}

void Reader::declare(ir::Graph& g, List list, ir::Tensor* t, std::unique_ptr<ir::ValueInfo> info,
                     Bytes bytes) {
  std::vector<ir::Tensor*>& vec = list == List::kInput    ? g.inputs()
                                  : list == List::kOutput ? g.outputs()
                                                          : g.value_info();
  const std::size_t index = vec.size();
  vec.push_back(t);
  // Only declarations give a tensor a ValueInfo while a model is read, so
  // one without is declared here for the first time.
  if (!t->has_info()) {
    t->set_info(std::move(info));
    declared_.emplace_back(t, bytes);
    return;
  }
  const Bytes before = first_declaration(t);
  const bool same = before.size() == bytes.size() &&
                    (bytes.empty() || std::memcmp(before.data(), bytes.data(), bytes.size()) == 0);
  if (!same) g.declaration_overrides().push_back({list, index, std::move(*info)});
}

void Reader::defer_declaration(ir::Graph& g, List list, Bytes bytes, std::size_t index) {
  PendingDecl& p = pending_decls_.emplace_back(
      PendingDecl{&g, list, bytes, {}, 0, std::make_unique<ir::ValueInfo>()});
  try {
    p.name = parse_value_info(bytes, *p.info);
    p.hash = ir::hash_name(p.name);
  } catch (const Error& e) {
    throw e.within(quoted(list == List::kOutput ? "output" : "value_info", p.name, index));
  }
}

void Reader::define_input(ir::Graph& g, Bytes bytes, std::size_t index) {
  auto info = std::make_unique<ir::ValueInfo>();
  std::string_view name;
  try {
    name = parse_value_info(bytes, *info);
  } catch (const Error& e) {
    throw e.within(quoted("input", name, index));
  }
  declare(g, List::kInput, g.local_tensor(name), std::move(info), bytes);
}

// Room for `extra` more elements, growing geometrically (a model with many
// small subgraphs asks once per subgraph).
template <typename T>
void reserve_more(std::vector<T>& v, std::size_t extra) {
  if (v.capacity() - v.size() < extra) v.reserve(std::max(v.size() + extra, 2 * v.capacity()));
}

// The first output name of a NodeProto, or "" (also for malformed bytes,
// which parse_node() reports when it gets there).
std::string_view first_output(Bytes node) noexcept {
  try {
    Decoder d(node, node.data());
    while (!d.done()) {
      const Field f = d.next();
      if (f.number == fl::node::kOutput && f.type == WireType::kLen) return f.chars();
    }
  } catch (...) {  // the real read reports it
  }
  return {};
}

// A tensor of `g` to make a Constant named `name`: the input Variable of that
// name, or a new tensor.
ir::Tensor* constant_slot(ir::Graph& g, const std::string& name) {
  if (name.empty()) return g.add_empty_tensor();
  ir::Tensor* t = g.find_local_tensor(name);
  if (t != nullptr && t->is_variable()) return t;
  return g.add_variable(name);
}

void Reader::parse_graph(const std::vector<Bytes>& parts, ir::Graph& g) {
  Depth depth(*this);
  std::vector<Bytes> nodes, inputs, initializers, sparse_initializers;
  std::size_t n_outputs = 0, n_value_info = 0;
  std::string text;
  try {
    // First pass over the fields: simple ones now, lists by kind, so that
    // this graph's tensors are defined before anything refers to them.
    for (const Bytes& part : parts) {
      Decoder d = decoder(part);
      while (!d.done()) {
        const Field f = d.next();
        const bool len = f.type == WireType::kLen;
        bool ok = len;
        switch (f.number) {
          case fl::graph::kNode:
            if (len) nodes.push_back(f.bytes);
            break;
          case fl::graph::kName:
            if ((ok = read_string(f, text, g.extras()))) g.set_name(std::move(text));
            break;
          case fl::graph::kInitializer:
            if (len) initializers.push_back(f.bytes);
            break;
          case fl::graph::kDocString:
            if ((ok = read_string(f, text, g.extras()))) g.set_doc_string(std::move(text));
            break;
          case fl::graph::kInput:
            if (len) inputs.push_back(f.bytes);
            break;
          case fl::graph::kOutput:
            if (len) defer_declaration(g, List::kOutput, f.bytes, n_outputs++);
            break;
          case fl::graph::kValueInfo:
            if (len) defer_declaration(g, List::kValueInfo, f.bytes, n_value_info++);
            break;
          case fl::graph::kQuantizationAnnotation:
            if (len) parse_annotation(f.bytes, g.quantization_annotation().emplace_back());
            break;
          case fl::graph::kSparseInitializer:
            if (len) sparse_initializers.push_back(f.bytes);
            break;
          case fl::graph::kMetadataProps:
            if (len) parse_entry(f.bytes, g.metadata_props().emplace_back());
            break;
          default:
            ok = false;
            break;
        }
        if (!ok) keep_unknown(f, g.extras());
      }
    }

    // Roughly one tensor per node output plus the graph-level ones: sizing the
    // name index once avoids rehashing it while the graph is read.
    g.reserve(nodes.size(),
              inputs.size() + initializers.size() + sparse_initializers.size() + nodes.size());
    // The second pass's lists grow by a node each (and about two input
    // names): sized once, they are not copied while they grow.
    reserve_more(pending_nodes_, nodes.size());
    reserve_more(names_, 2 * nodes.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) define_input(g, inputs[i], i);

    g.initializers().reserve(initializers.size());
    for (std::size_t i = 0; i < initializers.size(); ++i) {
      ir::TensorData data;
      try {
        parse_tensor(initializers[i], data);
      } catch (const Error& e) {
        throw e.within(quoted("initializer", data.name, i));
      }
      ir::Tensor* t = constant_slot(g, data.name);
      t->to_constant(std::move(data));
      g.initializers().push_back(t);
    }

    for (std::size_t i = 0; i < sparse_initializers.size(); ++i) {
      ir::SparseTensorData data;
      try {
        parse_sparse(sparse_initializers[i], data);
      } catch (const Error& e) {
        throw e.within(quoted("sparse initializer", data.values.name, i));
      }
      ir::Tensor* t = constant_slot(g, data.values.name);
      t->to_constant(std::move(data));
      g.sparse_initializers().push_back(t);
    }

    // A node's outputs are looked up (and added) as it is read: the slot of
    // a node's first output a few nodes ahead is prefetched.
    constexpr std::size_t kAhead = 4;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i + kAhead < nodes.size()) {
        g.tensor_index().prefetch(ir::hash_name(first_output(nodes[i + kAhead])));
      }
      parse_node(nodes[i], g);
    }
  } catch (const Error& e) {
    throw e.within(g.describe());
  }
}

// ---------------------------------------------------------------- functions, training, model

void Reader::parse_function(Bytes bytes, ir::Function& fn) {
  Depth depth(*this);
  ir::Graph& body = *fn.body;
  std::vector<Bytes> nodes;
  std::vector<std::string_view> outputs;
  std::size_t n_value_info = 0;
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    bool ok = len;
    switch (f.number) {
      case fl::function::kName:
        ok = read_string(f, fn.name, fn.extras);
        break;
      case fl::function::kInput:
        if (len) {
          body.inputs().push_back(body.local_tensor(f.chars()));
        }
        break;
      case fl::function::kOutput:
        if (len) outputs.push_back(f.chars());
        break;
      case fl::function::kAttribute:
        if (len) append_string(f, fn.attribute);
        break;
      case fl::function::kNode:
        if (len) nodes.push_back(f.bytes);
        break;
      case fl::function::kDocString:
        ok = read_string(f, fn.doc_string, fn.extras);
        break;
      case fl::function::kOpsetImport:
        if (len) parse_opset(f.bytes, fn.opset_import.emplace_back());
        break;
      case fl::function::kDomain:
        ok = read_string(f, fn.domain, fn.extras);
        break;
      case fl::function::kAttributeProto:
        if (len) {
          ir::Attribute& a = fn.attribute_proto.emplace_back();
          try {
            parse_attribute(f.bytes, a, body);
          } catch (const Error& e) {
            throw e.within(quoted("attribute", a.name, fn.attribute_proto.size() - 1));
          }
        }
        break;
      case fl::function::kValueInfo:
        if (len) defer_declaration(body, List::kValueInfo, f.bytes, n_value_info++);
        break;
      case fl::function::kOverload:
        ok = read_string(f, fn.overload, fn.extras);
        break;
      case fl::function::kMetadataProps:
        if (len) parse_entry(f.bytes, fn.metadata_props.emplace_back());
        break;
      default:
        ok = false;
        break;
    }
    if (!ok) keep_unknown(f, fn.extras);
  }
  for (const Bytes& node : nodes) parse_node(node, body);
  pending_outputs_.push_back({&body, names_.size(), outputs.size()});
  names_.insert(names_.end(), outputs.begin(), outputs.end());
}

void Reader::parse_training(Bytes bytes, ir::TrainingInfo& t, ir::Graph* main) {
  Depth depth(*this);
  std::vector<Bytes> init_parts, algo_parts;
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    switch (f.number) {
      case fl::training::kInitialization:
        if (len) init_parts.push_back(f.bytes);
        break;
      case fl::training::kAlgorithm:
        if (len) algo_parts.push_back(f.bytes);
        break;
      case fl::training::kInitializationBinding:
        if (len) parse_entry(f.bytes, t.initialization_binding.emplace_back());
        break;
      case fl::training::kUpdateBinding:
        if (len) parse_entry(f.bytes, t.update_binding.emplace_back());
        break;
      default:
        break;
    }
    const bool known = len && f.number >= fl::training::kInitialization &&
                       f.number <= fl::training::kUpdateBinding;
    if (!known) keep_unknown(f, t.extras);
  }
  if (!init_parts.empty()) {
    t.initialization = std::make_unique<ir::Graph>(main);
    try {
      parse_graph(init_parts, *t.initialization);
    } catch (const Error& e) {
      throw e.within("initialization");
    }
  }
  if (!algo_parts.empty()) {
    t.algorithm = std::make_unique<ir::Graph>(main);
    try {
      parse_graph(algo_parts, *t.algorithm);
    } catch (const Error& e) {
      throw e.within("algorithm");
    }
  }
}

ir::Model Reader::model() {
  ir::Model m;
  std::vector<Bytes> graph_parts, training, functions;
  Decoder d = decoder(input_.bytes());
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    bool ok = len;
    switch (f.number) {
      case fl::model::kIrVersion:
        ok = read_int64(f, m.ir_version, m.extras);
        break;
      case fl::model::kProducerName:
        ok = read_string(f, m.producer_name, m.extras);
        break;
      case fl::model::kProducerVersion:
        ok = read_string(f, m.producer_version, m.extras);
        break;
      case fl::model::kDomain:
        ok = read_string(f, m.domain, m.extras);
        break;
      case fl::model::kModelVersion:
        ok = read_int64(f, m.model_version, m.extras);
        break;
      case fl::model::kDocString:
        ok = read_string(f, m.doc_string, m.extras);
        break;
      case fl::model::kGraph:
        if (len) graph_parts.push_back(f.bytes);
        break;
      case fl::model::kOpsetImport:
        if (len) {
          try {
            parse_opset(f.bytes, m.opset_import.emplace_back());
          } catch (const Error& e) {
            throw e.within("opset_import");
          }
        }
        break;
      case fl::model::kMetadataProps:
        if (len) {
          try {
            parse_entry(f.bytes, m.metadata_props.emplace_back());
          } catch (const Error& e) {
            throw e.within("metadata_props");
          }
        }
        break;
      case fl::model::kTrainingInfo:
        if (len) training.push_back(f.bytes);
        break;
      case fl::model::kFunctions:
        if (len) functions.push_back(f.bytes);
        break;
      default:
        ok = false;
        break;
    }
    if (!ok) keep_unknown(f, m.extras);
  }

  if (!graph_parts.empty()) {
    m.graph = std::make_unique<ir::Graph>();
    parse_graph(graph_parts, *m.graph);
  }
  m.functions.reserve(functions.size());
  for (std::size_t i = 0; i < functions.size(); ++i) {
    ir::Function& fn = m.functions.emplace_back();
    try {
      parse_function(functions[i], fn);
    } catch (const Error& e) {
      throw e.within(quoted("function", fn.name, i));
    }
  }
  m.training_info.reserve(training.size());
  for (std::size_t i = 0; i < training.size(); ++i) {
    try {
      parse_training(training[i], m.training_info.emplace_back(), m.graph.get());
    } catch (const Error& e) {
      throw e.within("training_info #" + std::to_string(i));
    }
  }
  wire_all();
  return m;
}

// Second pass: every graph has defined its tensors; node inputs, graph
// outputs and value_info now bind by name, innermost graph first.
//
// The name index of a big graph is megabytes, visited at random: each lookup
// would wait for two cache misses, the slot and then the tensor whose name it
// compares. A cursor runs kAhead names ahead to hash the name and prefetch
// its slot; halfway, the slot has arrived and its tensor is prefetched.
void Reader::wire_all() {
  constexpr std::size_t kAhead = 8;  // a power of two
  struct Upcoming {
    const ir::Graph* graph;
    std::uint64_t hash;
  };
  std::array<Upcoming, kAhead> upcoming{};
  std::size_t ahead_node = 0, ahead_input = 0, ahead_count = 0;
  auto look_ahead = [&] {
    while (ahead_node < pending_nodes_.size() && ahead_input == pending_nodes_[ahead_node].count) {
      ++ahead_node;
      ahead_input = 0;
    }
    if (ahead_node == pending_nodes_.size()) return;
    const PendingNode& q = pending_nodes_[ahead_node];
    const std::uint64_t hash = ir::hash_name(names_[q.first + ahead_input]);
    q.graph->tensor_index().prefetch(hash);
    upcoming[ahead_count++ % kAhead] = {q.graph, hash};
    ++ahead_input;
  };
  for (std::size_t k = 0; k < kAhead; ++k) look_ahead();
  std::size_t count = 0;
  for (const PendingNode& p : pending_nodes_) {
    for (std::size_t i = 0; i < p.count; ++i) {
      const std::uint64_t hash = upcoming[count % kAhead].hash;
      ++count;
      look_ahead();  // fills the entry just read
      if (count + kAhead / 2 < ahead_count) {
        const Upcoming& u = upcoming[(count + kAhead / 2) % kAhead];
        u.graph->tensor_index().prefetch_tensor(u.hash);
      }
      p.node->add_input(p.graph->tensor(names_[p.first + i], hash));
    }
  }
  for (const PendingOutputs& p : pending_outputs_) {
    for (std::size_t i = 0; i < p.count; ++i) {
      p.body->outputs().push_back(p.body->tensor(names_[p.first + i]));
    }
  }
  // Declarations (a value_info per tensor in some models) look ahead the same way.
  const std::size_t n = pending_decls_.size();
  for (std::size_t j = 0; j < n; ++j) {
    if (j + kAhead < n) {
      pending_decls_[j + kAhead].graph->tensor_index().prefetch(pending_decls_[j + kAhead].hash);
    }
    if (j + kAhead / 2 < n) {
      const PendingDecl& q = pending_decls_[j + kAhead / 2];
      q.graph->tensor_index().prefetch_tensor(q.hash);
    }
    PendingDecl& p = pending_decls_[j];
    declare(*p.graph, p.list, p.graph->tensor(p.name, p.hash), std::move(p.info), p.bytes);
  }
}

// ---------------------------------------------------------------- sequences, maps, optionals

void Reader::parse_sequence(Bytes bytes, ir::ValueData& v) {
  Depth depth(*this);
  v.kind = ir::ValueData::Kind::kSequence;
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    bool ok = len;
    switch (f.number) {
      case fl::sequence::kName:
        ok = read_string(f, v.name, v.extras);
        break;
      case fl::sequence::kElemType:
        ok = read_int32(f, v.elem_type, v.extras);
        break;
      case fl::sequence::kTensorValues:
        if (len) parse_tensor(f.bytes, v.tensor_values.emplace_back());
        break;
      case fl::sequence::kSparseTensorValues:
        if (len) parse_sparse(f.bytes, v.sparse_tensor_values.emplace_back());
        break;
      case fl::sequence::kSequenceValues:
        if (len) parse_sequence(f.bytes, v.sequence_values.emplace_back());
        break;
      case fl::sequence::kMapValues:
        if (len) parse_map(f.bytes, v.map_values.emplace_back());
        break;
      case fl::sequence::kOptionalValues:
        if (len) parse_optional(f.bytes, v.optional_values.emplace_back());
        break;
      default:
        ok = false;
        break;
    }
    if (!ok) keep_unknown(f, v.extras);
  }
}

void Reader::parse_map(Bytes bytes, ir::ValueData& v) {
  Depth depth(*this);
  v.kind = ir::ValueData::Kind::kMap;
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    bool ok = len;
    switch (f.number) {
      case fl::map::kName:
        ok = read_string(f, v.name, v.extras);
        break;
      case fl::map::kKeyType:
        ok = read_int32(f, v.key_type, v.extras);
        break;
      case fl::map::kKeys:
        ok = read_varint_list(f, v.keys, origin_);
        break;
      case fl::map::kStringKeys:
        if (len) append_string(f, v.string_keys);
        break;
      case fl::map::kValues:
        if (len) {
          if (!v.map_value_sequence) v.map_value_sequence = std::make_unique<ir::ValueData>();
          parse_sequence(f.bytes, *v.map_value_sequence);
        }
        break;
      default:
        ok = false;
        break;
    }
    if (!ok) keep_unknown(f, v.extras);
  }
}

void Reader::parse_optional(Bytes bytes, ir::ValueData& v) {
  using Kind = ir::ValueData::Kind;
  Depth depth(*this);
  v.kind = Kind::kOptional;
  Decoder d = decoder(bytes);
  while (!d.done()) {
    const Field f = d.next();
    const bool len = f.type == WireType::kLen;
    std::optional<Kind> kind;
    bool ok = false;
    switch (f.number) {
      case fl::optional::kName:
        ok = read_string(f, v.name, v.extras);
        break;
      case fl::optional::kElemType:
        ok = read_int32(f, v.elem_type, v.extras);
        break;
      case fl::optional::kTensorValue:
        kind = Kind::kTensor;
        break;
      case fl::optional::kSparseTensorValue:
        kind = Kind::kSparseTensor;
        break;
      case fl::optional::kSequenceValue:
        kind = Kind::kSequence;
        break;
      case fl::optional::kMapValue:
        kind = Kind::kMap;
        break;
      case fl::optional::kOptionalValue:
        kind = Kind::kOptional;
        break;
      default:
        break;
    }
    // The IR holds one value; a second value field of another kind (these
    // are plain optional fields, not a oneof) stays unknown, which is lossless.
    if (kind && len && (!v.optional_value || v.optional_value->kind == *kind)) {
      if (!v.optional_value) {
        v.optional_value = std::make_unique<ir::ValueData>();
        v.optional_value->kind = *kind;
      }
      ir::ValueData& e = *v.optional_value;
      switch (*kind) {
        case Kind::kTensor:
          parse_tensor(f.bytes, e.tensor);
          break;
        case Kind::kSparseTensor:
          parse_sparse(f.bytes, e.sparse_tensor);
          break;
        case Kind::kSequence:
          parse_sequence(f.bytes, e);
          break;
        case Kind::kMap:
          parse_map(f.bytes, e);
          break;
        case Kind::kOptional:
          parse_optional(f.bytes, e);
          break;
      }
      ok = true;
    }
    if (!ok) keep_unknown(f, v.extras);
  }
}

template <typename Fn>
auto with_text_hint(Bytes bytes, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    if (wire::looks_like_text(bytes)) {
      throw Error(
          "not a binary ONNX model (looks like text; use `onnxkit convert` for the text syntax)");
    }
    throw;
  }
}

Buffer map_file(const fs::path& path) {
  auto file = MappedFile::open(path);
  return Buffer::view(file, file->bytes());
}

}  // namespace

ir::Model read_model(const Buffer& bytes, const ReadOptions& options, const fs::path& base_dir) {
  if (bytes.empty()) throw Error("empty file: not an ONNX model");
  return with_text_hint(bytes.bytes(), [&] {
    Reader reader(bytes, options, base_dir, options.load_external_data && !base_dir.empty());
    return reader.model();
  });
}

ir::Model read_model_file(const fs::path& path, const ReadOptions& options) {
  try {
    const Buffer bytes = map_file(path);
    fs::path base = path.parent_path();
    if (base.empty()) base = ".";
    ir::Model model = read_model(bytes, options, base);
    model.path = path;
    return model;
  } catch (const Error& e) {
    // MappedFile errors already name the path.
    if (e.location() == path.string()) throw;
    throw e.within(path.string());
  }
}

ir::TensorData read_tensor(const Buffer& bytes) {
  Reader reader(bytes, ReadOptions{}, {}, false);
  return reader.tensor();
}

ir::TensorData read_tensor_file(const fs::path& path) {
  try {
    return read_tensor(map_file(path));
  } catch (const Error& e) {
    if (e.location() == path.string()) throw;
    throw e.within(path.string());
  }
}

ir::ValueData read_value(const Buffer& bytes, ir::ValueData::Kind kind) {
  Reader reader(bytes, ReadOptions{}, {}, false);
  return reader.value(kind);
}

}  // namespace onnxkit::proto
