#pragma once
// `sealion scale`: how much larger or smaller a survey's animals look than in the point model's
// training photos, so that `count --scale S` can resize the survey's photos to the model's
// pixel size. Surveys are flown at different altitudes, and the point counter's classes follow
// apparent size (docs/real-photos.md, "Altitude").
//
// The estimate: a few of the survey's photos, spread evenly over them, are counted at each scale
// of a grid; the scale at which the model finds the most animals, summed over those photos, is
// the estimate. A network finds the most animals where they look as in its training photos:
// fold models of the real cross-validation, counting their held-out photos shrunk by 0.77 or
// enlarged by 1.3, found the most at 1.3 and 0.77, and the photos as taken at 1 (docs/real-
// photos.md, "An estimated scale"). One photo alone often picks a neighbouring scale; the sum
// over several is steadier.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sealion {

struct ScaleEstimateOptions {
  std::vector<std::string> inputs;   // the survey's photos, folders of photos, or @list.txt
  std::filesystem::path model_path;  // a point model (or ensemble)
  int photos = 8;                    // at most this many photos, spread evenly over the inputs
  int views = 2;                     // views each count averages (count --views)
  float threshold = -1;  // detection threshold (count --threshold); -1: the model's for the views
  // Scales tried (count --scale), ascending, steps of about 15%: from 0.66 (the survey's animals
  // look 1.5 times larger than in the training photos: flown lower) to 1.52 (1.5 times smaller).
  std::vector<double> scales = {0.66, 0.76, 0.87, 1.0, 1.15, 1.32, 1.52};
  int threads = 0;  // LibTorch threads; 0: every core

  void Check() const;
};

struct ScaleEstimate {
  std::vector<double> scales;
  std::vector<int64_t> animals;               // found at each scale, summed over the photos
  std::vector<std::filesystem::path> photos;  // the photos counted
  std::vector<std::string> skipped;           // photos that could not be read, with why
  double scale = 1;                           // the estimate
  bool at_edge = false;  // the estimate is the grid's first or last scale: it may lie beyond
};

// The index of the scale with the most animals; ties go to the scale nearest 1 (by ratio).
// Throws for empty or unequal lists.
size_t ChooseScale(const std::vector<double>& scales, const std::vector<int64_t>& animals);

// `wanted` indices (all when there are fewer) spread evenly over 0..count-1, first and last
// included, ascending.
std::vector<size_t> SpreadEvenly(size_t count, size_t wanted);

// Counts the chosen photos at every scale. Throws when the model is not a point model or when
// no photo could be read; photos that cannot be read are skipped and listed.
ScaleEstimate EstimateScale(const ScaleEstimateOptions& options);

}  // namespace sealion
