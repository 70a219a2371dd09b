#pragma once
// The point counter's network: a small fully convolutional encoder to stride 32 with a light
// decoder (feature-pyramid style: 1x1 lateral, nearest upsampling, add, 3x3 conv) back to
// stride 4. Six outputs at every stride-4 cell: channel 0 is the logit of "an animal's centre is
// in this cell", channels 1-5 the logits of the five sea lion classes (competition order).
//
//   stem   4x4 conv, stride 4, 3 -> 16                                    (stride 4)
//   enc8   3x3/2 16 -> 32, 3x3 32 -> 32                                   (stride 8)
//   enc16  3x3/2 32 -> 96, 3x3 96 -> 96;  enc32 3x3/2 96 -> 128, 3x3 128 -> 128
//   dec16  lateral 128 -> 96 + enc16, 3x3 96 -> 64;  dec8 64 -> 32 + enc8, 3x3 32 -> 32
//   dec4   32 -> 16 + stem, 3x3 16 -> 16;  head 1x1 16 -> 6
//   class context: 1x1 64 -> 5 on dec16, upsampled to stride 4 and added to the class logits
//   (an adult male is 30 cells long: its class needs more context than stride-4 features hold)
//
// The stride-4 and stride-8 stages are narrow on purpose: they hold 16x and 4x the cells of the
// stride-16 stage. A wider first design (24 and 48 channels, a second stride-4 conv, a third
// stride-16 conv: 121 GFLOP a photo) took twice the time and counted the main job's validation
// photos no better (mean RMSE 9.8 against 7.2 for 16 and 32 channels).
//
// Every conv but the laterals and the head is followed by BatchNorm and an in-place ReLU; for
// inference FoldBatchNorm() folds each BatchNorm into its convolution. About 0.47 M parameters
// and 62 GFLOP for a 5616x3744 photo (the tile CNN: 324). Input: x/255 - 0.5, RGB, channels-last,
// height and width multiples of 32.
//
// point_net_v2 replaces the stem's 4x4 patches by two overlapping 3x3 convolutions, stride 2
// each (3 -> 16 at stride 2, 16 -> 16 at stride 4; the rest unchanged): the v1 stem sees each
// 4x4 patch alone through 16 linear filters, which may lose the fine texture that tells a small
// dark pup from wet rock, and it changes abruptly when a photo moves by less than 4 px. About
// 71 GFLOP a photo.
//
// point_net_v3 is v1 made shift-steadier (anti-aliased, Zhang 2019): the stem is a 3x3
// convolution at full resolution (3 -> 16), then a fixed low-pass filter at stride 4; each
// encoder stage's stride-2 convolution becomes a [1,2,1] blur at stride 2 followed by the same
// 3x3 convolution at stride 1. A shift by less than a cell then moves the features smoothly
// instead of re-cutting 4x4 patches (v1's counts moved by up to 11 animals of a class under a
// 1-16 px crop). About 80 GFLOP a photo; the same parameters as v1 but the stem's.

#include <torch/torch.h>

#include "sealion/distrib/work_sharing.h"

namespace sealion {

inline constexpr const char* kPointNetArchitecture = "point_net_v1";
inline constexpr const char* kPointNetV2Architecture = "point_net_v2";
inline constexpr const char* kPointNetV3Architecture = "point_net_v3";
// Whether `architecture` names one of the networks above (v1, v2 or v3).
bool IsPointNetArchitecture(const std::string& architecture);
// The known names, "point_net_v1, point_net_v2, point_net_v3", for error messages.
std::string PointNetArchitectureNames();
inline constexpr int kPointNetStride = 4;      // output cell size in input pixels
inline constexpr int kPointNetAlignment = 32;  // input sides must be multiples of this
// The largest chroma smoothing (point_inference.h: SmoothChroma) a model may ask for: its kernel
// (3 sigma each way) stays inside a tile's default margin, so tiled counts equal whole-photo ones.
inline constexpr double kMaxChromaSigma = 16;
// The luma standard deviations a model may normalise its photos' contrast to (point_inference.h:
// NormaliseContrast); 0 asks for none. The sample's photos lie at 25-56, most near 33.
inline constexpr double kMinContrastSd = 8;
inline constexpr double kMaxContrastSd = 96;
inline bool IsContrastSd(double sd) {
  return sd == 0 || (sd >= kMinContrastSd && sd <= kMaxContrastSd);
}
inline constexpr int kPointNetOutputs = 6;  // heatmap logit + five class logits

// Conv (no bias) + BatchNorm + ReLU, foldable into one conv with bias for inference.
class ConvBnReluImpl : public torch::nn::Module {
 public:
  ConvBnReluImpl(int in_channels, int out_channels, int kernel, int stride);
  torch::Tensor forward(torch::Tensor x);
  void FoldBatchNorm();
  // Training over several processes: BatchNorm with the whole global batch's statistics.
  void SynchroniseBatchNorm(WorkSharing* sharing) { batch_norm_sharing_ = sharing; }

 private:
  WorkSharing* batch_norm_sharing_ = nullptr;
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d norm_{nullptr};
  torch::Tensor folded_weight_, folded_bias_;
  int stride_, padding_;
};
TORCH_MODULE(ConvBnRelu);

class PointNetImpl : public torch::nn::Module {
 public:
  // Throws an Error naming the known architectures for any other name.
  explicit PointNetImpl(const std::string& architecture = kPointNetArchitecture);
  // `images`: float N x 3 x H x W (H, W multiples of 32), scaled. Returns N x 6 x H/4 x W/4.
  torch::Tensor forward(torch::Tensor images);
  // Folds every BatchNorm into its convolution; the network is then for inference only.
  void FoldBatchNorm();
  // Training over several processes: BatchNorm statistics over every process's share of the
  // global batch (nn/data_parallel.h); 1 and N processes train alike up to the order of sums.
  // One process does not call this: LibTorch's fused BatchNorm made its network 12% faster
  // (2026-12-02, 256 px crops, batch 16, 2 threads).
  void SynchroniseBatchNorm(WorkSharing& sharing);
  bool folded() const { return folded_; }
  const std::string& architecture() const { return architecture_; }

 private:
  std::string architecture_;
  ConvBnRelu stem_half_{nullptr};  // v2 only: the stride-2 stage of the stem
  ConvBnRelu stem_{nullptr}, enc8a_{nullptr}, enc8b_{nullptr}, enc16a_{nullptr}, enc16b_{nullptr},
      enc32a_{nullptr}, enc32b_{nullptr}, dec16_{nullptr}, dec8_{nullptr}, dec4_{nullptr};
  torch::nn::Conv2d lateral16_{nullptr}, lateral8_{nullptr}, lateral4_{nullptr}, head_{nullptr},
      class_context_{nullptr};
  // v3 only: fixed depthwise low-pass filters (not parameters) before the stride-4 cells and
  // each stride-2 subsampling.
  torch::Tensor blur4_, blur8_, blur16_, blur32_;
  bool folded_ = false;
};
TORCH_MODULE(PointNet);

// Multiply-adds x 2 of one forward pass over a `width` x `height` input (both multiples of 32).
double PointNetFlops(int width, int height,
                     const std::string& architecture = kPointNetArchitecture);

}  // namespace sealion
