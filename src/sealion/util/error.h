#pragma once
// User-facing errors. A user error (missing file, corrupt JPEG, bad flag) throws sealion::Error;
// callers add context as it unwinds ("reading TrainDotted/41.jpg: ..."), and main() catches it
// once, prints it and sets the exit code. Programmer errors are asserts.

#include <stdexcept>
#include <string>

namespace sealion {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Must be called inside a catch block: rethrows the active exception as an Error whose message
// is "context: original message".
[[noreturn]] void RethrowWithContext(const std::string& context);

// Runs fn(); any exception it throws gains `context` in front of its message.
template <typename Fn>
decltype(auto) WithContext(const std::string& context, Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    RethrowWithContext(context);
  }
}

}  // namespace sealion
