#pragma once
// The small export the formats tests share: three photos of 1024x768 (ids 3, 7 and 9, the last
// without detections), an adult male in the open, a pup at the top-left corner and a juvenile at
// the bottom-right corner (their boxes are clipped to the photo).

#include <string>
#include <vector>

#include "sealion/formats/export.h"

namespace sealion::testing {

inline ExportData SampleExport() {
  ExportData data;
  data.photos = {{3, "3.jpg", 1024, 768, std::nullopt},
                 {7, "7.jpg", 1024, 768, std::nullopt},
                 {9, "9.jpg", 1024, 768, std::nullopt}};
  data.detections[3] = {{100.25, 200.5, kAdultMales, 0.9f}, {10, 5, kPups, 0.75f}};
  data.detections[7] = {{1000.125, 760, kJuveniles, 0.5f}};
  return data;
}

// Splits text into lines (no trailing empty line).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace sealion::testing
