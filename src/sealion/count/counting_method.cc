// The seed's counter: non-overlapping 64x64 tiles from the top-left corner, argmax class per
// tile, tiles counted per class (non_seal not written). Partial tiles at the right and bottom
// edges are not classified, as in the seed.
#include "sealion/count/counting_method.h"

#include <fmt/format.h>

#include <cstring>

#include "sealion/count/count.h"
#include "sealion/nn/point_inference.h"

namespace sealion {
namespace {

class TileCounter : public CountingMethod {
 public:
  TileCounter(SeedCnn network, int batch_size)
      : network_(std::move(network)),
        batch_size_(batch_size),
        batch_pixels_(torch::empty({batch_size, kPatchSize, kPatchSize, 3}, torch::kUInt8)) {
    network_->eval();
  }

  PhotoCount CountPhoto(int64_t photo_id, const cv::Mat& rgb) override {
    torch::NoGradGuard no_grad;
    const std::vector<cv::Point> origins = TileOrigins(rgb.size());
    PhotoCount result;
    const auto batch = static_cast<size_t>(batch_size_);
    for (size_t start = 0; start < origins.size(); start += batch) {
      const int n = static_cast<int>(std::min(origins.size() - start, batch));
      auto* pixels = batch_pixels_.data_ptr<uint8_t>();
      for (int t = 0; t < n; ++t) {
        const cv::Point origin = origins[start + static_cast<size_t>(t)];
        for (int row = 0; row < kPatchSize; ++row) {
          std::memcpy(pixels + (static_cast<size_t>(t) * kPatchSize + static_cast<size_t>(row)) *
                                   kPatchSize * 3,
                      rgb.ptr<uint8_t>(origin.y + row) + static_cast<size_t>(origin.x) * 3,
                      kPatchSize * 3);
        }
      }
      const torch::Tensor logits = network_->forward(ToNetworkInput(batch_pixels_.slice(0, 0, n)));
      const auto [best, classes] = torch::softmax(logits, 1).max(1);
      const auto* class_of = classes.data_ptr<int64_t>();
      const auto* score_of = best.data_ptr<float>();
      for (int t = 0; t < n; ++t) {
        if (class_of[t] == kNonSeal) continue;
        ++result.counts[class_of[t]];
        const cv::Point origin = origins[start + static_cast<size_t>(t)];
        result.detection_rows +=
            fmt::format("{},{},{},{},{:.4f}\n", photo_id, ClassName(static_cast<int>(class_of[t])),
                        origin.x + kPatchSize / 2, origin.y + kPatchSize / 2, score_of[t]);
      }
    }
    result.work_items = static_cast<int64_t>(origins.size());
    result.flops = kSeedCnnFlopsPerPatch * static_cast<double>(origins.size());
    return result;
  }

  const char* WorkUnit() const override { return "tiles"; }
  std::string Describe() const override {
    return fmt::format("tile counter (64x64 tiles, batches of {})", batch_size_);
  }

 private:
  SeedCnn network_;
  int batch_size_;
  torch::Tensor batch_pixels_;
};

class PointCounter : public CountingMethod {
 public:
  PointCounter(PointNet network, float threshold, double suppression)
      : network_(std::move(network)), threshold_(threshold), suppression_(suppression) {
    network_->eval();
    network_->FoldBatchNorm();
    inference_.candidate_threshold = threshold_;
  }

  PhotoCount CountPhoto(int64_t photo_id, const cv::Mat& rgb) override {
    PhotoCount result;
    const std::vector<PointDetection> animals = SuppressByDistance(
        FindPeakCandidates(network_, rgb, inference_, &result.flops), threshold_, suppression_);
    for (const auto& animal : animals) {
      ++result.counts[animal.class_index];
      result.detection_rows +=
          fmt::format("{},{},{:.1f},{:.1f},{:.4f}\n", photo_id, ClassName(animal.class_index),
                      animal.x, animal.y, animal.score);
    }
    result.work_items = static_cast<int64_t>(animals.size());
    return result;
  }

  const char* WorkUnit() const override { return "animals"; }
  std::string Describe() const override {
    return fmt::format("point counter (threshold {:.2f}, suppression {:.2f} x body length)",
                       threshold_, suppression_);
  }

 private:
  PointNet network_;
  float threshold_;
  double suppression_;
  PointInferenceOptions inference_;
};

}  // namespace

std::unique_ptr<CountingMethod> MakeCountingMethod(LoadedModel model,
                                                   const CountingSettings& settings) {
  if (model.method == kTileMethod)
    return std::make_unique<TileCounter>(std::move(model.tile_network), settings.tile_batch_size);
  const auto& detection = model.metadata.at("detection");
  const float threshold =
      settings.threshold >= 0 ? settings.threshold : detection.at("threshold").get<float>();
  const double suppression = settings.suppression >= 0
                                 ? settings.suppression
                                 : detection.at("suppression_fraction").get<double>();
  return std::make_unique<PointCounter>(std::move(model.point_network), threshold, suppression);
}

}  // namespace sealion
