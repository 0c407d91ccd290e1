#include "onnxkit/ir/attribute.h"

#include "onnxkit/ir/graph.h"

namespace onnxkit::ir {

Attribute::Attribute() = default;
Attribute::~Attribute() = default;
Attribute::Attribute(Attribute&&) noexcept = default;
Attribute& Attribute::operator=(Attribute&&) noexcept = default;

Attribute Attribute::copy_values() const {
  Attribute c;
  c.name = name;
  c.type = type;
  c.ref_attr_name = ref_attr_name;
  c.doc_string = doc_string;
  c.f = f;
  c.i = i;
  c.s = s;
  if (t) c.t = std::make_unique<TensorData>(*t);
  if (sparse_tensor) c.sparse_tensor = std::make_unique<SparseTensorData>(*sparse_tensor);
  if (tp) c.tp = std::make_unique<Type>(*tp);
  c.floats = floats;
  c.ints = ints;
  c.strings = strings;
  c.tensors = tensors;
  c.sparse_tensors = sparse_tensors;
  c.type_protos = type_protos;
  c.extras = extras;
  return c;
}

Attribute Attribute::clone() const {
  Attribute c = copy_values();
  if (g) c.g = g->copy();
  for (const auto& sub : graphs) c.graphs.push_back(sub->copy());
  return c;
}

std::string_view attribute_type_name(AttributeType t) {
  switch (t) {
    case AttributeType::kFloat:
      return "float";
    case AttributeType::kInt:
      return "int";
    case AttributeType::kString:
      return "string";
    case AttributeType::kTensor:
      return "tensor";
    case AttributeType::kGraph:
      return "graph";
    case AttributeType::kFloats:
      return "floats";
    case AttributeType::kInts:
      return "ints";
    case AttributeType::kStrings:
      return "strings";
    case AttributeType::kTensors:
      return "tensors";
    case AttributeType::kGraphs:
      return "graphs";
    case AttributeType::kSparseTensor:
      return "sparse_tensor";
    case AttributeType::kSparseTensors:
      return "sparse_tensors";
    case AttributeType::kTypeProto:
      return "type_proto";
    case AttributeType::kTypeProtos:
      return "type_protos";
    case AttributeType::kUndefined:
      break;
  }
  return "undefined";
}

namespace {
Attribute named(std::string name, AttributeType type) {
  Attribute a;
  a.name = std::move(name);
  a.type = type;
  return a;
}
}  // namespace

Attribute Attribute::of_float(std::string name, float v) {
  Attribute a = named(std::move(name), AttributeType::kFloat);
  a.f = v;
  if (v == 0) a.extras.mark_default(2);  // keep the value explicit on the wire
  return a;
}

Attribute Attribute::of_int(std::string name, std::int64_t v) {
  Attribute a = named(std::move(name), AttributeType::kInt);
  a.i = v;
  if (v == 0) a.extras.mark_default(3);
  return a;
}

Attribute Attribute::of_string(std::string name, std::string v) {
  Attribute a = named(std::move(name), AttributeType::kString);
  a.s = std::move(v);
  if (a.s.empty()) a.extras.mark_default(4);
  return a;
}

Attribute Attribute::of_floats(std::string name, std::vector<float> v) {
  Attribute a = named(std::move(name), AttributeType::kFloats);
  a.floats = std::move(v);
  return a;
}

Attribute Attribute::of_ints(std::string name, std::vector<std::int64_t> v) {
  Attribute a = named(std::move(name), AttributeType::kInts);
  a.ints = std::move(v);
  return a;
}

Attribute Attribute::of_strings(std::string name, std::vector<std::string> v) {
  Attribute a = named(std::move(name), AttributeType::kStrings);
  a.strings = std::move(v);
  return a;
}

Attribute Attribute::of_tensor(std::string name, TensorData v) {
  Attribute a = named(std::move(name), AttributeType::kTensor);
  a.t = std::make_unique<TensorData>(std::move(v));
  return a;
}

Attribute Attribute::of_graph(std::string name, std::unique_ptr<Graph> g) {
  Attribute a = named(std::move(name), AttributeType::kGraph);
  a.g = std::move(g);
  return a;
}

}  // namespace onnxkit::ir
