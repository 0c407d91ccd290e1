// Binary model → binary model on the wire bytes, without the IR.
//
// Two walks over the mapped input:
//  1. Planner, in the order the IR writer visits tensors (writer.cpp's
//     for_each_tensor: a graph's node attributes, then its initializers, then
//     its sparse initializers; the main graph, then training_info, then
//     functions). It resolves external data as the reader does and decides,
//     with the writer's own layout code (external_layout.h), which
//     TensorProtos change and how. The result is a list of changes keyed by
//     where each TensorProto starts in the input.
//  2. Emitter, in file order, once to size and once to write (encoder.h). A
//     field whose bytes hold no changed tensor is copied verbatim, and runs of
//     such fields are copied as one range (from the file, in the kernel, when
//     large), so the cost follows the tensors that move, not the nodes. A
//     changed TensorProto keeps all its fields but raw_data, external_data and
//     data_location, whose new values go where the writer would put them.

#include "onnxkit/proto/transcode.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "onnxkit/core/error.h"
#include "proto/encoder.h"
#include "proto/external_data.h"
#include "proto/external_layout.h"
#include "proto/field_numbers.h"
#include "proto/file_output.h"
#include "proto/wire.h"

namespace onnxkit::proto {
namespace {

namespace fs = std::filesystem;
namespace fl = fields;
using Bytes = std::span<const std::byte>;
using wire::Decoder;
using wire::Field;
using wire::WireType;
using Mode = WriteOptions::ExternalData;

/// Thrown by the planner for a layout it does not reproduce exactly; the
/// caller then goes through the IR.
struct NeedsIr {};

std::string errno_text() { return std::strerror(errno); }

// ---------------------------------------------------------------- the input

/// The model file, mapped from a descriptor we keep (for copy_file_range).
/// Pages are dropped behind the walks, so that a big model never becomes
/// resident as a whole.
class InputModel {
 public:
  explicit InputModel(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(path.string(), "cannot open: " + errno_text());
    auto give_up = [&](const std::string& what) {
      const std::string message = what + errno_text();
      ::close(fd_);
      throw Error(path.string(), message);
    };
    struct stat st {};
    if (::fstat(fd_, &st) != 0) give_up("cannot stat: ");
    if (!S_ISREG(st.st_mode)) {
      errno = EINVAL;
      give_up("not a regular file: ");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (p == MAP_FAILED) give_up("cannot map: ");
      data_ = static_cast<const std::byte*>(p);
      ::madvise(p, size_, MADV_SEQUENTIAL);
    }
    released_ = data_;
  }
  ~InputModel() {
    if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  InputModel(const InputModel&) = delete;
  InputModel& operator=(const InputModel&) = delete;

  Bytes bytes() const noexcept { return {data_, size_}; }
  int fd() const noexcept { return fd_; }

  /// The walk has gone past `p`: drops the pages before it every few MiB.
  /// (They fault back in from the page cache if a later walk reads them.)
  void passed(const std::byte* p) const noexcept {
    if (p < released_) {  // a new walk over earlier bytes
      released_ = p;
      return;
    }
    if (static_cast<std::size_t>(p - released_) < kReleaseStep) return;
    static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<std::uintptr_t>(released_) / page * page;
    const auto end = reinterpret_cast<std::uintptr_t>(p) / page * page;
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
    released_ = reinterpret_cast<const std::byte*>(end);
  }
  /// A new walk from the start.
  void rewind() noexcept {
    passed(data_ + size_);
    released_ = data_;
  }

 private:
  static constexpr std::size_t kReleaseStep = std::size_t{1} << 20;
  int fd_ = -1;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  mutable const std::byte* released_ = nullptr;
};

// ---------------------------------------------------------------- changes

/// A TensorProto written differently from the input.
struct Change {
  const std::byte* site;                 ///< first byte of the TensorProto's payload in the input
  bool to_external;                      ///< else inline
  Buffer bytes;                          ///< inline: the payload, written as raw_data
  std::vector<ir::StringEntry> entries;  ///< external: the new external_data
};

/// An external data file to write (or, kKeep, to leave where it is).
struct OutFile {
  std::string location;
  std::vector<Piece> pieces;
  bool offsets_kept = false;  ///< kKeep: every tensor kept its offset
};

std::string quoted(std::string_view what, std::string_view name, std::size_t index) {
  if (name.empty()) return std::string(what) + " #" + std::to_string(index);
  return std::string(what) + " '" + std::string(name) + "'";
}

// Singular string fields as the reader reads them (last one wins; wrong wire
// type: an unknown field).
void read_name(const Field& f, std::string_view& out) {
  if (f.type == WireType::kLen) out = f.chars();
}

// ---------------------------------------------------------------- pass 1: the plan

class Planner {
 public:
  Planner(std::shared_ptr<const InputModel> input, const fs::path& base_dir,
          const WriteOptions& options, std::size_t max_depth, std::string model_file_name)
      : input_(std::move(input)),
        origin_(input_->bytes().data()),
        options_(options),
        max_depth_(max_depth),
        resolver_(base_dir),
        one_file_(options.external_file.empty() ? model_file_name + ".data"
                                                : options.external_file) {}

