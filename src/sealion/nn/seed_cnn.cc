#include "sealion/nn/seed_cnn.h"

#include <mutex>

#include "sealion/nn/cpu_allocator.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"

namespace sealion {

SeedCnnImpl::SeedCnnImpl() {
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 32, 3)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3)));
  conv3_ = register_module("conv3", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 128, 3)));
  dense1_ = register_module("dense1", torch::nn::Linear(128 * 6 * 6, 512));
  dense2_ = register_module("dense2", torch::nn::Linear(512, 512));
  logits_ = register_module("logits", torch::nn::Linear(512, 6));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(0.5));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(0.5));
}

torch::Tensor SeedCnnImpl::forward(torch::Tensor x, const torch::Tensor& dropout_masks) {
  // Inverted dropout with given masks: kept units scaled by 1 / (1 - 0.5), as Dropout does.
  const auto dropout = [&](torch::nn::Dropout& layer, torch::Tensor values, int64_t offset) {
    if (!is_training() || !dropout_masks.defined()) return layer->forward(values);
    return values * dropout_masks.slice(1, offset, offset + values.size(1)) * 2.0;
  };
  x = conv1_->forward(x);               // 64 -> 62
  x = torch::max_pool2d(x.relu_(), 2);  // -> 31
  x = conv2_->forward(x);               // -> 29
  x = torch::max_pool2d(x.relu_(), 2);  // -> 14
  x = conv3_->forward(x);               // -> 12
  x = torch::max_pool2d(x.relu_(), 2);  // -> 6
  // Flatten in Keras's order (rows, columns, channels) no matter the memory format.
  x = x.permute({0, 2, 3, 1}).reshape({x.size(0), -1});
  x = dense1_->forward(x);
  x = dropout(dropout1_, x.relu_(), 0);
  x = dense2_->forward(x);
  x = dropout(dropout2_, x.relu_(), 512);
  return logits_->forward(x);
}

torch::Tensor DropoutMasks(int64_t count) {
  return torch::bernoulli(torch::full({count, 1024}, 0.5));
}

torch::Tensor ToNetworkInput(const torch::Tensor& rgb_uint8_nhwc) {
  // NHWC memory is the channels-last memory of the NCHW view, element for element: one pass
  // converts and scales (three tensor operations made three passes over a full photo's 250 MB
  // of floats).
  if (rgb_uint8_nhwc.dim() != 4 || rgb_uint8_nhwc.scalar_type() != torch::kUInt8)
    throw Error("the network's input must be uint8 N x H x W x C");
  const torch::Tensor pixels = rgb_uint8_nhwc.contiguous();
  const auto sizes = pixels.sizes();
  torch::Tensor input = torch::empty(
      {sizes[0], sizes[3], sizes[1], sizes[2]},
      torch::TensorOptions(torch::kFloat32).memory_format(torch::MemoryFormat::ChannelsLast));
  const uint8_t* from = pixels.data_ptr<uint8_t>();
  float* to = input.data_ptr<float>();
  at::parallel_for(0, pixels.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) to[i] = static_cast<float>(from[i]) / 255.0f - 0.5f;
  });
  return input;
}

void UseChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) {
    if (parameter.dim() == 4)
      parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

void ConfigureTorchThreads(int threads) {
  static std::once_flag interop_once;
  std::call_once(interop_once, [] { at::set_num_interop_threads(1); });
  InstallCachingCpuAllocator();
  WarnIfCoresBusy(threads);
  torch::set_num_threads(ResolveThreadCount(threads));
}

}  // namespace sealion
