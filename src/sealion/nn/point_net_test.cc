// The point network's architectures (point_net.h): v2's overlapping stem keeps v1's outputs and
// interfaces, and model files say which network they hold.
#include "sealion/nn/point_net.h"

#include <gtest/gtest.h>

#include <string>

#include "sealion/nn/checkpoint.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_train.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

int64_t ParameterCount(PointNet& network) {
  int64_t count = 0;
  for (const auto& p : network->parameters()) count += p.numel();
  return count;
}

using testing::ErrorMessageOf;

TEST(PointNetArchitectures, V2HasV1sOutputsAndCostsAFewPercentMore) {
  PointNet v1, v2(kPointNetV2Architecture);
  EXPECT_EQ(v1->architecture(), kPointNetArchitecture);
  EXPECT_EQ(v2->architecture(), kPointNetV2Architecture);
  // The stem's 3x16x4x4 patch weights become 3x16x3x3 and 16x16x3x3 (+ BatchNorm).
  EXPECT_EQ(ParameterCount(v2) - ParameterCount(v1), (16 * 27 + 2 * 16) + (16 * 144) - 3 * 16 * 16);
  const double v1_flops = PointNetFlops(5632, 3744),
               v2_flops = PointNetFlops(5632, 3744, kPointNetV2Architecture);
  EXPECT_GT(v2_flops / v1_flops, 1.1);
  EXPECT_LT(v2_flops / v1_flops, 1.2);
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::rand({2, 3, 96, 128});
  EXPECT_EQ(v2->forward(input).sizes(), (std::vector<int64_t>{2, 6, 24, 32}));
  const std::string error = ErrorMessageOf([] { PointNet unknown("point_net_v9"); });
  EXPECT_NE(error.find("point_net_v9"), std::string::npos) << error;
  EXPECT_NE(error.find(kPointNetV2Architecture), std::string::npos) << error;
}

TEST(PointNetArchitectures, V3HasV1sOutputsAndCostsAboutAThirdMore) {
  PointNet v1, v3(kPointNetV3Architecture);
  EXPECT_EQ(v3->architecture(), kPointNetV3Architecture);
  // Only the stem's weights differ: 3x16x4x4 patches become a 3x16x3x3 convolution; the blurs
  // are fixed filters, not parameters.
  EXPECT_EQ(ParameterCount(v1) - ParameterCount(v3), 3 * 16 * 16 - 3 * 16 * 9);
  const double ratio =
      PointNetFlops(5632, 3744, kPointNetV3Architecture) / PointNetFlops(5632, 3744);
  EXPECT_GT(ratio, 1.2);
  EXPECT_LT(ratio, 1.4);
  torch::NoGradGuard no_grad;
  v3->eval();
  EXPECT_EQ(v3->forward(torch::rand({2, 3, 96, 128})).sizes(),
            (std::vector<int64_t>{2, 6, 24, 32}));
  // Folding BatchNorm keeps v3's outputs too (the blurs sit outside the folded blocks).
  const torch::Tensor input = torch::rand({1, 3, 64, 96});
  const torch::Tensor expected = v3->forward(input);
  v3->FoldBatchNorm();
  EXPECT_TRUE(torch::allclose(v3->forward(input), expected, 1e-4, 1e-5));
}

// How much a network's outputs move when the photo moves by one pixel, relative to their size,
// away from the borders (random weights, a photo of random texture).
double OnePixelShiftChange(PointNet& network) {
  torch::NoGradGuard no_grad;
  network->eval();
  torch::manual_seed(11);
  const torch::Tensor photo = torch::rand({1, 3, 161, 161}) - 0.5;
  const torch::Tensor here = network->forward(photo.slice(2, 0, 160).slice(3, 0, 160));
  const torch::Tensor moved = network->forward(photo.slice(2, 1, 161).slice(3, 1, 161));
  const auto inner = [](const torch::Tensor& x) { return x.slice(2, 8, 32).slice(3, 8, 32); };
  return (inner(here) - inner(moved)).abs().mean().item<double>() /
         (inner(here) - inner(here).mean({2, 3}, /*keepdim=*/true)).abs().mean().item<double>();
}

TEST(PointNetArchitectures, V3MovesLessThanV1WhenThePhotoMovesByOnePixel) {
  torch::manual_seed(3);
  PointNet v1;
  torch::manual_seed(3);
  PointNet v3(kPointNetV3Architecture);
  const double v1_change = OnePixelShiftChange(v1), v3_change = OnePixelShiftChange(v3);
  EXPECT_LT(v3_change, 0.5 * v1_change) << "v1 " << v1_change << ", v3 " << v3_change;
}

