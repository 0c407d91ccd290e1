#include "onnxkit/edit/apply.h"

#include <array>

#include "onnxkit/core/error.h"

namespace onnxkit::edit {
namespace {

constexpr std::array kOptions{
    EditOptionInfo{"bypass", "SELECTOR",
                   "Remove the selected nodes, joining each one's input to its consumers"},
    EditOptionInfo{"remove", "SELECTOR",
                   "Delete the selected nodes; outputs still read become graph inputs"},
    EditOptionInfo{"extract", "IN,..:OUT,..",
                   "Keep the part between tensors IN and OUT (IN empty: needed inputs)"},
    EditOptionInfo{"rename-tensor", "OLD=NEW", "Rename a tensor"},
    EditOptionInfo{"rename-node", "OLD=NEW", "Rename a node"},
    EditOptionInfo{"set-input-shape", "NAME=DIMS",
                   "Set a graph input's dims, e.g. input=N,3,224,224 (? for unknown)"},
    EditOptionInfo{"set-batch", "N|8", "Set the first dim of every graph input and output"},
    EditOptionInfo{"add-output", "TENSOR", "Make a tensor a graph output"},
    EditOptionInfo{"cleanup", "", "Remove nodes and tensors that reach no graph output"},
    EditOptionInfo{"toposort", "", "Order nodes so that producers come first"},
};

/// Splits at unescaped `sep`, removing the escapes from the pieces.
std::vector<std::string> split_escaped(std::string_view text, char sep) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out.back() += text[++i];
    } else if (text[i] == sep) {
      out.emplace_back();
    } else {
      out.back() += text[i];
    }
  }
  return out;
}

/// Splits at the first unescaped `sep` into exactly two parts (escapes kept).
std::pair<std::string, std::string> split_pair(std::string_view text, char sep,
                                               const std::string& where) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == sep) {
      return {std::string(text.substr(0, i)), std::string(text.substr(i + 1))};
    }
  }
  fail(where, std::string("expected '") + sep + "' in '" + std::string(text) + "'");
}

std::string unescape(std::string_view text) { return split_escaped(text, '\0').front(); }

std::vector<std::string> name_list(std::string_view text) {
  if (text.empty()) return {};
  return split_escaped(text, ',');
}

std::pair<std::string, std::string> old_new(std::string_view value, const std::string& where) {
  auto [from, to] = split_pair(value, '=', where);
  from = unescape(from);
  to = unescape(to);
  if (from.empty() || to.empty()) fail(where, "expected OLD=NEW with both names non-empty");
  return {from, to};
}

}  // namespace

std::span<const EditOptionInfo> edit_options() { return kOptions; }

EditOp EditOp::parse(std::string_view option, std::string_view value) {
  EditOp op{std::string(option), std::string(value), ops::Cleanup{}};
  const std::string where = op.describe();
  const EditOptionInfo* info = nullptr;
  for (const EditOptionInfo& o : kOptions) {
    if (o.name == option) info = &o;
  }
  if (info == nullptr) fail(where, "unknown edit '" + std::string(option) + "'");
  if (info->value_name.empty() && !value.empty()) fail(where, "takes no value");
  if (!info->value_name.empty() && value.empty()) {
    fail(where, "needs a value (" + std::string(info->value_name) + ")");
  }
  try {
    if (option == "bypass") {
      op.action = ops::Bypass{NodeSelector::parse(value)};
    } else if (option == "remove") {
      op.action = ops::Remove{NodeSelector::parse(value)};
    } else if (option == "extract") {
      auto [ins, outs] = split_pair(value, ':', where);
      ops::Extract e{name_list(ins), name_list(outs)};
      if (e.outputs.empty()) fail(where, "no output tensors after ':'");
      for (const auto* list : {&e.inputs, &e.outputs}) {
        for (const std::string& n : *list) {
          if (n.empty()) fail(where, "empty tensor name in '" + std::string(value) + "'");
        }
      }
      op.action = std::move(e);
    } else if (option == "rename-tensor") {
      auto [from, to] = old_new(value, where);
      op.action = ops::RenameTensor{from, to};
    } else if (option == "rename-node") {
      auto [from, to] = old_new(value, where);
      op.action = ops::RenameNode{from, to};
    } else if (option == "set-input-shape") {
      const std::size_t eq = value.rfind('=');
      if (eq == std::string_view::npos || eq == 0)
        fail(where, "expected NAME=DIMS, e.g. input=N,3,224,224");
      op.action =
          ops::SetInputShape{std::string(value.substr(0, eq)), parse_dims(value.substr(eq + 1))};
    } else if (option == "set-batch") {
      op.action = ops::SetBatch{parse_dim(value)};
    } else if (option == "add-output") {
      op.action = ops::AddOutput{std::string(value)};
    } else if (option == "toposort") {
      op.action = ops::Toposort{};
    }  // cleanup: the initial value
  } catch (const Error& e) {
    if (e.location().starts_with(where)) throw;
    throw e.within(where);
  }
  return op;
}

std::string EditOp::describe() const {
  return "--" + option + (value.empty() ? std::string() : " " + value);
}

Notes apply_edits(ir::Model& model, const std::vector<EditOp>& edits) {
  if (!model.graph) fail("model", "has no graph to edit");
  ir::Graph& g = *model.graph;
  Notes notes;
  for (std::size_t i = 0; i < edits.size(); ++i) {
    const EditOp& op = edits[i];
    try {
      std::visit(
          [&](const auto& a) {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, ops::Bypass>) {
              bypass(g, a.selector, &notes);
            } else if constexpr (std::is_same_v<A, ops::Remove>) {
              remove_nodes(g, a.selector, &notes);
            } else if constexpr (std::is_same_v<A, ops::Extract>) {
              extract(g, a.inputs, a.outputs, &notes);
            } else if constexpr (std::is_same_v<A, ops::RenameTensor>) {
              rename_tensor(model, a.from, a.to);
            } else if constexpr (std::is_same_v<A, ops::RenameNode>) {
              rename_node(g, a.from, a.to);
            } else if constexpr (std::is_same_v<A, ops::SetInputShape>) {
              set_input_shape(g, a.input, a.dims);
            } else if constexpr (std::is_same_v<A, ops::SetBatch>) {
              set_batch(g, a.batch, &notes);
            } else if constexpr (std::is_same_v<A, ops::AddOutput>) {
              add_output(g, a.tensor, &notes);
            } else if constexpr (std::is_same_v<A, ops::Cleanup>) {
              cleanup(g);
            } else {
              static_assert(std::is_same_v<A, ops::Toposort>);
              toposort(g);
            }
          },
          op.action);
    } catch (const Error& e) {
      throw e.within("edit " + std::to_string(i + 1) + " (" + op.describe() + ")");
    }
  }
  return notes;
}

}  // namespace onnxkit::edit
