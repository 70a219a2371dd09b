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

  void Check() const;
};

// The peak candidates of `rgb` (RGB, 8 bit), each cell once. `network` must be in eval mode.
// Adds the multiply-adds x 2 it ran to *flops when given.
std::vector<PointDetection> FindPeakCandidates(PointNet& network, const cv::Mat& rgb,
                                               const PointInferenceOptions& options,
                                               double* flops = nullptr);

// Greedy suppression by distance: candidates at or above `threshold`, strongest first; one is
// dropped when a kept one lies within suppression_fraction x the larger body length of their
// two classes.
std::vector<PointDetection> SuppressByDistance(const std::vector<PointDetection>& candidates,
                                               float threshold, double suppression_fraction);

}  // namespace sealion
