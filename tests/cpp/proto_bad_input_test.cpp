// Untrusted input: every malformed file gives one onnxkit::Error that names
// the problem and where it is; nothing crashes (these run under ASan+UBSan).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "onnxkit/core/error.h"
#include "onnxkit/proto/reader.h"
#include "onnxkit/proto/writer.h"
#include "proto_test_util.h"

namespace onnxkit {
namespace {

using testing::Msg;
using testing::TempDir;

// Runs `fn`, expects an Error whose what() contains every one of `parts`.
template <typename Fn>
void expect_error(Fn&& fn, std::initializer_list<std::string_view> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (std::string_view part : parts) {
      EXPECT_NE(what.find(part), std::string::npos) << "'" << part << "' not in: " << what;
    }
    EXPECT_EQ(what.find('\n'), std::string::npos) << "not one line: " << what;
  }
}

Msg small_model() {
  Msg graph = Msg()
                  .msg(1, testing::node({"x", "w"}, {"y"}, "Add", "add"))
                  .str(2, "main")
                  .msg(5, testing::float_tensor("w", {2}, std::string(8, '\x01')))
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {2})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {2})));
  return testing::model(graph);
}

TEST(ProtoBadInput, TruncatedFile) {
  const std::string bytes = small_model().bytes();
  TempDir dir;
  testing::write_file(dir / "cut.onnx", bytes.substr(0, bytes.size() - 5));
  expect_error([&] { proto::read_model_file(dir / "cut.onnx"); },
               {"cut.onnx", "truncated", "at byte"});
  // Every prefix fails cleanly or parses (a prefix can end on a field boundary).
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    try {
      proto::read_model(Buffer::owned(std::string_view(bytes).substr(0, n)));
    } catch (const Error&) {
    }
  }
}

TEST(ProtoBadInput, InvalidWireType) {
  Msg m = Msg().varint(1, 8);
  m.tag(7, 7);  // wire type 7 does not exist
  expect_error([&] { proto::read_model(m.buffer()); }, {"invalid wire type 7", "field 7"});
  Msg end_group = Msg().varint(1, 8);
  end_group.tag(3, 4);
  expect_error([&] { proto::read_model(end_group.buffer()); }, {"end-group"});
}

TEST(ProtoBadInput, LengthPastTheEnd) {
  Msg m = Msg().varint(1, 8);
  m.tag(7, 2);
  m.put_varint(1000);
  m.raw("abc");
  expect_error([&] { proto::read_model(m.buffer()); },
               {"truncated", "length 1000", "past the end", "at byte 3"});
  // Inside a nested message: the node's length runs past its graph.
  Msg inner;
  inner.tag(1, 2);
  inner.put_varint(50);
  inner.raw("xy");
  Msg nested = Msg().varint(1, 8).msg(7, inner);
  expect_error([&] { proto::read_model(nested.buffer()); }, {"graph", "length 50"});
}

TEST(ProtoBadInput, VarintLongerThanTenBytes) {
  Msg m;
  m.tag(1, 0);
  m.raw(std::string(11, '\xff'));
  m.raw("\x01");
  expect_error([&] { proto::read_model(m.buffer()); }, {"varint longer than 10 bytes"});
}

TEST(ProtoBadInput, NestingDeeperThanTheBound) {
  // graph › node › attribute › graph › node › ... 1000 levels deep.
  Msg inner = Msg().str(2, "leaf");
  for (int i = 0; i < 1000; ++i) {
    Msg node =
        testing::node({}, {}, "If").msg(5, Msg().str(1, "then_branch").msg(6, inner).varint(20, 5));
    inner = Msg().msg(1, node);
  }
  const Msg m = testing::model(inner);
  expect_error([&] { proto::read_model(m.buffer()); },
               {"nested deeper than 100", "attribute 'then_branch'"});
  proto::ReadOptions deep;
  deep.max_depth = 5000;
  EXPECT_NO_THROW(proto::read_model(m.buffer(), deep));
}

TEST(ProtoBadInput, TextFile) {
  TempDir dir;
  testing::write_file(dir / "model.onnx",
                      "ir_version: 8\nopset_import { domain: \"\" version: 13 }\ngraph {\n}\n");
  expect_error([&] { proto::read_model_file(dir / "model.onnx"); },
               {"model.onnx", "not a binary ONNX model", "looks like text", "onnxkit convert"});
  testing::write_file(dir / "text.onnx",
                      "<\n  ir_version: 8,\n  opset_import: [\"\" : 13]\n>\nagraph (float[N] x) => "
                      "(float[N] y) {\n y = Relu(x)\n}\n");
  expect_error([&] { proto::read_model_file(dir / "text.onnx"); }, {"looks like text"});
}

TEST(ProtoBadInput, EmptyFile) {
  TempDir dir;
  testing::write_file(dir / "empty.onnx", "");
  expect_error([&] { proto::read_model_file(dir / "empty.onnx"); },
               {"empty.onnx", "empty file: not an ONNX model"});
}

TEST(ProtoBadInput, MissingFile) {
  TempDir dir;
  expect_error([&] { proto::read_model_file(dir / "nope.onnx"); }, {"nope.onnx"});
}