  /// Walks the model; returns false if it holds no graph.
  bool model();

  std::vector<Change>& changes() noexcept { return changes_; }
  std::vector<OutFile>& files() noexcept { return files_; }
  ExternalDataResolver& resolver() noexcept { return resolver_; }

 private:
  struct Depth : wire::NestingGuard {
    explicit Depth(Planner& p) : NestingGuard(p.depth_, p.max_depth_) {}
  };

  Decoder decoder(Bytes bytes) const { return Decoder(bytes, origin_); }

  void graph(const std::vector<Bytes>& parts);
  void node(Bytes body, std::size_t index);
  void attribute(Bytes body, bool in_order);
  void function(Bytes body);
  void training(Bytes body);
  void sparse(Bytes body);
  void tensor(Bytes body, std::string_view* name_out = nullptr);
  void validate_tensor(Bytes body, std::string_view& name, bool& external, bool& has_raw,
                       Bytes& raw, std::int32_t& data_type);
  ir::TensorData external_tensor(Bytes body);
  void entry(Bytes body, ir::StringEntry* out);
  void finish_keep();

  std::shared_ptr<const InputModel> input_;
  const std::byte* origin_;
  const WriteOptions& options_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  ExternalDataResolver resolver_;

  std::vector<Change> changes_;
  std::vector<OutFile> files_;
  // kKeep: external tensors by location, locations in the order first seen.
  struct Kept {
    const std::byte* site;
    std::vector<ir::StringEntry> entries;
    KeptTensor tensor;
  };
  std::vector<std::string> keep_order_;
  std::unordered_map<std::string, std::vector<Kept>> keep_;
  // kOneFile
  ExternalLayout one_file_;
};

bool Planner::model() {
  std::vector<Bytes> graph_parts;
  Decoder d = decoder(input_->bytes());
  while (!d.done()) {
    const Field f = d.next();
    if (f.number == fl::model::kGraph && f.type == WireType::kLen) graph_parts.push_back(f.bytes);
  }
  if (graph_parts.empty()) return false;
  graph(graph_parts);
  // training_info, then functions: the writer's order (offsets in kOneFile follow it).
  std::size_t index = 0;
  d = decoder(input_->bytes());
  while (!d.done()) {
    const Field f = d.next();
    if (f.number != fl::model::kTrainingInfo || f.type != WireType::kLen) continue;
    try {
      training(f.bytes);
    } catch (const Error& e) {
      throw e.within("training_info #" + std::to_string(index));
    }
    ++index;
  }
  index = 0;
  d = decoder(input_->bytes());
  while (!d.done()) {
    const Field f = d.next();
    if (f.number != fl::model::kFunctions || f.type != WireType::kLen) continue;
    std::string_view name;
    try {
      Decoder fd = decoder(f.bytes);
      while (!fd.done()) {
        const Field ff = fd.next();
        if (ff.number == fl::function::kName) read_name(ff, name);
      }
      function(f.bytes);
    } catch (const Error& e) {
      throw e.within(quoted("function", name, index));
    }
    ++index;
  }
  if (options_.external_data == Mode::kKeep) finish_keep();
  if (options_.external_data == Mode::kOneFile && !one_file_.pieces().empty()) {
    files_.push_back({one_file_.location(), std::move(one_file_.pieces()), false});
  }
  return true;
}

void Planner::graph(const std::vector<Bytes>& parts) {
  Depth depth(*this);
  try {
    // Node attributes first, then initializers, then sparse initializers (the
    // writer's order); one pass over the fields, which notes where the others are.
    std::vector<Bytes> initializers, sparse_initializers;
    std::size_t index = 0;
    for (const Bytes& part : parts) {
      Decoder d = decoder(part);
      while (!d.done()) {
        const Field f = d.next();
        input_->passed(f.raw.data());
        if (f.type != WireType::kLen) continue;
        if (f.number == fl::graph::kNode) node(f.bytes, index++);
        if (f.number == fl::graph::kInitializer) initializers.push_back(f.bytes);
        if (f.number == fl::graph::kSparseInitializer) sparse_initializers.push_back(f.bytes);
      }
    }
    for (std::size_t i = 0; i < initializers.size(); ++i) {
      input_->passed(initializers[i].data());
      std::string_view name;
      try {
        tensor(initializers[i], &name);
      } catch (const Error& e) {
        throw e.within(quoted("initializer", name, i));
      }
    }
    for (std::size_t i = 0; i < sparse_initializers.size(); ++i) {
      std::string_view name;  // the values' name, as the reader names a sparse initializer
      try {
        Decoder sd = decoder(sparse_initializers[i]);
        while (!sd.done()) {
          const Field sf = sd.next();
          if (sf.number != fl::sparse::kValues || sf.type != WireType::kLen) continue;
          Decoder vd = decoder(sf.bytes);
          while (!vd.done()) {
            const Field vf = vd.next();
            if (vf.number == fl::tensor::kName) read_name(vf, name);
          }
        }
        sparse(sparse_initializers[i]);
      } catch (const Error& e) {
        throw e.within(quoted("sparse initializer", name, i));
      }
    }
  } catch (const Error& e) {
    // The graph's name (the last one given), for the location.
    std::string_view name;
    try {
      for (const Bytes& part : parts) {
        Decoder d = decoder(part);
        while (!d.done()) {
          const Field f = d.next();
          if (f.number == fl::graph::kName) read_name(f, name);
        }
      }
    } catch (const Error&) {
      // a damaged graph: the name read so far
    }
    throw e.within(name.empty() ? std::string("graph") : "graph '" + std::string(name) + "'");
  }
}

void Planner::node(Bytes body, std::size_t index) {
  Depth depth(*this);
  std::string_view name, op_type, domain;
  try {
    std::size_t n_attributes = 0;
    Decoder d = decoder(body);
    while (!d.done()) {
      const Field f = d.next();
      switch (f.number) {
        case fl::node::kName:
          read_name(f, name);
          break;
        case fl::node::kOpType:
          read_name(f, op_type);
          break;
        case fl::node::kDomain:
          read_name(f, domain);
          break;
        case fl::node::kAttribute:
          if (f.type == WireType::kLen) {
            std::string_view attr_name;
            try {
              // A look first: most attributes hold no tensor, and are not walked.
              Decoder ad = decoder(f.bytes);
              bool holds_tensors = false, in_order = true;
              std::uint32_t last = 0;
              while (!ad.done()) {
                const Field af = ad.next();
                switch (af.number) {
                  case fl::attr::kName:
                    read_name(af, attr_name);
                    break;
                  case fl::attr::kT:
                  case fl::attr::kG:
                  case fl::attr::kTensors:
                  case fl::attr::kGraphs:
                  case fl::attr::kSparseTensor:
                  case fl::attr::kSparseTensors:
                    if (af.type != WireType::kLen) break;
                    holds_tensors = true;
                    in_order = in_order && af.number >= last;
                    last = af.number;
                    break;
                  default:
                    break;
                }
              }
              if (holds_tensors) attribute(f.bytes, in_order);
            } catch (const Error& e) {
              throw e.within(quoted("attribute", attr_name, n_attributes));
            }
            ++n_attributes;
          }
          break;
        default:
          break;
      }
    }
  } catch (const Error& e) {
    const std::string op = domain.empty() || domain == "ai.onnx"
                               ? std::string(op_type)
                               : std::string(domain) + "::" + std::string(op_type);
    if (name.empty()) {
      throw e.within("node #" + std::to_string(index) + (op_type.empty() ? "" : " (" + op + ")"));
    }
    throw e.within("node '" + std::string(name) + "' (" + op + ")");
  }
}

void Planner::attribute(Bytes body, bool in_order) {
  Depth depth(*this);
  // The writer's order: t, g, tensors, graphs, sparse_tensor, sparse_tensors,
  // which is field-number order: one pass when the file has them so (as
  // protobuf writes them), one pass per field otherwise.
  auto each = [&](std::uint32_t number, auto&& fn) {
    Decoder d = decoder(body);
    while (!d.done()) {
      const Field f = d.next();
      if (f.number == number && f.type == WireType::kLen) fn(f);
    }
  };
  if (in_order) {
    std::size_t n_t = 0, n_sparse = 0;
    std::vector<Bytes> parts;
    auto flush_graph = [&] {
      if (!parts.empty()) graph(parts);
      parts.clear();
    };
    Decoder d = decoder(body);
    while (!d.done()) {
      const Field f = d.next();
      if (f.type != WireType::kLen) continue;
      switch (f.number) {
        case fl::attr::kT:
          if (++n_t > 1) throw NeedsIr{};
          tensor(f.bytes);
          break;
        case fl::attr::kG:
          parts.push_back(f.bytes);
          break;  // parts merge into one graph
        case fl::attr::kTensors:
          flush_graph();
          tensor(f.bytes);
          break;
        case fl::attr::kGraphs:
          flush_graph();
          graph({f.bytes});
          break;
        case fl::attr::kSparseTensor:
          flush_graph();
          if (++n_sparse > 1) throw NeedsIr{};
          sparse(f.bytes);
          break;
        case fl::attr::kSparseTensors:
          flush_graph();
          sparse(f.bytes);
          break;
        default:
          break;
      }
    }
    flush_graph();
    return;
  }
  std::size_t count = 0;
  each(fl::attr::kT, [&](const Field& f) {
    // A singular message given twice is merged by protobuf: left to the IR.
    if (++count > 1) throw NeedsIr{};
    tensor(f.bytes);
  });
  std::vector<Bytes> parts;
  each(fl::attr::kG, [&](const Field& f) { parts.push_back(f.bytes); });
  if (!parts.empty()) graph(parts);
  each(fl::attr::kTensors, [&](const Field& f) { tensor(f.bytes); });
  each(fl::attr::kGraphs, [&](const Field& f) { graph({f.bytes}); });
  count = 0;
  each(fl::attr::kSparseTensor, [&](const Field& f) {
    if (++count > 1) throw NeedsIr{};
    sparse(f.bytes);
  });
  each(fl::attr::kSparseTensors, [&](const Field& f) { sparse(f.bytes); });
}

void Planner::function(Bytes body) {
  Depth depth(*this);
  // attribute_proto (defaults of the function's attributes), then the body's nodes.
  std::size_t index = 0;
  Decoder d = decoder(body);
  while (!d.done()) {
    const Field f = d.next();
    if (f.number != fl::function::kAttributeProto || f.type != WireType::kLen) continue;
    std::string_view name;
    try {
      Decoder ad = decoder(f.bytes);
      while (!ad.done()) {
        const Field af = ad.next();
        if (af.number == fl::attr::kName) read_name(af, name);
      }
      attribute(f.bytes, false);
    } catch (const Error& e) {
      throw e.within(quoted("attribute", name, index));
    }
    ++index;
  }
  index = 0;
  d = decoder(body);
  while (!d.done()) {
    const Field f = d.next();
    if (f.number == fl::function::kNode && f.type == WireType::kLen) node(f.bytes, index++);
  }
}

void Planner::training(Bytes body) {
  Depth depth(*this);
  for (std::uint32_t number : {fl::training::kInitialization, fl::training::kAlgorithm}) {
    std::vector<Bytes> parts;
    Decoder d = decoder(body);
    while (!d.done()) {
      const Field f = d.next();
      if (f.number == number && f.type == WireType::kLen) parts.push_back(f.bytes);
    }
    if (parts.empty()) continue;
    try {
      graph(parts);
    } catch (const Error& e) {
      throw e.within(number == fl::training::kInitialization ? "initialization" : "algorithm");
    }
  }
}

void Planner::sparse(Bytes body) {
  Depth depth(*this);
  for (std::uint32_t number : {fl::sparse::kValues, fl::sparse::kIndices}) {
    std::size_t count = 0;
    Decoder d = decoder(body);
    while (!d.done()) {
      const Field f = d.next();
      if (f.number != number || f.type != WireType::kLen) continue;
      if (++count > 1) throw NeedsIr{};
      try {
        tensor(f.bytes);
      } catch (const Error& e) {
        throw e.within(number == fl::sparse::kValues ? "values" : "indices");
      }
    }
  }
}

void Planner::entry(Bytes body, ir::StringEntry* out) {
  Depth depth(*this);
  Decoder d = decoder(body);
  while (!d.done()) {
    const Field f = d.next();
    if (out == nullptr) continue;
    std::string* value = f.number == fl::entry::kKey     ? &out->key
                         : f.number == fl::entry::kValue ? &out->value
                                                         : nullptr;
    if (value != nullptr && f.type == WireType::kLen) {
      value->assign(f.chars());
      if (value->empty()) out->extras.mark_default(static_cast<int>(f.number));
    } else {
      out->extras.append_unknown(f.raw_chars());
    }
  }
}

// The checks the reader makes on a TensorProto's fields (packed lists, nested
// messages), and what the plan needs from it.
void Planner::validate_tensor(Bytes body, std::string_view& name, bool& external, bool& has_raw,
                              Bytes& raw, std::int32_t& data_type) {
  auto varints = [&](const Field& f) {
    if (f.type != WireType::kLen) return;
    Decoder vd = decoder(f.bytes);
    while (!vd.done()) vd.varint();
  };
  auto fixed = [&](const Field& f, WireType elem) {
    if (f.type == WireType::kLen) wire::for_each_scalar(f, elem, origin_, [](std::uint64_t) {});
  };
  Decoder d = decoder(body);
  while (!d.done()) {
    const Field f = d.next();
    switch (f.number) {
      case fl::tensor::kDims:
      case fl::tensor::kInt32Data:
      case fl::tensor::kInt64Data:
      case fl::tensor::kUint64Data:
        varints(f);
        break;
      case fl::tensor::kFloatData:
        fixed(f, WireType::kFixed32);
        break;
      case fl::tensor::kDoubleData:
        fixed(f, WireType::kFixed64);
        break;
      case fl::tensor::kDataType:
        if (f.type == WireType::kVarint) data_type = f.as_int32();
        break;
      case fl::tensor::kSegment:
        if (f.type == WireType::kLen) {
          Depth seg_depth(*this);
          Decoder sd = decoder(f.bytes);
          while (!sd.done()) sd.next();
        }
        break;
      case fl::tensor::kName:
        read_name(f, name);
        break;
      case fl::tensor::kRawData:
        if (f.type == WireType::kLen) {
          has_raw = true;
          raw = f.bytes;
        }
        break;
      case fl::tensor::kExternalData:
      case fl::tensor::kMetadataProps:
        if (f.type == WireType::kLen) entry(f.bytes, nullptr);
        break;
      case fl::tensor::kDataLocation:
        if (f.type == WireType::kVarint) {
          external = f.as_int32() == static_cast<std::int32_t>(ir::TensorData::Location::kExternal);
        }
        break;
      default:
        break;
    }
  }
}

// What resolution needs of an external tensor, read as the reader reads it.
ir::TensorData Planner::external_tensor(Bytes body) {
  ir::TensorData t;
  Decoder d = decoder(body);
  while (!d.done()) {
    const Field f = d.next();
    switch (f.number) {
      case fl::tensor::kDims:
        wire::for_each_scalar(f, WireType::kVarint, origin_, [&](std::uint64_t v) {
          t.dims.push_back(static_cast<std::int64_t>(v));
        });
        break;
      case fl::tensor::kDataType:
        if (f.type == WireType::kVarint) t.data_type = static_cast<DataType>(f.as_int32());
        break;
      case fl::tensor::kName:
        if (f.type == WireType::kLen) t.name.assign(f.chars());
        break;
      case fl::tensor::kExternalData:
        if (f.type == WireType::kLen) entry(f.bytes, &t.external_data.emplace_back());
        break;
      case fl::tensor::kDataLocation:
        if (f.type == WireType::kVarint)
          t.data_location = static_cast<ir::TensorData::Location>(f.as_int32());
        break;
      default:
        break;
    }
  }
  return t;
}

void Planner::tensor(Bytes body, std::string_view* name_out) {
  Depth depth(*this);
  std::string_view name;
  bool external = false, has_raw = false;
  Bytes raw;
  std::int32_t data_type = 0;
  try {
    validate_tensor(body, name, external, has_raw, raw, data_type);
  } catch (const Error&) {
    if (name_out != nullptr) *name_out = name;
    throw;
  }
  if (name_out != nullptr) *name_out = name;

  const Mode mode = options_.external_data;
  Buffer bytes;  // external: the resolved view
  if (external) {
    ir::TensorData t = external_tensor(body);
    bytes = resolver_.resolve(t);
    if (mode == Mode::kKeep) {
      const ir::ExternalDataRef ref = t.external_ref();
      auto [it, fresh] = keep_.try_emplace(ref.location);
      if (fresh) keep_order_.push_back(ref.location);
      it->second.push_back(
          {body.data(), std::move(t.external_data), KeptTensor{ref.offset, ref.length, bytes}});
      return;
    }
  }
  if (mode == Mode::kKeep) return;
  if (mode == Mode::kInline) {
    if (external) changes_.push_back({body.data(), false, bytes, {}});
    return;
  }
  // kOneFile
  if (data_type == static_cast<std::int32_t>(DataType::kString) || (!has_raw && !external)) return;
  if (!external) bytes = Buffer::view(std::shared_ptr<const void>(input_), raw);
  if (bytes.size() < options_.size_threshold) {
    if (external) changes_.push_back({body.data(), false, bytes, {}});
    return;
  }
  const std::uint64_t offset = one_file_.add(bytes);
  changes_.push_back({body.data(), true, {}, one_file_.fresh_entries(offset, bytes.size())});
}

void Planner::finish_keep() {
  for (const std::string& location : keep_order_) {
    std::vector<Kept>& tensors = keep_[location];
    std::vector<KeptTensor> kept;
    kept.reserve(tensors.size());
    for (const Kept& k : tensors) kept.push_back(k.tensor);
    OutFile& file = files_.emplace_back();
    file.location = location;
    if (auto pieces = keep_offsets(kept)) {
      file.pieces = std::move(*pieces);
      file.offsets_kept = true;
      continue;
    }
    // Offsets cannot stay: the file is laid out again, in model order.
    ExternalLayout layout(location);
    for (Kept& k : tensors) {
      const std::uint64_t offset = layout.add(k.tensor.bytes);
      changes_.push_back(
          {k.site,
           true,
           {},
           with_offset(std::move(k.entries), location, offset, k.tensor.bytes.size())});
    }
    file.pieces = std::move(layout.pieces());
  }
}

// ---------------------------------------------------------------- pass 2: sizing and writing

class Emitter {
 public:
  Emitter(const std::vector<Change>& changes, InputModel& input)
      : changes_(changes), input_(input), origin_(input.bytes().data()) {}

