#pragma once
/// Graph surgery, one call per operation: what `onnxkit edit` and
/// `onnxkit.gs` both run. Each call works on the graph it is given (normally
/// the model's main graph) and on the subgraphs inside it where it says so.
/// Failures throw onnxkit::Error naming the node, tensor or graph; an
/// operation checks what it can before it changes anything.
///
/// `notes`, when given, collects one line per thing the caller should know
/// that is not an error (a graph output that took another tensor's name, a
/// new input without a known type, ...).

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/core/shape.h"
#include "onnxkit/edit/selector.h"
#include "onnxkit/ir/graph.h"
#include "onnxkit/ir/model.h"

namespace onnxkit::edit {

using Notes = std::vector<std::string>;

// ---- bypass

struct BypassOptions {
  /// Run Graph::cleanup() on the graph afterwards (default true), as the
  /// GraphSurgeon recipe does: it drops what only fed the bypassed nodes.
  bool cleanup = true;
};

/// Removes `node` and connects its data input straight to its consumers.
///
/// The data input is the node's only non-empty input, or, when it has several,
/// its only one that is not a constant (an initializer or a Constant node's
/// output); otherwise Error. Only the first output passes through: any other
/// output must be unused (Dropout's mask, say), or Error.
///
/// When the data input is computed in the same graph by one producer and is
/// not a graph output, this is onnx-graphsurgeon's recipe
/// (`inp_node.outputs = node.outputs; node.outputs.clear()`), done per output
/// slot: the producer now writes the node's output tensor, so the tensor's
/// name, type and graph-output status are kept, and any other reader of the
/// old input reads it too. Otherwise (the input is a graph input, an
/// initializer, a graph output itself, or a tensor of an enclosing graph) the
/// consumers of the output read the input instead, and a graph output that
/// was the node's output becomes the input tensor, so the graph output takes
/// the input's name (a note says so). Error if both tensors are graph outputs.
void bypass_node(ir::Node& node, Notes* notes = nullptr);

/// bypass_node() on every node `selector` selects in `graph` and its
/// subgraphs (Error if none), then cleanup (see BypassOptions). Returns the
/// number of nodes bypassed.
std::size_t bypass(ir::Graph& graph, const NodeSelector& selector, Notes* notes = nullptr,
                   const BypassOptions& options = {});

// ---- remove

struct RemoveOptions {
  /// Run Graph::cleanup() afterwards (default true): nodes that only fed the
  /// removed ones go too.
  bool cleanup = true;
};

/// Deletes `node`. Unlike onnx-graphsurgeon (which leaves readers of the
/// node's outputs dangling, so the exported model fails the checker), an
/// output that is still read becomes a new graph input (keeping its type when
/// known; a note says so), so the graph stays valid and the cut is where the
/// user asked. Error, before anything changes, if the node writes a graph
/// output (use bypass_node() to pass its input through, or extract() to cut
/// there), or if it is inside a subgraph and an output is still read there
/// (subgraph inputs are positional and cannot grow).
void remove_node(ir::Node& node, Notes* notes = nullptr);

/// remove_node() on every node `selector` selects in `graph` and its
/// subgraphs (Error if none), then cleanup. Returns the number removed.
std::size_t remove_nodes(ir::Graph& graph, const NodeSelector& selector, Notes* notes = nullptr,
                         const RemoveOptions& options = {});

// ---- extract

/// Keeps the part of `graph` between the tensors named `inputs` and
/// `outputs`, as onnx.utils.extract_model does, in place: the graph's inputs
/// become `inputs` (in that order; their declared types, e.g. from value_info,
/// stay on the tensors), its outputs `outputs`; a new input's producer stops
/// writing it; nodes and initializers the outputs do not need are removed
/// (Graph::cleanup()). The walk is iterative (any depth) and follows reads
/// from inside subgraphs.
///
/// Empty `inputs` keeps the original graph inputs the outputs depend on (and
/// drops the others). Error on a name not found in `graph`, on empty
/// `outputs`, and when an output depends on an original graph input that is
/// not among `inputs`. Inputs or outputs without a known type get a note.
void extract(ir::Graph& graph, std::span<const std::string> inputs,
             std::span<const std::string> outputs, Notes* notes = nullptr);
/// extract() on the model's main graph.
void extract(ir::Model& model, std::span<const std::string> inputs,
             std::span<const std::string> outputs, Notes* notes = nullptr);

// ---- renaming

/// Renames the tensor `from` of `graph` (or, if `graph` has none, of the one
/// subgraph that has it) to `to`. Readers inside subgraphs refer to the tensor
/// itself, so they follow; quantization_annotation entries (tensor_name and
/// quant parameter names) that meant it follow too. Error when `from` is
/// missing or ambiguous (several subgraphs have it), when `to` is empty, or
/// when any graph of the tree already has a tensor named `to`.
void rename_tensor(ir::Graph& graph, std::string_view from, std::string_view to);
/// rename_tensor() on the main graph, also updating training_info bindings.
void rename_tensor(ir::Model& model, std::string_view from, std::string_view to);

/// Renames the node named `from` (in `graph` or its subgraphs) to `to`.
/// Error when no node or several nodes are named `from`, when `to` is empty,
/// or when a node is already named `to`.
void rename_node(ir::Graph& graph, std::string_view from, std::string_view to);

// ---- shapes

/// One dim: a whole number >= 0, "?" for unknown, or a symbolic name ("N").
/// Error otherwise (a negative number: use ? or a name for a dynamic dim).
Dim parse_dim(std::string_view text);
/// Dims separated by commas: "N,3,224,224", "?,?"; "" is a scalar (rank 0).
Shape parse_dims(std::string_view text);

/// Sets the dims of graph input `input` (its element type stays). Error if
/// there is no such graph input, or it has no declared tensor type. Shapes
/// recorded for intermediate tensors are not recomputed (`onnxkit infer`).
void set_input_shape(ir::Graph& graph, std::string_view input, const Shape& dims);

/// Sets the first dim of every graph input and output to `batch`. Inputs that
/// are initializers, and tensors without a known shape or of rank 0, are left
/// as they are (a note names them). Returns the number of tensors changed.
std::size_t set_batch(ir::Graph& graph, const Dim& batch, Notes* notes = nullptr);

// ---- outputs, cleanup, order

/// Makes the tensor `tensor` of `graph` a graph output (appended), declared
/// with its known type (from value_info, or a Constant's data); the tensor
/// leaves value_info, where outputs are not listed. Already an output: a note
/// and no change. Error if `graph` has no such tensor.
void add_output(ir::Graph& graph, std::string_view tensor, Notes* notes = nullptr);

/// Graph::cleanup() with its defaults (subgraphs included). Returns the
/// number of nodes removed from `graph` itself.
std::size_t cleanup(ir::Graph& graph);

/// Graph::toposort() on `graph` and every subgraph in it.
void toposort(ir::Graph& graph);

}  // namespace onnxkit::edit
