// The streaming transcoder (proto::transcode_model_file) against its oracle,
// the IR path write_model_file(read_model_file(...)): for every mode, the same
// model file (byte for byte when the input is in field-number order, as the
// models here are; message for message otherwise) and the same data files.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/transcode.h"
#include "onnxkit/proto/writer.h"
#include "proto_test_util.h"

namespace onnxkit {
namespace {

namespace fs = std::filesystem;
using proto::WriteOptions;
using testing::Msg;
using testing::TempDir;
using Mode = WriteOptions::ExternalData;

std::string bytes_of(std::size_t n, int seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>((i * 131 + static_cast<std::size_t>(seed) * 7) & 0xFF);
  return s;
}

Msg entry(std::string_view key, std::string_view value) { return Msg().str(1, key).str(2, value); }

/// A float TensorProto whose bytes are in `location` at `offset`.
Msg external_tensor(std::string_view name, std::int64_t n, std::string_view location,
                    std::uint64_t offset) {
  return Msg()
      .varint(1, static_cast<std::uint64_t>(n))
      .varint(2, 1)
      .str(8, name)
      .msg(13, entry("location", location))
      .msg(13, entry("offset", std::to_string(offset)))
      .msg(13, entry("length", std::to_string(n * 4)))
      .varint(14, 1);
}

Msg raw_tensor(std::string_view name, std::size_t n_floats, int seed) {
  return testing::float_tensor(name, {static_cast<std::int64_t>(n_floats)},
                               bytes_of(n_floats * 4, seed));
}

Msg constant_node(std::string_view output, const Msg& tensor, std::string_view name = {}) {
  Msg attr = Msg().str(1, "value").msg(5, tensor).varint(20, 4);  // type TENSOR
  Msg n = Msg().str(2, output);
  if (!name.empty()) n.str(3, name);
  return n.str(4, "Constant").msg(5, attr);
}

Msg graph_with(const std::vector<Msg>& nodes, const std::vector<Msg>& initializers,
               std::string_view name = "g") {
  Msg g;
  for (const Msg& n : nodes) g.msg(1, n);
  g.str(2, name);
  for (const Msg& t : initializers) g.msg(5, t);
  g.msg(12, testing::value_info("y", testing::tensor_type(1, {4})));
  return g;
}

/// Writes `model` (and the data files) into `dir`/in, then transcodes and
/// writes through the IR into `dir`/tc and `dir`/ir.
struct Pair {
  fs::path tc, ir;
  proto::TranscodeStats stats;
};

Pair both(const TempDir& dir, const Msg& model, const WriteOptions& options,
          const std::vector<std::pair<std::string, std::string>>& data_files = {}) {
  fs::create_directories(dir / "in");
  fs::create_directories(dir / "tc");
  fs::create_directories(dir / "ir");
  testing::write_file(dir / "in" / "model.onnx", model.bytes());
  for (const auto& [name, bytes] : data_files) testing::write_file(dir / "in" / name, bytes);
  Pair p{dir / "tc" / "model.onnx", dir / "ir" / "model.onnx", {}};
  p.stats = proto::transcode_model_file(dir / "in" / "model.onnx", p.tc, options);
  proto::write_model_file(proto::read_model_file(dir / "in" / "model.onnx"), p.ir, options);
  return p;
}

/// Every file of the two output folders, byte for byte.
void expect_same_outputs(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir / "ir"))
    names.push_back(e.path().filename().string());
  std::size_t n_tc = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "tc")) ++n_tc;
  EXPECT_EQ(n_tc, names.size());
  for (const std::string& name : names) {
    ASSERT_TRUE(fs::exists(dir / "tc" / name)) << name;
    EXPECT_TRUE(testing::read_file(dir / "tc" / name) == testing::read_file(dir / "ir" / name))
        << name;
  }
}

/// The message, canonically encoded (field-number order), without resolving external data.
std::string message_of(const fs::path& path) {
  proto::ReadOptions ro;
  ro.load_external_data = false;
  return proto::write_model(proto::read_model_file(path, ro));
}