  void model(Encoder& e) {
    input_.rewind();
    fields(e, input_.bytes(), [&](Encoder& en, const Field& f) {
      switch (f.number) {
        case fl::model::kGraph:
          graph(en, f.bytes);
          return;
        case fl::model::kTrainingInfo:
          training(en, f.bytes);
          return;
        case fl::model::kFunctions:
          function(en, f.bytes);
          return;
        default:
          unexpected(f);
      }
    });
  }

 private:
  /// True if a changed tensor starts inside `raw`.
  bool touched(Bytes raw) const {
    auto it = std::lower_bound(changes_.begin(), changes_.end(), raw.data(),
                               [](const Change& c, const std::byte* p) { return c.site < p; });
    return it != changes_.end() && it->site < raw.data() + raw.size();
  }
  const Change& change_at(const Field& f) const {
    auto it = std::lower_bound(changes_.begin(), changes_.end(), f.bytes.data(),
                               [](const Change& c, const std::byte* p) { return c.site < p; });
    if (it == changes_.end() || it->site != f.bytes.data()) unexpected(f);
    return *it;
  }
  [[noreturn]] void unexpected(const Field& f) const {
    throw Error("internal error: a changed tensor inside field " + std::to_string(f.number) +
                " at byte " + std::to_string(f.raw.data() - origin_) +
                " that the writer does not visit");
  }

