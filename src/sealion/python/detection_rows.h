#pragma once
// The detection rows of a PhotoCount ("id,class,x,y,score\n" per counted animal or tile, as
// `sealion count --detections` writes them) read back as detections, for the Python module.

#include <string>
#include <vector>

namespace sealion {

// One row as numbers; the score is kept as a double so that it equals the row's decimal text.
struct DetectionRow {
  double x = 0;
  double y = 0;
  int class_index = 0;
  double score = 0;
};

// Throws sealion::Error naming the row for anything but five cells with a sea lion class and
// finite numbers.
std::vector<DetectionRow> ParseDetectionRows(const std::string& rows);

}  // namespace sealion
