#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "onnxkit/core/error.h"
#include "onnxkit/schema/registry.h"
#include "onnxkit/schema/schema_json.h"

namespace onnxkit::schema {
namespace {

const SchemaRegistry& onnx() { return SchemaRegistry::onnx(); }

std::int64_t since(std::string_view domain, std::string_view op, std::int64_t opset) {
  const OpSchema* s = onnx().find(domain, op, opset);
  return s ? s->since_version : -1;
}

// The message of the Error that `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

// ------------------------------------------------------------------ lookups

TEST(SchemaRegistryTest, LargestSinceVersionNotAboveTheOpset) {
  EXPECT_EQ(since("", "Conv", 13), 11);
  EXPECT_EQ(since("", "Conv", 11), 11);
  EXPECT_EQ(since("", "Conv", 10), 1);
  EXPECT_EQ(since("", "Relu", 14), 14);
  EXPECT_EQ(since("", "Relu", 13), 13);
  EXPECT_EQ(since("", "Relu", 5), 1);
  EXPECT_EQ(since("ai.onnx", "Relu", 14), 14) << "\"ai.onnx\" names the default domain";
  const OpSchema* conv = onnx().find("", "Conv", 13);
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->display_name(), "Conv-11");
}

TEST(SchemaRegistryTest, UnknownOrNotYetDefinedOps) {
  EXPECT_EQ(onnx().find("", "NoSuchOp", 13), nullptr);
  EXPECT_EQ(onnx().find("devtech", "FooOp", 1), nullptr);
  EXPECT_EQ(since("", "Gelu", 19), -1) << "Gelu arrived in opset 20";
  EXPECT_EQ(since("", "CumProd", 25), -1);
  EXPECT_EQ(since("", "Relu", 0), -1);
}

TEST(SchemaRegistryTest, DeprecatedOpsAreGone) {
  EXPECT_EQ(since("", "Upsample", 9), 9);
  for (std::int64_t v : {10, 13, 18, 28}) EXPECT_EQ(onnx().find("", "Upsample", v), nullptr) << v;
  const OpSchema* up = onnx().find_including_deprecated("", "Upsample", 13);
  ASSERT_NE(up, nullptr);
  EXPECT_TRUE(up->deprecated);
  EXPECT_EQ(up->since_version, 10);

  EXPECT_EQ(since("", "Scatter", 10), 9);
  EXPECT_EQ(onnx().find("", "Scatter", 11), nullptr);
  EXPECT_EQ(since("", "ScatterElements", 11), 11);

  // GroupNormalization-18 was withdrawn in place; version 21 replaced it.
  EXPECT_EQ(onnx().find("", "GroupNormalization", 18), nullptr);
  EXPECT_EQ(onnx().find("", "GroupNormalization", 20), nullptr);
  EXPECT_EQ(since("", "GroupNormalization", 21), 21);

  EXPECT_EQ(since("ai.onnx.ml", "TreeEnsembleClassifier", 3), 3);
  EXPECT_EQ(onnx().find("ai.onnx.ml", "TreeEnsembleClassifier", 5), nullptr);
  EXPECT_EQ(since("ai.onnx.ml", "TreeEnsemble", 5), 5);
}

TEST(SchemaRegistryTest, Opsets18To28) {
  EXPECT_EQ(since("", "Col2Im", 18), 18);
  EXPECT_EQ(since("", "BitwiseAnd", 28), 18);
  EXPECT_EQ(since("", "CenterCropPad", 18), 18);
  EXPECT_EQ(since("", "Mish", 18), 18);
  EXPECT_EQ(since("", "Mish", 22), 22);
  EXPECT_EQ(since("", "ReduceMean", 18), 18);
  EXPECT_EQ(since("", "ReduceSum", 18), 13) << "ReduceSum took axes as an input already at 13";
  EXPECT_EQ(since("", "ReduceMax", 19), 18);
  EXPECT_EQ(since("", "ReduceMax", 20), 20);
  EXPECT_EQ(since("", "Resize", 19), 19);
  EXPECT_EQ(since("", "Pad", 20), 19);
  EXPECT_EQ(since("", "Pad", 22), 21);
  EXPECT_EQ(since("", "Pad", 28), 25);
  EXPECT_EQ(since("", "Cast", 20), 19);
  EXPECT_EQ(since("", "Cast", 28), 25);
  EXPECT_EQ(since("", "DeformConv", 19), 19);
  EXPECT_EQ(since("", "AffineGrid", 20), 20);
  EXPECT_EQ(since("", "Gelu", 20), 20);
  EXPECT_EQ(since("", "GridSample", 21), 20);
  EXPECT_EQ(since("", "GridSample", 22), 22);
  EXPECT_EQ(since("", "StringSplit", 20), 20);
  EXPECT_EQ(since("", "Acos", 22), 22);
  EXPECT_EQ(since("", "RMSNormalization", 23), 23);
  EXPECT_EQ(since("", "RotaryEmbedding", 23), 23);
  EXPECT_EQ(since("", "Attention", 23), 23);
  EXPECT_EQ(since("", "TensorScatter", 24), 24);
  EXPECT_EQ(since("", "Swish", 24), 24);
  EXPECT_EQ(since("", "TopK", 24), 24);
  EXPECT_EQ(since("", "BitCast", 26), 26);
  EXPECT_EQ(since("", "CumProd", 26), 26);
  EXPECT_EQ(since("", "Range", 27), 27);
  EXPECT_EQ(since("", "Celu", 27), 12);
  EXPECT_EQ(since("", "Celu", 28), 28);
  EXPECT_EQ(since("ai.onnx.ml", "LabelEncoder", 5), 4);
  EXPECT_EQ(since("ai.onnx.preview.training", "Adam", 1), 1);
  EXPECT_EQ(onnx().max_since_version(""), 28);
  EXPECT_EQ(onnx().max_since_version("ai.onnx.ml"), 5);
}

TEST(SchemaRegistryTest, VersionsAreOldestFirst) {
  std::vector<std::int64_t> got;
  for (const OpSchema* s : onnx().versions("", "Conv")) got.push_back(s->since_version);
  EXPECT_EQ(got, (std::vector<std::int64_t>{1, 11, 22}));
  EXPECT_TRUE(onnx().versions("", "NoSuchOp").empty());
  EXPECT_GT(onnx().size(), 600u);
}

// ------------------------------------------------------------------ facts of schemas

TEST(SchemaRegistryTest, FormalParameters) {
  const OpSchema* loop = onnx().find("", "Loop", 19);
  ASSERT_NE(loop, nullptr);
  ASSERT_EQ(loop->inputs.size(), 3u);
  EXPECT_EQ(loop->inputs[0].option, FormalOption::kOptional);
  EXPECT_EQ(loop->inputs[2].name, "v_initial");
  EXPECT_EQ(loop->inputs[2].option, FormalOption::kVariadic);
  EXPECT_FALSE(loop->inputs[2].homogeneous);
  EXPECT_EQ(loop->inputs[2].min_arity, 0);
  EXPECT_EQ(loop->min_inputs(), 2);
  EXPECT_EQ(loop->max_inputs(), kUnbounded);
  EXPECT_EQ(loop->min_outputs(), 1);

  const OpSchema* mean = onnx().find("", "ReduceMean", 18);
  ASSERT_NE(mean, nullptr);
  ASSERT_EQ(mean->inputs.size(), 2u);
  EXPECT_EQ(mean->inputs[1].name, "axes");
  EXPECT_EQ(mean->inputs[1].type, "tensor(int64)");
  EXPECT_EQ(mean->inputs[1].option, FormalOption::kOptional);
  EXPECT_EQ(mean->allowed_types(mean->inputs[1]), std::vector<std::string>{"tensor(int64)"});
  EXPECT_EQ(mean->min_inputs(), 1);
  EXPECT_EQ(mean->max_inputs(), 2);

  const OpSchema* sum = onnx().find("", "Sum", 13);
  ASSERT_NE(sum, nullptr);
  EXPECT_TRUE(sum->inputs[0].homogeneous);
  EXPECT_EQ(sum->min_inputs(), 1);
}

TEST(SchemaRegistryTest, AttributesAndDefaults) {
  const OpSchema* conv = onnx().find("", "Conv", 13);
  ASSERT_NE(conv, nullptr);
  const AttributeSpec* pad = conv->attribute("auto_pad");
  ASSERT_NE(pad, nullptr);
  EXPECT_EQ(pad->type, ir::AttributeType::kString);
  EXPECT_EQ(std::get<std::string>(pad->default_value), "NOTSET");
  const AttributeSpec* group = conv->attribute("group");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(std::get<std::int64_t>(group->default_value), 1);
  const AttributeSpec* kernel = conv->attribute("kernel_shape");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->type, ir::AttributeType::kInts);
  EXPECT_FALSE(kernel->has_default());
  EXPECT_FALSE(kernel->required);
  EXPECT_EQ(conv->attribute("no_such"), nullptr);

