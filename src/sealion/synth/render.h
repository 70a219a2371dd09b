#pragma once
// Drawing a synthetic aerial survey photo: water, surf, rock and sand at aerial scale, with
// elongated, shaded animals (with shadows) lying on land; dots and black masks for the dotted copy.

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

// The plain photo (BGR): land forms around the animals and elsewhere at random. With `chips`,
// each animal is a real chip of its class (turned, mirrored, its edge feathered into the scene)
// where that class has chips; otherwise it is drawn.
cv::Mat RenderPlainPhoto(cv::Size size, const std::vector<PlacedAnimal>& animals, Rng& rng,
                         const ChipLibrary* chips = nullptr);

// Draws a dot (radius 3, the class's dot colour) on every animal.
void DrawDots(cv::Mat& photo, const std::vector<PlacedAnimal>& animals);

// Paints black masks (a few polygons) over part of the photo; returns the mask (255 = masked).
cv::Mat DrawRandomMasks(cv::Mat& photo, Rng& rng);

}  // namespace sealion