  /// Copies the fields of `body` verbatim, in runs, except those holding a
  /// changed tensor, which `child` writes (inside a new length prefix).
  template <typename Child>
  void fields(Encoder& e, Bytes body, Child&& child) {
    Decoder d(body, origin_);
    const std::byte* run = body.data();
    while (!d.done()) {
      const Field f = d.next();
      input_.passed(f.raw.data());
      if (f.type != WireType::kLen || !touched(f.raw)) continue;
      e.raw(Bytes(run, f.raw.data()), true);
      e.message(f.number, [&] { child(e, f); });
      run = f.raw.data() + f.raw.size();
    }
    e.raw(Bytes(run, body.data() + body.size()), true);
  }

  void graph(Encoder& e, Bytes body) {
    fields(e, body, [&](Encoder& en, const Field& f) {
      switch (f.number) {
        case fl::graph::kNode:
          node(en, f.bytes);
          return;
        case fl::graph::kInitializer:
          tensor(en, f.bytes, change_at(f));
          return;
        case fl::graph::kSparseInitializer:
          sparse(en, f.bytes);
          return;
        default:
          unexpected(f);
      }
    });
  }
  void node(Encoder& e, Bytes body) {
    fields(e, body, [&](Encoder& en, const Field& f) {
      if (f.number != fl::node::kAttribute) unexpected(f);
      attribute(en, f.bytes);
    });
  }
  void attribute(Encoder& e, Bytes body) {
    fields(e, body, [&](Encoder& en, const Field& f) {
      switch (f.number) {
        case fl::attr::kT:
        case fl::attr::kTensors:
          tensor(en, f.bytes, change_at(f));
          return;
        case fl::attr::kG:
        case fl::attr::kGraphs:
          graph(en, f.bytes);
          return;
        case fl::attr::kSparseTensor:
        case fl::attr::kSparseTensors:
          sparse(en, f.bytes);
          return;
        default:
          unexpected(f);
      }
    });
  }
  void function(Encoder& e, Bytes body) {
    fields(e, body, [&](Encoder& en, const Field& f) {
      switch (f.number) {
        case fl::function::kNode:
          node(en, f.bytes);
          return;
        case fl::function::kAttributeProto:
          attribute(en, f.bytes);
          return;
        default:
          unexpected(f);
      }
    });
  }
  void training(Encoder& e, Bytes body) {
    fields(e, body, [&](Encoder& en, const Field& f) {
      if (f.number != fl::training::kInitialization && f.number != fl::training::kAlgorithm)
        unexpected(f);
      graph(en, f.bytes);
    });
  }
  void sparse(Encoder& e, Bytes body) {
    fields(e, body, [&](Encoder& en, const Field& f) {
      if (f.number != fl::sparse::kValues && f.number != fl::sparse::kIndices) unexpected(f);
      tensor(en, f.bytes, change_at(f));
    });
  }

