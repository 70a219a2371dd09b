// COCO JSON (the object-detection layout of the COCO data set, with keypoints): images with
// their sizes, the five classes as categories 1 to 5 in the competition's order, each with one
// keypoint "centre", and one annotation per detection: box [x, y, width, height], its area,
// iscrowd 0, the point as keypoints [x, y, 2] (2: labelled and visible), num_keypoints 1, and
// the detection's score. Image ids are 1, 2, ... in the order of the export; the photo's
// test_id is the stem of its file_name.

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sealion/core/classes.h"
#include "sealion/formats/export.h"
#include "sealion/formats/export_numbers.h"
#include "sealion/util/error.h"
#include "sealion/version.h"

namespace sealion {

std::string FormatCocoJson(const ExportData& data) {
  nlohmann::json coco;
  coco["info"] = {
      {"description",
       data.tiles ? "Steller sea lions counted by sealion: one annotation per counted 64x64 tile"
                  : "Steller sea lions found by sealion: one annotation per animal, its box the "
                    "class's typical body length centred on its point"},
      {"version", fmt::format("sealion {}", kVersion)}};
  coco["licenses"] = nlohmann::json::array();
  coco["images"] = nlohmann::json::array();
  coco["categories"] = nlohmann::json::array();
  coco["annotations"] = nlohmann::json::array();
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    coco["categories"].push_back({{"id", c + 1},
                                  {"name", std::string(ClassName(c))},
                                  {"supercategory", "steller_sea_lion"},
                                  {"keypoints", {"centre"}},
                                  {"skeleton", nlohmann::json::array()}});
  }
  int64_t annotation_id = 1;
  for (size_t index = 0; index < data.photos.size(); ++index) {
    const ExportPhoto& photo = data.photos[index];
    if (photo.width <= 0 || photo.height <= 0) {
      throw Error(
          fmt::format("COCO needs the width and height of {}: pass the photo folder (--photos)",
                      photo.file_name));
    }
    const int64_t image_id = static_cast<int64_t>(index) + 1;
    coco["images"].push_back({{"id", image_id},
                              {"file_name", photo.file_name},
                              {"width", photo.width},
                              {"height", photo.height}});
    const auto found = data.detections.find(photo.id);
    if (found == data.detections.end()) continue;
    for (const DetectedAnimal& d : found->second) {
      const PixelBox box = DetectionBox(d, data.tiles, photo);
      const double width = box.right - box.left, height = box.bottom - box.top;
      coco["annotations"].push_back({{"id", annotation_id++},
                                     {"image_id", image_id},
                                     {"category_id", d.class_index + 1},
                                     {"bbox", {box.left, box.top, width, height}},
                                     {"area", width * height},
                                     {"iscrowd", 0},
                                     {"keypoints", {d.x, d.y, 2}},
                                     {"num_keypoints", 1},
                                     {"score", ShortestScore(d.score)}});
    }
  }
  return coco.dump() + "\n";
}

}  // namespace sealion
