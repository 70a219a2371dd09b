// Ensembles of point networks (model_file.h SavePointEnsemble, model_ensemble.h MakeEnsemble,
// point_inference.h AveragedOverModels): one file holds every network, counting averages them,
// and what cannot be one is refused by name.
#include "sealion/nn/model_ensemble.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "sealion/nn/checkpoint.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_inference.h"
#include "sealion/util/atomic_file.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::ErrorMessageOf;

const nlohmann::json kDetection = {{"threshold", 0.4}, {"suppression_fraction", 0.25}};

PointNet RandomNetwork(uint64_t seed, const std::string& architecture = kPointNetArchitecture) {
  torch::manual_seed(seed);
  PointNet network(architecture);
  UseChannelsLast(*network);
  network->eval();
  return network;
}

torch::Tensor Pixels() {
  torch::manual_seed(11);
  return torch::randint(0, 256, {1, 64, 96, 3}, torch::kUInt8);
}

TEST(PointEnsembles, AFileHoldsEveryNetworkAndCountingAveragesThem) {
  testing::ScopedTempDir dir;
  std::vector<PointNet> members{RandomNetwork(1), RandomNetwork(2), RandomNetwork(3)};
  SavePointEnsemble(dir.path() / "ensemble.bin", members, {{"detection", kDetection}});
  LoadedModel loaded = LoadModel(dir.path() / "ensemble.bin");
  ASSERT_TRUE(loaded.point_network);
  ASSERT_EQ(loaded.other_point_networks.size(), 2u);
  EXPECT_EQ(loaded.metadata.at("ensemble_members"), 3);
  EXPECT_EQ(loaded.metadata.at("format_version"), kEnsembleFormatVersion);
  std::vector<PointNet> read{loaded.point_network, loaded.other_point_networks[0],
                             loaded.other_point_networks[1]};
  for (size_t m = 0; m < members.size(); ++m) {
    read[m]->eval();
    const auto parameters = read[m]->named_parameters();
    for (const auto& item : members[m]->named_parameters())
      EXPECT_TRUE(torch::equal(item.value(), parameters[item.key()])) << m << " " << item.key();
  }
  // The counter's network is the members' average, logit by logit.
  torch::NoGradGuard no_grad;
  std::vector<PointForward> forwards;
  torch::Tensor expected = torch::zeros({1, 6, 16, 24});
  for (auto& member : read) {
    forwards.push_back(ForwardOf(member));
    expected += forwards.back().forward(Pixels()) / 3.0;
  }
  const PointForward averaged = AveragedOverModels(forwards);
  EXPECT_TRUE(torch::allclose(averaged.forward(Pixels()), expected, 1e-5, 1e-6));
  EXPECT_DOUBLE_EQ(averaged.flops(96, 64), 3 * forwards.front().flops(96, 64));
  // Not the same as any one member: the average is not a copy of the first.
  EXPECT_FALSE(torch::allclose(forwards.front().forward(Pixels()), expected, 1e-3, 1e-3));

  // Training cannot start from an ensemble; it says which file and why.
  PointNet fresh;
  const std::string error = ErrorMessageOf(
      [&] { InitialiseFromModel(dir.path() / "ensemble.bin", kPointMethod, *fresh); });
  EXPECT_NE(error.find("ensemble.bin"), std::string::npos) << error;
  EXPECT_NE(error.find("ensemble of 3"), std::string::npos) << error;
}

TEST(PointEnsembles, MismatchedMembersAndHeadersAreRefused) {
  testing::ScopedTempDir dir;
  std::vector<PointNet> mixed{RandomNetwork(1), RandomNetwork(2, kPointNetV2Architecture)};
  EXPECT_NE(ErrorMessageOf([&] {
              SavePointEnsemble(dir.path() / "mixed.bin", mixed, {{"detection", kDetection}});
            }).find("one architecture"),
            std::string::npos);
  std::vector<PointNet> one{RandomNetwork(1)};
  EXPECT_NE(ErrorMessageOf([&] {
              SavePointEnsemble(dir.path() / "one.bin", one, {{"detection", kDetection}});
            }).find("2 to"),
            std::string::npos);

  // A header whose member count disagrees with its weights, or an ensemble's count in a
  // single network's file, is a corrupt file named as such.
  std::vector<PointNet> two{RandomNetwork(1), RandomNetwork(2)};
  SavePointEnsemble(dir.path() / "two.bin", two, {{"detection", kDetection}});
  std::string bytes = ReadFileToString(dir.path() / "two.bin");
  const size_t at = bytes.find("\"ensemble_members\":2");
  ASSERT_NE(at, std::string::npos);
  bytes[at + std::string("\"ensemble_members\":").size()] = '3';
  WriteFileAtomically(dir.path() / "three.bin", bytes);
  const std::string three = ErrorMessageOf([&] { LoadModel(dir.path() / "three.bin"); });
  EXPECT_NE(three.find("three.bin"), std::string::npos) << three;
  EXPECT_NE(three.find("weights"), std::string::npos) << three;

  PointNet single = RandomNetwork(4);
  SavePointModel(dir.path() / "single.bin", single, {{"detection", kDetection}});
  bytes = ReadFileToString(dir.path() / "single.bin");
  bytes[12] = 3;  // the format version, little-endian, after the 12-byte magic
  WriteFileAtomically(dir.path() / "single-v3.bin", bytes);
  const std::string v3 = ErrorMessageOf([&] { LoadModel(dir.path() / "single-v3.bin"); });
  EXPECT_NE(v3.find("single-v3.bin"), std::string::npos) << v3;
  EXPECT_NE(v3.find("ensemble_members"), std::string::npos) << v3;
}

