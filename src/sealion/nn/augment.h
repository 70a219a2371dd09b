#pragma once
// Augmentation for what varies between real surveys: altitude (scale), light and white balance,
// haze, focus, and how hard a copy of the photo was recompressed; plus quarter turns and flips
// (an aerial photo has no up). Shared by the point trainer (crops, nn/point_data.h) and the tile
// trainer (thumbnails, nn/train.h), so that the two counters learn from the same variations.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <random>

namespace sealion {

struct AugmentOptions {
  // What varies between real surveys: altitude (scale), light and white balance, haze, focus,
  // and how hard a copy of the photo was recompressed.
  double scale_range = 0.3;  // the source window is crop x s, s in [1/(1+r), 1+r]
  // Share of crops centred near an animal, the rest anywhere. 0.4: cross-validated on the real
  // photos at 6.91 / 6.95 / 7.55 (three seeds) against 8.15 / 8.89 for 0.6 (two seeds;
  // docs/real-photos.md, "More background crops"), and about equal on make run's synthetic
  // survey (2.35 against 2.24).
  double animal_centred = 0.4;
  double exposure = 0.3;  // global gain exp(U(-e, e))
  double colour = 0.06;   // per-channel gain exp(N(0, c)): white balance
  double haze = 0.15;     // probability of haze: a blend towards a pale grey of 5-35%
  double blur = 0.15;     // probability of a Gaussian blur, sigma 0.5-2 pixels
  double jpeg = 0.3;      // probability of JPEG recompression at quality 20-95
  // Probability of a change of fine detail (before the JPEG step): the photo's difference from
  // its sigma-1 blur scaled by k in [1 - d, 1 + d], d = kSharpnessRange (below 1 softer, above
  // sharper: cameras sharpen differently, and Kaggle's dotted files hold 3-19% less fine detail
  // than the plain photos). 0: never, and the random draws of the other steps stay as they were.
  double sharpness = 0;
  // Share of crops centred near a hard negative (a place an earlier model took for an animal;
  // point_data.h), taken from those cut anywhere; 0: none.
  double hard_negative_centred = 0;

  // The ranges of the flags: --scale-augment, --jpeg-augment, --sharpness-augment,
  // --animal-centred in [0, 1];
  // --hard-negative-centred in [0, 1 - animal_centred].
  void Check() const;
  // Every setting, for a model's header.
  nlohmann::json ToJson() const;
};

inline constexpr double kSharpnessRange = 0.4;

// Exposure and colour, haze, blur, sharpness and JPEG recompression of `rgb` (8-bit RGB, in place),
// drawing from `rng` in that order.
void AugmentPhotometric(cv::Mat& rgb, const AugmentOptions& augment, std::mt19937_64& rng);

// A thumbnail of the tile trainer (square, 8-bit RGB, in place), fully determined by `seed`:
// scaled about its centre by s in [1/(1+r), 1+r] (r = scale_range; the border reflected where
// it shrinks), turned by quarter turns and flipped, then AugmentPhotometric. A thumbnail's class
// does not change with any of these.
void AugmentThumbnail(cv::Mat& rgb, const AugmentOptions& augment, uint64_t seed);

}  // namespace sealion
