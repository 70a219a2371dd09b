#pragma once
// What the point network learns: for every animal, a peak in the centre heatmap at the stride-4
// cell that holds its dot (a Gaussian whose width follows the class's body size) and its class
// at that cell and the four cells beside it. Cells under the dotted photos' black masks, and
// cells outside the photo, carry no label and no loss.
//
// Loss: CenterNet's penalty-reduced focal loss on the heatmap (alpha 2, beta 4), normalised by
// the number of animals (an animal's peak term optionally weighted by its class), plus class
// cross-entropy at the animal cells, weighted against class imbalance.

#include <torch/torch.h>

#include <array>
#include <opencv2/core.hpp>
#include <vector>

#include "sealion/core/classes.h"
#include "sealion/core/point_match.h"

namespace sealion {

// The targets of one crop, at stride 4.
struct PointTargets {
  cv::Mat heatmap;  // CV_32F, cells: 1 at an animal's cell, a Gaussian around it, 0 elsewhere
  cv::Mat weight;   // CV_32F, 1 where the loss applies, 0 under masks and outside the photo
  cv::Mat classes;  // CV_32S, the class at an animal's cell and its 4 neighbours, -1 elsewhere
};

// `valid_cells`: CV_8U at stride 4, non-zero where labels hold (the crop's own mask).
PointTargets MakePointTargets(const std::vector<Animal>& animals_in_crop, cv::Size cells,
                              const cv::Mat& valid_cells, int stride);

// Gaussian width in pixels of a class's peak.
double PeakSigmaPixels(int class_index);

// Class weights against imbalance: (mean count / count)^0.5, normalised so that the average
// weight over the animals is 1, clamped to [0.25, 4]; a class with no animals gets 1.
std::array<double, kNumSeaLionClasses> ClassWeights(
    const std::array<int64_t, kNumSeaLionClasses>& animals_per_class);

struct PointLoss {
  torch::Tensor total, heatmap, classes;
};

// The loss of a batch as sums and their normalisers, so that a batch split over processes
// (data-parallel training) can be normalised by the whole batch's normalisers: the heatmap
// loss is divided by the number of animals, the class loss by the summed class weights of the
// labelled cells.
struct PointLossSums {
  torch::Tensor heatmap, classes;  // differentiable sums
  double animals = 0;              // normalisers of this part of the batch (no gradient)
  double class_weight = 0;
};
// `peak_weights` (5 floats, or undefined for all 1): the positive heatmap term at an animal's
// cell is multiplied by its class's weight, so that a class the heatmap misses (pups) pulls its
// peaks up harder; the normaliser stays the plain number of animals.
PointLossSums ComputePointLossSums(const torch::Tensor& outputs, const torch::Tensor& heatmap,
                                   const torch::Tensor& weight, const torch::Tensor& classes,
                                   const torch::Tensor& class_weights,
                                   const torch::Tensor& peak_weights = {});
// The loss with the whole batch's normalisers (at least 1 animal; no class term without weight).
PointLoss NormalisePointLoss(const PointLossSums& sums, double batch_animals,
                             double batch_class_weight);

// Pair consistency: `first` and `second` are the network's outputs (M x 6 x h x w) for the same
// M crops cut from two files of one photo (its plain copy and its repaired dotted copy), `weight`
// (M x h x w) the crops' cell weights. Per labelled cell (weight > 0), each copy's peak score is
// pulled towards the other's (held fixed): the sum over cells of KL(other || this) both ways,
// 0 when the two heatmaps agree, with gradient p_this - p_other at a cell's logit, the scale of
// the heatmap loss's own gradient. Differentiable sum; the trainer divides it by the batch's
// animals as it does the heatmap loss.
torch::Tensor ComputePairConsistencySum(const torch::Tensor& first, const torch::Tensor& second,
                                        const torch::Tensor& weight);

// `outputs`: N x 6 x h x w from the network; the targets stacked: heatmap and weight N x h x w
// float, classes N x h x w int64 (-1: no class).
PointLoss ComputePointLoss(const torch::Tensor& outputs, const torch::Tensor& heatmap,
                           const torch::Tensor& weight, const torch::Tensor& classes,
                           const torch::Tensor& class_weights,
                           const torch::Tensor& peak_weights = {});

}  // namespace sealion
