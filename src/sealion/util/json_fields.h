#pragma once
// Reading numbers from JSON files that users hand us (model headers, training_metadata.json):
// nlohmann's get<int>() converts a float such as 1e300 to an integer without a check, which is
// undefined behaviour (found by fuzz/model_file_fuzz). These check the value first.

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "sealion/util/error.h"

namespace sealion {

// `value` as an integer in [low, high]; throws naming `what` otherwise (a float, a string, out
// of range).
inline int64_t JsonInteger(const nlohmann::json& value, std::string_view what,
                           int64_t low = std::numeric_limits<int>::min(),
                           int64_t high = std::numeric_limits<int>::max()) {
  if (!value.is_number_integer())
    throw Error(fmt::format("{} must be an integer, not {}", what, value.dump()));
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(high))
    throw Error(fmt::format("{} is out of range: {}", what, value.dump()));
  const int64_t number = value.get<int64_t>();
  if (number < low || number > high)
    throw Error(fmt::format("{} is out of range: {}", what, value.dump()));
  return number;
}

}  // namespace sealion
