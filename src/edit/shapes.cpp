// Dims from text, set_input_shape(), set_batch().

#include <charconv>

#include "edit/graph_tree.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/operations.h"

namespace onnxkit::edit {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_param_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '/' || c == '+' || c == '*';
}

/// Sets the dims of a tensor type, keeping the shape message's own extras.
void set_dims(ir::Type& type, Shape dims) {
  if (type.shape) {
    type.shape->dims = std::move(dims);
    type.shape->dim_extras.clear();
  } else {
    type.shape = ir::TypeShape{std::move(dims), {}, {}};
  }
}

}  // namespace

Dim parse_dim(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) fail("dim '" + std::string(text) + "'", "empty; give a number, ? or a name");
  if (s == "?") return Dim::unknown();
  if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+') {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) {
      if (v < 0) {
        fail("dim '" + std::string(s) + "'",
             "negative; use ? or a symbolic name (e.g. N) for a dynamic dim");
      }
      return Dim::of(v);
    }
    if (s[0] != '-' && s[0] != '+' && ec == std::errc::result_out_of_range) {
      fail("dim '" + std::string(s) + "'", "too large");
    }
  }
  for (char c : s) {
    if (!is_param_char(c)) {
      fail("dim '" + std::string(s) + "'",
           "not a number, ? or a symbolic name (letters, digits, _ . - / + *)");
    }
  }
  if (s[0] >= '0' && s[0] <= '9') {
    fail("dim '" + std::string(s) + "'", "not a number; a symbolic name starts with a letter");
  }
  return Dim::named(std::string(s));
}

Shape parse_dims(std::string_view text) {
  Shape dims;
  if (trim(text).empty()) return dims;  // a scalar
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    dims.push_back(parse_dim(text.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return dims;
}

void set_input_shape(ir::Graph& graph, std::string_view input, const Shape& dims) {
  auto& inputs = graph.inputs();
  std::size_t index = inputs.size();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]->name() == input) index = i;
  }
  if (index == inputs.size()) {
    std::vector<std::string_view> names;
    for (const ir::Tensor* t : inputs) names.push_back(t->name());
    fail(graph.describe(), "no graph input named '" + std::string(input) + "' (inputs: " +
                               (names.empty() ? std::string("none") : detail::quoted_list(names)) +
                               ")");
  }
  ir::Tensor* t = inputs[index];
  ir::ValueInfo& info = t->info();
  if (!info.type || !info.type->is_tensor()) {
    fail(graph.describe() + " › input '" + std::string(input) + "'",
         info.type ? "is not a tensor (" + ir::type_to_string(*info.type) + ")"
                   : "has no declared type, so there is no element type to give the shape");
  }
  set_dims(*info.type, dims);
  for (auto& o : graph.declaration_overrides()) {
    if (o.list == ir::Graph::DeclarationOverride::List::kInput && o.index == index && o.info.type &&
        o.info.type->is_tensor()) {
      set_dims(*o.info.type, dims);
    }
  }
}

std::size_t set_batch(ir::Graph& graph, const Dim& batch, Notes* notes) {
  std::vector<ir::Tensor*> seen;
  std::size_t changed = 0;
  auto visit = [&](ir::Tensor* t, std::string_view role) {
    if (detail::contains(seen, t)) return;
    seen.push_back(t);
    auto skip = [&](std::string_view why) {
      if (notes != nullptr) {
        notes->push_back("set-batch: " + std::string(role) + " '" + t->name() + "' left as is (" +
                         std::string(why) + ")");
      }
    };
    if (t->is_constant()) return skip("an initializer");
    ir::ValueInfo& info = t->info();
    if (!info.type || !info.type->is_tensor() || !info.type->shape) return skip("shape unknown");
    Shape& dims = info.type->shape->dims;
    if (dims.empty()) return skip("a scalar");
    dims[0] = batch;
    if (!info.type->shape->dim_extras.empty()) info.type->shape->dim_extras[0] = {};
    ++changed;
  };
  for (ir::Tensor* t : graph.inputs()) visit(t, "input");
  for (ir::Tensor* t : graph.outputs()) visit(t, "output");
  return changed;
}

}  // namespace onnxkit::edit
