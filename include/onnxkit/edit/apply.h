#pragma once
/// A list of edits, parsed from the words `onnxkit edit` takes and run in
/// order: the one runner behind the CLI and the Python bindings.

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "onnxkit/core/shape.h"
#include "onnxkit/edit/operations.h"
#include "onnxkit/edit/selector.h"
#include "onnxkit/ir/model.h"

namespace onnxkit::edit {

namespace ops {
struct Bypass {
  NodeSelector selector;
};
struct Remove {
  NodeSelector selector;
};
struct Extract {
  std::vector<std::string> inputs, outputs;
};
struct RenameTensor {
  std::string from, to;
};
struct RenameNode {
  std::string from, to;
};
struct SetInputShape {
  std::string input;
  Shape dims;
};
struct SetBatch {
  Dim batch;
};
struct AddOutput {
  std::string tensor;
};
struct Cleanup {};
struct Toposort {};
}  // namespace ops

using EditAction =
    std::variant<ops::Bypass, ops::Remove, ops::Extract, ops::RenameTensor, ops::RenameNode,
                 ops::SetInputShape, ops::SetBatch, ops::AddOutput, ops::Cleanup, ops::Toposort>;

/// One edit as written: an option name (without "--") and its value.
struct EditOp {
  std::string option;  ///< "bypass", "rename-tensor", ...
  std::string value;   ///< as given; empty for flags
  EditAction action;

  /// Parses an option and its value:
  ///   bypass SELECTOR, remove SELECTOR        (see NodeSelector)
  ///   extract IN1,IN2:OUT1,OUT2               (IN may be empty: keep needed inputs)
  ///   rename-tensor OLD=NEW, rename-node OLD=NEW
  ///   set-input-shape NAME=N,3,224,224        (the last '=' splits)
  ///   set-batch N|8|?
  ///   add-output TENSOR
  ///   cleanup, toposort                       (no value)
  /// In extract and rename values, a backslash makes the next character
  /// literal, for names holding ',' ':' '=' or '\' ("conv\:0:out").
  /// Throws Error naming the option on an unknown option or a bad value.
  static EditOp parse(std::string_view option, std::string_view value = {});

  /// "--bypass op=devtech::FooOp", as the user wrote it.
  std::string describe() const;
};

/// An option `onnxkit edit` accepts, for its option table and help.
struct EditOptionInfo {
  std::string_view name;        ///< "bypass"
  std::string_view value_name;  ///< "SELECTOR"; empty for a flag
  std::string_view help;
};
std::span<const EditOptionInfo> edit_options();

/// Runs `edits` on `model`'s main graph in order. An Error from an edit is
/// rethrown with the edit as context ("edit 2 (--bypass op=Foo)"); edits
/// before it have been applied. Returns the notes the edits made.
Notes apply_edits(ir::Model& model, const std::vector<EditOp>& edits);

}  // namespace onnxkit::edit
