// The broken-model corpus of `onnxkit check`: each model carries one defect,
// and the checker must report it with its location. Built here, in the ONNX
// text syntax or through the IR, so the corpus needs no files.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "onnxkit/check/checker.h"
#include "onnxkit/text/parser.h"

namespace onnxkit {
namespace {

using check::Problem;
using check::Severity;

std::vector<Problem> check_text(const std::string& text, check::CheckOptions options = {}) {
  const ir::Model m = text::parse_model(text);
  return check::check_model(m, options);
}

std::string dump(const std::vector<Problem>& ps) {
  std::string out;
  for (const Problem& p : ps) out += check::problem_to_string(p) + "\n";
  return out;
}

/// The problem whose location and message contain the given pieces.
const Problem* find(const std::vector<Problem>& ps, std::string_view location,
                    std::string_view message, Severity severity = Severity::kError) {
  for (const Problem& p : ps) {
    if (p.severity == severity && p.location.find(location) != std::string::npos &&
        p.message.find(message) != std::string::npos) {
      return &p;
    }
  }
  return nullptr;
}

#define EXPECT_PROBLEM(ps, loc, msg)                                                           \
  EXPECT_NE(find(ps, loc, msg), nullptr) << "wanted: " << (loc) << ": " << (msg) << "\ngot:\n" \
                                         << dump(ps)

TEST(CheckCorpus, ValidModelHasNoProblems) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[N,3] X) => (float[N,3] Y) <float[3] b = {1.0, 2.0, 3.0}> {
  T = Add (X, b)
  Y = Relu (T)
})");
  EXPECT_TRUE(ps.empty()) << dump(ps);
}

TEST(CheckCorpus, UndefinedInput) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [relu_1] Y = Relu (Missing)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'relu_1' (Relu) › input 'Missing'", "is not defined");
}

TEST(CheckCorpus, DuplicateOutputName) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [a] Y = Relu (X)
  [b] Y = Neg (X)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'b' (Neg) › output 'Y'",
                 "already defined by an earlier node");
}

TEST(CheckCorpus, OutputShadowingAGraphInput) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] X) {
  [a] X = Relu (X)
})");
  EXPECT_PROBLEM(ps, "node 'a' (Relu) › output 'X'", "(a graph input)");
}

TEST(CheckCorpus, Cycle) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [P] A = Add (X, B)
  [Q] B = Neg (A)
  [R] Y = Relu (B)
})");
  EXPECT_PROBLEM(ps, "graph 'main'", "cycle: node 'Q' (Neg) → node 'P' (Add) → node 'Q' (Neg)");
}

TEST(CheckCorpus, OutOfOrderWithoutCycle) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [late] Y = Relu (T)
  [early] T = Neg (X)
})");
  EXPECT_PROBLEM(ps, "node 'late' (Relu) › input 'T'", "produced by a later node 'early' (Neg)");
}

TEST(CheckCorpus, WrongAttributeType) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2,3] X) => (float[3,2] Y) {
  [tr] Y = Transpose <perm = [1.0, 0.0]> (X)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'tr' (Transpose) › attribute 'perm'",
                 "is of type floats, but Transpose-13 expects ints");
}

TEST(CheckCorpus, UnknownAttribute) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [r] Y = Relu <alpha = 1.0> (X)
})");
  EXPECT_PROBLEM(ps, "node 'r' (Relu) › attribute 'alpha'", "unknown attribute for Relu-13");
}

TEST(CheckCorpus, MissingRequiredAttribute) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [c] Y = Cast (X)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'c' (Cast)",
                 "required attribute 'to' of Cast-13 is missing");
}

TEST(CheckCorpus, TypeConstraintViolation) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (int64[2] X) => (int64[2] Y) {
  [r] Y = Relu (X)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'r' (Relu) › input 'X'",
                 "type tensor(int64) is not allowed for X (T) of Relu-13");
}

TEST(CheckCorpus, TypesBoundToOneParameterDiffer) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] A, double[2] B) => (float[2] Y) {
  [add] Y = Add (A, B)
})");
  EXPECT_PROBLEM(ps, "node 'add' (Add) › input 'B'", "binds both to the same type T");
}

TEST(CheckCorpus, ConvRankMismatch) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1,3,8,8] X, float[4,3,3] W) => (float[1,4,6,6] Y) {
  [conv] Y = Conv (X, W)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'conv' (Conv) › input 'W'",
                 "rank mismatch: the weights have rank 3 but input 'X' has rank 4");
}