TEST(ProtoBadInput, RandomCorruptionNeverCrashes) {
  const std::string good = small_model().bytes();
  std::mt19937 rng(1234);
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    try {
      const ir::Model model = proto::read_model(Buffer::owned(bytes));
      const std::string out = proto::write_model(model);
      proto::read_model(Buffer::owned(out));
    } catch (const Error&) {
    }
  }
}

// ---- external data

// A model whose initializer 'w' (float[4], 16 bytes) lives in `location`.
Msg external_model(std::string_view location, std::string_view offset = "0") {
  Msg w = Msg()
              .varint(1, 4)
              .varint(2, 1)
              .str(8, "w")
              .msg(13, Msg().str(1, "location").str(2, location))
              .msg(13, Msg().str(1, "offset").str(2, offset))
              .varint(14, 1);
  Msg graph = Msg()
                  .msg(1, testing::node({"x", "w"}, {"y"}, "Add", "add"))
                  .str(2, "main")
                  .msg(5, w)
                  .msg(11, testing::value_info("x", testing::tensor_type(1, {4})))
                  .msg(12, testing::value_info("y", testing::tensor_type(1, {4})));
  return testing::model(graph);
}

TEST(ProtoBadInputExternal, FileNotFound) {
  TempDir dir;
  testing::write_file(dir / "model.onnx", external_model("weights.bin").bytes());
  expect_error([&] { proto::read_model_file(dir / "model.onnx"); },
               {"model.onnx › graph 'main' › initializer 'w' › external data 'weights.bin'",
                "file not found"});
  // Not resolving external data reads the model fine.
  proto::ReadOptions lazy;
  lazy.load_external_data = false;
  EXPECT_NO_THROW(proto::read_model_file(dir / "model.onnx", lazy));
}

TEST(ProtoBadInputExternal, FileTooShort) {
  TempDir dir;
  testing::write_file(dir / "model.onnx", external_model("weights.bin", "8").bytes());
  testing::write_file(dir / "weights.bin", std::string(20, '\0'));
  expect_error(
      [&] { proto::read_model_file(dir / "model.onnx"); },
      {"initializer 'w'", "external data 'weights.bin'", "offset 8 + length 16", "past the end"});
}

TEST(ProtoBadInputExternal, OffsetOverflow) {
  TempDir dir;
  testing::write_file(dir / "model.onnx",
                      external_model("weights.bin", "18446744073709551615").bytes());
  testing::write_file(dir / "weights.bin", std::string(20, '\0'));
  expect_error([&] { proto::read_model_file(dir / "model.onnx"); },
               {"initializer 'w'", "past the end"});
}

TEST(ProtoBadInputExternal, AbsolutePath) {
  TempDir dir;
  testing::write_file(dir / "weights.bin", std::string(16, '\0'));
  testing::write_file(dir / "model.onnx", external_model((dir / "weights.bin").string()).bytes());
  expect_error([&] { proto::read_model_file(dir / "model.onnx"); },
               {"initializer 'w'", "absolute path not allowed"});
}

TEST(ProtoBadInputExternal, DotDot) {
  TempDir dir;
  std::filesystem::create_directories(dir / "sub");
  testing::write_file(dir / "weights.bin", std::string(16, '\0'));
  testing::write_file(dir / "sub" / "model.onnx", external_model("../weights.bin").bytes());
  expect_error([&] { proto::read_model_file(dir / "sub" / "model.onnx"); },
               {"external data '../weights.bin'", "'..' not allowed"});
}

TEST(ProtoBadInputExternal, SymlinkOutOfTheFolder) {
  TempDir dir;
  std::filesystem::create_directories(dir / "model");
  testing::write_file(dir / "secret.bin", std::string(16, '\0'));
  std::filesystem::create_symlink(dir / "secret.bin", dir / "model" / "weights.bin");
  testing::write_file(dir / "model" / "model.onnx", external_model("weights.bin").bytes());
  expect_error([&] { proto::read_model_file(dir / "model" / "model.onnx"); },
               {"external data 'weights.bin'", "outside the model's folder"});
  // A symlinked folder that leads out is refused the same way.
  std::filesystem::create_directories(dir / "elsewhere");
  testing::write_file(dir / "elsewhere" / "w.bin", std::string(16, '\0'));
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "model" / "data");
  testing::write_file(dir / "model" / "m2.onnx", external_model("data/w.bin").bytes());
  expect_error([&] { proto::read_model_file(dir / "model" / "m2.onnx"); },
               {"outside the model's folder"});
  // A symlink that stays inside is fine.
  testing::write_file(dir / "model" / "real.bin", std::string(16, '\0'));
  std::filesystem::create_symlink("real.bin", dir / "model" / "inside.bin");
  testing::write_file(dir / "model" / "m3.onnx", external_model("inside.bin").bytes());
  EXPECT_NO_THROW(proto::read_model_file(dir / "model" / "m3.onnx"));
}

TEST(ProtoBadInputExternal, HardLink) {
  TempDir dir;
  std::filesystem::create_directories(dir / "model");
  testing::write_file(dir / "secret.bin", std::string(16, '\0'));
  std::filesystem::create_hard_link(dir / "secret.bin", dir / "model" / "weights.bin");
  testing::write_file(dir / "model" / "model.onnx", external_model("weights.bin").bytes());
  expect_error([&] { proto::read_model_file(dir / "model" / "model.onnx"); },
               {"external data 'weights.bin'", "hard links"});
}

}  // namespace
}  // namespace onnxkit
