#pragma once
// The fast CPU provider's kernel families, one registration function per
// file; fast_provider.cpp calls them all once.

#include <cstdint>

#include "onnxkit/runtime/kernel.h"

namespace onnxkit::runtime::fast {

/// The private domain of the fused ops fusion.cpp makes (never saved: they
/// live only in a session's copy of the model).
inline constexpr const char* kFastDomain = "onnxkit.fast";

void register_fast_conv(KernelRegistry& r);         // conv.cpp
void register_fast_matmul(KernelRegistry& r);       // matmul.cpp
void register_fast_pool(KernelRegistry& r);         // pool.cpp
void register_fast_elementwise(KernelRegistry& r);  // elementwise.cpp

/// True when the fast Conv takes a node with these inputs (X's element
/// type, W and the bias when constant): fusion.cpp fuses only those.
bool conv_takes(DataType x, const Value* w, bool has_bias, const Value* bias, std::int64_t group);

}  // namespace onnxkit::runtime::fast
