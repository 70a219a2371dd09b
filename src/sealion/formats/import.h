#pragma once
// Labelled animals read back from the files annotators work in, so that a count corrected in
// DIVE or another COCO tool can be scored, or trained on, like coords.csv.

#include <cstdint>
#include <filesystem>
#include <map>
#include <vector>

#include "sealion/core/point_match.h"

namespace sealion {

// The animals of each photo (by photo id) in one of:
// - a coords CSV: train_id,class,x,y or test_id,class,x,y (extract's coords.csv, a survey's
//   test_coords.csv, count --detections), read by ReadPointsCsv;
// - a VIAME CSV (formats/viame_csv.cc), told by a first line starting with '#' or by a first row
//   of 10 or more cells: the photo id is the stem of the image name (it must be an integer), the
//   point the "(kp) head X Y" keypoint if the row has one, else the box's centre, and the class
//   the species with the highest confidence;
// - a COCO JSON (formats/coco_json.cc), told by a first character '{': categories are matched to
//   the classes by name, the photo id is the stem of the image's file_name, the point the first
//   keypoint when it is labelled (visibility > 0), else the box's centre. Images without
//   annotations are kept, with no animals.
// Throws sealion::Error naming the file and the line (CSV) or annotation (JSON) and what is
// wrong: an unknown class name, an image name that is not a photo id, truncated JSON, a missing
// field.
std::map<int64_t, std::vector<Animal>> ReadLabelledAnimals(const std::filesystem::path& path);

}  // namespace sealion
