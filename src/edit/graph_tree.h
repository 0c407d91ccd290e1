#pragma once
// Walking a graph together with its subgraphs (internal to the edit layer).

#include <string>
#include <string_view>
#include <vector>

#include "onnxkit/ir/graph.h"

namespace onnxkit::edit::detail {

/// `root` and every graph nested in it, preorder (a graph before its
/// subgraphs), without recursion.
std::vector<ir::Graph*> graph_tree(const ir::Graph& root);

/// Nodes of `root` and its subgraphs, preorder: each node before the nodes of
/// its subgraphs.
std::vector<ir::Node*> nodes_in_tree(const ir::Graph& root);

/// Tensors of `outer` read by nodes inside `sub` (any depth), or returned by
/// one of its graphs as an output.
void collect_outer_reads(const ir::Graph& sub, const ir::Graph& outer,
                         std::vector<ir::Tensor*>& out);

bool contains(const std::vector<ir::Tensor*>& list, const ir::Tensor* t);

/// Up to `limit` of `names` that contain `text` (ignoring case), or that
/// `text` contains, for "did you mean" hints; "" when none.
std::string similar(const std::vector<std::string_view>& names, std::string_view text,
                    std::size_t limit = 5);

/// "'a', 'b', 'c'" (at most `limit` names, then ", ...").
std::string quoted_list(const std::vector<std::string_view>& names, std::size_t limit = 10);

}  // namespace onnxkit::edit::detail
