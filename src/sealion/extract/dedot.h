#pragma once
// Removing the annotators' dots from a dotted photo, so that a photo without its plain copy can
// become training data. A real dot is a filled disc of 4-5 px radius; JPEG smears it to about
// 6 px (measured on the sample's photos 42 and 44: beyond 6 px from a dot's centre, dotted and
// plain differ by JPEG noise alone). Every pixel within `radius` of a dot's centre is refilled
// from the pixels around the disc; every other pixel is left exactly as it was. Three fills
// and a mix of them:
// Telea inpainting (the default), a smooth surface fitted to the pixels around the disc plus
// noise as textured as theirs (Telea where too few are known to fit), or frequency-selective
// reconstruction (OpenCV xphoto's FSR: the disc rebuilt from the window's dominant 2-D
// frequencies, so edges and texture that cross it continue through it). The surface looks closer
// to the plain copies than Telea in brightness and texture (README), but in the cross-validation
// the models trained on it read its discs as animals more than Telea's (plain-vs-repaired gap on
// photo 44 up to 10 animals against 4). FSR rebuilds the plain copies' pixels at the animals'
// centres most closely (README, dot removal), yet models trained on it alone count plain copies
// higher than repaired ones: its discs are a cue too, of the other sign. The mixed fill repairs
// a third of the discs with each of the three (chosen by the disc's position), so that no single
// disc look marks an animal's centre.

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sealion {

enum class DotFill { kTelea, kSurface, kFrequencySelective, kMixed };
// "telea", "surface", "fsr" or "mixed"; else an Error
DotFill ParseDotFill(const std::string& name);
std::string DotFillName(DotFill fill);

struct DedotOptions {
  int radius = 7;          // px around each dot centre that are repaired
  int inpaint_radius = 5;  // px of neighbourhood the Telea inpainting draws from
  DotFill fill = DotFill::kTelea;
  int fit_margin = 3;    // surface: px beyond the disc whose pixels the surface is fitted to
  bool texture = true;   // surface: add the surroundings' fine texture to the repaired disc
  int fsr_context = 17;  // fsr: px beyond the disc that the reconstruction draws from

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