TEST(CheckCorpus, ConvPadsPerAxis) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[1,3,8,8] X, float[4,3,3,3] W) => (float[1,4,6,6] Y) {
  [conv] Y = Conv <pads = [0, 0]> (X, W)
})");
  EXPECT_PROBLEM(ps, "node 'conv' (Conv) › attribute 'pads'", "has 2 values");
}

TEST(CheckCorpus, InputCount) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [a] Y = Add (X)
})");
  EXPECT_PROBLEM(ps, "graph 'main' › node 'a' (Add)", "has 1 inputs; Add-13 takes 2");
}

TEST(CheckCorpus, SubgraphUsingUndefinedOuterName) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (bool cond, float[2] X) => (float[2] Y) {
  [if] Y = If <
    then_branch = then_body () => (float[2] t) { [inner] t = Relu (Nowhere) },
    else_branch = else_body () => (float[2] e) { [inner2] e = Neg (X) }
  > (cond)
})");
  EXPECT_PROBLEM(ps,
                 "graph 'main' › node 'if' (If) › attribute 'then_branch' › graph 'then_body' › "
                 "node 'inner' (Relu) › input 'Nowhere'",
                 "is not defined: it is not a graph input, an initializer or the output of an "
                 "earlier node, here or in an enclosing graph");
  EXPECT_EQ(find(ps, "else_body", ""), nullptr) << dump(ps);  // X is visible there
}

TEST(CheckCorpus, SubgraphReadingAValueDefinedAfterIt) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (bool cond, float[2] X) => (float[2] Y) {
  [if] Y = If <
    then_branch = then_body () => (float[2] t) { [inner] t = Relu (Later) },
    else_branch = else_body () => (float[2] e) { [inner2] e = Neg (X) }
  > (cond)
  [later] Later = Neg (X)
})");
  EXPECT_FALSE(ps.empty());
  EXPECT_TRUE(check::has_errors(ps)) << dump(ps);
}

TEST(CheckCorpus, UnknownCustomOpIsAWarningUnlessStrict) {
  const std::string text = R"(<ir_version: 8, opset_import: ["" : 13, "devtech" : 1]>
main (float[2] X) => (float[2] Y) {
  [foo] Y = devtech.FooOp (X)
})";
  const auto ps = check_text(text);
  EXPECT_NE(find(ps, "graph 'main' › node 'foo' (devtech::FooOp)",
                 "unknown op devtech::FooOp (no schema; declare one with --op-schemas)",
                 Severity::kWarning),
            nullptr)
      << dump(ps);
  EXPECT_FALSE(check::has_errors(ps));
  check::CheckOptions strict;
  strict.strict = true;
  const auto ps2 = check_text(text, strict);
  EXPECT_PROBLEM(ps2, "node 'foo' (devtech::FooOp)", "unknown op devtech::FooOp");
}

TEST(CheckCorpus, DeclaredCustomOpIsChecked) {
  schema::SchemaRegistry reg = schema::SchemaRegistry::with_onnx();
  reg.add_json(R"J({"schemas": [{"domain": "devtech", "name": "FooOp", "since_version": 1,
      "inputs": [{"name": "X", "type": "T"}], "outputs": [{"name": "Y", "type": "T"}],
      "attributes": [{"name": "alpha", "type": "float", "default": 1.0}],
      "type_constraints": [{"param": "T", "types": ["tensor(float)"]}]}]})J",
               "test");
  check::CheckOptions options;
  options.registry = &reg;
  options.strict = true;
  const auto ok = check_text(R"(<ir_version: 8, opset_import: ["" : 13, "devtech" : 1]>
main (float[2] X) => (float[2] Y) { [foo] Y = devtech.FooOp <alpha = 2.0> (X) })",
                             options);
  EXPECT_TRUE(ok.empty()) << dump(ok);
  const auto bad = check_text(R"(<ir_version: 8, opset_import: ["" : 13, "devtech" : 1]>
main (float[2] X) => (float[2] Y) { [foo] Y = devtech.FooOp <alpha = 2> (X) })",
                              options);
  EXPECT_PROBLEM(bad, "node 'foo' (devtech::FooOp) › attribute 'alpha'", "expects float");
}

