#pragma once
// Running the point network over a whole photo of any size, with bounded memory, and turning its
// heatmap into one point per animal.
//
// Tiles: the photo is cut into cores of at most tile_width x tile_height pixels; each core is run
// with `margin` pixels of context on every side that has photo there (padded by replication to a
// multiple of 32). Core origins and margins are multiples of 32, so every tile's output cells
// lie on the photo's one stride-4 grid, and each cell is judged in exactly one tile: the one whose
// core holds its centre. A candidate is a cell whose heatmap value is the maximum of its 3x3
// neighbourhood (judged inside its tile, which always has the neighbours) and at least the
// threshold. Suppression then runs over the whole photo's candidates, so an animal on a seam
// between two tiles is counted once.

#include <functional>
#include <opencv2/core.hpp>
#include <vector>

#include "sealion/core/point_match.h"
#include "sealion/nn/point_net.h"

namespace sealion {

// One detected animal, in the photo's pixels (x right, y down), with its heatmap score.
using PointDetection = DetectedAnimal;

struct PointInferenceOptions {
  int tile_width = 6144;   // core size, a multiple of 32 (a 5616-wide photo is one column)
  int tile_height = 2048;  // a multiple of 32 (taller tiles: fewer margins to compute twice)
  int margin = 64;         // context on each side, a multiple of 32
  float candidate_threshold = 0.3f;
  // SmoothChroma's sigma, applied to every tile before the network; 0: none. A model trained on
  // smoothed chroma (`train --chroma-sigma`) keeps it in its header (input_chroma_sigma).
  double chroma_sigma = 0;

  void Check() const;
};

// A heatmap network as inference sees it: RGB 8-bit pixels (1 x H x W x 3, sides multiples of
// 32) in, 1 x 6 x H/stride x W/stride out (the heatmap logit, then the five class logits); its
// multiply-adds x 2 for a W x H input (0 when unknown).
struct PointForward {
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  int stride = kPointNetStride;  // divides 32
  std::function<double(int, int)> flops;
};
PointForward ForwardOf(PointNet& network);  // `network` must be in eval mode

// An ensemble: every member run on the same pixels and their outputs (logits) averaged. The
// members must share a stride; costs the sum of their work. Throws for no members.
PointForward AveragedOverModels(std::vector<PointForward> members);

// Test-time augmentation: `network` run on `views` flipped and turned copies of each tile (1: as
// it is; 2: also mirrored left to right; 4: also upside down, and both; 8: each of those also
// transposed), every output mapped back onto the tile's grid and the logits averaged. An animal
// has no up or left in an aerial photo, so every view is as valid as the original; their average
// is steadier (one fold model counted a photo's horizontal mirror image 4 subadult males and 4
// adult females differently). Costs `views` times the network's work. Throws unless views is 1,
// 2, 4 or 8.
PointForward AveragedOverViews(PointForward network, int views);
inline bool IsViewCount(int views) { return views == 1 || views == 2 || views == 4 || views == 8; }

// The peak candidates of `rgb` (RGB, 8 bit), each cell once. Adds the multiply-adds x 2 it ran
// to *flops when given.
std::vector<PointDetection> FindPeakCandidates(const PointForward& network, const cv::Mat& rgb,
                                               const PointInferenceOptions& options,
                                               double* flops = nullptr);
inline std::vector<PointDetection> FindPeakCandidates(PointNet& network, const cv::Mat& rgb,
                                                      const PointInferenceOptions& options,
                                                      double* flops = nullptr) {
  return FindPeakCandidates(ForwardOf(network), rgb, options, flops);
}

// Blurs the chroma of `rgb` (8-bit RGB, in place) by a Gaussian of `sigma` pixels, its luma
// untouched (through YCrCb; 0: nothing). Colour detail differs between copies of one photo:
// Kaggle's dotted files, 9 of the 12 real training photos, are a separate compression whose
// chroma at 4-20 px is largely not the plain photo's (a fit calls it a blur of 2-3 px), and the
// networks trained on them scored that as fewer animals (docs/real-photos.md, "Chroma"). Smoothing
// every input, in training and in counting, is `train --chroma-sigma`: at 16 px the copies scored
// alike, at the cost of the counts.
void SmoothChroma(cv::Mat& rgb, double sigma);

// A whole photo's contrast set to one level (`train --contrast-sd`; the model's header field
// input_contrast_sd): each colour channel is stretched about its own mean by one gain for all
// three, chosen so that the luma's standard deviation over the pixels that are not pure black
// (sampled every 2nd pixel and row) becomes `luma_sd`; the gain is held to [0.5, 2.5], and pure
// black pixels (masks) stay black. Colour balance and mean brightness are kept. Applied to the
// whole photo before any crop is cut or tile counted, so every part of a photo gets one gain.
// 0: nothing; otherwise in [kMinContrastSd, kMaxContrastSd] (throws outside). Returns the gain.
double NormaliseContrast(cv::Mat& rgb, double luma_sd);

// Greedy suppression by distance: candidates at or above `threshold`, strongest first; one is
// dropped when a kept one lies within suppression_fraction x the larger body length of their
// two classes.
std::vector<PointDetection> SuppressByDistance(const std::vector<PointDetection>& candidates,
                                               float threshold, double suppression_fraction);

}  // namespace sealion