  const OpSchema* cast = onnx().find("", "Cast", 21);
  ASSERT_NE(cast, nullptr);
  EXPECT_TRUE(cast->attribute("to")->required);

  EXPECT_EQ(std::get<float>(onnx().find("", "LeakyRelu", 16)->attribute("alpha")->default_value),
            0.01f);
  // The changelog prints 1.0507; the exact value was carried over from Selu-6.
  const OpSchema* selu = onnx().find("", "Selu", 22);
  ASSERT_NE(selu, nullptr);
  EXPECT_EQ(std::get<float>(selu->attribute("gamma")->default_value), 1.05070102214813232421875f);
  EXPECT_FALSE(selu->notes.empty());
  EXPECT_EQ(
      std::get<float>(onnx().find("", "RMSNormalization", 23)->attribute("epsilon")->default_value),
      1e-5f);

  const OpSchema* lstm = onnx().find("", "LSTM", 14);
  ASSERT_NE(lstm, nullptr);
  EXPECT_EQ(lstm->attribute("activations")->type, ir::AttributeType::kStrings);
}

TEST(SchemaRegistryTest, TypeConstraints) {
  const OpSchema* add = onnx().find("", "Add", 14);
  ASSERT_NE(add, nullptr);
  const TypeConstraint* t = add->type_constraint("T");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->allows("tensor(bfloat16)"));
  EXPECT_TRUE(t->allows("tensor(uint8)"));
  EXPECT_FALSE(t->allows("tensor(string)"));

  const OpSchema* cast = onnx().find("", "Cast", 25);
  ASSERT_NE(cast, nullptr);
  EXPECT_TRUE(cast->type_constraint("T1")->allows("tensor(float4e2m1)"));
  EXPECT_TRUE(cast->type_constraint("T1")->allows("tensor(int2)"));

  const OpSchema* zipmap = onnx().find("ai.onnx.ml", "ZipMap", 1);
  ASSERT_NE(zipmap, nullptr);
  EXPECT_TRUE(zipmap->type_constraint("T")->allows("seq(map(string, float))"));
}