WriteOptions keep() { return {}; }
WriteOptions inline_all() {
  WriteOptions o;
  o.external_data = Mode::kInline;
  return o;
}
WriteOptions one_file(std::uint64_t threshold, std::string file = "x.bin") {
  WriteOptions o;
  o.external_data = Mode::kOneFile;
  o.external_file = std::move(file);
  o.size_threshold = threshold;
  return o;
}

std::vector<WriteOptions> all_modes() {
  return {keep(), inline_all(), one_file(0), one_file(64), one_file(1024), one_file(1 << 20, "")};
}

/// A model with tensors in every place the writer visits: initializers (inline
/// and external), a Constant node, an If with subgraph initializers and a
/// Constant, a sparse initializer, a function, training_info.
std::pair<Msg, std::vector<std::pair<std::string, std::string>>> everything_model() {
  const std::string w_bin =
      bytes_of(4096 * 2, 1) + bytes_of(100 * 4, 2);  // w2 at 0 (8 KiB), w3 at 8192
  Msg then_g = graph_with({constant_node("c_then", raw_tensor("ct", 300, 3))},
                          {raw_tensor("ti", 20, 4)}, "then");
  Msg else_g = graph_with({}, {external_tensor("te", 100, "w.bin", 8192)}, "else");
  Msg if_node = Msg()
                    .str(1, "cond")
                    .str(2, "z")
                    .str(3, "if0")
                    .str(4, "If")
                    .msg(5, Msg().str(1, "else_branch").msg(6, else_g).varint(20, 5))
                    .msg(5, Msg().str(1, "then_branch").msg(6, then_g).varint(20, 5));
  Msg sparse = Msg()
                   .msg(1, raw_tensor("sp", 3, 5))
                   .msg(2, Msg().varint(1, 3).varint(2, 7).str(9, bytes_of(24, 6)))
                   .varint(3, 10);
  Msg g = Msg()
              .msg(1, constant_node("c0", raw_tensor("c0t", 512, 7)))
              .msg(1, constant_node("c1", raw_tensor("c1t", 2, 8), "small"))
              .msg(1, if_node)
              .msg(1, testing::node({"x", "w1"}, {"y"}, "Add"))
              .str(2, "main")
              .msg(5, raw_tensor("w1", 1000, 9))
              .msg(5, external_tensor("w2", 2048, "w.bin", 0))
              .msg(5, raw_tensor("w4", 4, 10))
              .msg(11, testing::value_info("x", testing::tensor_type(1, {4})))
              .msg(12, testing::value_info("y", testing::tensor_type(1, {4})))
              .msg(15, sparse);
  Msg function =
      Msg()
          .str(1, "F")
          .str(4, "a")
          .str(5, "b")
          .msg(7, constant_node("k", raw_tensor("fk", 400, 11)))
          .msg(7, testing::node({"a", "k"}, {"b"}, "Mul"))
          .msg(9, Msg().str(1, "").varint(2, 13))
          .str(10, "custom")
          .msg(11, Msg().str(1, "alpha").msg(5, raw_tensor("fa", 300, 12)).varint(20, 4));
  Msg training =
      Msg()
          .msg(1, graph_with({}, {raw_tensor("ti0", 600, 13)}, "init"))
          .msg(2, graph_with({constant_node("ta", raw_tensor("tat", 700, 14))}, {}, "algo"))
          .msg(3, entry("w1", "ti0"));
  Msg model = Msg()
                  .varint(1, 8)
                  .str(2, "test")
                  .msg(7, g)
                  .msg(8, Msg().str(1, "").varint(2, 13))
                  .msg(20, training)
                  .msg(25, function);
  return {model, {{"w.bin", w_bin}}};
}

