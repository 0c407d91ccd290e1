#pragma once
/// Errors carry a location path such as
///   model.onnx › graph 'main' › node 'Conv_3' (Conv) › attribute 'pads'
/// Each layer adds its piece with Error::within() as the error travels up.

#include <stdexcept>
#include <string>
#include <string_view>

namespace onnxkit {

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message) : Error(std::string(), std::move(message)) {}
  Error(std::string location, std::string message);

  /// Where it happened, outermost first, joined with " › ". May be empty.
  const std::string& location() const noexcept { return location_; }
  /// What is wrong, without the location.
  const std::string& message() const noexcept { return message_; }

  /// Returns a copy whose location is `outer` prepended to this one.
  Error within(std::string_view outer) const;

 private:
  std::string location_;
  std::string message_;
};

/// Throws Error(location, message).
[[noreturn]] void fail(std::string location, std::string message);

}  // namespace onnxkit