TEST(SchemaRegistryTest, EverySchemaHasAnInferenceHookOrSaysWhy) {
  std::size_t with = 0;
  for (const OpSchema* s : onnx().all()) {
    if (!s->inference.empty()) ++with;
  }
  EXPECT_GT(with, onnx().size() * 9 / 10);
  EXPECT_EQ(onnx().find("", "Conv", 22)->inference, "Conv");
}

// ------------------------------------------------------------------ type strings

TEST(TypeStringTest, OfIrTypes) {
  EXPECT_EQ(type_string(ir::Type::tensor(DataType::kFloat, std::nullopt)), "tensor(float)");
  ir::Type seq;
  seq.kind = ir::Type::Kind::kSequence;
  seq.elem = std::make_unique<ir::Type>(ir::Type::tensor(DataType::kInt64, std::nullopt));
  EXPECT_EQ(type_string(seq), "seq(tensor(int64))");
  ir::Type map;
  map.kind = ir::Type::Kind::kMap;
  map.key_type = DataType::kString;
  map.elem = std::make_unique<ir::Type>(ir::Type::tensor(DataType::kFloat, std::nullopt));
  EXPECT_EQ(type_string(map), "map(string, float)");
  ir::Type opt;
  opt.kind = ir::Type::Kind::kOptional;
  opt.elem = std::make_unique<ir::Type>(seq);
  EXPECT_EQ(type_string(opt), "optional(seq(tensor(int64)))");
  EXPECT_EQ(type_string(ir::Type{}), "");
}