  /// A changed TensorProto: its fields in their order, without raw_data,
  /// external_data and data_location; the new ones where field-number order
  /// puts them (the writer's layout, for an input in that order).
  void tensor(Encoder& e, Bytes body, const Change& c) {
    bool raw_pending = !c.to_external;
    bool external_pending = c.to_external;
    auto put_raw = [&] {
      e.tag(fl::tensor::kRawData, WireType::kLen);
      e.varint(c.bytes.size());
      e.raw(c.bytes.bytes(), true);
      raw_pending = false;
    };
    auto put_external = [&] {
      for (const ir::StringEntry& s : c.entries) {
        e.message(fl::tensor::kExternalData, [&] {
          e.opt_string(fl::entry::kKey, s.key, s.extras);
          e.opt_string(fl::entry::kValue, s.value, s.extras);
          e.unknown(s.extras);
        });
      }
      e.int32_field(fl::tensor::kDataLocation,
                    static_cast<std::int32_t>(ir::TensorData::Location::kExternal));
      external_pending = false;
    };
    Decoder d(body, origin_);
    const std::byte* run = body.data();
    while (!d.done()) {
      const Field f = d.next();
      const bool replaced =
          ((f.number == fl::tensor::kRawData || f.number == fl::tensor::kExternalData) &&
           f.type == WireType::kLen) ||
          (f.number == fl::tensor::kDataLocation && f.type == WireType::kVarint);
      const bool insert = (raw_pending && f.number > fl::tensor::kRawData) ||
                          (external_pending && f.number > fl::tensor::kDataLocation);
      if (!replaced && !insert) continue;
      e.raw(Bytes(run, f.raw.data()), true);
      if (raw_pending && f.number > fl::tensor::kRawData) put_raw();
      if (external_pending && f.number > fl::tensor::kDataLocation) put_external();
      run = replaced ? f.raw.data() + f.raw.size() : f.raw.data();
    }
    e.raw(Bytes(run, body.data() + body.size()), true);
    if (raw_pending) put_raw();
    if (external_pending) put_external();
  }

