#pragma once
// Overlays of what was counted where, in the class colours (the dot colours).
// Tile counter: each counted tile outlined; true animals, when known, ringed.
// Point counter: each animal found is a dot; with the truth, a dot inside a ring is a hit, a
// cross is a false alarm (no true animal within half a body length), and a ring with a square
// around it is a miss (core/point_match.h matches them, classes ignored).

#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <vector>

namespace sealion {

struct Mark {
  int class_index = 0;
  cv::Point2d centre;  // pixels of the full photo
  float score = 1;
};

enum class OverlayStyle { kTiles, kPoints };

// Detections per photo id from a detections CSV (test_id,class,x,y,score).
std::map<int64_t, std::vector<Mark>> ReadDetections(const std::filesystem::path& path);
// True animals per photo id from a coords CSV (test_id,class,x,y or train_id,class,x,y).
std::map<int64_t, std::vector<Mark>> ReadCoords(const std::filesystem::path& path);

// The photo downscaled to `width` px (0: full size) with the detections and the truth drawn.
cv::Mat DrawOverlay(const cv::Mat& photo, const std::vector<Mark>& detections,
                    const std::vector<Mark>& truth, int width,
                    OverlayStyle style = OverlayStyle::kTiles);

}  // namespace sealion
