#pragma once
// Op types and domains: a big graph has 100k+ nodes but a handful of
// distinct values, so a node keeps a pointer into one process-wide table
// instead of two strings of its own (48 bytes per node). Entries live as long
// as the process (the table only grows; distinct op types are few).

#include <string>
#include <string_view>

namespace onnxkit::ir::detail {

/// The table's copy of `s` (added on first use). Thread-safe; the reference
/// stays valid for the life of the process.
const std::string& intern(std::string_view s);

/// The interned empty string (no lock).
const std::string& interned_empty() noexcept;

}  // namespace onnxkit::ir::detail
