// Type and shape inference: symbolic dims, small-value propagation, Conv,
// subgraphs and custom ops through a declared rule.

#include <gtest/gtest.h>

#include "onnxkit/infer/infer.h"
#include "onnxkit/text/parser.h"

namespace onnxkit {
namespace {

std::string type_of(ir::Model& m, std::string_view name) {
  const ir::Tensor* t = m.graph->find_tensor(name);
  if (t == nullptr || !t->info().type) return "?";
  return ir::type_to_string(*t->info().type);
}

TEST(Infer, SymbolicDimsStay) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,3] X, float[3] B) => (float[N,3] Y) {
  T = Add (X, B)
  U = Relu (T)
  Y = Identity (U)
})");
  const auto report = infer::infer_shapes(m);
  EXPECT_TRUE(report.issues.empty());
  EXPECT_EQ(type_of(m, "T"), "float[N,3]");
  EXPECT_EQ(type_of(m, "U"), "float[N,3]");
  EXPECT_EQ(m.graph->value_info().size(), 2u);
}

TEST(Infer, ShapeGatherUnsqueezeConcatReshape) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,3,4,5] X) => (float[N,60] Y) <int64 zero = {0}, int64[1] minus1 = {-1}, int64[1] ax = {0}> {
  S = Shape (X)
  B = Gather <axis = 0> (S, zero)
  BU = Unsqueeze (B, ax)
  NS = Concat <axis = 0> (BU, minus1)
  Y = Reshape (X, NS)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "S"), "int64[4]");
  EXPECT_EQ(type_of(m, "B"), "int64[]");
  EXPECT_EQ(type_of(m, "NS"), "int64[2]");
  EXPECT_EQ(type_of(m, "Y"), "float[N,60]");
}

TEST(Infer, ConvAndPool) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,3,32,32] X, float[16,3,3,3] W) => (float[N,16,8,8] Y) {
  C = Conv <strides = [2, 2], pads = [1, 1, 1, 1]> (X, W)
  Y = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (C)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "C"), "float[N,16,16,16]");
}

TEST(Infer, BroadcastMismatchIsAnIssue) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2,3] A, float[4] B) => (float[2,3] Y) { [add] Y = Add (A, B) })");
  const auto report = infer::infer_shapes(m);
  ASSERT_EQ(report.issues.size(), 1u);
  EXPECT_NE(report.issues[0].location.find("node 'add' (Add)"), std::string::npos);
  EXPECT_NE(report.issues[0].message.find("do not broadcast"), std::string::npos);
}

TEST(Infer, IfBranches) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (bool c, float[N,3] X) => (float[N,3] Y) {
  Z = If <
    then_branch = t () => (float[N,3] a) { a = Relu (X) },
    else_branch = e () => (float[N,3] b) { b = Neg (X) }
  > (c)
  Y = Identity (Z)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "Z"), "float[N,3]");
}

TEST(Infer, CustomOpThroughDeclaredRule) {
  schema::SchemaRegistry reg = schema::SchemaRegistry::with_onnx();
  reg.add_json(R"J({"schemas": [{"domain": "devtech", "name": "FooOp", "since_version": 1,
      "inputs": [{"name": "X", "type": "T"}], "outputs": [{"name": "Y", "type": "T"}],
      "type_constraints": [{"param": "T", "types": ["tensor(float)"]}],
      "inference": "same_as_input_0"}]})J",
               "test");
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13, "devtech" : 1]>
main (float[N,8] X) => (float[N,8] Y) { F = devtech.FooOp (X)
  Y = Relu (F) })");
  infer::InferOptions options;
  options.registry = &reg;
  infer::infer_shapes(m, options);
  EXPECT_EQ(type_of(m, "F"), "float[N,8]");
}

TEST(Infer, UnknownDimsGetFreshNames) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,3] X, int64[2] S) => (float[?,?] Y) { R = Reshape (X, S)
  Y = Relu (R) })");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "R"), "float[unk__0,unk__1]");
}

}  // namespace
}  // namespace onnxkit
