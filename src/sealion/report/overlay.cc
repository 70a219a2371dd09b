#include "sealion/report/overlay.h"

#include <opencv2/imgproc.hpp>

#include "sealion/core/classes.h"
#include "sealion/util/csv.h"

namespace sealion {
namespace {

std::map<int64_t, std::vector<Mark>> ReadMarks(const std::filesystem::path& path) {
  const CsvTable table = ReadCsv(path);
  const int x = table.ColumnIndex("x"), y = table.ColumnIndex("y"),
            cls = table.ColumnIndex("class");
  std::map<int64_t, std::vector<Mark>> marks;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    marks[table.IntegerAt(row, 0)].push_back(
        {ClassIndexFromName(table.rows[row][cls]),
         cv::Point(static_cast<int>(table.IntegerAt(row, x)),
                   static_cast<int>(table.IntegerAt(row, y)))});
  }
  return marks;
}

cv::Scalar ClassColour(int class_index) {
  const Rgb& c = kDotColours[class_index];
  return {static_cast<double>(c.b), static_cast<double>(c.g), static_cast<double>(c.r)};
}

}  // namespace

std::map<int64_t, std::vector<Mark>> ReadDetections(const std::filesystem::path& path) {
  return ReadMarks(path);
}
std::map<int64_t, std::vector<Mark>> ReadCoords(const std::filesystem::path& path) {
  return ReadMarks(path);
}

cv::Mat DrawOverlay(const cv::Mat& photo, const std::vector<Mark>& detections,
                    const std::vector<Mark>& truth, int width) {
  const double scale =
      width > 0 && width < photo.cols ? static_cast<double>(width) / photo.cols : 1.0;
  cv::Mat overlay;
  cv::resize(photo, overlay, cv::Size(), scale, scale, cv::INTER_AREA);
  const int thickness = scale < 0.5 ? 1 : 2;
  for (const auto& mark : truth) {
    cv::circle(overlay, cv::Point2d(mark.centre) * scale, std::max(2, static_cast<int>(12 * scale)),
               ClassColour(mark.class_index), thickness, cv::LINE_AA);
  }
  for (const auto& mark : detections) {
    const cv::Point2d corner = cv::Point2d(mark.centre - cv::Point(32, 32)) * scale;
    cv::rectangle(overlay, cv::Rect2d(corner, cv::Size2d(64 * scale, 64 * scale)),
                  ClassColour(mark.class_index), thickness);
  }
  return overlay;
}

}  // namespace sealion
