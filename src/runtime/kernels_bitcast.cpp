// BitCast: the same bits seen as another element type of the same width
// (little-endian, as the host stores them).

#include <algorithm>
#include <string>

#include "runtime/cpu_kernels.h"
#include "runtime/kernel_util.h"

namespace onnxkit::runtime {
namespace {

constexpr std::size_t kInput = 0;
constexpr std::size_t kOutput = 0;

std::unique_ptr<Kernel> bitcast_prepare(const KernelInfo& info) {
  if (!info.has_attr("to")) info.fail("attribute 'to' is required");
  const auto to = static_cast<DataType>(info.attr_int("to", 0));
  if (to == DataType::kString || data_type_bits(to) <= 0) {
    info.fail("'to' must be a non-string element type, got " + std::string(data_type_name(to)));
  }
  const DataType from = info.input_dtype(kInput);
  if (from != DataType::kUndefined && data_type_bits(from) != data_type_bits(to)) {
    info.fail("BitCast from " + std::string(data_type_name(from)) + " to " +
              std::string(data_type_name(to)) + ": the types must have the same bit width");
  }
  return make_kernel([to](KernelContext& ctx) {
    const Value& x = ctx.required_input(kInput);
    if (x.dtype() == DataType::kString || data_type_bits(x.dtype()) != data_type_bits(to)) {
      fail("", "BitCast of " + x.describe() + " to " + std::string(data_type_name(to)) +
                   ": the types must have the same bit width");
    }
    Value& y = ctx.output(kOutput, to, x.dims());
    const auto src = x.bytes();
    std::copy(src.begin(), src.end(), y.mutable_bytes().begin());
  });
}

}  // namespace

void register_bitcast_kernels(KernelRegistry& r) { add_def(r, "BitCast", 26, bitcast_prepare); }

}  // namespace onnxkit::runtime
