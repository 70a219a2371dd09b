#include "sealion/nn/point_net.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "sealion/nn/data_parallel.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

// Every network PointNetImpl builds, for IsPointNetArchitecture and the error messages.
constexpr std::string_view kArchitectures[] = {kPointNetArchitecture, kPointNetV2Architecture,
                                               kPointNetV3Architecture};

torch::nn::Conv2d Conv1x1(int in_channels, int out_channels) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1).bias(true));
}

// A 1x1 convolution as one matrix product over the pixels (channels last). oneDNN's 1x1 kernels
// sum in an order that depends on the number of threads, so a 1-thread and a 2-thread process
// (or two MPI ranks) would write scores that differ in the last digit; this product does not
// (measured: bit-identical for 1 and 2 threads, and equal to the convolution at 1 thread).
torch::Tensor PointwiseConv(const torch::nn::Conv2d& conv, const torch::Tensor& x) {
  const int64_t images = x.size(0), channels = x.size(1), rows = x.size(2), cols = x.size(3);
  const int64_t outputs = conv->weight.size(0);
  const torch::Tensor pixels = x.permute({0, 2, 3, 1}).reshape({images * rows * cols, channels});
  return torch::addmm(conv->bias, pixels, conv->weight.view({outputs, channels}).t())
      .view({images, rows, cols, outputs})
      .permute({0, 3, 1, 2});
}

// A fixed low-pass filter for `channels` channels (depthwise): the outer product of `taps` with
// itself, normalised to sum 1, as conv2d weights (channels x 1 x k x k).
torch::Tensor BlurKernel(const std::vector<float>& taps, int64_t channels) {
  const torch::Tensor line = torch::tensor(taps) / torch::tensor(taps).sum();
  return torch::outer(line, line)
      .view({1, 1, line.size(0), line.size(0)})
      .expand({channels, 1, line.size(0), line.size(0)})
      .contiguous();
}

// Low-pass, then keep every `stride`-th pixel (Zhang 2019, "Making convolutional networks
// shift-invariant again": blur before subsampling, so a shift of a few pixels moves the
// features smoothly instead of aliasing).
torch::Tensor BlurSubsample(const torch::Tensor& x, const torch::Tensor& kernel, int stride,
                            int padding) {
  return torch::conv2d(x, kernel, {}, stride, padding, /*dilation=*/1,
                       /*groups=*/kernel.size(0));
}

torch::Tensor UpsampleTwice(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .scale_factor(std::vector<double>{2.0, 2.0})
                               .mode(torch::kNearest));
}

}  // namespace

ConvBnReluImpl::ConvBnReluImpl(int in_channels, int out_channels, int kernel, int stride)
    : stride_(stride), padding_(kernel == 3 ? 1 : 0) {
  conv_ = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, kernel)
                                    .stride(stride)
                                    .padding(padding_)
                                    .bias(false)));
  norm_ = register_module("norm", torch::nn::BatchNorm2d(out_channels));
}

torch::Tensor ConvBnReluImpl::forward(torch::Tensor x) {
  if (folded_weight_.defined()) {
    return torch::conv2d(x, folded_weight_, folded_bias_, stride_, padding_).relu_();
  }
  if (batch_norm_sharing_ != nullptr && is_training()) {
    return SynchronisedBatchNorm(conv_->forward(x), *norm_, *batch_norm_sharing_).relu_();
  }
  return norm_->forward(conv_->forward(x)).relu_();
}

void ConvBnReluImpl::FoldBatchNorm() {
  torch::NoGradGuard no_grad;
  const torch::Tensor scale =
      norm_->weight / torch::sqrt(norm_->running_var + norm_->options.eps());
  folded_weight_ =
      (conv_->weight * scale.view({-1, 1, 1, 1})).contiguous(torch::MemoryFormat::ChannelsLast);
  folded_bias_ = (norm_->bias - norm_->running_mean * scale).contiguous();
}

bool IsPointNetArchitecture(const std::string& architecture) {
  return std::find(std::begin(kArchitectures), std::end(kArchitectures), architecture) !=
         std::end(kArchitectures);
}

std::string PointNetArchitectureNames() {
  return fmt::format("{}", fmt::join(kArchitectures, ", "));
}

