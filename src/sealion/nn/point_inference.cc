#include "sealion/nn/point_inference.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <unordered_map>

#include "sealion/nn/point_targets.h"
#include "sealion/nn/seed_cnn.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

int RoundUp(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

// Adds one output to a running sum of outputs (AveragedOverModels, AveragedOverViews); the
// first is copied, so that the sum never writes into an output a network still holds.
void AddOutput(torch::Tensor& sum, const torch::Tensor& output) {
  sum = sum.defined() ? sum.add_(output) : output.clone(torch::MemoryFormat::Contiguous);
}

}  // namespace

void PointInferenceOptions::Check() const {
  for (const int side : {tile_width, tile_height}) {
    if (side < kPointNetAlignment || side % kPointNetAlignment != 0)
      throw Error("tile sides must be positive multiples of 32");
  }
  if (margin < 0 || margin % kPointNetAlignment != 0)
    throw Error("the tile margin must be a non-negative multiple of 32");
  if (!(candidate_threshold > 0 && candidate_threshold < 1))
    throw Error("the detection threshold must be in (0, 1)");
  if (!(chroma_sigma >= 0 && chroma_sigma <= kMaxChromaSigma))
    throw Error(fmt::format("the chroma sigma must be in [0, {}]", kMaxChromaSigma));
}

PointForward ForwardOf(PointNet& network) {
  return {[network](const torch::Tensor& pixels) mutable {
            return network->forward(ToNetworkInput(pixels));
          },
          kPointNetStride,
          [architecture = network->architecture()](int width, int height) {
            return PointNetFlops(width, height, architecture);
          }};
}

PointForward AveragedOverModels(std::vector<PointForward> members) {
  if (members.empty()) throw Error("an ensemble needs at least one network");
  if (members.size() == 1) return members.front();
  for (const auto& member : members) {
    if (member.stride != members.front().stride)
      throw Error("an ensemble's networks must share one output stride");
  }
  PointForward averaged;
  averaged.stride = members.front().stride;
  const bool every_flops_known =
      std::all_of(members.begin(), members.end(), [](const auto& m) { return bool(m.flops); });
  if (every_flops_known) {
    averaged.flops = [members](int width, int height) {
      double sum = 0;
      for (const auto& member : members) sum += member.flops(width, height);
      return sum;
    };
  }
  averaged.forward = [members](const torch::Tensor& pixels) {
    torch::Tensor sum;
    for (const auto& member : members) AddOutput(sum, member.forward(pixels));
    return sum.div_(static_cast<double>(members.size()));
  };
  return averaged;
}

PointForward AveragedOverViews(PointForward network, int views) {
  if (!IsViewCount(views)) throw Error(fmt::format("views must be 1, 2, 4 or 8, not {}", views));
  if (views == 1) return network;
  PointForward averaged;
  averaged.stride = network.stride;
  if (network.flops) {
    averaged.flops = [flops = network.flops, views](int width, int height) {
      return views * flops(width, height);
    };
  }
  averaged.forward = [forward = network.forward, views](const torch::Tensor& pixels) {
    // View v: mirrored left to right if bit 0 is set, upside down if bit 1, then transposed if
    // bit 2. Pixels are N x H x W x C, outputs N x C x H' x W': undone in the reverse order.
    torch::Tensor sum;
    for (int view = 0; view < views; ++view) {
      std::vector<int64_t> input_dims, output_dims;
      if (view & 1) input_dims.push_back(2), output_dims.push_back(3);
      if (view & 2) input_dims.push_back(1), output_dims.push_back(2);
      torch::Tensor input = input_dims.empty() ? pixels : torch::flip(pixels, input_dims);
      if (view & 4) input = input.permute({0, 2, 1, 3});
      torch::Tensor output = forward(input.contiguous());
      if (view & 4) output = output.permute({0, 1, 3, 2});
      if (!output_dims.empty()) output = torch::flip(output, output_dims);
      AddOutput(sum, output);
    }
    return sum.div_(views);
  };
  return averaged;
}

void SmoothChroma(cv::Mat& rgb, double sigma) {
  if (sigma <= 0) return;
  CV_Assert(rgb.type() == CV_8UC3);
  cv::Mat ycrcb;
  cv::cvtColor(rgb, ycrcb, cv::COLOR_RGB2YCrCb);
  std::array<cv::Mat, 3> channels;
  cv::split(ycrcb, channels);
  for (const int chroma : {1, 2}) {
    cv::GaussianBlur(channels[chroma], channels[chroma], cv::Size(0, 0), sigma, sigma,
                     cv::BORDER_REPLICATE);
  }
  cv::merge(channels.data(), channels.size(), ycrcb);
  cv::cvtColor(ycrcb, rgb, cv::COLOR_YCrCb2RGB);
}