TEST(Transcode, EveryModeMatchesTheWriterByteForByte) {
  const auto [model, files] = everything_model();
  for (const WriteOptions& options : all_modes()) {
    SCOPED_TRACE("mode " + std::to_string(static_cast<int>(options.external_data)) + " threshold " +
                 std::to_string(options.size_threshold));
    TempDir dir;
    const Pair p = both(dir, model, options, files);
    EXPECT_FALSE(p.stats.via_ir);
    expect_same_outputs(dir);
    EXPECT_EQ(message_of(p.tc), message_of(p.ir));
  }
}

TEST(Transcode, KeepWithNothingToMoveIsACopy) {
  const auto [model, files] = everything_model();
  TempDir dir;
  const Pair p = both(dir, model, keep(), files);
  EXPECT_EQ(p.stats.tensors_changed, 0u);
  EXPECT_EQ(testing::read_file(p.tc), model.bytes());
  EXPECT_EQ(testing::read_file(dir / "tc" / "w.bin"), files[0].second);
}

TEST(Transcode, MovesTheExpectedTensors) {
  const auto [model, files] = everything_model();
  {
    TempDir dir;
    // Inline: the three external tensors (w2, te... w2 and te) come in.
    const Pair p = both(dir, model, inline_all(), files);
    EXPECT_EQ(p.stats.tensors_changed, 2u);
    EXPECT_EQ(p.stats.data_files_written, 0u);
  }
  {
    TempDir dir;
    // Threshold 1024 bytes: c0t (2048), w1 (4000), w2 (8192), fk (1600), fa (1200),
    // ti0 (2400), tat (2800), ct (1200) go out; te (400) comes in.
    const Pair p = both(dir, model, one_file(1024), files);
    EXPECT_EQ(p.stats.tensors_changed, 9u);
    EXPECT_EQ(p.stats.data_files_written, 1u);
    proto::ReadOptions ro;
    const ir::Model m = proto::read_model_file(p.tc, ro);  // resolves every tensor it moved
    EXPECT_EQ(m.graph->find_local_tensor("w1")->data()->external_bytes.chars(), bytes_of(4000, 9));
  }
}

TEST(Transcode, RarePlaces) {
  // Attribute lists (tensors, graphs), sparse attributes, and a graph given in
  // two parts (protobuf merges them; so does the writer's order).
  Msg sparse = Msg()
                   .msg(1, raw_tensor("sv", 300, 1))
                   .msg(2, Msg().varint(1, 300).varint(2, 7).str(9, bytes_of(2400, 2)));
  Msg attrs = Msg()
                  .str(2, "o")
                  .str(4, "Custom")
                  .msg(5, Msg()
                              .str(1, "ts")
                              .msg(10, raw_tensor("t1", 400, 3))
                              .msg(10, external_tensor("t2", 100, "w.bin", 0))
                              .varint(20, 9))
                  .msg(5, Msg()
                              .str(1, "gs")
                              .msg(11, graph_with({}, {raw_tensor("gi", 500, 4)}, "g1"))
                              .msg(11, graph_with({}, {}, "g2"))
                              .varint(20, 10))
                  .msg(5, Msg().str(1, "st").msg(22, sparse).varint(20, 11))
                  .msg(5, Msg().str(1, "sts").msg(23, sparse).msg(23, sparse).varint(20, 12))
                  .str(7, "custom.domain");
  Msg part1 = Msg().msg(1, attrs).str(2, "main").msg(5, raw_tensor("p1", 600, 5));
  Msg part2 = Msg()
                  .msg(1, constant_node("c", raw_tensor("ct", 700, 6)))
                  .msg(5, external_tensor("p2", 200, "w.bin", 4096));
  Msg model = Msg().varint(1, 8).msg(7, part1).msg(8, Msg().str(1, "").varint(2, 13)).msg(7, part2);
  const std::string w_bin = bytes_of(4096 + 800, 7);
  for (const WriteOptions& options : all_modes()) {
    SCOPED_TRACE(std::to_string(static_cast<int>(options.external_data)) + "/" +
                 std::to_string(options.size_threshold));
    TempDir dir;
    const Pair p = both(dir, model, options, {{"w.bin", w_bin}});
    EXPECT_FALSE(p.stats.via_ir);
    EXPECT_EQ(message_of(p.tc), message_of(p.ir));
    for (const auto& e : fs::directory_iterator(dir / "ir")) {
      if (e.path().extension() == ".onnx") continue;
      EXPECT_EQ(testing::read_file(dir / "tc" / e.path().filename()), testing::read_file(e.path()))
          << e.path();
    }
  }
}

