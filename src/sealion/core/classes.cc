#include "sealion/core/classes.h"

#include <fmt/format.h>

#include <cassert>

#include "sealion/util/error.h"

namespace sealion {

std::string_view ClassName(int class_index) {
  assert(class_index >= 0 && class_index < kNumClasses);
  return kClassNames[static_cast<size_t>(class_index)];
}

int ClassIndexFromName(std::string_view name) {
  for (int i = 0; i < kNumClasses; ++i) {
    if (kClassNames[static_cast<size_t>(i)] == name) return i;
  }
  throw Error(
      fmt::format("unknown class '{}' (expected one of adult_males, subadult_males, "
                  "adult_females, juveniles, pups, non_seal)",
                  name));
}

}  // namespace sealion
