#pragma once
// Drawing a synthetic aerial survey photo: water, surf, rock and sand at aerial scale, with
// elongated, shaded animals (with shadows) lying on land; dots and black masks for the dotted copy.

#include <opencv2/core.hpp>
#include <vector>

#include "sealion/synth/layout.h"
#include "sealion/synth/random.h"

namespace sealion {

// The plain photo (BGR): land forms around the animals and elsewhere at random.
cv::Mat RenderPlainPhoto(cv::Size size, const std::vector<PlacedAnimal>& animals, Rng& rng);

// Draws a dot (radius 3, the class's dot colour) on every animal.
void DrawDots(cv::Mat& photo, const std::vector<PlacedAnimal>& animals);

// Paints black masks (a few polygons) over part of the photo; returns the mask (255 = masked).
cv::Mat DrawRandomMasks(cv::Mat& photo, Rng& rng);

}  // namespace sealion
