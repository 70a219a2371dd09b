#pragma once
// `sealion ensemble`: point models trained alike (different seeds) combined into one model file
// whose counter averages their heatmap and class logits (SavePointEnsemble). Networks trained
// with different seeds disagree on the animals they are unsure of; their average counts steadier
// than a typical one of them (docs/real-photos.md, "Ensembles of seeds").

#include <filesystem>
#include <string>
#include <vector>

namespace sealion {

struct EnsembleOptions {
  std::vector<std::filesystem::path> inputs;  // point model files (an ensemble's members count)
  std::filesystem::path output;
  // Detection settings for the ensemble; < 0: the first input's. Thresholds calibrated for one
  // network (by views, by JPEG quality) are not carried over: calibrate the ensemble again.
  float threshold = -1;
  double suppression = -1;
  int views = -1;

  void Check() const;  // throws Error naming what is wrong
};

struct EnsembleSummary {
  int members = 0;
  std::string architecture;
  float threshold = 0;
  double suppression = 0;
  int views = 0;
  double chroma_sigma = 0;            // the members' input_chroma_sigma, one for all
  double contrast_sd = 0;             // the members' input_contrast_sd, one for all
  bool dropped_calibrations = false;  // an input's threshold_by_views or _by_jpeg_quality
};

EnsembleSummary MakeEnsemble(const EnsembleOptions& options);

}  // namespace sealion