TEST(PointEnsembles, MakeEnsembleTakesTheFirstModelsSettingsButNotItsCalibrations) {
  testing::ScopedTempDir dir;
  PointNet a = RandomNetwork(1), b = RandomNetwork(2);
  nlohmann::json calibrated = kDetection;
  calibrated["views"] = 8;
  calibrated["threshold_by_views"] = {{"1", 0.45}};
  calibrated["threshold_by_jpeg_quality"] = {{"20", 0.4}, {"95", 0.4}};
  SavePointModel(dir.path() / "a.bin", a, {{"detection", calibrated}, {"training", {{"seed", 1}}}});
  SavePointModel(dir.path() / "b.bin", b, {{"detection", kDetection}, {"training", {{"seed", 2}}}});
  EnsembleOptions options;
  options.inputs = {dir.path() / "a.bin", dir.path() / "b.bin"};
  options.output = dir.path() / "ab.bin";
  const EnsembleSummary summary = MakeEnsemble(options);
  EXPECT_EQ(summary.members, 2);
  EXPECT_TRUE(summary.dropped_calibrations);
  EXPECT_FLOAT_EQ(summary.threshold, 0.4F);
  EXPECT_EQ(summary.views, 8);
  const LoadedModel ab = LoadModel(options.output);
  const auto& detection = ab.metadata.at("detection");
  EXPECT_FALSE(detection.contains("threshold_by_views"));
  EXPECT_FALSE(detection.contains("threshold_by_jpeg_quality"));
  const auto& described = ab.metadata.at("ensemble").at("members");
  ASSERT_EQ(described.size(), 2u);
  EXPECT_EQ(described[1].at("training").at("seed"), 2);

  // One network saved with an ensemble's header is a single network's file again.
  LoadedModel first_of = LoadModel(options.output);
  SavePointModel(dir.path() / "first.bin", first_of.point_network, first_of.metadata);
  const LoadedModel first = LoadModel(dir.path() / "first.bin");
  EXPECT_TRUE(first.other_point_networks.empty());
  EXPECT_FALSE(first.metadata.contains("ensemble"));
  EXPECT_EQ(first.metadata.at("format_version"), kModelFormatVersion);

  // Settings given win; an ensemble combined again contributes each of its networks.
  options.inputs = {options.output, dir.path() / "b.bin"};
  options.output = dir.path() / "abb.bin";
  options.threshold = 0.3F;
  options.views = 2;
  const EnsembleSummary again = MakeEnsemble(options);
  EXPECT_EQ(again.members, 3);
  EXPECT_FALSE(again.dropped_calibrations);
  const LoadedModel abb = LoadModel(options.output);
  EXPECT_FLOAT_EQ(abb.metadata.at("detection").at("threshold").get<float>(), 0.3F);
  EXPECT_EQ(abb.metadata.at("detection").at("views"), 2);
  EXPECT_EQ(abb.metadata.at("ensemble").at("members").size(), 3u);

  // What cannot be combined is refused, naming the file.
  SeedCnn tiles;
  SaveModel(dir.path() / "tiles.bin", tiles, {{"training", "untrained, for tests"}});
  options.inputs = {dir.path() / "a.bin", dir.path() / "tiles.bin"};
  options.output = dir.path() / "bad.bin";
  options.threshold = -1;
  const std::string error = ErrorMessageOf([&] { MakeEnsemble(options); });
  EXPECT_NE(error.find("tiles.bin"), std::string::npos) << error;
  EXPECT_NE(error.find("tile model"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(options.output));
  PointNet v2 = RandomNetwork(3, kPointNetV2Architecture);
  SavePointModel(dir.path() / "v2.bin", v2, {{"detection", kDetection}});
  options.inputs = {dir.path() / "a.bin", dir.path() / "v2.bin"};
  const std::string mixed = ErrorMessageOf([&] { MakeEnsemble(options); });
  EXPECT_NE(mixed.find("v2.bin"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("one architecture"), std::string::npos) << mixed;
  EXPECT_FALSE(std::filesystem::exists(options.output));
  options.inputs = {dir.path() / "a.bin"};
  EXPECT_NE(ErrorMessageOf([&] { MakeEnsemble(options); }).find("at least two"), std::string::npos);
  options.inputs = {dir.path() / "a.bin", dir.path() / "b.bin"};
  options.output = dir.path() / "a.bin";
  EXPECT_NE(ErrorMessageOf([&] { MakeEnsemble(options); }).find("replace its input"),
            std::string::npos);
}

}  // namespace
}  // namespace sealion
