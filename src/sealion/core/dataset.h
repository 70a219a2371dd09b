#pragma once
// A training folder in the competition's layout: TrainDotted/<id>.jpg, Train/<id>.jpg (the plain
// photo, optional), MismatchedTrainImages.txt and train.csv (optional). A folder with Train/ alone
// holds plain photos labelled elsewhere (a VIAME CSV or COCO file): it has no dotted ids.

#include <filesystem>
#include <optional>
#include <set>
#include <vector>

#include "sealion/core/counts_csv.h"

namespace sealion {

struct TrainDataset {
  std::filesystem::path root;
  std::vector<int64_t> dotted_ids;         // ids with a TrainDotted photo, ascending
  std::set<int64_t> mismatched_ids;        // from MismatchedTrainImages.txt
  std::optional<CountsById> train_counts;  // from train.csv when present

  // Opens and indexes `root`; throws when it has neither a TrainDotted nor a Train folder.
  static TrainDataset Open(const std::filesystem::path& root);

  std::filesystem::path DottedPath(int64_t id) const;
  std::filesystem::path PlainPath(int64_t id) const;
  bool HasPlain(int64_t id) const;
};

// Reads a list of ids, one per line after a header line (MismatchedTrainImages.txt).
std::set<int64_t> ReadIdList(const std::filesystem::path& path);

// Lists what a folder holds under a photo's name (*.jpg, *.jpeg, *.png), sorted by name; entries
// that are not regular files are listed too, for their reader to refuse by name. Files named like
// an image of another format (TIFF, WebP, BMP, GIF, HEIC, JPEG 2000, camera raw) are not listed:
// they go to `other_images` (sorted) when given, else a warning names how many and the first
// three, so that a folder of TIFFs is not left out without a word.
std::vector<std::filesystem::path> ListPhotos(
    const std::filesystem::path& folder,
    std::vector<std::filesystem::path>* other_images = nullptr);

}  // namespace sealion
