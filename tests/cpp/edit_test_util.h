#pragma once
// Small builders for graph-editing tests: typed inputs, constants, names.

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/model.h"

namespace onnxkit::ir::testing {

inline Type float_type(Shape dims) { return Type::tensor(DataType::kFloat, std::move(dims)); }

inline Shape dims_of(std::initializer_list<std::int64_t> v) {
  Shape s;
  for (std::int64_t d : v) s.push_back(Dim::of(d));
  return s;
}

/// A graph input of the given type.
inline Tensor* add_input(Graph& g, std::string name, Type type) {
  Tensor* t = g.add_variable(std::move(name));
  t->info().type = std::move(type);
  g.inputs().push_back(t);
  return t;
}

/// A Variable with a declared type (as value_info gives it).
inline Tensor* typed(Graph& g, std::string name, Type type) {
  Tensor* t = g.add_variable(std::move(name));
  t->info().type = std::move(type);
  return t;
}

template <typename T>
TensorData tensor_data(DataType dt, std::vector<std::int64_t> dims, const std::vector<T>& values) {
  TensorData d;
  d.data_type = dt;
  d.dims = std::move(dims);
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  d.set_raw(Buffer::owned(std::string_view(bytes)));
  return d;
}

inline TensorData floats(std::vector<std::int64_t> dims, const std::vector<float>& v) {
  return tensor_data(DataType::kFloat, std::move(dims), v);
}
inline TensorData int64s(std::vector<std::int64_t> dims, const std::vector<std::int64_t>& v) {
  return tensor_data(DataType::kInt64, std::move(dims), v);
}

/// An initializer (Constant listed in the graph's initializers).
inline Tensor* add_initializer(Graph& g, std::string name, TensorData data) {
  Tensor* t = g.add_constant(std::move(name), std::move(data));
  g.initializers().push_back(t);
  return t;
}

inline std::vector<std::string> node_names(const Graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes()) out.push_back(n->name());
  return out;
}

inline std::vector<std::string> op_types(const Graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes()) out.push_back(n->op_type());
  return out;
}

inline std::vector<std::string> names(std::span<Tensor* const> list) {
  std::vector<std::string> out;
  for (const Tensor* t : list) out.push_back(t->name());
  return out;
}

/// The message of the Error `f` throws ("" if it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace onnxkit::ir::testing