TEST(Transcode, UnknownFieldsAndFieldOrderStay) {
  // Fields out of number order, unknown fields in the model, a node, a tensor
  // that moves and an attribute; a packed dims field.
  Msg moving = Msg()
                   .str(8, "w")
                   .raw(Msg().str(99, "tensor-unknown").bytes())
                   .packed(1, {256})
                   .varint(2, 1)
                   .str(9, bytes_of(1024, 3))
                   .msg(16, entry("m", "v"));
  Msg node = Msg()
                 .str(4, "Constant")
                 .str(2, "c")
                 .msg(5, Msg().msg(5, raw_tensor("ct", 300, 4)).str(1, "value").varint(77, 5))
                 .varint(50, 1);
  Msg g = Msg().msg(5, moving).str(2, "g").msg(1, node).str(40, "graph-unknown");
  Msg model =
      Msg().msg(7, g).varint(1, 8).str(100, "model-unknown").msg(8, Msg().str(1, "").varint(2, 13));
  for (const WriteOptions& options : all_modes()) {
    SCOPED_TRACE(std::to_string(static_cast<int>(options.external_data)) + "/" +
                 std::to_string(options.size_threshold));
    TempDir dir;
    const Pair p = both(dir, model, options);
    EXPECT_EQ(message_of(p.tc), message_of(p.ir));
    if (options.external_data != Mode::kOneFile) {
      EXPECT_EQ(testing::read_file(p.tc), model.bytes());  // nothing moves: verbatim
    } else {
      const std::string data =
          options.external_file.empty() ? "model.onnx.data" : options.external_file;
      if (fs::exists(dir / "ir" / data)) {
        EXPECT_EQ(testing::read_file(dir / "tc" / data), testing::read_file(dir / "ir" / data));
      }
      // The unknown fields are still there, in their places.
      const std::string out = testing::read_file(p.tc);
      EXPECT_NE(out.find("tensor-unknown"), std::string::npos);
      EXPECT_LT(out.find("graph-unknown"), out.find("model-unknown"));
    }
  }
}

TEST(Transcode, KeepLaysOutAgainWhenTensorsOverlap) {
  // Two tensors overlapping in w.bin: the writer lays the file out again.
  Msg g = Msg()
              .str(2, "g")
              .msg(5, external_tensor("a", 100, "w.bin", 0))
              .msg(5, external_tensor("b", 100, "w.bin", 200));
  Msg model = testing::model(g);
  TempDir dir;
  const Pair p = both(dir, model, keep(), {{"w.bin", bytes_of(800, 1)}});
  EXPECT_EQ(p.stats.tensors_changed, 2u);
  expect_same_outputs(dir);
}

