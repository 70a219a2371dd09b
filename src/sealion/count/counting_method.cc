// The seed's counter: non-overlapping 64x64 tiles from the top-left corner, argmax class per
// tile, tiles counted per class (non_seal not written). Partial tiles at the right and bottom
// edges are not classified, as in the seed.
#include "sealion/count/counting_method.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <opencv2/imgproc.hpp>
#include <utility>
#include <vector>

#include "sealion/count/count.h"
#include "sealion/nn/point_inference.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

// A model's threshold_by_jpeg_quality as (quality, threshold) points, by quality.
std::vector<std::pair<int, float>> JpegTablePoints(const nlohmann::json& table) {
  std::vector<std::pair<int, float>> points;
  for (const auto& [key, value] : table.items())
    points.emplace_back(std::atoi(key.c_str()), value.get<float>());
  std::sort(points.begin(), points.end());
  return points;
}

// What a model's threshold_by_jpeg_quality does, for the counter's description: "" without one;
// else the largest shift it makes for a harder-compressed photo (a table may hold the model's
// own threshold at every quality, which shifts nothing).
std::string DescribeJpegTable(const nlohmann::json& table) {
  if (table.empty()) return "";
  const auto points = JpegTablePoints(table);
  float largest_shift = 0;
  for (const auto& [quality, threshold] : points) {
    const float shift = threshold - points.back().second;
    if (std::abs(shift) > std::abs(largest_shift)) largest_shift = shift;
  }
  if (std::abs(largest_shift) < 5e-4F)
    return " (the same for hard-compressed JPEGs, as calibrated)";
  return fmt::format(" (up to {:+.3f} for hard-compressed JPEGs, as calibrated)", largest_shift);
}

// RGB 8-bit tiles (N x 64 x 64 x 3) in, N x 6 class logits (competition order) out.
using TileClassifier = std::function<torch::Tensor(const torch::Tensor&)>;

class TileCounter : public CountingMethod {
 public:
  TileCounter(TileClassifier classify, double flops_per_tile, int batch_size, std::string what)
      : classify_(std::move(classify)),
        flops_per_tile_(flops_per_tile),
        batch_size_(batch_size),
        what_(std::move(what)),
        batch_pixels_(torch::empty({batch_size, kPatchSize, kPatchSize, 3}, torch::kUInt8)) {}

  PhotoCount CountPhoto(int64_t photo_id, const cv::Mat& rgb, std::optional<int>) override {
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
      const torch::Tensor logits = classify_(batch_pixels_.slice(0, 0, n));
      const auto [best, classes] = torch::softmax(logits, 1).max(1);
      const auto* class_of = classes.data_ptr<int64_t>();
      const auto* score_of = best.data_ptr<float>();
      for (int t = 0; t < n; ++t) {
        if (class_of[t] == kNonSeal) continue;
        ++result.counts[class_of[t]];
        const cv::Point origin = origins[start + static_cast<size_t>(t)];
        result.detection_rows +=
            fmt::format("{},{},{},{},{}\n", photo_id, ClassName(static_cast<int>(class_of[t])),
                        origin.x + kPatchSize / 2, origin.y + kPatchSize / 2, score_of[t]);
      }
    }
    result.work_items = static_cast<int64_t>(origins.size());
    result.flops = flops_per_tile_ * static_cast<double>(origins.size());
    return result;
  }

  const char* WorkUnit() const override { return "tiles"; }
  std::string Describe() const override {
    return fmt::format("tile counter ({}, 64x64 tiles, batches of {})", what_, batch_size_);
  }

 private:
  TileClassifier classify_;
  double flops_per_tile_;
  int batch_size_;
  std::string what_;
  torch::Tensor batch_pixels_;
};

class PointCounter : public CountingMethod {
 public:
  // `by_jpeg_quality`: the model's threshold_by_jpeg_quality, empty when there is none or the
  // user chose the threshold; `warn_hard_jpeg`: warn of a hard-compressed photo (neither).
  // `chroma_sigma`: the model's input_chroma_sigma (SmoothChroma before the network), 0: none.
  // `contrast_sd`: the model's input_contrast_sd (NormaliseContrast of the whole photo), 0: none.
  // `scale`: CountingSettings::scale.
  PointCounter(PointForward network, float threshold, nlohmann::json by_jpeg_quality,
               bool warn_hard_jpeg, double suppression, int views, double chroma_sigma,
               double contrast_sd, double scale, std::string what)
      : network_(AveragedOverViews(std::move(network), views)),
        threshold_(threshold),
        by_jpeg_quality_(std::move(by_jpeg_quality)),
        warn_hard_jpeg_(warn_hard_jpeg),
        suppression_(suppression),
        views_(views),
        contrast_sd_(contrast_sd),
        scale_(scale),
        what_(std::move(what)) {
    inference_.chroma_sigma = chroma_sigma;
  }

