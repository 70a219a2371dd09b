#include "sealion/util/error.h"

#include <exception>

namespace sealion {

void RethrowWithContext(const std::string& context) {
  try {
    throw;
  } catch (const std::exception& error) {
    throw Error(context + ": " + error.what());
  } catch (...) {
    throw Error(context + ": unknown error");
  }
}

}  // namespace sealion
