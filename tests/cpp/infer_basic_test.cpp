// Type and shape inference: symbolic dims, small-value propagation, Conv,
// subgraphs and custom ops through a declared rule.

#include <gtest/gtest.h>

#include "infer_test_util.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/text/parser.h"

namespace onnxkit {
namespace {

using test::type_of;

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

TEST(Infer, BroadcastSharesACoveringSideAndComputesTheRest) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1] A, float[5] B, float[N,1] C, float[3] D, float[2,1,4] E, float[3,1] F,
      float[N] G, float[M] H, float[N,3] I, float[1,3] J) => (float[5] Y) {
  Y = Add (A, B)
  Y2 = Mul (C, D)
  Y3 = Sub (E, F)
  Y4 = Add (G, H)
  Y5 = Add (J, I)
  Y6 = Add (I, I)
})");
  EXPECT_TRUE(infer::infer_shapes(m).issues.empty());
  EXPECT_EQ(type_of(m, "Y2"), "float[N,3]");
  EXPECT_EQ(type_of(m, "Y3"), "float[2,3,4]");
  const std::string y4 = type_of(m, "Y4");  // N against M: unknown
  EXPECT_EQ(y4.find('N'), std::string::npos) << y4;
  EXPECT_EQ(type_of(m, "Y5"), "float[N,3]");  // the second input covers the first
  EXPECT_EQ(type_of(m, "Y6"), "float[N,3]");
  EXPECT_EQ(type_of(m, "Y"), "float[5]");
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

TEST(Infer, CompactFactsSharePassedThroughDims) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,64] X, float[64] B) => (float[N,64] Y) {
  T = Add (X, B)
  U = Relu (T)
  Y = Mul (U, X)
})");
  const infer::Analysis a = infer::analyze(m);
  const infer::Fact* x = a.fact(m.graph->find_tensor("X"));
  const infer::Fact* u = a.fact(m.graph->find_tensor("U"));
  ASSERT_NE(x, nullptr);
  ASSERT_NE(u, nullptr);
  // X + bias has X's dims: the same range of the arena, not a copy.
  EXPECT_EQ(u->dims, x->dims);
  ASSERT_EQ(a.dims(*u).size(), 2u);
  EXPECT_EQ(a.symbol(a.dims(*u)[0]), "N");
  EXPECT_EQ(a.dims(*u)[1], infer::DimFact::of(64));
  ASSERT_NE(a.type(m.graph->find_tensor("Y")), nullptr);
  EXPECT_EQ(ir::type_to_string(*a.type(m.graph->find_tensor("Y"))), "float[N,64]");
}

TEST(Infer, DeclaredTypeFillsAndContradicts) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,?] X) => (float[N,3] Y) {
  [r] T = Relu (X)
  [n] Y = Neg (T)
})");
  m.graph->find_tensor("T")->info().type =
      ir::Type::tensor(DataType::kFloat, Shape{Dim::unknown(), Dim::of(3)});
  const infer::Analysis a = infer::analyze(m);
  EXPECT_TRUE(a.issues.empty());
  // The declared 3 fills the dim inference could not know; N stays.
  EXPECT_EQ(ir::type_to_string(*a.type(m.graph->find_tensor("T"))), "float[N,3]");

  ir::Model bad = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2,3] X) => (float[2,3] Y) { [r] Y = Relu (X) }
)");
  bad.graph->find_tensor("Y")->info().type =
      ir::Type::tensor(DataType::kFloat, Shape{Dim::of(2), Dim::of(4)});
  const infer::Analysis b = infer::analyze(bad);
  ASSERT_EQ(b.issues.size(), 1u);
  EXPECT_EQ(b.issues[0].location, "graph 'main' › node 'r' (Relu) › output 'Y'");
  EXPECT_EQ(b.issues[0].message, "inferred float[2,3] but it is declared as float[2,4] (dim 1)");
}

TEST(Infer, AttentionFourAndThreeDims) {
  ir::Model m = text::parse_model(R"(<ir_version: 10, opset_import: ["" : 23]>
main (float[B,8,5,16] Q, float[B,2,7,16] K, float[B,2,7,32] V, float[B,2,3,16] PK, float[B,2,3,32] PV)
  => (float[B,8,5,32] Y) {
  Y, PresK, PresV, QK = Attention (Q, K, V, , PK, PV)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "PresK"), "float[B,2,10,16]");
  EXPECT_EQ(type_of(m, "PresV"), "float[B,2,10,32]");
  EXPECT_EQ(type_of(m, "QK"), "float[B,8,5,10]");

  ir::Model m3 = text::parse_model(R"(<ir_version: 10, opset_import: ["" : 23]>
main (float[2,5,64] Q, float[2,7,32] K, float[2,7,48] V) => (float[2,5,?] Y) {
  Y = Attention <q_num_heads = 4, kv_num_heads = 2> (Q, K, V)
})");
  infer::infer_shapes(m3);
  EXPECT_EQ(type_of(m3, "Y"), "float[2,5,96]");
}

TEST(Infer, ConvTransposeResizeEinsumGatherNdOneHot) {
  ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1,4,5,5] X, float[4,2,3,3] W, float[1,3,8,8] I, float[2,3,4] A, float[4,5] Bm,
      float[2,3,4] D, int64[2,2] Idx, int64[3] H)
  => (float[1,2,11,11] Y) <float[4] scales = {1.0, 1.0, 0.5, 2.0}, int64[1] depth = {6}> {
  Y = ConvTranspose <strides = [2, 2], pads = [0, 0, 0, 0]> (X, W)
  R = Resize (I, , scales)
  E = Einsum <equation = "bij,jk->bik"> (A, Bm)
  G = GatherND (D, Idx)
  O = OneHot (H, depth, scales)
})");
  infer::infer_shapes(m);
  EXPECT_EQ(type_of(m, "R"), "float[1,3,4,16]");
  EXPECT_EQ(type_of(m, "E"), "float[2,3,5]");
  EXPECT_EQ(type_of(m, "G"), "float[2,4]");
  EXPECT_EQ(type_of(m, "O"), "float[3,6]");
}

}  // namespace
}  // namespace onnxkit
