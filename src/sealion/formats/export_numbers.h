#pragma once
// Numbers as the export writers print them and the readers parse them (formats/, and the Python
// module's detection rows).

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace sealion {

// A score (a float) as the double whose shortest form is the float's: 0.9f is written 0.9, not
// 0.8999999761581421, by the JSON writers.
inline double ShortestScore(float score) {
  const std::string text = fmt::format("{}", score);
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// A whole cell (blanks around it allowed) as a finite number, or nothing: "12abc", "" and "nan"
// are not numbers.
inline std::optional<double> ParseFiniteNumber(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
  double value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

}  // namespace sealion
