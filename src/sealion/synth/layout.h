#pragma once
// Where the animals of a synthetic photo lie, and of which class.
//
// A layout is first drawn in the frame of a full-size survey photo (5616x3744): either a real
// layout sampled from reference_coords.csv (read at run time when present: real densities,
// harems, pups beside females, the real count distribution) or one from a built-in model whose
// parameters were fitted to those 907 real layouts. It is then mapped to the output size:
// scaled when the output is at least as large, otherwise cropped around a random animal, so that
// animal size and density stay those of the real photos at every output size.

#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

#include "sealion/synth/random.h"

namespace sealion {

struct PlacedAnimal {
  int class_index = 0;
  cv::Point2f centre;  // pixels of the output photo
};

inline constexpr int kSourceWidth = 5616;
inline constexpr int kSourceHeight = 3744;

// The real layouts of reference_coords.csv (`tid,cls,row,col`), one per photo, in the frame of
// the photo they came from.
class ReferenceLayouts {
 public:
  // Throws naming the file when it is unreadable or malformed.
  static ReferenceLayouts Read(const std::filesystem::path& path);
  size_t size() const { return layouts_.size(); }
  // A real layout chosen by `rng`, rescaled to the 5616x3744 frame.
  std::vector<PlacedAnimal> Sample(Rng& rng) const;

 private:
  std::vector<std::vector<PlacedAnimal>> layouts_;
  std::vector<cv::Size> frames_;  // 4992x3328 or 5616x3744, inferred from the extent of the dots
};

// A layout from the built-in model, in the 5616x3744 frame.
std::vector<PlacedAnimal> SampleModelLayout(Rng& rng);

// Maps a 5616x3744 layout to an output of `size` (scale or crop, see above).
std::vector<PlacedAnimal> FitLayoutToSize(const std::vector<PlacedAnimal>& layout, cv::Size size,
                                          Rng& rng);

}  // namespace sealion
