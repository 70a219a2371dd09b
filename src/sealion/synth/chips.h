#pragma once
// Real chips as the appearance of synthetic animals: a chip of the animal's class, scaled by up
// to 15% either way, turned by any angle and maybe mirrored, is cloned into the scene (Poisson,
// cv::seamlessClone) inside an ellipse fitted to the animal, so that its colour follows the
// scene's, then faded out towards the ellipse's edge; a soft shadow falls beside it.

#include <array>
#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

#include "sealion/synth/layout.h"
#include "sealion/synth/random.h"

namespace sealion {

// Real chips as an optional appearance source: DIR/<class>/*.png (crops centred on an animal, as
// in the Kaggle sample's chips/). Read at run time; never part of the repository.
class ChipLibrary {
 public:
  // Throws naming the folder when it holds no chip at all.
  static ChipLibrary Read(const std::filesystem::path& dir);
  // The chips of a class (may be empty: that class is drawn).
  const std::vector<cv::Mat>& Of(int class_index) const { return chips_[class_index]; }
  size_t size() const;

 private:
  std::array<std::vector<cv::Mat>, 5> chips_;
};

// What the chips of one photo share: the light.
struct ChipLight {
  cv::Point2f shadow_direction{0.6f, 0.8f};  // unit vector, photo pixels, away from the sun
  double shadow_strength = 0.3;              // darkening at the shadow's core (0..1)

  // A light from a random direction and of random strength.
  static ChipLight Random(Rng& rng);
};

// Blends one of `chips` (chosen by `rng`) into `photo` with its centre on the animal's centre,
// which stays exact to the pixel, so that the truth files keep the dot where the animal is.
void BlendChip(cv::Mat& photo, const PlacedAnimal& animal, const std::vector<cv::Mat>& chips,
               const ChipLight& light, Rng& rng);

}  // namespace sealion
