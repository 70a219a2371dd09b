#pragma once
// Removing the annotators' dots from a dotted photo, so that a photo without its plain copy can
// become training data. A real dot is a filled disc of 4-5 px radius; JPEG smears it to about
// 6 px (measured on the sample's photos 42 and 44: beyond 6 px from a dot's centre, dotted and
// plain differ by JPEG noise alone). Every pixel within `radius` of a dot's centre is replaced by
// a smooth surface fitted to the pixels around the disc plus noise as textured as theirs (Telea
// inpainting where too few are known to fit); every other pixel is left exactly as it was.

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sealion {

struct DedotOptions {
  int radius = 7;          // px around each dot centre that are repaired
  int fit_margin = 3;      // px beyond the disc whose pixels the surface is fitted to
  bool texture = true;     // add the surroundings' fine texture to the repaired disc
  int inpaint_radius = 5;  // px of neighbourhood the inpainting draws from (the fallback)

  void Check() const;
};

// `dotted`: BGR or RGB, 8 bit; `dot_centres`: in the photo's pixels (extract's coords.csv).
cv::Mat RemoveDots(const cv::Mat& dotted, const std::vector<cv::Point2d>& dot_centres,
                   const DedotOptions& options = {});

// `sealion dedot`: writes the dotted photos of a training folder with their dots removed, for
// review and for evaluation (counting a repaired copy next to its plain one). Output goes where
// the user says, never into the dataset; derived from third-party photos, it belongs outside any
// repository.
struct DedotRunOptions {
  std::filesystem::path dataset_dir;  // competition layout: TrainDotted/<id>.jpg
  std::filesystem::path coords;       // extract's coords.csv: the dots, in the dotted photo's frame
  std::filesystem::path output_dir;   // <id>.jpg per photo
  std::vector<int64_t> ids;           // empty: every photo of coords
  int jpeg_quality = 95;
  // For photos whose plain copy matches the dotted one: write the plain copy with the dotted
  // copy's black masks applied instead (what train.csv counts: animals under a mask carry no
  // dot), the copy to count when a model is judged against the dots.
  bool plain_where_matching = false;
  int threads = 0;  // 0: every core
  DedotOptions dedot;

  void Check() const;
};

struct DedotSummary {
  int written = 0;
  std::vector<std::string> errors;  // photos that failed, named, with the reason
};

DedotSummary RunDedot(const DedotRunOptions& options);

}  // namespace sealion
