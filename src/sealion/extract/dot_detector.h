#pragma once
// Finds the coloured dots of a TrainDotted photo and classifies them by colour.
//
// With the plain photo: the dotted copy is first turned to match the plain one (0/90/180/270
// degrees, by correlation of downscaled copies), its exposure is matched per channel, and the
// evidence image is max-channel |dotted - plain| with the black masks (and their JPEG ringing)
// zeroed. Without the plain photo (or when it does not match), the evidence is closeness to a dot
// colour, with a tighter tolerance for brown, which is also the colour of animals and rock.
// Dots are the Laplacian-of-Gaussian peaks of connected evidence; evidence wider than any dot
// (ink marks, a mismatched pair) is rejected. The class is the dot colour nearest the centre.

#include <opencv2/core.hpp>
#include <vector>

namespace sealion {

struct DotDetectorOptions {
  int mask_threshold = 40;         // R+G+B below this in the dotted photo is a black mask
  int mask_margin = 4;             // px the mask grows by, to cover JPEG ringing at its edge
  int difference_threshold = 24;   // max-channel |dotted - plain| of a dot pixel (noise <= 12)
  double log_sigma = 2.0;          // LoG scale in px; real dots have a radius of about 3 px
  int min_dot_separation = 3;      // px; of two LoG peaks closer than this the weaker goes
  int min_dot_pixels = 8;          // evidence pixels below which a blob is not a dot; real dots
                                   // have >= 12 within the brown tolerance, >= 20 above the
                                   // difference threshold
  int max_blob_extent = 40;        // px; evidence wider or taller than this is not dots
  double colour_tolerance = 48.0;  // RGB distance of a dot centre to its class colour
  double dotted_only_tolerance = 32.0;        // colour distance of dot pixels, no plain photo
  double dotted_only_brown_tolerance = 16.0;  // the same for brown dots (brown animals, rock)
  double min_colour_support = 9.5;     // colour-only: summed closeness (0..1 a pixel) to the dot
                                       // colour in the 7x7 around a dot; a filled dot of radius 3
                                       // gives >= 12 on real photos, thin dark crevices about 7
  double min_plain_correlation = 0.8;  // below: the plain photo does not match, use colour only
  int max_alignment_shift = 8;  // px; the dotted copy may be moved this far against the plain
  int max_rejected_blobs = 10;  // difference blobs that are not dots, beyond which (and
                                // beyond the number of dots found) the copies do not line
                                // up pixel for pixel: dots are then found by colour alone
                                // (clean real pairs reject none; a 1 px shift, thousands)

  // Throws sealion::Error naming the bad field.
  void Check() const;
};

struct DetectedDot {
  int class_index = 0;  // sea lion class (0..4)
  int x = 0;            // column, in pixels of the plain photo
  int y = 0;            // row
};

struct DotDetection {
  std::vector<DetectedDot> dots;  // sorted by class, then row, then column
  int rotation_degrees = 0;       // clockwise turn applied to the dotted photo to match the plain
  cv::Point shift;                // px the (turned) dotted photo is moved against the plain one
  bool used_plain = false;        // false: dots found by colour alone
  bool plain_difference_unclean = false;  // the plain photo matched, but the difference was not
                                          // clean enough to use (see max_rejected_blobs)
  double plain_correlation = 0;  // how well the (turned) dotted photo matches the plain one
  double masked_fraction = 0;    // fraction of the dotted photo under black masks
  int rejected_blobs = 0;        // evidence rejected as not a dot (too large, wrong colour)
};

// Detects and classifies the dots. `plain` may be empty (dotted-only mode). Both are BGR.
DotDetection DetectDots(const cv::Mat& dotted, const cv::Mat& plain,
                        const DotDetectorOptions& options);

// --- The steps, exposed for tests. ---

// 255 where the dotted photo is black-masked (grown by `margin` px), else 0.
cv::Mat DetectMask(const cv::Mat& dotted, int threshold, int margin);

struct RotationEstimate {
  int degrees = 0;         // clockwise turn to apply to the dotted photo
  double correlation = 0;  // normalised correlation of the downscaled grey images after turning
};
// Throws when no turn of the dotted photo has the plain photo's size.
RotationEstimate EstimateRotation(const cv::Mat& dotted, const cv::Mat& plain);

// Turns an image clockwise by 0, 90, 180 or 270 degrees.
cv::Mat RotateClockwise(const cv::Mat& image, int degrees);

// How far the dotted photo is moved against the plain one (dotted(p) = plain(p - shift)): the
// integer shift within +-max_shift px that minimises the mean absolute grey difference on the
// most textured unmasked 384 px crop, found by descending from (0, 0).
cv::Point EstimateShift(const cv::Mat& dotted, const cv::Mat& plain, int max_shift);

// Nearest dot colour to `bgr` within `tolerance` (RGB distance), or -1.
int ClassifyDotColour(const cv::Vec3b& bgr, double tolerance);

// LoG peaks of connected evidence above `threshold`. Returns centres; counts rejected blobs.
std::vector<cv::Point> FindBlobCentres(const cv::Mat& evidence, int threshold,
                                       const DotDetectorOptions& options, int* rejected_blobs);

}  // namespace sealion
