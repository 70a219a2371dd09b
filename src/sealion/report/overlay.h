#pragma once
// Overlays of what was counted where: each counted tile outlined in its class colour (the dot
// colours), and, when known, each true animal marked with a small ring.

#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <vector>

namespace sealion {

struct Mark {
  int class_index = 0;
  cv::Point centre;  // pixels of the full photo
};

// Detections per photo id from a detections CSV (test_id,class,x,y,score).
std::map<int64_t, std::vector<Mark>> ReadDetections(const std::filesystem::path& path);
// True animals per photo id from a coords CSV (test_id,class,x,y or train_id,class,x,y).
std::map<int64_t, std::vector<Mark>> ReadCoords(const std::filesystem::path& path);

// The photo downscaled to `width` px (0: full size), counted tiles outlined, true animals ringed.
cv::Mat DrawOverlay(const cv::Mat& photo, const std::vector<Mark>& detections,
                    const std::vector<Mark>& truth, int width);

}  // namespace sealion