TEST(PointNetArchitectures, AModelFileKeepsItsArchitecture) {
  testing::ScopedTempDir dir;
  torch::manual_seed(5);
  PointNet network(kPointNetV2Architecture);
  UseChannelsLast(*network);
  network->eval();
  SavePointModel(dir.path() / "v2.bin", network,
                 {{"detection", {{"threshold", 0.4}, {"suppression_fraction", 0.25}}}});
  LoadedModel loaded = LoadModel(dir.path() / "v2.bin");
  ASSERT_TRUE(loaded.point_network);
  EXPECT_EQ(loaded.point_network->architecture(), kPointNetV2Architecture);
  EXPECT_EQ(loaded.metadata.at("architecture"), kPointNetV2Architecture);
  const auto loaded_parameters = loaded.point_network->named_parameters();
  for (const auto& item : network->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), loaded_parameters[item.key()])) << item.key();
  }
  // Folding every BatchNorm, the stem's first stage's too, keeps the outputs.
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::rand({1, 3, 64, 96});
  const torch::Tensor expected = network->forward(input);
  network->FoldBatchNorm();
  EXPECT_TRUE(torch::allclose(network->forward(input), expected, 1e-4, 1e-5));

  // Training starts from a model of its own architecture only, and says so otherwise.
  PointNet v1;
  const std::string error =
      ErrorMessageOf([&] { InitialiseFromModel(dir.path() / "v2.bin", kPointMethod, *v1); });
  EXPECT_NE(error.find("v2.bin"), std::string::npos) << error;
  EXPECT_NE(error.find(kPointNetV2Architecture), std::string::npos) << error;
  EXPECT_NE(error.find(kPointNetArchitecture), std::string::npos) << error;
  PointNet v2(kPointNetV2Architecture);
  InitialiseFromModel(dir.path() / "v2.bin", kPointMethod, *v2);
  v2->eval();
  EXPECT_TRUE(torch::allclose(v2->forward(input), expected, 1e-5, 1e-6));
}

TEST(PointNetArchitectures, ACheckpointOfTheOtherNetworkIsRefusedByItsSettings) {
  testing::ScopedTempDir dir;
  PointNet v1;
  torch::optim::Adam v1_optimizer(v1->parameters(), torch::optim::AdamOptions(1e-3));
  SaveCheckpoint(dir.path() / "v1.checkpoint", *v1, v1_optimizer, {{"fingerprint", "points|v1"}});
  PointNet v2(kPointNetV2Architecture);
  torch::optim::Adam v2_optimizer(v2->parameters(), torch::optim::AdamOptions(1e-3));
  // Compared before any weights are read: the settings are named, not a missing tensor.
  const std::string error = ErrorMessageOf([&] {
    LoadCheckpoint(dir.path() / "v1.checkpoint", *v2, v2_optimizer, "points|v2", "other settings");
  });
  EXPECT_NE(error.find("v1.checkpoint: other settings"), std::string::npos) << error;
  EXPECT_EQ(error.find("serialized"), std::string::npos) << error;
  // The same fingerprint loads the same network.
  PointNet again;
  torch::optim::Adam again_optimizer(again->parameters(), torch::optim::AdamOptions(1e-3));
  const auto state =
      LoadCheckpoint(dir.path() / "v1.checkpoint", *again, again_optimizer, "points|v1", "other");
  EXPECT_EQ(state.at("fingerprint"), "points|v1");
  const auto loaded = again->named_parameters();
  for (const auto& item : v1->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), loaded[item.key()])) << item.key();
}

TEST(PointNetArchitectures, TrainingRefusesAnUnknownArchitecture) {
  PointTrainOptions options;
  options.dataset_dir = "data";
  options.coords = "coords.csv";
  options.model_path = "model.bin";
  options.Check();
  options.architecture = kPointNetV2Architecture;
  options.Check();
  options.architecture = kPointNetV3Architecture;
  options.Check();
  options.architecture = "resnet";
  const std::string error = ErrorMessageOf([&] { options.Check(); });
  EXPECT_NE(error.find("--architecture"), std::string::npos) << error;
  EXPECT_NE(error.find("resnet"), std::string::npos) << error;
  EXPECT_NE(error.find(PointNetArchitectureNames()), std::string::npos) << error;
}

TEST(PointTrainOptions, PeakWeightsOutOfRangeAreRefused) {
  PointTrainOptions options;
  options.dataset_dir = "data";
  options.coords = "coords.csv";
  options.model_path = "model.bin";
  options.peak_weights = {1, 1, 1, 1, 3};
  options.Check();
  options.peak_weights = {1, 1, 1, 1, 0};
  const std::string weights_error = ErrorMessageOf([&] { options.Check(); });
  EXPECT_NE(weights_error.find("--peak-weights"), std::string::npos) << weights_error;
}

}  // namespace
}  // namespace sealion