TEST(Transcode, DataFileInPlaceIsLeftAlone) {
  TempDir dir;
  const std::string data = bytes_of(4096, 1) + bytes_of(400, 2);
  Msg g = Msg()
              .str(2, "g")
              .msg(5, external_tensor("a", 1024, "w.bin", 0))
              .msg(5, external_tensor("b", 100, "w.bin", 4096));
  testing::write_file(dir / "model.onnx", testing::model(g).bytes());
  testing::write_file(dir / "w.bin", data);
  struct stat before {};
  ASSERT_EQ(::stat((dir / "w.bin").c_str(), &before), 0);
  const proto::TranscodeStats stats =
      proto::transcode_model_file(dir / "model.onnx", dir / "edited.onnx");
  EXPECT_EQ(stats.data_files_kept, 1u);
  EXPECT_EQ(stats.data_files_written, 0u);
  struct stat after {};
  ASSERT_EQ(::stat((dir / "w.bin").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(testing::read_file(dir / "edited.onnx"), testing::model(g).bytes());
  // Over itself, too.
  EXPECT_EQ(proto::transcode_model_file(dir / "model.onnx", dir / "model.onnx").data_files_kept,
            1u);
  ASSERT_EQ(::stat((dir / "w.bin").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
}

TEST(Transcode, DataFileInPlaceIsRewrittenWhenTheWriterWouldChangeIt) {
  // Bytes no tensor refers to (between and after the tensors): the writer
  // writes zeros and stops at the last tensor, so the file is written again.
  TempDir dir;
  const std::string data = bytes_of(4096, 1) + "junk" + bytes_of(400, 2) + "tail";
  Msg g = Msg()
              .str(2, "g")
              .msg(5, external_tensor("a", 1024, "w.bin", 0))
              .msg(5, external_tensor("b", 100, "w.bin", 4100));
  testing::write_file(dir / "model.onnx", testing::model(g).bytes());
  testing::write_file(dir / "w.bin", data);
  const proto::TranscodeStats stats =
      proto::transcode_model_file(dir / "model.onnx", dir / "edited.onnx");
  EXPECT_EQ(stats.data_files_kept, 0u);
  EXPECT_EQ(stats.data_files_written, 1u);
  EXPECT_EQ(testing::read_file(dir / "w.bin"),
            bytes_of(4096, 1) + std::string(4, '\0') + bytes_of(400, 2));
}

TEST(Transcode, MergedSingularTensorGoesThroughTheIr) {
  // An attribute with `t` twice: protobuf merges the two; the IR path does it.
  Msg attr = Msg()
                 .str(1, "value")
                 .msg(5, Msg().varint(1, 256).varint(2, 1))
                 .msg(5, Msg().str(9, bytes_of(1024, 1)));
  Msg g = Msg().msg(1, Msg().str(2, "c").str(4, "Constant").msg(5, attr)).str(2, "g");
  TempDir dir;
  const Pair p = both(dir, testing::model(g), one_file(0));
  EXPECT_TRUE(p.stats.via_ir);
  expect_same_outputs(dir);
}

// ---- errors: the reader's, located the same way

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.location() + ": " + e.message();
  }
  return "(no error)";
}

void expect_same_error(const TempDir& dir, const Msg& model,
                       const std::vector<std::pair<std::string, std::string>>& files,
                       const WriteOptions& options, std::string_view expected_part) {
  fs::create_directories(dir / "in");
  testing::write_file(dir / "in" / "model.onnx", model.bytes());
  for (const auto& [name, bytes] : files) testing::write_file(dir / "in" / name, bytes);
  const std::string tc = error_of(
      [&] { proto::transcode_model_file(dir / "in" / "model.onnx", dir / "out.onnx", options); });
  const std::string ir = error_of([&] {
    proto::write_model_file(proto::read_model_file(dir / "in" / "model.onnx"), dir / "out.onnx",
                            options);
  });
  EXPECT_EQ(tc, ir);
  EXPECT_NE(tc.find(expected_part), std::string::npos) << tc;
  EXPECT_FALSE(fs::exists(dir / "out.onnx"));
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(TranscodeErrors, EscapingLocation) {
  TempDir dir;
  Msg g = Msg().str(2, "g").msg(5, external_tensor("w", 4, "../secret.bin", 0));
  testing::write_file(dir / "secret.bin", bytes_of(16, 1));
  expect_same_error(dir, testing::model(g), {}, keep(), "'..' not allowed");
  expect_same_error(dir, testing::model(g), {}, inline_all(),
                    "graph 'g' › initializer 'w' › external data '../secret.bin'");
}

TEST(TranscodeErrors, AbsoluteLocation) {
  TempDir dir;
  testing::write_file(dir / "abs.bin", bytes_of(16, 1));
  Msg g = Msg().str(2, "g").msg(5, external_tensor("w", 4, (dir / "abs.bin").string(), 0));
  expect_same_error(dir, testing::model(g), {}, one_file(0), "absolute path not allowed");
}

TEST(TranscodeErrors, MissingFileInAConstantOfASubgraph) {
  TempDir dir;
  Msg then_g =
      graph_with({constant_node("c", external_tensor("ct", 4, "gone.bin", 0))}, {}, "then");
  Msg g = Msg()
              .msg(1, Msg().str(1, "cond").str(2, "z").str(4, "If").msg(
                          5, Msg().str(1, "then_branch").msg(6, then_g).varint(20, 5)))
              .str(2, "g");
  expect_same_error(dir, testing::model(g), {}, keep(), "file not found");
}

TEST(TranscodeErrors, PastTheEndOfTheDataFile) {
  TempDir dir;
  Msg g =
      Msg().str(2, "g").msg(1, constant_node("c", external_tensor("ct", 64, "w.bin", 8), "konst"));
  expect_same_error(
      dir, testing::model(g), {{"w.bin", bytes_of(100, 1)}}, keep(),
      "node 'konst' (Constant) › attribute 'value' › external data 'w.bin': offset 8 + length 256");
}

TEST(TranscodeErrors, Truncated) {
  const auto [model, files] = everything_model();
  const std::string& bytes = model.bytes();
  for (std::size_t cut : {std::size_t{1}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(cut);
    TempDir dir;
    Msg truncated = Msg().raw(std::string_view(bytes).substr(0, cut));
    expect_same_error(dir, truncated, files, keep(), "truncated");
  }
}

TEST(TranscodeErrors, TooDeep) {
  // If inside If inside If ...: past ReadOptions::max_depth.
  Msg inner = graph_with({constant_node("c", raw_tensor("t", 2, 1))}, {}, "leaf");
  for (int i = 0; i < 40; ++i) {
    Msg n = Msg().str(1, "cond").str(2, "z").str(4, "If").msg(
        5, Msg().str(1, "then_branch").msg(6, inner).varint(20, 5));
    inner = Msg().msg(1, n).str(2, "level" + std::to_string(i));
  }
  TempDir dir;
  expect_same_error(dir, testing::model(inner), {}, keep(), "nested deeper than 100 levels");
}

TEST(TranscodeErrors, NoGraph) {
  TempDir dir;
  testing::write_file(dir / "m.onnx", Msg().varint(1, 8).bytes());
  const std::string e =
      error_of([&] { proto::transcode_model_file(dir / "m.onnx", dir / "o.onnx"); });
  EXPECT_NE(e.find("holds no graph"), std::string::npos) << e;
}

TEST(TranscodeErrors, TextInput) {
  TempDir dir;
  testing::write_file(dir / "m.onnx",
                      "<ir_version: 8>\nagraph (float[N] x) => (float[N] y) { y = Relu(x) }\n");
  const std::string e =
      error_of([&] { proto::transcode_model_file(dir / "m.onnx", dir / "o.onnx"); });
  EXPECT_NE(e.find("looks like text"), std::string::npos) << e;
}

// ---- byte identity on the ONNX backend test models (when ../shared is there)

TEST(Transcode, KeepIsByteIdenticalOnTheOnnxTestModels) {
  const fs::path root = fs::path(ONNXKIT_SOURCE_DIR).parent_path() / "shared" / "onnx-tests";
  if (!fs::is_directory(root)) GTEST_SKIP() << "no " << root;
  TempDir dir;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() != "model.onnx") continue;
    const fs::path out = dir / "out.onnx";
    proto::transcode_model_file(e.path(), out);
    ASSERT_EQ(testing::read_file(out), testing::read_file(e.path())) << e.path();
    ++n;
  }
  EXPECT_GT(n, 100u);
}

}  // namespace
}  // namespace onnxkit