TEST(TypeStringTest, Validity) {
  for (const char* ok : {"tensor(float)", "tensor(float8e4m3fn)", "sparse_tensor(int2)",
                         "seq(tensor(bool))", "optional(seq(tensor(uint8)))", "map(int64, string)",
                         "seq(map(string, float))", "map(string, seq(tensor(float)))"}) {
    EXPECT_TRUE(valid_type_string(ok)) << ok;
  }
  for (const char* bad : {"", "T", "tensor(", "tensor(float", "tensor(FLOAT)", "tensor(real)",
                          "tensor(float))", "map(int64,string)", "seq()", "list(tensor(float))"}) {
    EXPECT_FALSE(valid_type_string(bad)) << bad;
  }
}

// ------------------------------------------------------------------ custom schemas

OpSchema foo_op(std::int64_t version = 1) {
  OpSchema s;
  s.domain = "devtech";
  s.name = "FooOp";
  s.since_version = version;
  s.inputs = {{"X", "T"}, {"bias", "T", FormalOption::kOptional}};
  s.outputs = {{"Y", "T"}};
  s.attributes = {{"alpha", ir::AttributeType::kFloat, false, 1.5f}};
  s.type_constraints = {{"T", {"tensor(float)", "tensor(float16)"}}};
  return s;
}

TEST(CustomSchemaTest, AddAndFindOverTheOnnxOps) {
  SchemaRegistry registry = SchemaRegistry::with_onnx();
  registry.add(foo_op(1));
  registry.add(foo_op(3));
  EXPECT_EQ(registry.size(), 2u);
  EXPECT_EQ(registry.find("devtech", "FooOp", 1)->since_version, 1);
  EXPECT_EQ(registry.find("devtech", "FooOp", 2)->since_version, 1);
  EXPECT_EQ(registry.find("devtech", "FooOp", 7)->since_version, 3);
  EXPECT_EQ(registry.find("devtech", "FooOp", 0), nullptr);
  EXPECT_EQ(registry.find("devtech", "BarOp", 1), nullptr);
  // The ONNX ops come from the parent.
  EXPECT_EQ(registry.find("", "Conv", 13)->since_version, 11);
  EXPECT_EQ(registry.max_since_version("devtech"), 3);
  EXPECT_EQ(registry.max_since_version(""), 28);
  EXPECT_EQ(*registry.find("devtech", "FooOp", 1), foo_op(1));
  // The registry is movable and keeps its schemas where they were.
  const OpSchema* before = registry.find("devtech", "FooOp", 1);
  SchemaRegistry moved = std::move(registry);
  EXPECT_EQ(moved.find("devtech", "FooOp", 1), before);
}