double NormaliseContrast(cv::Mat& rgb, double luma_sd) {
  if (!IsContrastSd(luma_sd))
    throw Error(fmt::format("the contrast's standard deviation must be 0 or in [{}, {}]",
                            kMinContrastSd, kMaxContrastSd));
  if (luma_sd == 0) return 1;
  CV_Assert(rgb.type() == CV_8UC3);
  double sum[3] = {0, 0, 0}, luma_sum = 0, luma_squares = 0;
  int64_t pixels = 0;
  for (int y = 0; y < rgb.rows; y += 2) {
    const cv::Vec3b* row = rgb.ptr<cv::Vec3b>(y);
    for (int x = 0; x < rgb.cols; x += 2) {
      const cv::Vec3b p = row[x];
      if (p[0] == 0 && p[1] == 0 && p[2] == 0) continue;
      const double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      for (int c = 0; c < 3; ++c) sum[c] += p[c];
      luma_sum += luma;
      luma_squares += luma * luma;
      ++pixels;
    }
  }
  if (pixels < 2) return 1;  // nothing but black: nothing to measure
  const double luma_mean = luma_sum / pixels;
  const double sd = std::sqrt(std::max(1e-6, luma_squares / pixels - luma_mean * luma_mean));
  const double gain = std::clamp(luma_sd / sd, 0.5, 2.5);
  std::array<uint8_t, 256> lut[3];
  for (int c = 0; c < 3; ++c) {
    const double mean = sum[c] / pixels;
    for (int v = 0; v < 256; ++v) lut[c][v] = cv::saturate_cast<uint8_t>(mean + (v - mean) * gain);
  }
  for (int y = 0; y < rgb.rows; ++y) {
    cv::Vec3b* row = rgb.ptr<cv::Vec3b>(y);
    for (int x = 0; x < rgb.cols; ++x) {
      cv::Vec3b& p = row[x];
      if (p[0] == 0 && p[1] == 0 && p[2] == 0) continue;
      for (int c = 0; c < 3; ++c) p[c] = lut[c][p[c]];
    }
  }
  return gain;
}