TEST(CheckCorpus, ModelRules) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: []>
main (float[2] X) => (float[2] Y) { Y = Relu (X) })");
  EXPECT_PROBLEM(ps, "model › opset_import", "no opset imports");
  const auto ps2 = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) { Y = Relu (X) })");
  EXPECT_TRUE(ps2.empty());
}

TEST(CheckCorpus, MissingOpsetImportAndUnknownOp) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [a] T = Frobnicate (X)
  [b] Y = other.Op (T)
})");
  EXPECT_PROBLEM(ps, "node 'a' (Frobnicate)", "no operator Frobnicate in ai.onnx opset 13");
  EXPECT_PROBLEM(ps, "node 'b' (other::Op)", "no opset import for domain 'other'");
}

TEST(CheckCorpus, InitializerDeclaredWithAnotherType) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X, int64[2] b) => (float[2] Y) <float[2] b = {1.0, 2.0}> { Y = Add (X, b) })");
  EXPECT_PROBLEM(ps, "graph 'main' › initializer 'b'",
                 "holds float data but is declared as int64[2]");
}

TEST(CheckCorpus, ReportsEveryProblemNotOnlyTheFirst) {
  const auto ps = check_text(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[2] X) => (float[2] Y) {
  [a] T = Relu (Missing)
  [b] U = Cast (T)
  [c] Y = Transpose <perm = "x"> (U)
})");
  EXPECT_PROBLEM(ps, "node 'a'", "is not defined");
  EXPECT_PROBLEM(ps, "node 'b'", "required attribute 'to'");
  EXPECT_PROBLEM(ps, "node 'c' (Transpose) › attribute 'perm'", "expects ints");
}

// ---- external data, built through the IR with a model path on disk

class ExternalData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("onnxkit_check_ext_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "weights.bin", std::ios::binary) << std::string(16, '\0');
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ir::Model model_with(const std::vector<ir::StringEntry>& entries) {
    ir::Model m = text::parse_model(R"(<ir_version: 8, opset_import: ["" : 13]>
main (float[4] X) => (float[4] Y) { Y = Add (X, W) })");
    m.path = dir_ / "model.onnx";
    ir::TensorData data;
    data.name = "W";
    data.data_type = DataType::kFloat;
    data.dims = {4};
    data.data_location = ir::TensorData::Location::kExternal;
    data.external_data = entries;
    ir::Tensor* w = m.graph->find_tensor("W");
    w->to_constant(std::move(data));
    m.graph->initializers().push_back(w);
    return m;
  }

  std::filesystem::path dir_;
};

TEST_F(ExternalData, GoodReferencePasses) {
  const auto ps = check::check_model(model_with({{"location", "weights.bin", {}}}));
  EXPECT_TRUE(ps.empty()) << dump(ps);
}

TEST_F(ExternalData, MissingFile) {
  const auto ps = check::check_model(model_with({{"location", "nothere.bin", {}}}));
  EXPECT_PROBLEM(ps, "graph 'main' › initializer 'W' › external data",
                 "file 'nothere.bin' does not exist");
}

TEST_F(ExternalData, EscapingLocation) {
  const auto ps = check::check_model(model_with({{"location", "../etc/passwd", {}}}));
  EXPECT_PROBLEM(ps, "initializer 'W' › external data", "leaves the model's folder");
}

TEST_F(ExternalData, PastTheEnd) {
  const auto ps = check::check_model(
      model_with({{"location", "weights.bin", {}}, {"offset", "8", {}}, {"length", "16", {}}}));
  EXPECT_PROBLEM(ps, "initializer 'W' › external data", "runs past the end of 'weights.bin'");
}

TEST_F(ExternalData, NoLocation) {
  const auto ps = check::check_model(model_with({{"offset", "0", {}}}));
  EXPECT_PROBLEM(ps, "initializer 'W' › external data", "no 'location' entry");
}

TEST(CheckOutput, JsonAndText) {
  const std::vector<Problem> ps{
      {Severity::kWarning, "graph 'g' › node 'n' (x::Y)", "unknown op x::Y"}};
  EXPECT_EQ(check::problem_to_string(ps[0]),
            "warning: graph 'g' › node 'n' (x::Y): unknown op x::Y");
  const std::string json = check::problems_to_json(ps);
  EXPECT_NE(json.find("\"valid\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"warnings\": 1"), std::string::npos) << json;
}

}  // namespace
}  // namespace onnxkit
