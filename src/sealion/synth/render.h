#pragma once
// Drawing a synthetic aerial survey photo: water, surf, rock and sand at aerial scale, with
// elongated, shaded animals (with shadows) lying on land, or real chips on real scenery; dots and
// black masks for the dotted copy.

#include <opencv2/core.hpp>
#include <vector>

#include "sealion/synth/chips.h"
#include "sealion/synth/layout.h"
#include "sealion/synth/random.h"
#include "sealion/synth/scenery.h"

namespace sealion {

// Where a photo's looks come from; null: drawn.
struct PhotoSources {
  const ChipLibrary* chips = nullptr;       // real chips as the animals (classes without: drawn)
  const SceneryLibrary* scenery = nullptr;  // real scenery as the background
};

struct RenderedPhoto {
  cv::Mat photo;                  // BGR
  double real_scenery_share = 0;  // share of the background taken from real photos
};

// The plain photo. Drawn scenery: land forms around the animals and elsewhere at random; real
// scenery: see scenery.h. Each animal is a real chip of its class blended in (see chips.h) where
// `sources.chips` has chips of that class; otherwise it is drawn.
RenderedPhoto RenderPlainPhoto(cv::Size size, const std::vector<PlacedAnimal>& animals, Rng& rng,
                               const PhotoSources& sources = {});

// Draws a dot (radius 3, the class's dot colour) on every animal.
void DrawDots(cv::Mat& photo, const std::vector<PlacedAnimal>& animals);

// Paints black masks (a few polygons) over part of the photo; returns the mask (255 = masked).
cv::Mat DrawRandomMasks(cv::Mat& photo, Rng& rng);

}  // namespace sealion