  const std::vector<Change>& changes_;
  InputModel& input_;
  const std::byte* origin_;
};

// ---------------------------------------------------------------- files

/// kKeep: true when `file`, written out, would be byte for byte the file
/// already at `target`, the very file its tensors come from (the output
/// next to the input). Then there is nothing to write.
bool already_in_place(const OutFile& file, const fs::path& target,
                      const std::vector<ExternalDataResolver::Source>& sources) {
  if (!file.offsets_kept || file.pieces.empty()) return false;
  const std::byte* any = file.pieces.front().bytes.bytes().data();
  const ExternalDataResolver::Source* source = nullptr;
  for (const auto& s : sources) {
    if (any >= s.bytes.data() && any <= s.bytes.data() + s.bytes.size()) source = &s;
  }
  if (source == nullptr) return false;
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != source->device ||
      static_cast<std::uint64_t>(st.st_ino) != source->inode) {
    return false;
  }
  // What the writer would write: zeros between the pieces, nothing after the last.
  const Piece& last = file.pieces.back();
  if (static_cast<std::uint64_t>(st.st_size) != last.offset + last.bytes.size() ||
      source->bytes.size() != static_cast<std::size_t>(st.st_size)) {
    return false;
  }
  std::uint64_t at = 0;
  for (const Piece& p : file.pieces) {
    if (p.bytes.bytes().data() != source->bytes.data() + p.offset) return false;
    const Bytes gap = source->bytes.subspan(static_cast<std::size_t>(at),
                                            static_cast<std::size_t>(p.offset - at));
    if (std::any_of(gap.begin(), gap.end(), [](std::byte b) { return b != std::byte{0}; }))
      return false;
    at = p.offset + p.bytes.size();
  }
  return true;
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

Error located(const Error& e, const fs::path& path) {
  if (e.location().rfind(path.string(), 0) == 0) return e;
  return e.within(path.string());
}

}  // namespace

TranscodeStats transcode_model_file(const fs::path& in_path, const fs::path& out_path,
                                    const WriteOptions& options, const ReadOptions& read_options) {
  TranscodeStats stats;
  fs::path in_dir = in_path.parent_path();
  if (in_dir.empty()) in_dir = ".";
  fs::path out_dir = out_path.parent_path();
  if (out_dir.empty()) out_dir = ".";

  // ---- reading: the plan
  std::shared_ptr<InputModel> input;
  std::optional<Planner> plan;
  try {
    input = std::make_shared<InputModel>(in_path);
    if (input->bytes().empty()) throw Error("empty file: not an ONNX model");
    plan.emplace(input, in_dir, options, read_options.max_depth, out_path.filename().string());
    const bool has_graph = with_text_hint(input->bytes(), [&] { return plan->model(); });
    if (!has_graph) throw Error("not an ONNX model: it holds no graph");
  } catch (const NeedsIr&) {
    plan.reset();
    input.reset();
    write_model_file(read_model_file(in_path, read_options), out_path, options);
    stats.via_ir = true;
    return stats;
  } catch (const Error& e) {
    throw located(e, in_path);
  } catch (const fs::filesystem_error& e) {
    throw Error(in_path.string(), e.what());
  }

  std::vector<Change>& changes = plan->changes();
  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return a.site < b.site; });
  stats.tensors_changed = changes.size();

