#pragma once
// `sealion patches`: the seed's 64x64 thumbnails around every extracted dot (three per dot,
// moved by -1, 0 and +1 px diagonally) and background thumbnails for `non_seal`, cut from the
// plain photos, written as PNG with a manifest. A photo without a plain copy that matches its
// dotted one is cut from the dotted copy with its dots removed (extract/dedot.h), unless told
// not to.
//
// Border policy: a window that would leave the photo is shifted inside it, so every dot gets its
// thumbnails and the dot is off-centre by the shift (recorded in the manifest).
// Background: windows whose 64x64 square, grown by `background_clearance` px, holds no dot and
// no black-masked pixel of the dotted copy (animals under masks carry no dot).

#include <array>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sealion/core/classes.h"
#include "sealion/distrib/work_sharing.h"

namespace sealion {

struct PatchesOptions {
  std::filesystem::path dataset_dir;  // competition layout, with Train/ (the plain photos)
  // training_metadata.json from `sealion extract`, or labels from elsewhere for photos <id>.jpg:
  // a VIAME CSV, a COCO JSON or a coords CSV (formats/import.h)
  std::filesystem::path metadata;
  std::filesystem::path output_dir;
  int negatives_per_image = -1;     // background thumbnails per photo; -1: as many as the
                                    // photo's sea lion thumbnails (3 per dot), at least 30
  int background_clearance = 16;    // px kept free of dots around a background window
  uint64_t seed = 1;                // the same seed gives the same patch set
  int threads = 0;                  // 0: every core
  std::filesystem::path chips_dir;  // optional: real chips (chips/<class>/*.png), centre-cut
  bool dedot = true;  // photos without a matching plain copy: their dotted copy, dots removed

  void Check() const;
};

struct PatchesSummary {
  int images = 0;
  int skipped_without_plain = 0;  // without dedot only
  int skipped_mismatched = 0;  // without dedot: plain photo matches its dotted copy under no turn
  std::vector<std::string> errors;               // photos that could not be cut, with the reason
  std::array<int64_t, kNumClasses> per_class{};  // thumbnails per class, non_seal last
};

// Under MPI (`sharing` spanning processes) photos are shared out; every process writes the
// thumbnails of its photos into the output folder (which must be on a filesystem they share) and
// only the writer writes the manifest and gets the full summary.
PatchesSummary RunPatches(const PatchesOptions& options,
                          WorkSharing& sharing = ProcessWorkSharing());

// The dots of one photo, as `patches` reads them.
struct ImageDots {
  std::string filename;                         // <id>.jpg
  std::vector<std::pair<int, cv::Point>> dots;  // class, position in the plain photo
};

// Reads `PatchesOptions::metadata`: extract's training_metadata.json (a JSON list of {filename,
// sea-lions: {class: [[x, y], ...]}}), or a VIAME CSV, COCO JSON or coords CSV; a file that is
// none of these throws, naming it.
std::vector<ImageDots> ReadPatchLabels(const std::filesystem::path& path);

// The top-left corner of the 64x64 window centred on `centre`, shifted inside an image of `size`.
cv::Point PatchOrigin(cv::Point centre, cv::Size size);

// The seed's name: img_<image-filename>-<class>-<thumbnail-no>-<offset>.png
std::string PatchFileName(const std::string& image_filename, int class_index, int thumbnail,
                          int offset);

}  // namespace sealion