  PhotoCount CountPhoto(int64_t photo_id, const cv::Mat& rgb,
                        std::optional<int> jpeg_quality) override {
    PhotoCount result;
    const float threshold = ThresholdForJpegQuality(by_jpeg_quality_, threshold_, jpeg_quality);
    if (threshold != threshold_) {
      // Once at info, then at debug: a survey recompressed hard would repeat it for every photo.
      const bool first = !told_threshold_.exchange(true);
      spdlog::log(first ? spdlog::level::info : spdlog::level::debug,
                  "photo {}: JPEG quality {}, threshold {:.3f} (the model's calibration for "
                  "harder compression){}",
                  photo_id, *jpeg_quality, threshold,
                  first ? "; other such photos are logged at debug level" : "");
    } else if (warn_hard_jpeg_ && jpeg_quality && *jpeg_quality < kHardJpegQuality &&
               !warned_uncalibrated_.exchange(true)) {
      spdlog::warn(
          "photo {}: JPEG quality {}: hard compression makes false detections, and this model "
          "has no threshold calibrated for it (scripts/calibrate-jpeg.sh); its counts may be high",
          photo_id, *jpeg_quality);
    }
    PointInferenceOptions inference = inference_;
    inference.candidate_threshold = threshold;
    cv::Mat resized;
    if (scale_ != 1) {
      cv::resize(rgb, resized, cv::Size(), scale_, scale_,
                 scale_ < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    cv::Mat input = scale_ != 1 ? resized : rgb;  // shares the pixels
    if (contrast_sd_ > 0) {
      // The whole photo's contrast, as the model's training photos had it (after any resize, so
      // its statistics are those of what the network sees); the caller's pixels stay as they are.
      if (scale_ == 1) input = rgb.clone();
      NormaliseContrast(input, contrast_sd_);
    }
    std::vector<PointDetection> animals = SuppressByDistance(
        FindPeakCandidates(network_, input, inference, &result.flops), threshold, suppression_);
    for (auto& animal : animals) {
      if (scale_ != 1) {
        // Back to the photo's pixels (cv::resize maps pixel centres: x' + 0.5 = s (x + 0.5)).
        animal.x = (animal.x + 0.5) / scale_ - 0.5;
        animal.y = (animal.y + 0.5) / scale_ - 0.5;
      }
      ++result.counts[animal.class_index];
      // The score in full (the shortest text that reads back as the same float), so that rows
      // filtered at a threshold count what `count --threshold` would.
      result.detection_rows +=
          fmt::format("{},{},{:.1f},{:.1f},{}\n", photo_id, ClassName(animal.class_index), animal.x,
                      animal.y, animal.score);
    }
    result.work_items = static_cast<int64_t>(animals.size());
    return result;
  }

  const char* WorkUnit() const override { return "animals"; }
  std::string Describe() const override {
    return fmt::format(
        "point counter ({}, threshold {:.2f}{}, suppression {:.2f} x body length, {} view{}{}{}{})",
        what_, threshold_, DescribeJpegTable(by_jpeg_quality_), suppression_, views_,
        views_ == 1 ? "" : "s averaged",
        inference_.chroma_sigma > 0
            ? fmt::format(", chroma smoothed by {:g} px", inference_.chroma_sigma)
            : "",
        contrast_sd_ > 0 ? fmt::format(", contrast normalised to {:g}", contrast_sd_) : "",
        scale_ != 1 ? fmt::format(", photos resized by {:g}", scale_) : "");
  }

 private:
  // Below this quality a model without a calibration for it is warned about (docs/real-photos.md:
  // quality 20 raised the cross-validation's error by half, almost all false juveniles and adult
  // females).
  static constexpr int kHardJpegQuality = 50;
  PointForward network_;
  float threshold_;
  nlohmann::json by_jpeg_quality_;
  bool warn_hard_jpeg_;
  std::atomic<bool> told_threshold_{false};
  std::atomic<bool> warned_uncalibrated_{false};
  double suppression_;
  int views_;
  double contrast_sd_;
  double scale_;
  std::string what_;
  PointInferenceOptions inference_;
};

}  // namespace

float ThresholdForJpegQuality(const nlohmann::json& table, float base,
                              std::optional<int> jpeg_quality) {
  if (table.empty() || !jpeg_quality) return base;
  const auto points = JpegTablePoints(table);
  const auto [top_quality, top_threshold] = points.back();
  if (*jpeg_quality >= top_quality) return base;
  float at_quality = points.front().second;
  for (size_t i = 1; i < points.size(); ++i) {
    const auto [low_quality, low_threshold] = points[i - 1];
    const auto [high_quality, high_threshold] = points[i];
    if (*jpeg_quality >= low_quality && *jpeg_quality < high_quality) {
      const float along = static_cast<float>(*jpeg_quality - low_quality) /
                          static_cast<float>(high_quality - low_quality);
      at_quality = low_threshold + along * (high_threshold - low_threshold);
    }
  }
  return std::clamp(base + at_quality - top_threshold, 0.01F, 0.99F);
}

std::unique_ptr<CountingMethod> MakeCountingMethod(LoadedModel model,
                                                   const CountingSettings& settings) {
  const std::shared_ptr<ScriptedModel> scripted = model.scripted;
  if (model.method == kTileMethod) {
    if (settings.views > 1)
      throw Error("views: averaging flipped views is for point models; this is a tile model");
    if (settings.scale != 1)
      throw Error("scale: resizing photos is for point models; this is a tile model");
    if (scripted) {
      return std::make_unique<TileCounter>(
          [scripted](const torch::Tensor& pixels) { return scripted->Forward(pixels); }, 0,
          settings.tile_batch_size, "TorchScript module");
    }
    SeedCnn network = std::move(model.tile_network);
    network->eval();
    return std::make_unique<TileCounter>(
        [network](const torch::Tensor& pixels) mutable {
          return network->forward(ToNetworkInput(pixels));
        },
        kSeedCnnFlopsPerPatch, settings.tile_batch_size, "seed CNN");
  }
  const auto& detection = model.metadata.at("detection");
  float threshold =
      settings.threshold >= 0 ? settings.threshold : detection.at("threshold").get<float>();
  const double suppression = settings.suppression >= 0
                                 ? settings.suppression
                                 : detection.at("suppression_fraction").get<double>();
  // The views the threshold was chosen with (CheckedDetectionSettings fills 1 for models from
  // before views), unless told otherwise.
  const int chosen_views = detection.at("views").get<int>();
  const int views = settings.views > 0 ? settings.views : chosen_views;
  const nlohmann::json by_views = detection.value("threshold_by_views", nlohmann::json::object());
  const std::string views_key = std::to_string(views);
  if (views == chosen_views || settings.threshold >= 0) {
    // The model's own views, or the user's threshold: nothing to adjust.
  } else if (by_views.contains(views_key)) {
    // Calibrated to count as the model's own views do (scripts/calibrate-views.sh).
    threshold = by_views.at(views_key).get<float>();
    spdlog::info("threshold {:.3f} for {} view(s), calibrated against the model's {} views",
                 threshold, views, chosen_views);
  } else {
    // Averaged heatmaps peak lower, so the best threshold depends on the views: the same fold
    // models chose 0.40-0.50 on their validation photos with 1 view and 0.25-0.50 with 8
    // (docs/real-photos.md).
    spdlog::warn(
        "the model's detection threshold {:.3f} was chosen with {} view(s); counting with {} at "
        "that threshold may count differently: choose one for {} view(s) with --threshold, or "
        "calibrate the model (scripts/calibrate-views.sh)",
        threshold, chosen_views, views, views);
  }
  // Photos compressed harder than the calibration photos (scripts/calibrate-jpeg.sh), unless the
  // user chose the threshold.
  nlohmann::json by_jpeg_quality =
      settings.threshold >= 0
          ? nlohmann::json::object()
          : detection.value("threshold_by_jpeg_quality", nlohmann::json::object());
  const bool warn_hard_jpeg = settings.threshold < 0 && by_jpeg_quality.empty();
  if (scripted) {
    PointForward forward{
        [scripted](const torch::Tensor& pixels) { return scripted->Forward(pixels); },
        scripted->spec().stride, nullptr};
    return std::make_unique<PointCounter>(std::move(forward), threshold, std::move(by_jpeg_quality),
                                          warn_hard_jpeg, suppression, views, 0.0, 0.0,
                                          settings.scale, "TorchScript module");
  }
  std::vector<PointNet> networks{std::move(model.point_network)};
  for (auto& member : model.other_point_networks) networks.push_back(std::move(member));
  std::vector<PointForward> members;
  for (auto& network : networks) {
    network->eval();
    network->FoldBatchNorm();
    members.push_back(ForwardOf(network));
  }
  const std::string what = networks.size() == 1
                               ? networks.front()->architecture()
                               : fmt::format("{} networks of {} averaged", networks.size(),
                                             networks.front()->architecture());
  return std::make_unique<PointCounter>(AveragedOverModels(std::move(members)), threshold,
                                        std::move(by_jpeg_quality), warn_hard_jpeg, suppression,
                                        views, InputChromaSigma(model.metadata),
                                        InputContrastSd(model.metadata), settings.scale, what);
}

}  // namespace sealion