std::vector<PointDetection> FindPeakCandidates(const PointForward& network, const cv::Mat& rgb,
                                               const PointInferenceOptions& options,
                                               double* flops) {
  options.Check();
  const int stride = network.stride;
  if (stride < 1 || kPointNetAlignment % stride != 0)
    throw Error("the network's stride must divide 32");
  torch::NoGradGuard no_grad;
  std::vector<PointDetection> candidates;
  const int width = rgb.cols, height = rgb.rows;
  for (int core_y = 0; core_y < height; core_y += options.tile_height) {
    for (int core_x = 0; core_x < width; core_x += options.tile_width) {
      const int core_right = std::min(width, core_x + options.tile_width);
      const int core_bottom = std::min(height, core_y + options.tile_height);
      const cv::Rect region(
          cv::Point(std::max(0, core_x - options.margin), std::max(0, core_y - options.margin)),
          cv::Point(std::min(width, core_right + options.margin),
                    std::min(height, core_bottom + options.margin)));
      const int padded_width = RoundUp(region.width, kPointNetAlignment);
      const int padded_height = RoundUp(region.height, kPointNetAlignment);
      cv::Mat input;
      cv::copyMakeBorder(rgb(region), input, 0, padded_height - region.height, 0,
                         padded_width - region.width, cv::BORDER_REPLICATE);
      SmoothChroma(input, options.chroma_sigma);
      const torch::Tensor pixels =
          torch::from_blob(input.data, {1, padded_height, padded_width, 3}, torch::kUInt8);
      const torch::Tensor outputs = network.forward(pixels)[0];
      if (flops != nullptr && network.flops) *flops += network.flops(padded_width, padded_height);

      const torch::Tensor heat = torch::sigmoid(outputs[0]).contiguous();
      const torch::Tensor pooled =
          torch::max_pool2d(heat.unsqueeze(0), {3, 3}, {1, 1}, {1, 1}).squeeze(0);
      const torch::Tensor peaks =
          (heat.eq(pooled) & heat.ge(options.candidate_threshold)).nonzero().contiguous();
      if (peaks.size(0) == 0) continue;
      // The class: the most probable one averaged over the peak's 3x3 neighbourhood, computed at
      // the peaks only.
      const torch::Tensor class_logits = outputs.slice(0, 1, 1 + kNumSeaLionClasses).contiguous();
      const auto logit_at = class_logits.accessor<float, 3>();
      const int64_t rows = class_logits.size(1), cols = class_logits.size(2);
      const auto class_at = [&](int64_t cy, int64_t cx) {
        std::array<double, kNumSeaLionClasses> probability{};
        for (int64_t y = std::max<int64_t>(0, cy - 1); y <= std::min(rows - 1, cy + 1); ++y) {
          for (int64_t x = std::max<int64_t>(0, cx - 1); x <= std::min(cols - 1, cx + 1); ++x) {
            double largest = logit_at[0][y][x];
            for (int c = 1; c < kNumSeaLionClasses; ++c)
              largest = std::max(largest, static_cast<double>(logit_at[c][y][x]));
            std::array<double, kNumSeaLionClasses> e{};
            double sum = 0;
            for (int c = 0; c < kNumSeaLionClasses; ++c)
              sum += e[c] = std::exp(logit_at[c][y][x] - largest);
            for (int c = 0; c < kNumSeaLionClasses; ++c) probability[c] += e[c] / sum;
          }
        }
        return static_cast<int>(std::max_element(probability.begin(), probability.end()) -
                                probability.begin());
      };
      const auto* cell = peaks.data_ptr<int64_t>();
      const auto heat_at = heat.accessor<float, 2>();
      for (int64_t i = 0; i < peaks.size(0); ++i) {
        const int64_t cy = cell[2 * i], cx = cell[2 * i + 1];
        const double x = region.x + stride * static_cast<double>(cx) + (stride - 1) / 2.0;
        const double y = region.y + stride * static_cast<double>(cy) + (stride - 1) / 2.0;
        if (x < core_x || x >= core_right || y < core_y || y >= core_bottom) continue;
        candidates.push_back({x, y, class_at(cy, cx), heat_at[cy][cx]});
      }
    }
  }
  return candidates;
}

std::vector<PointDetection> SuppressByDistance(const std::vector<PointDetection>& candidates,
                                               float threshold, double suppression_fraction) {
  std::vector<PointDetection> sorted;
  for (const auto& candidate : candidates) {
    if (candidate.score >= threshold) sorted.push_back(candidate);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const PointDetection& a, const PointDetection& b) {
                     if (a.score != b.score) return a.score > b.score;
                     return a.y != b.y ? a.y < b.y : a.x < b.x;
                   });
  const double largest_body = *std::max_element(kBodyLengthPixels.begin(), kBodyLengthPixels.end());
  const double bucket = std::max(1.0, suppression_fraction * largest_body);
  const auto key = [&](int64_t bx, int64_t by) { return (bx << 32) ^ (by & 0xffffffff); };
  std::unordered_map<int64_t, std::vector<size_t>> kept_by_bucket;
  std::vector<PointDetection> kept;
  for (const auto& candidate : sorted) {
    const auto bx = static_cast<int64_t>(std::floor(candidate.x / bucket));
    const auto by = static_cast<int64_t>(std::floor(candidate.y / bucket));
    bool suppressed = false;
    for (int64_t dy = -1; dy <= 1 && !suppressed; ++dy) {
      for (int64_t dx = -1; dx <= 1 && !suppressed; ++dx) {
        const auto found = kept_by_bucket.find(key(bx + dx, by + dy));
        if (found == kept_by_bucket.end()) continue;
        for (const size_t index : found->second) {
          const PointDetection& other = kept[index];
          const double radius =
              suppression_fraction * std::max(kBodyLengthPixels[candidate.class_index],
                                              kBodyLengthPixels[other.class_index]);
          const double dx_px = candidate.x - other.x, dy_px = candidate.y - other.y;
          if (dx_px * dx_px + dy_px * dy_px < radius * radius) {
            suppressed = true;
            break;
          }
        }
      }
    }
    if (suppressed) continue;
    kept_by_bucket[key(bx, by)].push_back(kept.size());
    kept.push_back(candidate);
  }
  return kept;
}

}  // namespace sealion
