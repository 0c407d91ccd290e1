#pragma once
/// Type and shape inference: the element type and shape of every value,
/// written into the graph's value_info as onnx.shape_inference.infer_shapes
/// does, with
///   - symbolic dims kept and related: N stays N through broadcasting,
///     elementwise ops, Reshape/Concat/Transpose...; a dim no rule can name
///     gets a fresh name "unk__0", "unk__1", ... when written;
///   - small-value propagation: the contents of small integer tensors
///     (Shape → Gather → Unsqueeze → Concat → Reshape chains, Constant,
///     initializers) are tracked, symbolic dims included, so that Reshape,
///     Expand, ConstantOfShape, Slice, Tile... get exact shapes;
///   - If/Loop/Scan bodies inferred with their outer scope;
///   - custom ops through their schema's `inference` rule (an ONNX op name,
///     or "same_as_input_0" (type and shape of input 0)); without one, output
///     element types follow the schema's type constraints.
///
/// Rules are chosen by the schema's `inference` id (for ONNX ops, the op
/// name); an op without a rule gets its output element types from its
/// schema when they are determined (a concrete type, or a type parameter
/// bound by an input).

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "onnxkit/ir/model.h"
#include "onnxkit/schema/registry.h"

namespace onnxkit::infer {

struct InferOptions {
  /// Schemas (and so rule ids) to use; null (the default) means
  /// schema::SchemaRegistry::onnx().
  const schema::SchemaRegistry* registry = nullptr;
  /// Track the contents of small integer tensors (default true), as
  /// infer_shapes(data_prop=True) does.
  bool data_propagation = true;
};

/// An inconsistency found while inferring: the location of the node (or
/// value) and what does not fit, e.g. an inferred shape that contradicts a
/// declared one, or inputs whose shapes do not broadcast.
struct InferIssue {
  std::string location;
  std::string message;
};

/// What inference learnt about a value.
struct ValueFacts {
  ir::Type type;
  /// For small integer tensors of rank 0 or 1: their elements, each a
  /// number, a symbol (a dim taken from a shape) or unknown.
  std::optional<Shape> values;
};

/// The result of analyze(): facts per value (keyed by the tensors of the
/// model analyzed), and the issues found.
struct Analysis {
  std::unordered_map<const ir::Tensor*, ValueFacts> facts;
  std::vector<InferIssue> issues;

  /// The inferred type of `t`, or null when nothing was inferred.
  const ir::Type* type(const ir::Tensor* t) const {
    auto it = facts.find(t);
    return it == facts.end() ? nullptr : &it->second.type;
  }
};

/// Infers every value of `model` (main graph, subgraphs, not function bodies)
/// without changing it. Declared types are the starting point and are merged
/// with what the rules find. Never throws on a bad model: problems become issues.
Analysis analyze(const ir::Model& model, const InferOptions& options = {});

struct InferReport {
  /// Values whose type was written or completed.
  std::size_t values_typed = 0;
  std::vector<InferIssue> issues;
};

/// analyze(), then writes the results: node outputs get their type in
/// Tensor::info().type and are listed in their graph's value_info; declared
/// types of graph outputs are completed (unknown dims, missing shapes). Dims
/// that stay unknown are named "unk__N".
InferReport infer_shapes(ir::Model& model, const InferOptions& options = {});

}  // namespace onnxkit::infer
