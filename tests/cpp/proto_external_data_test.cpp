// External data on read (zero-copy views into mapped files) and on write
// (kKeep, kInline, kOneFile).

#include <gtest/gtest.h>

#include <cstring>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"
#include "proto_test_util.h"

namespace onnxkit {
namespace {

namespace fs = std::filesystem;
using testing::Msg;
using testing::TempDir;

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) & 0xFF);
  return s;
}

std::string_view chars(const Buffer& b) { return b.chars(); }

// A model with a big initializer 'big' (float[1024], 4 KiB), a small one
// 'small' (float[2]), and a Constant node holding a 2 KiB tensor attribute.
Msg inline_model() {
  Msg constant = testing::node({}, {"c"}, "Constant", "const")
                     .msg(5, Msg()
                                 .str(1, "value")
                                 .msg(5, testing::float_tensor("", {512}, pattern(2048, 3)))
                                 .varint(20, 4));
  Msg graph = Msg()
                  .msg(1, constant)
                  .msg(1, testing::node({"x", "big"}, {"y"}, "Add"))
                  .str(2, "main")
                  .msg(5, testing::float_tensor("big", {1024}, pattern(4096, 1)))
                  .msg(5, testing::float_tensor("small", {2}, pattern(8, 2)))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {1024})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {1024})));
  return testing::model(graph);
}

const ir::TensorData& initializer(const ir::Model& m, std::size_t i) {
  return *m.graph->initializers().at(i)->data();
}

std::string entry(const ir::TensorData& t, std::string_view key) {
  for (const auto& e : t.external_data) {
    if (e.key == key) return e.value;
  }
  return "<none>";
}

TEST(ProtoExternalData, OneFileWithThreshold) {
  TempDir dir;
  testing::write_file(dir / "in.onnx", inline_model().bytes());
  const ir::Model model = proto::read_model_file(dir / "in.onnx");
  proto::WriteOptions options;
  options.external_data = proto::WriteOptions::ExternalData::kOneFile;
  options.external_file = "weights.bin";
  options.size_threshold = 1024;
  fs::create_directories(dir / "out");
  proto::write_model_file(model, dir / "out" / "model.onnx", options);
  ASSERT_TRUE(fs::exists(dir / "out" / "weights.bin"));

  const ir::Model back = proto::read_model_file(dir / "out" / "model.onnx");
  const ir::TensorData& big = initializer(back, 0);
  const ir::TensorData& small = initializer(back, 1);
  ASSERT_TRUE(big.is_external());
  EXPECT_EQ(entry(big, "location"), "weights.bin");
  EXPECT_EQ(entry(big, "length"), "4096");
  EXPECT_TRUE(big.external_bytes.is_view());
  EXPECT_EQ(chars(big.external_bytes), pattern(4096, 1));
  EXPECT_EQ(big.bytes().chars(), pattern(4096, 1));
  EXPECT_FALSE(small.is_external());
  EXPECT_TRUE(small.has_raw_data);
  EXPECT_TRUE(small.raw_data.is_view());
  EXPECT_EQ(chars(small.raw_data), pattern(8, 2));
  const ir::TensorData& attr = *back.graph->nodes()[0]->attribute("value")->t;
  ASSERT_TRUE(attr.is_external());
  EXPECT_EQ(std::stoull(entry(attr, "offset")) % 4096, 0u);
  EXPECT_EQ(chars(attr.external_bytes), pattern(2048, 3));

  // Inline again: the exact original bytes come back.
  proto::WriteOptions inline_all;
  inline_all.external_data = proto::WriteOptions::ExternalData::kInline;
  proto::write_model_file(back, dir / "again.onnx", inline_all);
  EXPECT_EQ(testing::read_file(dir / "again.onnx"), inline_model().bytes());
  EXPECT_EQ(proto::write_model(back), inline_model().bytes());
}

