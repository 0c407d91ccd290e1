#pragma once
/// Writes a model in the ONNX text syntax (ONNX docs/Syntax.md), in the
/// subset that python3-onnx 1.12's onnx.parser reads back.
///
/// Layout: the model header `< ir_version: 7, opset_import: [...], ... >`, then
/// the main graph `name (inputs) => (outputs) < initializers, value_info > { nodes }`
/// with one node per line (`outs = domain.Op <attrs> (ins)`, '=' aligned),
/// subgraphs (If/Loop/Scan bodies) as indented nested graphs, then the model's
/// functions. Initializers are always written in the `< >` list (a graph input
/// that has an initializer is declared in the input list and initialized in
/// the `< >` list, which onnx reads as the same thing).
///
/// What onnx 1.12's parser reads, and what this printer does about the rest:
/// - Names are identifiers only, [A-Za-z_][A-Za-z0-9_]*: no quoting, no '.',
///   ':', '/', '-', no non-ASCII. Any other name (and a name that is a type
///   name such as "float", or "seq", "map", "inf", ...) is printed as an
///   identifier derived from it ("onnx::Conv_3" -> onnx__Conv_3,
///   "/conv1/Conv_output_0" -> _conv1_Conv_output_0, "conv1.weight" ->
///   conv1_weight, unique in the model) and a comment line before the graph
///   records the original: `#@alias onnx__Conv_3 = "onnx::Conv_3"`. onnx reads
///   the substitute names; onnxkit's parser restores the originals exactly.
///   The same applies to symbolic dims, graph names and op types.
/// - Node names have no syntax in 1.12; they print as a trailing comment
///   `#@node "name"` that onnxkit's parser reads.
/// - Strings have no escapes: '"' and NUL cannot be written; they print as
///   '\'' and ' ' with a `# note:` line (doc strings of nodes, graphs and
///   values are not printed at all: the syntax has no place for them).
/// - Floats print as the shortest text that reads back exactly, always with a
///   '.' or an exponent. inf, -inf, nan and subnormal floats print as such
///   ("inf", "1e-45"); onnxkit reads them, onnx 1.12 fails on them (its std::stof
///   rejects subnormals and it has no inf/nan literals).
/// - Tensor values 1.12 reads: float, double, (u)int8/16/32/64, bool, string.
///   float16, bfloat16 and float8 values print as their bit patterns
///   (unsigned ints, as newer onnx does; 1.12 cannot read them); complex,
///   4-bit and 2-bit values cannot be printed (the tensor prints as a typed
///   declaration with a comment). So do externally stored tensors whose data
///   was not loaded.
/// - Element types after bfloat16 (float8, int4, ...) and non-tensor types
///   (seq, map, optional, sparse_tensor) in declarations print in newer onnx's
///   syntax; 1.12 cannot read them.
/// - An absent optional input/output prints as nothing between commas
///   (`Y, = Dropout (X)`), but as `""` in the first position, which 1.12
///   cannot read (newer onnx can).
/// - Empty list attributes print as `axes: ints = []`, attributes of kind
///   tensors/graphs/type_proto(s) with a type annotation, function attributes
///   with defaults as `<name = value>`: newer onnx syntax, not read by 1.12.
///   Sparse tensor attributes and sparse initializers, training_info, node
///   overloads, metadata_props of graphs and nodes, dim denotations and
///   quantization annotations are not printed.
/// Every omission is listed in a `# note:` comment at the top of the output.

#include <cstddef>
#include <string>

#include "onnxkit/ir/model.h"

namespace onnxkit::text {

struct PrintOptions {
  /// Print every weight value (exact, parses back to the same tensors).
  /// When false (the default), initializers with more than `preview_elements`
  /// values print as a typed declaration, `float[64,3,7,7] conv1_weight,  # 9408
  /// values, first 8: ...`, which parses (as value_info) in onnx and onnxkit;
  /// tensor attributes (Constant values) that large print their first values
  /// and a comment: onnx reads them as short tensors, onnxkit refuses them.
  bool full_weights = false;
  /// Default 8.
  std::size_t preview_elements = 8;
};

/// The whole model: header, main graph, functions.
std::string print_model(const ir::Model& model, const PrintOptions& options = {});
/// One graph alone (no header), e.g. for golden tests and bug reports.
std::string print_graph(const ir::Graph& graph, const PrintOptions& options = {});

}  // namespace onnxkit::text
