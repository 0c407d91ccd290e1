#pragma once
/// AttributeProto: a named value on a node; graphs held here are subgraphs.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onnxkit/ir/tensor_data.h"
#include "onnxkit/ir/type.h"
#include "onnxkit/ir/wire_extras.h"

namespace onnxkit::ir {

class Graph;

/// Numbered as AttributeProto.AttributeType.
enum class AttributeType : std::int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
  kTensors = 9,
  kGraphs = 10,
  kSparseTensor = 11,
  kSparseTensors = 12,
  kTypeProto = 13,
  kTypeProtos = 14,
};

/// "float", "ints", "graph", ...
std::string_view attribute_type_name(AttributeType t);

struct Attribute {
  std::string name;
  AttributeType type = AttributeType::kUndefined;
  std::string ref_attr_name;  ///< inside functions: refers to the caller's attribute
  std::string doc_string;

  // Every value field of AttributeProto; `type` says which one is meant.
  float f = 0;
  std::int64_t i = 0;
  std::string s;  ///< bytes
  std::unique_ptr<TensorData> t;
  std::unique_ptr<Graph> g;
  std::unique_ptr<SparseTensorData> sparse_tensor;
  std::unique_ptr<Type> tp;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;
  std::vector<TensorData> tensors;
  std::vector<std::unique_ptr<Graph>> graphs;
  std::vector<SparseTensorData> sparse_tensors;
  std::vector<Type> type_protos;

  WireExtras extras;

  Attribute();
  ~Attribute();
  Attribute(Attribute&&) noexcept;
  Attribute& operator=(Attribute&&) noexcept;
  Attribute(const Attribute&) = delete;
  Attribute& operator=(const Attribute&) = delete;

  /// A copy of every field except the graphs (`g`, `graphs`), which need a
  /// parent graph and a tensor map (Graph::copy does that). Weights are shared.
  Attribute copy_values() const;
  /// A deep copy: copy_values() plus copies of the graphs, with the same parents.
  Attribute clone() const;

  static Attribute of_float(std::string name, float v);
  static Attribute of_int(std::string name, std::int64_t v);
  static Attribute of_string(std::string name, std::string v);
  static Attribute of_floats(std::string name, std::vector<float> v);
  static Attribute of_ints(std::string name, std::vector<std::int64_t> v);
  static Attribute of_strings(std::string name, std::vector<std::string> v);
  static Attribute of_tensor(std::string name, TensorData v);
  static Attribute of_graph(std::string name, std::unique_ptr<Graph> g);
};

}  // namespace onnxkit::ir