TEST(CustomSchemaTest, RefusesDuplicatesAndMalformedSchemas) {
  SchemaRegistry registry;
  registry.add(foo_op());
  EXPECT_NE(error_of([&] { registry.add(foo_op()); }).find("already has a schema"),
            std::string::npos);

  OpSchema s = foo_op(2);
  s.inputs = {{"xs", "T", FormalOption::kVariadic}, {"Y", "T"}};
  EXPECT_EQ(error_of([&] { registry.add(s); }),
            "devtech::FooOp-2 › inputs[0]: only the last input may be variadic");

  s = foo_op(2);
  s.inputs[0].type = "U";
  EXPECT_EQ(error_of([&] { registry.add(s); }),
            "devtech::FooOp-2 › inputs[0]: type 'U' is neither a type constraint of this schema "
            "nor a type such as "
            "tensor(float)");

  s = foo_op(2);
  s.type_constraints[0].allowed.push_back("tensor(real)");
  EXPECT_NE(error_of([&] { registry.add(s); }).find("'tensor(real)' is not a type"),
            std::string::npos);

  s = foo_op(2);
  s.attributes[0].default_value = std::int64_t{3};
  EXPECT_EQ(
      error_of([&] { registry.add(s); }),
      "devtech::FooOp-2 › attributes[0]: default of attribute 'alpha' is not of its type float");
  EXPECT_EQ(registry.size(), 1u);
}

TEST(CustomSchemaTest, OwnVersionsHideTheParents) {
  SchemaRegistry registry = SchemaRegistry::with_onnx();
  OpSchema relu = foo_op(30);
  relu.domain = "ai.onnx";
  relu.name = "Relu";
  registry.add(relu);
  EXPECT_EQ(registry.find("", "Relu", 30)->inputs.size(), 2u);
  EXPECT_EQ(registry.find("", "Relu", 14), nullptr)
      << "this registry defines Relu, from version 30 only";
}

// ------------------------------------------------------------------ custom schemas from JSON

constexpr std::string_view kFooJson = R"j({
  "format": "onnxkit-op-schemas", "format_version": 1,
  "schemas": [
    {"domain": "devtech", "name": "FooOp", "since_version": 1,
     "inputs": [{"name": "X", "type": "T"}, {"name": "bias", "type": "T", "option": "optional"}],
     "outputs": [{"name": "Y", "type": "T"}],
     "attributes": [{"name": "alpha", "type": "float", "default": 1.5}],
     "type_constraints": [{"param": "T", "types": ["tensor(float)", "tensor(float16)"]}]},
    {"domain": "devtech", "name": "Concat3", "doc": "joins its inputs",
     "inputs": [{"name": "xs", "type": "tensor(float)", "option": "variadic", "min_arity": 3}],
     "outputs": [{"name": "Y", "type": "tensor(float)"}],
     "attributes": [{"name": "axis", "type": "int", "required": true},
                    {"name": "tags", "type": "strings", "default": ["a", "b"]}]}
  ]
})j";

TEST(CustomSchemaJsonTest, LoadsAFile) {
  SchemaRegistry registry = SchemaRegistry::with_onnx();
  registry.add_json(kFooJson, "ops.json");
  EXPECT_EQ(*registry.find("devtech", "FooOp", 1), foo_op());
  const OpSchema* c = registry.find("devtech", "Concat3", 1);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->since_version, 1) << "since_version defaults to 1";
  EXPECT_EQ(c->min_inputs(), 3);
  EXPECT_TRUE(c->attribute("axis")->required);
  EXPECT_EQ(std::get<std::vector<std::string>>(c->attribute("tags")->default_value),
            (std::vector<std::string>{"a", "b"}));

  // A bare array works too, and the file can be read from disk.
  const auto path = std::filesystem::temp_directory_path() / "onnxkit_schema_registry_test.json";
  {
    std::ofstream(path) << R"j([{"domain": "other", "name": "Op", "inputs": [], "outputs": []}])j";
  }
  registry.add_json_file(path.string());
  EXPECT_NE(registry.find("other", "Op", 4), nullptr);
  std::filesystem::remove(path);
  EXPECT_NE(error_of([&] { registry.add_json_file(path.string()); }).find("cannot open the file"),
            std::string::npos);
}