  // ---- writing: data files first, then the model; renames last
  try {
    if (options.external_data == Mode::kOneFile) {
      check_output_location(options.external_file.empty() ? out_path.filename().string() + ".data"
                                                          : options.external_file);
    }
    for (const OutFile& file : plan->files()) check_output_location(file.location);

    const std::vector<ExternalDataResolver::Source> sources = plan->resolver().sources();
    auto add_sources = [&](TempFile& temp) {
      temp.add_source(input->bytes(), input->fd());
      for (const auto& s : sources) temp.add_source(s.bytes, s.fd);
    };

    std::vector<std::unique_ptr<TempFile>> temps;
    for (const OutFile& file : plan->files()) {
      const fs::path target = out_dir / file.location;
      if (options.external_data == Mode::kKeep && already_in_place(file, target, sources)) {
        ++stats.data_files_kept;
        continue;
      }
      if (target.has_parent_path()) fs::create_directories(target.parent_path());
      auto temp = std::make_unique<TempFile>(target);
      add_sources(*temp);
      write_pieces(*temp, file.pieces, true);  // every piece lies in a mapping
      temp->close();
      temps.push_back(std::move(temp));
      ++stats.data_files_written;
    }

    Emitter emitter(changes, *input);
    Encoder sizer;
    emitter.model(sizer);
    if (options.external_data == Mode::kInline && sizer.count() > kProtobufLimit) {
      fail_too_big_inline(sizer.count());
    }
    stats.model_bytes = sizer.count();
    auto model_file = std::make_unique<TempFile>(out_path);
    add_sources(*model_file);
    Encoder emit(*model_file, sizer.take_sizes());
    emitter.model(emit);
    emit.flush();
    model_file->close();

    for (auto& temp : temps) temp->commit();
    model_file->commit();
  } catch (const Error& e) {
    throw located(e, out_path);
  } catch (const fs::filesystem_error& e) {
    throw Error(out_path.string(), e.what());
  }
  return stats;
}

}  // namespace onnxkit::proto
