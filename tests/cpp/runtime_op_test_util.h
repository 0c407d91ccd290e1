#pragma once
// Helpers for kernel tests: a one-node model whose inputs take the types and
// dims of given values, run once through a Session.

#include <string>
#include <utility>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/runtime/session.h"

namespace onnxkit::runtime::testing {

/// Runs one node `op` (domain "" = ai.onnx, at `opset`) on `inputs` (graph
/// inputs x0, x1, ...; an absent Value leaves that input out) and returns
/// its `outputs` outputs y0, y1, ...
inline std::vector<Value> run_op(const std::string& op, const std::vector<Value>& inputs,
                                 std::vector<ir::Attribute> attrs, std::int64_t opset,
                                 std::size_t outputs = 1, const std::string& domain = "") {
  ir::Model m;
  m.ir_version = 10;
  ir::OpsetId onnx;
  onnx.version = opset;
  m.opset_import.push_back(onnx);
  if (!domain.empty()) {
    ir::OpsetId custom;
    custom.domain = domain;
    custom.version = opset;
    m.opset_import.push_back(custom);
  }
  m.graph = std::make_unique<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.set_name("main");
  std::vector<ir::Tensor*> ins;
  NamedValues feeds;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      ins.push_back(g.add_empty_tensor());
      continue;
    }
    ir::Tensor* t = g.add_variable("x" + std::to_string(i));
    Shape s;
    for (auto d : inputs[i].dims()) s.push_back(Dim::of(d));
    t->info().type = ir::Type::tensor(inputs[i].dtype(), s);
    g.inputs().push_back(t);
    ins.push_back(t);
    feeds.emplace_back(t->name(), inputs[i]);
  }
  std::vector<ir::Tensor*> outs;
  for (std::size_t i = 0; i < outputs; ++i) {
    ir::Tensor* y = g.add_variable("y" + std::to_string(i));
    g.outputs().push_back(y);
    outs.push_back(y);
  }
  g.layer(op, ins, outs, std::move(attrs), domain, "the_node");
  Session session(m);
  std::vector<Value> result;
  for (auto& [name, v] : session.run(feeds)) result.push_back(std::move(v));
  return result;
}

template <typename T>
Value make_tensor(DataType dtype, Dims dims, const std::vector<T>& v) {
  Value x = Value::tensor(dtype, std::move(dims));
  std::copy(v.begin(), v.end(), x.mutable_span<T>().begin());
  return x;
}

inline Value floats(Dims dims, const std::vector<float>& v) {
  return make_tensor(DataType::kFloat, std::move(dims), v);
}
inline Value int64s(Dims dims, const std::vector<std::int64_t>& v) {
  return make_tensor(DataType::kInt64, std::move(dims), v);
}

template <typename T>
std::vector<T> values(const Value& v) {
  auto s = v.span<T>();
  return {s.begin(), s.end()};
}

inline std::vector<std::string> strings(const Value& v) {
  auto s = v.string_data();
  return {s.begin(), s.end()};
}

}  // namespace onnxkit::runtime::testing