TEST(CustomSchemaJsonTest, RoundTripsThroughTheWriter) {
  auto all = onnx().all();
  const std::string text = schemas_to_json(all);
  std::vector<OpSchema> back = parse_schemas_json(text, "dump");
  ASSERT_EQ(back.size(), all.size());
  for (std::size_t i = 0; i < back.size(); ++i)
    EXPECT_EQ(back[i], *all[i]) << all[i]->display_name();
}

std::string load_error(std::string_view json) {
  SchemaRegistry registry;
  const std::string err = error_of([&] { registry.add_json(json, "ops.json"); });
  EXPECT_EQ(registry.size(), 0u) << "a failed load adds nothing";
  return err;
}

TEST(CustomSchemaJsonTest, ErrorsSayWhere) {
  EXPECT_EQ(load_error("{\n  \"schemas\": [\n    {\"domain\": \"d\",, }\n  ]\n}"),
            "ops.json:3:20: invalid JSON: syntax error while parsing object key - unexpected ','; "
            "expected "
            "string literal");
  EXPECT_EQ(load_error(
                R"j({"schemas": [{"domain": "d", "name": "Op", "inputs": [{"name": "X", "type": "T",
                          "optoin": "optional"}], "type_constraints": [{"param": "T", "types": ["tensor(float)"]}]}]})j"),
            "ops.json › schema 0 (d::Op) › inputs[0] › optoin: unknown key (known keys: name, "
            "type, option, "
            "homogeneous, min_arity)");
  EXPECT_EQ(load_error(R"j([{"domain": "d", "name": "Op", "since_version": 2,
                          "inputs": [{"name": "X", "type": "tensor(float)", "option": "maybe"}]}])j"),
            "ops.json › schema 0 (d::Op-2) › inputs[0] › option: unknown option 'maybe' (expected "
            "single, optional "
            "or variadic)");
  EXPECT_EQ(
      load_error(
          R"j([{"domain": "d", "name": "Op", "attributes": [{"name": "k", "type": "int", "default": 1.5}]}])j"),
      "ops.json › schema 0 (d::Op) › attributes[0] › default: expected an integer, found a number");
  EXPECT_TRUE(
      load_error(
          R"j([{"domain": "d", "name": "Op", "attributes": [{"name": "k", "type": "integer"}]}])j")
          .starts_with("ops.json › schema 0 (d::Op) › attributes[0] › type: unknown attribute type "
                       "'integer'"));
  EXPECT_EQ(load_error(R"j([{"name": "Op"}])j"), "ops.json › schema 0 (Op): missing key 'domain'");
  EXPECT_EQ(
      load_error(R"j([{"domain": "d", "name": "Op", "inputs": [{"name": "X", "type": "T"}]}])j"),
      "ops.json › schema 0 (d::Op) › inputs[0]: type 'T' is neither a type constraint of this "
      "schema nor a type such as tensor(float)");
  EXPECT_EQ(
      load_error(
          R"j([{"domain": "d", "name": "Op"}, {"domain": "d", "name": "Op", "since_version": 1}])j"),
      "ops.json › schema 1 (d::Op-1): declared twice in this file");
  EXPECT_EQ(load_error(R"j({"format": "something-else", "schemas": []})j"),
            "ops.json › format: expected \"onnxkit-op-schemas\", found \"something-else\"");
  EXPECT_EQ(load_error(R"j({"format_version": 2, "schemas": []})j"),
            "ops.json › format_version: this onnxkit reads version 1, not 2");
  EXPECT_EQ(load_error("42"),
            "ops.json: expected an object with \"schemas\", or an array of schemas");
}

}  // namespace
}  // namespace onnxkit::schema
