#pragma once
// The seed's network, built with LibTorch's C++ frontend: input scaled as x/255 - 0.5;
// Conv 3x3 32 + ReLU + MaxPool 2; Conv 3x3 64 + ReLU + MaxPool 2; Conv 3x3 128 + ReLU + MaxPool 2;
// Flatten; Dense 512 + ReLU + Dropout 0.5; Dense 512 + ReLU + Dropout 0.5; Dense 6 (softmax in
// the loss). About 64 MFLOP per 64x64 thumbnail. Runs channels-last with in-place ReLU, which
// measured 2-3x faster than LibTorch's defaults on this CPU.

#include <torch/torch.h>

namespace sealion {

inline constexpr int kPatchSize = 64;  // thumbnails and tiles are 64x64 RGB

class SeedCnnImpl : public torch::nn::Module {
 public:
  SeedCnnImpl();
  // `images`: float, N x 3 x 64 x 64 (channels-last preferred), already scaled to x/255 - 0.5.
  // Returns logits N x 6. In training, `dropout_masks` (N x 1024 of 0/1, see DropoutMasks) give
  // the two dropout layers' masks; without them the dropout modules draw their own.
  torch::Tensor forward(torch::Tensor images, const torch::Tensor& dropout_masks = {});

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::Linear dense1_{nullptr}, dense2_{nullptr}, logits_{nullptr};
  torch::nn::Dropout dropout1_{nullptr}, dropout2_{nullptr};
};
TORCH_MODULE(SeedCnn);

// The dropout masks of a whole batch of `count` thumbnails (count x 1024: dense1's then dense2's),
// drawn from LibTorch's generator. Data-parallel training draws them for the global batch in
// every process and each takes its rows, so that N processes drop what one process would.
torch::Tensor DropoutMasks(int64_t count);

inline constexpr const char* kSeedCnnArchitecture = "seed_cnn_v1";
inline constexpr double kSeedCnnFlopsPerPatch = 64.0e6;  // multiply-adds x 2, conv + dense

// Converts RGB uint8 thumbnails (N x 64 x 64 x 3, as stored) to the network's input:
// float N x 3 x 64 x 64 in channels-last memory, scaled to x/255 - 0.5.
torch::Tensor ToNetworkInput(const torch::Tensor& rgb_uint8_nhwc);

// Puts the 4-D weights of `module` in channels-last memory.
void UseChannelsLast(torch::nn::Module& module);

// Sets LibTorch's threads for this process (intra-op; inter-op is 1), and installs the caching
// CPU allocator (nn/cpu_allocator.h) once.
void ConfigureTorchThreads(int threads);

}  // namespace sealion
