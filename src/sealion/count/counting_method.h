#pragma once
// The counting methods behind `sealion count`, one interface; the model file says which one:
//   tiles  - the seed's: every non-overlapping 64x64 tile classified, counted once per tile;
//   points - one point per animal from the heatmap network's peaks.
// `count` streams photos through a method; the method owns its network and settings.

#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "sealion/core/classes.h"
#include "sealion/nn/model_file.h"

namespace sealion {

struct PhotoCount {
  ClassCounts counts{};
  std::string detection_rows;  // "id,class,x,y,score\n" per counted tile or animal
  int64_t work_items = 0;      // tiles classified, or animals found
  double flops = 0;            // multiply-adds x 2 spent on the photo
};

class CountingMethod {
 public:
  virtual ~CountingMethod() = default;
  // `rgb`: the photo, RGB 8 bit; `jpeg_quality`: its file's (ColourImage::jpeg_quality), nullopt
  // when unknown (a PNG, pixels passed in memory).
  virtual PhotoCount CountPhoto(int64_t photo_id, const cv::Mat& rgb,
                                std::optional<int> jpeg_quality) = 0;
  // What work_items counts ("tiles", "animals").
  virtual const char* WorkUnit() const = 0;
  // A line saying which method and settings run, for the log.
  virtual std::string Describe() const = 0;
};

struct CountingSettings {
  int tile_batch_size = 64;  // tiles: tiles per forward pass
  float threshold = -1;      // points: detection threshold; < 0: the model's
  double suppression =
      -1;          // points: suppression radius as a fraction of the body length; < 0: the model's
  int views = -1;  // points: flipped and turned views averaged (1, 2, 4 or 8; AveragedOverViews);
                   // < 0: the model's (1 where it names none)
  // points: every photo resized by this factor before the network, its detections mapped back to
  // the photo's pixels; for photos taken from another altitude than the model's training photos
  // (1.3: the animals look 1.3 times smaller than the model knows them). 1: as they are.
  double scale = 1;
};

// The point counter's detection threshold for a photo of `jpeg_quality`. `table` is a model's
// detection.threshold_by_jpeg_quality ({"20": t, "50": t, "95": t}, scripts/calibrate-jpeg.sh:
// the thresholds at which photos recompressed at each quality count as the calibration photos,
// the highest key, do); `base` is the threshold for the calibration photos' quality with the views
// counted. Harder-compressed photos get base shifted by table(quality) - table(highest key),
// linear between keys and the lowest key's value below it; photos at or above the highest key,
// of unknown quality, or an empty table get base.
float ThresholdForJpegQuality(const nlohmann::json& table, float base,
                              std::optional<int> jpeg_quality);

// The method of `model` (LoadModel), ready to count.
std::unique_ptr<CountingMethod> MakeCountingMethod(LoadedModel model,
                                                   const CountingSettings& settings);

}  // namespace sealion
