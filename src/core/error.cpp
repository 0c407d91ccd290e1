#include "onnxkit/core/error.h"

namespace onnxkit {
namespace {

std::string join(const std::string& location, const std::string& message) {
  return location.empty() ? message : location + ": " + message;
}

}  // namespace

Error::Error(std::string location, std::string message)
    : std::runtime_error(join(location, message)),
      location_(std::move(location)),
      message_(std::move(message)) {}

Error Error::within(std::string_view outer) const {
  if (outer.empty()) return *this;
  std::string loc(outer);
  if (!location_.empty()) loc += " › " + location_;
  return Error(std::move(loc), message_);
}

void fail(std::string location, std::string message) {
  throw Error(std::move(location), std::move(message));
}

}  // namespace onnxkit
