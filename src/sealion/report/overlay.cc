#include "sealion/report/overlay.h"

#include <fmt/format.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "sealion/core/classes.h"
#include "sealion/core/point_match.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

std::map<int64_t, std::vector<Mark>> ReadMarks(const std::filesystem::path& path) {
  std::map<int64_t, std::vector<Mark>> marks;
  for (const auto& [id, points] : ReadPointsCsv(path)) {
    for (const auto& p : points) marks[id].push_back({p.class_index, {p.x, p.y}, p.score});
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
                    const std::vector<Mark>& truth, int width, OverlayStyle style) {
  const double scale =
      width > 0 && width < photo.cols ? static_cast<double>(width) / photo.cols : 1.0;
  cv::Mat overlay;
  cv::resize(photo, overlay, cv::Size(), scale, scale, cv::INTER_AREA);
  const int thickness = scale < 0.5 ? 1 : 2;
  const int ring = std::max(3, static_cast<int>(14 * scale));
  if (style == OverlayStyle::kTiles) {
    for (const auto& mark : truth) {
      cv::circle(overlay, mark.centre * scale, ring, ClassColour(mark.class_index), thickness,
                 cv::LINE_AA);
    }
    for (const auto& mark : detections) {
      const cv::Point2d corner = (mark.centre - cv::Point2d(32, 32)) * scale;
      cv::rectangle(overlay, cv::Rect2d(corner, cv::Size2d(64 * scale, 64 * scale)),
                    ClassColour(mark.class_index), thickness);
    }
    return overlay;
  }
  std::vector<DetectedAnimal> found;
  for (const auto& d : detections)
    found.push_back({d.centre.x, d.centre.y, d.class_index, d.score});
  std::vector<Animal> animals;
  for (const auto& t : truth) animals.push_back({t.centre.x, t.centre.y, t.class_index});
  const PointMatching matching = MatchPoints(found, animals);
  for (size_t t = 0; t < truth.size(); ++t) {
    const cv::Point2d centre = truth[t].centre * scale;
    cv::circle(overlay, centre, ring, ClassColour(truth[t].class_index), thickness, cv::LINE_AA);
    if (!matching.truth_found[t]) {  // a miss
      cv::drawMarker(overlay, centre, cv::Scalar(255, 255, 255), cv::MARKER_SQUARE, 3 * ring,
                     thickness);
    }
  }
  const int dot = std::max(2, ring / 2);
  for (size_t d = 0; d < detections.size(); ++d) {
    const cv::Point2d centre = detections[d].centre * scale;
    const cv::Scalar colour = ClassColour(detections[d].class_index);
    if (!truth.empty() && matching.truth_of_detection[d] < 0) {  // a false alarm
      cv::drawMarker(overlay, centre, colour, cv::MARKER_TILTED_CROSS, 2 * ring, thickness + 1);
    } else {
      cv::circle(overlay, centre, dot + 1, cv::Scalar(255, 255, 255), -1, cv::LINE_AA);
      cv::circle(overlay, centre, dot, colour, -1, cv::LINE_AA);
    }
  }
  return overlay;
}

}  // namespace sealion