TEST(ProtoExternalData, KeepCopiesFilesAndEntries) {
  TempDir dir;
  testing::write_file(dir / "in.onnx", inline_model().bytes());
  proto::WriteOptions one;
  one.external_data = proto::WriteOptions::ExternalData::kOneFile;
  one.external_file = "data/w.bin";
  one.size_threshold = 100;
  fs::create_directories(dir / "a");
  proto::write_model_file(proto::read_model_file(dir / "in.onnx"), dir / "a" / "m.onnx", one);
  const std::string model_bytes = testing::read_file(dir / "a" / "m.onnx");

  // kKeep into another folder: same model bytes, same external file.
  fs::create_directories(dir / "b");
  const ir::Model a = proto::read_model_file(dir / "a" / "m.onnx");
  proto::write_model_file(a, dir / "b" / "m.onnx");
  EXPECT_EQ(testing::read_file(dir / "b" / "m.onnx"), model_bytes);
  EXPECT_EQ(testing::read_file(dir / "b" / "data" / "w.bin"),
            testing::read_file(dir / "a" / "data" / "w.bin"));

  // kKeep over the very files it reads from: the old mapping stays valid.
  proto::write_model_file(a, dir / "a" / "m.onnx");
  EXPECT_EQ(testing::read_file(dir / "a" / "m.onnx"), model_bytes);
  const ir::Model again = proto::read_model_file(dir / "a" / "m.onnx");
  EXPECT_EQ(chars(initializer(again, 0).external_bytes), pattern(4096, 1));

  // Read without resolving external data; the writer resolves it itself.
  proto::ReadOptions lazy;
  lazy.load_external_data = false;
  const ir::Model unresolved = proto::read_model_file(dir / "a" / "m.onnx", lazy);
  EXPECT_TRUE(initializer(unresolved, 0).external_bytes.empty());
  fs::create_directories(dir / "c");
  proto::write_model_file(unresolved, dir / "c" / "m.onnx");
  EXPECT_EQ(testing::read_file(dir / "c" / "data" / "w.bin"),
            testing::read_file(dir / "a" / "data" / "w.bin"));
  // write_model keeps unresolved references as they are.
  EXPECT_EQ(proto::write_model(unresolved), model_bytes);

  // No temporary files are left behind.
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(ProtoExternalData, KeepLaysOutAgainWhenTensorsOverlap) {
  // Two tensors claim overlapping ranges of one file: the writer cannot keep
  // the offsets and lays the file out again.
  TempDir dir;
  testing::write_file(dir / "w.bin", pattern(64, 9));
  auto ext = [](std::string_view name, std::string_view offset) {
    return Msg()
        .varint(1, 8)
        .varint(2, 1)
        .str(8, name)
        .msg(13, Msg().str(1, "location").str(2, "w.bin"))
        .msg(13, Msg().str(1, "offset").str(2, offset))
        .msg(13, Msg().str(1, "length").str(2, "32"))
        .varint(14, 1);
  };
  Msg graph = Msg().msg(5, ext("a", "0")).msg(5, ext("b", "16"));
  testing::write_file(dir / "m.onnx", testing::model(graph).bytes());
  const ir::Model model = proto::read_model_file(dir / "m.onnx");
  fs::create_directories(dir / "out");
  proto::write_model_file(model, dir / "out" / "m.onnx");
  const ir::Model back = proto::read_model_file(dir / "out" / "m.onnx");
  EXPECT_EQ(chars(initializer(back, 0).external_bytes), pattern(64, 9).substr(0, 32));
  EXPECT_EQ(chars(initializer(back, 1).external_bytes), pattern(64, 9).substr(16, 32));
  EXPECT_EQ(entry(initializer(back, 1), "offset"), "4096");
}

TEST(ProtoExternalData, MissingLengthUsesTheTensorSize) {
  TempDir dir;
  testing::write_file(dir / "w.bin", pattern(40, 5));
  Msg w = Msg()
              .varint(1, 2)
              .varint(1, 3)
              .varint(2, 7)  // int64[2,3]: 48 bytes — too many for the file
              .str(8, "w")
              .msg(13, Msg().str(1, "location").str(2, "w.bin"))
              .varint(14, 1);
  testing::write_file(dir / "m.onnx", testing::model(Msg().msg(5, w)).bytes());
  EXPECT_THROW(proto::read_model_file(dir / "m.onnx"), Error);
  testing::write_file(dir / "w.bin", pattern(48, 5));
  const ir::Model model = proto::read_model_file(dir / "m.onnx");
  EXPECT_EQ(initializer(model, 0).external_bytes.size(), 48u);
}

TEST(ProtoExternalData, InlineRefusesModelsPastTwoGiB) {
  // A sparse 2.1 GB file costs no disk space and maps lazily.
  TempDir dir;
  const std::uint64_t size = (std::uint64_t{1} << 31) + 4096;
  {
    std::ofstream f(dir / "huge.bin", std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 1));
    f.put('\0');
  }
  Msg w = Msg()
              .varint(1, static_cast<std::uint64_t>(size))
              .varint(2, 2)
              .str(8, "w")
              .msg(13, Msg().str(1, "location").str(2, "huge.bin"))
              .varint(14, 1);
  testing::write_file(dir / "m.onnx", testing::model(Msg().msg(5, w)).bytes());
  const ir::Model model = proto::read_model_file(dir / "m.onnx");
  EXPECT_EQ(initializer(model, 0).external_bytes.size(), size);
  proto::WriteOptions inline_all;
  inline_all.external_data = proto::WriteOptions::ExternalData::kInline;
  try {
    proto::write_model_file(model, dir / "out.onnx", inline_all);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 GiB"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "out.onnx"));
}

}  // namespace
}  // namespace onnxkit
