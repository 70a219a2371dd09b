#include "sealion/python/detection_rows.h"

#include <fmt/format.h>

#include <optional>
#include <sstream>

#include "sealion/core/classes.h"
#include "sealion/formats/export_numbers.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

double FiniteNumber(const std::string& cell, const std::string& where) {
  const std::optional<double> value = ParseFiniteNumber(cell);
  if (!value) throw Error(fmt::format("{}: '{}' is not a finite number", where, cell));
  return *value;
}

}  // namespace

std::vector<DetectionRow> ParseDetectionRows(const std::string& rows) {
  std::vector<DetectionRow> detections;
  std::istringstream lines(rows);
  std::string line;
  for (int row = 1; std::getline(lines, line); ++row) {
    const std::string where = fmt::format("detection row {} '{}'", row, line);
    const std::vector<std::string> cells = SplitCsvLine(line);
    if (cells.size() != 5) throw Error(where + ": expected id,class,x,y,score");
    const int class_index = WithContext(where, [&] { return ClassIndexFromName(cells[1]); });
    if (class_index >= kNumSeaLionClasses) throw Error(where + ": non_seal is not an animal");
    detections.push_back({FiniteNumber(cells[2], where), FiniteNumber(cells[3], where), class_index,
                          FiniteNumber(cells[4], where)});
  }
  return detections;
}

}  // namespace sealion
