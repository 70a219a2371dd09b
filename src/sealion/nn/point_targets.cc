#include "sealion/nn/point_targets.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace sealion {

double PeakSigmaPixels(int class_index) { return kBodyLengthPixels[class_index] / 8.0; }

PointTargets MakePointTargets(const std::vector<Animal>& animals_in_crop, cv::Size cells,
                              const cv::Mat& valid_cells, int stride) {
  PointTargets targets{cv::Mat(cells, CV_32F, cv::Scalar(0)), cv::Mat(cells, CV_32F),
                       cv::Mat(cells, CV_32S, cv::Scalar(-1))};
  valid_cells.convertTo(targets.weight, CV_32F);
  cv::threshold(targets.weight, targets.weight, 0, 1, cv::THRESH_BINARY);
  for (const Animal& animal : animals_in_crop) {
    const int cx = static_cast<int>(std::floor(animal.x / stride));
    const int cy = static_cast<int>(std::floor(animal.y / stride));
    if (cx < 0 || cy < 0 || cx >= cells.width || cy >= cells.height) continue;
    const double sigma = PeakSigmaPixels(animal.class_index) / stride;
    const int radius = static_cast<int>(std::ceil(3 * sigma));
    // The Gaussian is separable: one row of values serves both axes.
    std::vector<float> falloff(static_cast<size_t>(radius) + 1);
    for (int d = 0; d <= radius; ++d)
      falloff[static_cast<size_t>(d)] = static_cast<float>(std::exp(-d * d / (2 * sigma * sigma)));
    for (int y = std::max(0, cy - radius); y <= std::min(cells.height - 1, cy + radius); ++y) {
      float* row = targets.heatmap.ptr<float>(y);
      const float along_y = falloff[static_cast<size_t>(std::abs(y - cy))];
      for (int x = std::max(0, cx - radius); x <= std::min(cells.width - 1, cx + radius); ++x)
        row[x] = std::max(row[x], along_y * falloff[static_cast<size_t>(std::abs(x - cx))]);
    }
    targets.heatmap.at<float>(cy, cx) = 1.0f;
    for (const auto& [dx, dy] : {std::pair{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
      const int x = cx + dx, y = cy + dy;
      if (x < 0 || y < 0 || x >= cells.width || y >= cells.height) continue;
      // The animal's own cell always takes its class; a neighbour keeps the first claim.
      if ((dx == 0 && dy == 0) || targets.classes.at<int>(y, x) < 0)
        targets.classes.at<int>(y, x) = animal.class_index;
    }
  }
  return targets;
}

std::array<double, kNumSeaLionClasses> ClassWeights(
    const std::array<int64_t, kNumSeaLionClasses>& animals_per_class) {
  std::array<double, kNumSeaLionClasses> weights{};
  weights.fill(1.0);
  int64_t total = 0;
  int present = 0;
  for (const auto n : animals_per_class) {
    total += n;
    present += n > 0;
  }
  if (total == 0) return weights;
  const double mean = static_cast<double>(total) / present;
  double weighted = 0;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    if (animals_per_class[c] > 0)
      weights[c] = std::sqrt(mean / static_cast<double>(animals_per_class[c]));
    weighted += weights[c] * static_cast<double>(animals_per_class[c]);
  }
  for (auto& w : weights) w = std::clamp(w * static_cast<double>(total) / weighted, 0.25, 4.0);
  return weights;
}

PointLossSums ComputePointLossSums(const torch::Tensor& outputs, const torch::Tensor& heatmap,
                                   const torch::Tensor& weight, const torch::Tensor& classes,
                                   const torch::Tensor& class_weights,
                                   const torch::Tensor& peak_weights) {
  const torch::Tensor logits = outputs.select(1, 0);
  const torch::Tensor log_p = torch::log_sigmoid(logits);
  const torch::Tensor log_not_p = torch::log_sigmoid(-logits);
  const torch::Tensor p = torch::sigmoid(logits);
  const torch::Tensor positive = heatmap.eq(1.0f).to(torch::kFloat32) * weight;
  const torch::Tensor negative = (1 - heatmap.eq(1.0f).to(torch::kFloat32)) * weight;
  const torch::Tensor weighted_positive =
      peak_weights.defined()
          ? positive *
                peak_weights.index_select(0, classes.clamp_min(0).reshape({-1})).view_as(positive)
          : positive;
  const torch::Tensor positive_loss = -(log_p * (1 - p).pow(2) * weighted_positive).sum();
  const torch::Tensor negative_loss =
      -(log_not_p * p.pow(2) * (1 - heatmap).pow(4) * negative).sum();
  PointLossSums sums;
  sums.heatmap = positive_loss + negative_loss;
  sums.animals = positive.sum().item<double>();

  // Class cross-entropy at the labelled cells only, weighted against class imbalance.
  const torch::Tensor labelled = classes.ge(0) & weight.gt(0);
  if (labelled.any().item<bool>()) {
    const torch::Tensor class_logits = outputs.slice(1, 1, 1 + kNumSeaLionClasses)
                                           .permute({0, 2, 3, 1})
                                           .reshape({-1, kNumSeaLionClasses});
    const torch::Tensor index = labelled.reshape({-1}).nonzero().squeeze(1);
    const torch::Tensor targets = classes.reshape({-1}).index_select(0, index);
    sums.classes =
        torch::nn::functional::cross_entropy(class_logits.index_select(0, index), targets,
                                             torch::nn::functional::CrossEntropyFuncOptions()
                                                 .weight(class_weights)
                                                 .reduction(torch::kSum));
    sums.class_weight = class_weights.index_select(0, targets).sum().item<double>();
  } else {
    sums.classes = outputs.sum() * 0;  // keeps the graph: every process must run backward alike
  }
  return sums;
}

torch::Tensor ComputePairConsistencySum(const torch::Tensor& first, const torch::Tensor& second,
                                        const torch::Tensor& weight) {
  const torch::Tensor labelled = weight.gt(0).to(torch::kFloat32);
  // KL(target || sigmoid(logits)) per cell, the target a fixed probability given by its logit.
  const auto divergence = [](const torch::Tensor& logits, const torch::Tensor& target_logits) {
    const torch::Tensor target = torch::sigmoid(target_logits);
    return target * (torch::log_sigmoid(target_logits) - torch::log_sigmoid(logits)) +
           (1 - target) * (torch::log_sigmoid(-target_logits) - torch::log_sigmoid(-logits));
  };
  const torch::Tensor a = first.select(1, 0), b = second.select(1, 0);
  return ((divergence(a, b.detach()) + divergence(b, a.detach())) * labelled).sum();
}

PointLoss NormalisePointLoss(const PointLossSums& sums, double batch_animals,
                             double batch_class_weight) {
  PointLoss loss;
  loss.heatmap = sums.heatmap / std::max(1.0, batch_animals);
  loss.classes = batch_class_weight > 0 ? sums.classes / batch_class_weight : sums.classes * 0;
  loss.total = loss.heatmap + loss.classes;
  return loss;
}

PointLoss ComputePointLoss(const torch::Tensor& outputs, const torch::Tensor& heatmap,
                           const torch::Tensor& weight, const torch::Tensor& classes,
                           const torch::Tensor& class_weights, const torch::Tensor& peak_weights) {
  const PointLossSums sums =
      ComputePointLossSums(outputs, heatmap, weight, classes, class_weights, peak_weights);
  return NormalisePointLoss(sums, sums.animals, sums.class_weight);
}

}  // namespace sealion