PointNetImpl::PointNetImpl(const std::string& architecture) : architecture_(architecture) {
  if (!IsPointNetArchitecture(architecture)) {
    throw Error("unknown point network architecture '" + architecture +
                "' (known: " + PointNetArchitectureNames() + ")");
  }
  if (architecture == kPointNetV2Architecture) {
    stem_half_ = register_module("stem_half", ConvBnRelu(3, 16, 3, 2));
    stem_ = register_module("stem", ConvBnRelu(16, 16, 3, 2));
  } else if (architecture == kPointNetV3Architecture) {
    // Full-resolution 3x3 features, then the triangle-times-box filter [1,3,5,7,7,5,3,1] (zero
    // response at 1/4 and 1/2 cycles a pixel) at stride 4; padding 2 centres cell i on pixel
    // 4i + 1.5, as v1's 4x4 patches are.
    stem_ = register_module("stem", ConvBnRelu(3, 16, 3, 1));
    blur4_ = BlurKernel({1, 3, 5, 7, 7, 5, 3, 1}, 16);
    blur8_ = BlurKernel({1, 2, 1}, 16);
    blur16_ = BlurKernel({1, 2, 1}, 32);
    blur32_ = BlurKernel({1, 2, 1}, 96);
  } else {
    stem_ = register_module("stem", ConvBnRelu(3, 16, 4, 4));
  }
  // v3 blurs and subsamples before each stage's first convolution, which then runs at stride 1.
  const int downsample_stride = blur8_.defined() ? 1 : 2;
  enc8a_ = register_module("enc8a", ConvBnRelu(16, 32, 3, downsample_stride));
  enc8b_ = register_module("enc8b", ConvBnRelu(32, 32, 3, 1));
  enc16a_ = register_module("enc16a", ConvBnRelu(32, 96, 3, downsample_stride));
  enc16b_ = register_module("enc16b", ConvBnRelu(96, 96, 3, 1));
  enc32a_ = register_module("enc32a", ConvBnRelu(96, 128, 3, downsample_stride));
  enc32b_ = register_module("enc32b", ConvBnRelu(128, 128, 3, 1));
  lateral16_ = register_module("lateral16", Conv1x1(128, 96));
  dec16_ = register_module("dec16", ConvBnRelu(96, 64, 3, 1));
  lateral8_ = register_module("lateral8", Conv1x1(64, 32));
  dec8_ = register_module("dec8", ConvBnRelu(32, 32, 3, 1));
  lateral4_ = register_module("lateral4", Conv1x1(32, 16));
  dec4_ = register_module("dec4", ConvBnRelu(16, 16, 3, 1));
  head_ = register_module("head", Conv1x1(16, kPointNetOutputs));
  class_context_ = register_module("class_context", Conv1x1(64, kPointNetOutputs - 1));
  // Start the heatmap near the rate of animal centres (CenterNet's prior of 0.1 per cell is far
  // too high here: about one cell in 2000 holds a centre), so early training is stable.
  torch::NoGradGuard no_grad;
  head_->bias[0].fill_(-std::log((1 - 0.01) / 0.01));
}

torch::Tensor PointNetImpl::forward(torch::Tensor images) {
  // v3's stride-2 blur ([1,2,1], padding 1) centres cell i on the finer grid's cell 2i, as the
  // stride-2 convolutions of v1 and v2 do.
  const auto downsample = [](const torch::Tensor& x, const torch::Tensor& blur) {
    return blur.defined() ? BlurSubsample(x, blur, 2, 1) : x;
  };
  const torch::Tensor x4 = blur4_.defined()
                               ? BlurSubsample(stem_->forward(images), blur4_, 4, 2)
                               : stem_->forward(stem_half_ ? stem_half_->forward(images) : images);
  const torch::Tensor x8 = enc8b_->forward(enc8a_->forward(downsample(x4, blur8_)));
  const torch::Tensor x16 = enc16b_->forward(enc16a_->forward(downsample(x8, blur16_)));
  const torch::Tensor x32 = enc32b_->forward(enc32a_->forward(downsample(x16, blur32_)));
  const torch::Tensor y16 =
      dec16_->forward(UpsampleTwice(PointwiseConv(lateral16_, x32)).add_(x16));
  torch::Tensor y = dec8_->forward(UpsampleTwice(PointwiseConv(lateral8_, y16)).add_(x8));
  y = dec4_->forward(UpsampleTwice(PointwiseConv(lateral4_, y)).add_(x4));
  torch::Tensor outputs = PointwiseConv(head_, y);
  outputs.slice(1, 1, kPointNetOutputs)
      .add_(UpsampleTwice(UpsampleTwice(PointwiseConv(class_context_, y16))));
  return outputs;
}

void PointNetImpl::FoldBatchNorm() {
  for (auto& child : modules(/*include_self=*/false)) {
    if (auto* block = child->as<ConvBnReluImpl>()) block->FoldBatchNorm();
  }
  folded_ = true;
}

void PointNetImpl::SynchroniseBatchNorm(WorkSharing& sharing) {
  for (auto& child : modules(/*include_self=*/false)) {
    if (auto* block = child->as<ConvBnReluImpl>()) block->SynchroniseBatchNorm(&sharing);
  }
}

double PointNetFlops(int width, int height, const std::string& architecture) {
  // Output pixels per stride, times multiply-adds per output pixel (weights), times 2.
  const auto pixels = [&](int stride) {
    return static_cast<double>(width / stride) * static_cast<double>(height / stride);
  };
  const double s2 = pixels(2), s4 = pixels(4), s8 = pixels(8), s16 = pixels(16), s32 = pixels(32);
  double stem = s4 * 3 * 16 * 16;
  if (architecture == kPointNetV2Architecture) stem = s2 * 3 * 9 * 16 + s4 * 16 * 9 * 16;
  if (architecture == kPointNetV3Architecture) {
    // Full-resolution 3x3 stem, and the depthwise blurs before each subsampling.
    stem = pixels(1) * 3 * 9 * 16 + s4 * 16 * 64 + s8 * 16 * 9 + s16 * 32 * 9 + s32 * 96 * 9;
  }
  const double multiply_adds =
      stem + s8 * (16 * 9 * 32 + 32 * 9 * 32) + s16 * (32 * 9 * 96 + 96 * 9 * 96) +
      s32 * (96 * 9 * 128 + 128 * 9 * 128) +  // encoder
      s32 * 128 * 96 + s16 * 96 * 9 * 64 + s16 * 64 * 32 + s8 * 32 * 9 * 32 + s8 * 32 * 16 +
      s4 * 16 * 9 * 16 + s4 * 16 * kPointNetOutputs + s16 * 64 * (kPointNetOutputs - 1);  // decoder
  return 2 * multiply_adds;
}

}  // namespace sealion
