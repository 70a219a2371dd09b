// The point counter's pieces: targets, loss masking, peak suppression, tiled inference, the
// model file, averaged views, and a tiny train-count-score run through the real program.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <tuple>

#include "sealion/extract/dedot.h"
#include "sealion/extract/extract.h"
#include "sealion/nn/augment.h"
#include "sealion/nn/cpu_allocator.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_data.h"
#include "sealion/nn/point_inference.h"
#include "sealion/nn/point_net.h"
#include "sealion/nn/point_targets.h"
#include "sealion/nn/point_train.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/stable_hash.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

TEST(PointTargets, PeakAtTheAnimalsCellGaussianAroundClassAtCentreAndNeighbours) {
  const cv::Size cells(32, 32);
  const cv::Mat valid(cells, CV_8U, cv::Scalar(255));
  const PointTargets targets =
      MakePointTargets({{41.0, 22.0, kAdultMales}, {101.0, 101.0, kPups}}, cells, valid, 4);
  EXPECT_EQ(targets.heatmap.at<float>(5, 10), 1.0f);  // 41 / 4 = 10, 22 / 4 = 5
  EXPECT_EQ(targets.heatmap.at<float>(25, 25), 1.0f);
  // A male's peak (sigma 15 px = 3.75 cells) is wider than a pup's (5 px = 1.25 cells).
  const float male_two_cells_away = targets.heatmap.at<float>(5, 12);
  const float pup_two_cells_away = targets.heatmap.at<float>(25, 27);
  EXPECT_NEAR(male_two_cells_away, std::exp(-4 / (2 * 3.75 * 3.75)), 1e-5);
  EXPECT_NEAR(pup_two_cells_away, std::exp(-4 / (2 * 1.25 * 1.25)), 1e-5);
  EXPECT_LT(targets.heatmap.at<float>(5, 11), 1.0f);
  EXPECT_EQ(targets.classes.at<int>(5, 10), kAdultMales);
  EXPECT_EQ(targets.classes.at<int>(5, 11), kAdultMales);
  EXPECT_EQ(targets.classes.at<int>(4, 10), kAdultMales);
  EXPECT_EQ(targets.classes.at<int>(4, 11), -1);  // diagonal: no class
  EXPECT_EQ(targets.classes.at<int>(25, 25), kPups);
  EXPECT_EQ(cv::countNonZero(targets.classes >= 0), 10);
  EXPECT_EQ(cv::countNonZero(targets.weight != 1.0f), 0);
}

TEST(PointTargets, MaskedCellsCarryNoWeightAndAnimalsOutsideAreIgnored) {
  const cv::Size cells(16, 16);
  cv::Mat valid(cells, CV_8U, cv::Scalar(255));
  valid(cv::Rect(0, 0, 8, 16)).setTo(0);
  const PointTargets targets =
      MakePointTargets({{-3, 5, kPups}, {70, 200, kPups}}, cells, valid, 4);
  EXPECT_EQ(cv::countNonZero(targets.heatmap), 0);
  EXPECT_EQ(cv::countNonZero(targets.weight), 8 * 16);
  EXPECT_EQ(targets.weight.at<float>(3, 2), 0.0f);
  EXPECT_EQ(targets.weight.at<float>(3, 12), 1.0f);
}

// One crop's targets as the loss takes them: a batch of one.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> TargetTensors(const PointTargets& targets) {
  const auto as_tensor = [](const cv::Mat& m, torch::ScalarType type) {
    return torch::from_blob(m.data, {1, m.rows, m.cols}, type).clone();
  };
  return {as_tensor(targets.heatmap, torch::kFloat32), as_tensor(targets.weight, torch::kFloat32),
          as_tensor(targets.classes, torch::kInt32).to(torch::kInt64)};
}

TEST(PointLoss, MaskedPixelsCarryNoLossAndNoGradient) {
  torch::manual_seed(3);
  const int cells = 16;
  const cv::Mat valid_mat = [&] {
    cv::Mat m(cells, cells, CV_8U, cv::Scalar(255));
    m(cv::Rect(0, 0, cells / 2, cells)).setTo(0);  // left half masked
    return m;
  }();
  const PointTargets targets = MakePointTargets({{40, 30, kAdultFemales}, {10, 10, kPups}},
                                                cv::Size(cells, cells), valid_mat, 4);
  const auto [heatmap, weight, classes] = TargetTensors(targets);
  const torch::Tensor class_weights = torch::ones({kNumSeaLionClasses});
  torch::Tensor outputs = torch::randn({1, kPointNetOutputs, cells, cells}).requires_grad_(true);
  const PointLoss loss = ComputePointLoss(outputs, heatmap, weight, classes, class_weights);
  loss.total.backward();
  const torch::Tensor gradient = outputs.grad();
  EXPECT_EQ(gradient.slice(3, 0, cells / 2).abs().max().item<float>(), 0.0f)
      << "a masked cell got a gradient (the pup at 10,10 lies under the mask)";
  EXPECT_GT(gradient.slice(3, cells / 2, cells).abs().max().item<float>(), 0.0f);
  // Changing the outputs under the mask leaves the loss as it is.
  torch::Tensor changed = outputs.detach().clone();
  changed.slice(3, 0, cells / 2).fill_(7.0f);
  const PointLoss same = ComputePointLoss(changed, heatmap, weight, classes, class_weights);
  EXPECT_NEAR(same.total.item<float>(), loss.total.item<float>(), 1e-6);
}

TEST(PointLoss, PeakWeightsScaleOnlyTheirClassesPeakTerm) {
  const int cells = 16;
  const cv::Mat valid_mat(cells, cells, CV_8U, cv::Scalar(255));
  const PointTargets targets = MakePointTargets({{40, 30, kAdultFemales}, {20, 52, kPups}},
                                                cv::Size(cells, cells), valid_mat, 4);
  const auto [heatmap, weight, classes] = TargetTensors(targets);
  const torch::Tensor class_weights = torch::ones({kNumSeaLionClasses});
  // Logits 0 everywhere: p = 0.5, so each animal's peak term is -log(0.5) * 0.5^2.
  const auto loss_with = [&](const torch::Tensor& peak_weights) {
    torch::Tensor outputs = torch::zeros({1, kPointNetOutputs, cells, cells}).requires_grad_(true);
    const PointLoss loss =
        ComputePointLoss(outputs, heatmap, weight, classes, class_weights, peak_weights);
    loss.total.backward();
    return std::pair{loss.heatmap.item<double>(), outputs.grad().select(1, 0).clone()};
  };
  const auto [plain, plain_gradient] = loss_with({});
  const auto [ones, ones_gradient] = loss_with(torch::ones({kNumSeaLionClasses}));
  EXPECT_NEAR(ones, plain, 1e-7);
  const auto [pups, pups_gradient] = loss_with(torch::tensor({1.f, 1.f, 1.f, 1.f, 3.f}));
  const double peak_term = std::log(2.0) * 0.25;
  // Two animals normalise the sum; the pup's peak term counts 3 times instead of once.
  EXPECT_NEAR(pups - plain, 2 * peak_term / 2, 1e-6);
  // The gradient changes at the pup's cell (5, 13) alone, three times as steep there.
  const torch::Tensor changed = (pups_gradient - plain_gradient).abs().gt(1e-9);
  EXPECT_EQ(changed.sum().item<int64_t>(), 1);
  EXPECT_TRUE(changed[0][13][5].item<bool>());
  EXPECT_NEAR(pups_gradient[0][13][5].item<float>(), 3 * plain_gradient[0][13][5].item<float>(),
              1e-6);
}

TEST(PointLoss, PairConsistencyIsZeroWhenTheCopiesAgreeAndPullsEachTowardsTheOther) {
  torch::manual_seed(5);
  const int cells = 8;
  torch::Tensor weight = torch::ones({2, cells, cells});
  weight.slice(2, 0, cells / 2).zero_();  // left half of both crops masked
  const torch::Tensor first =
      torch::randn({2, kPointNetOutputs, cells, cells}).requires_grad_(true);
  const torch::Tensor same = first.detach().clone().requires_grad_(true);
  EXPECT_NEAR(ComputePairConsistencySum(first, same, weight).item<double>(), 0.0, 1e-6);

  const torch::Tensor second =
      torch::randn({2, kPointNetOutputs, cells, cells}).requires_grad_(true);
  const torch::Tensor sum = ComputePairConsistencySum(first, second, weight);
  EXPECT_GT(sum.item<double>(), 0.0);
  sum.backward();
  // At a labelled cell the gradient is this copy's peak probability minus the other's.
  const torch::Tensor p_first = torch::sigmoid(first.detach().select(1, 0));
  const torch::Tensor p_second = torch::sigmoid(second.detach().select(1, 0));
  const torch::Tensor labelled = weight.gt(0);
  const torch::Tensor expected = (p_first - p_second) * labelled;
  EXPECT_LT((first.grad().select(1, 0) - expected).abs().max().item<float>(), 1e-5);
  EXPECT_LT((second.grad().select(1, 0) + expected).abs().max().item<float>(), 1e-5);
  // Masked cells and the class channels get nothing.
  EXPECT_EQ(first.grad().select(1, 0).slice(2, 0, cells / 2).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(first.grad().slice(1, 1).abs().max().item<float>(), 0.0f);
}

TEST(ClassWeights, RareClassesWeighMoreAndTheAverageAnimalWeighsOne) {
  const auto weights = ClassWeights({10, 10, 400, 100, 200});
  EXPECT_GT(weights[kAdultMales], weights[kAdultFemales]);
  EXPECT_NEAR(weights[kAdultMales], weights[kSubadultMales], 1e-12);
  double average = 0;
  const std::array<double, 5> counts = {10, 10, 400, 100, 200};
  for (int c = 0; c < 5; ++c) average += weights[c] * counts[c] / 720.0;
  EXPECT_NEAR(average, 1.0, 0.05);  // exact before clamping; the clamp bites little here
  const auto empty = ClassWeights({0, 0, 5, 0, 0});
  EXPECT_EQ(empty[kAdultMales], 1.0);
}

// Weight decay shrinks convolution weights only: biases and BatchNorm's scales and shifts keep
// their values.
TEST(WeightDecay, OnlyTheConvolutionWeightsShrink) {
  PointNet network;
  std::vector<torch::Tensor> before;
  for (const auto& parameter : network->parameters()) before.push_back(parameter.clone());
  ShrinkWeights(*network, 0.9);
  const auto after = network->parameters();
  ASSERT_EQ(after.size(), before.size());
  int shrunk = 0, kept = 0;
  for (size_t i = 0; i < after.size(); ++i) {
    if (before[i].dim() >= 2) {
      EXPECT_TRUE(torch::allclose(after[i], before[i] * 0.9));
      ++shrunk;
    } else {
      EXPECT_TRUE(torch::equal(after[i], before[i]));
      ++kept;
    }
  }
  EXPECT_GT(shrunk, 10);
  EXPECT_GT(kept, 10);
}

TEST(Suppression, OnePeakPerBodyLengthKeepsTheStrongest) {
  const std::vector<PointDetection> candidates = {
      {100, 100, kAdultMales, 0.9f},  // a male ...
      {112, 100, kAdultMales, 0.6f},  // ... and a second peak on its body, 12 px away
      {100, 140, kAdultMales, 0.7f},  // another male 40 px away: kept at 0.3 x 120 = 36 px
      {300, 300, kPups, 0.8f},        // two pups 14 px apart: 0.3 x 40 = 12 px, both kept
      {314, 300, kPups, 0.5f},       {500, 500, kPups, 0.2f},  // below the threshold
  };
  const auto kept = SuppressByDistance(candidates, 0.3f, 0.3);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0].score, 0.9f);
  EXPECT_EQ(kept[1].score, 0.8f);
  EXPECT_EQ(kept[2].score, 0.7f);
  EXPECT_EQ(kept[3].score, 0.5f);
  // A pup beside a male is judged by the larger body: 20 px from the male is the male's.
  const auto mixed =
      SuppressByDistance({{0, 0, kAdultMales, 0.9f}, {20, 0, kPups, 0.8f}}, 0.3f, 0.3);
  EXPECT_EQ(mixed.size(), 1u);
}

// An untrained network with a bias that puts many peaks above a low threshold.
PointNet RandomNetwork() {
  torch::manual_seed(11);
  PointNet network;
  UseChannelsLast(*network);
  network->eval();
  return network;
}

TEST(TiledInference, SmallTilesFindExactlyTheCandidatesOfOneWholeTile) {
  PointNet network = RandomNetwork();
  cv::Mat photo(190, 250, CV_8UC3);  // odd size, not a multiple of 32
  cv::randu(photo, 0, 255);
  cv::GaussianBlur(photo, photo, cv::Size(0, 0), 3);
  PointInferenceOptions whole;
  whole.tile_width = 256;
  whole.tile_height = 224;
  whole.margin = 0;
  whole.candidate_threshold = 0.001f;
  PointInferenceOptions tiled = whole;
  tiled.tile_width = 64;  // 4 x 3 tiles, seams everywhere
  tiled.tile_height = 64;
  tiled.margin = 160;  // more than half the receptive field (about 270 px)
  const auto reference = FindPeakCandidates(network, photo, whole);
  const auto candidates = FindPeakCandidates(network, photo, tiled);
  ASSERT_GT(reference.size(), 20u);
  ASSERT_EQ(candidates.size(), reference.size());
  auto by_position = [](const PointDetection& a, const PointDetection& b) {
    return a.y != b.y ? a.y < b.y : a.x < b.x;
  };
  auto sorted_reference = reference, sorted = candidates;
  std::sort(sorted_reference.begin(), sorted_reference.end(), by_position);
  std::sort(sorted.begin(), sorted.end(), by_position);
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_EQ(sorted[i].x, sorted_reference[i].x);
    EXPECT_EQ(sorted[i].y, sorted_reference[i].y);
    EXPECT_NEAR(sorted[i].score, sorted_reference[i].score, 1e-4);
    EXPECT_LT(sorted[i].x, photo.cols);
    EXPECT_LT(sorted[i].y, photo.rows);
  }
}

TEST(TiledInference, AnAnimalOnASeamIsCountedOnce) {
  // Two candidates of one animal, one on each side of a seam at x = 64, merge into one.
  const auto kept = SuppressByDistance(
      {{61.5, 33.5, kAdultFemales, 0.8f}, {65.5, 33.5, kAdultFemales, 0.7f}}, 0.5f, 0.25);
  EXPECT_EQ(kept.size(), 1u);
  // And tiling itself judges every cell once: no candidate appears twice.
  PointNet network = RandomNetwork();
  cv::Mat photo(130, 200, CV_8UC3, cv::Scalar(90, 80, 70));
  cv::circle(photo, cv::Point(64, 64), 12, cv::Scalar(20, 20, 20), -1);
  PointInferenceOptions tiled;
  tiled.tile_width = 64;
  tiled.tile_height = 64;
  tiled.margin = 32;
  tiled.candidate_threshold = 0.001f;
  const auto candidates = FindPeakCandidates(network, photo, tiled);
  std::set<std::pair<double, double>> positions;
  for (const auto& c : candidates) EXPECT_TRUE(positions.insert({c.x, c.y}).second);
}

// A stand-in network for AveragedOverViews: each 4x4 block's mean red level in all six output
// channels, plus `ramp` times the cell's column; the mean alone turns with the input (every view
// gives the same map once turned back), the ramp does not.
PointForward BlockMeanNetwork(float ramp) {
  return {
      [ramp](const torch::Tensor& pixels) {
        const torch::Tensor red = pixels.permute({0, 3, 1, 2}).slice(1, 0, 1).to(torch::kFloat32);
        torch::Tensor output = torch::avg_pool2d(red, {4, 4}).repeat({1, 6, 1, 1});
        const int64_t columns = output.size(3);
        return output + ramp * torch::arange(columns, torch::kFloat32).view({1, 1, 1, columns});
      },
      4, [](int width, int height) { return 1.0 * width * height; }};
}

TEST(TestTimeViews, EveryViewIsTurnedBackOntoThePhotosGridAndAveraged) {
  cv::Mat photo(64, 96, CV_8UC3);  // not square: a transposed view has other sides
  cv::randu(photo, 0, 255);
  const torch::Tensor pixels = torch::from_blob(photo.data, {1, 64, 96, 3}, torch::kUInt8);
  const PointForward plain = BlockMeanNetwork(0);
  const torch::Tensor reference = plain.forward(pixels);
  for (const int views : {1, 2, 4, 8}) {
    SCOPED_TRACE(views);
    const PointForward averaged = AveragedOverViews(plain, views);
    EXPECT_EQ(averaged.stride, 4);
    EXPECT_EQ(averaged.flops(96, 64), views * 96.0 * 64);
    const torch::Tensor output = averaged.forward(pixels);
    ASSERT_EQ(output.sizes(), reference.sizes());
    EXPECT_LT((output - reference).abs().max().item<float>(), 1e-4)
        << "a view was not turned back onto the photo's grid";
  }
  // The mirrored view's ramp runs the other way: averaged with the original's, it is flat at the
  // mean column (24 cells wide: 11.5).
  const torch::Tensor ramped = AveragedOverViews(BlockMeanNetwork(1), 2).forward(pixels);
  EXPECT_LT((ramped - reference - 11.5).abs().max().item<float>(), 1e-4);
  EXPECT_THROW(AveragedOverViews(plain, 3), Error);
  EXPECT_THROW(AveragedOverViews(plain, 0), Error);
}

// LoadModel's error for `path`, or "" when it loads.
std::string LoadModelError(const std::filesystem::path& path) {
  return testing::ErrorMessageOf([&] { LoadModel(path); });
}

TEST(PointModelFile, RoundTripKeepsOutputsAndSettingsAndChecksTheHeader) {
  testing::ScopedTempDir dir;
  PointNet network = RandomNetwork();
  const nlohmann::json detection = {{"threshold", 0.4}, {"suppression_fraction", 0.25}};
  SavePointModel(dir.path() / "points.bin", network, {{"detection", detection}});
  LoadedModel loaded = LoadModel(dir.path() / "points.bin");
  EXPECT_EQ(loaded.method, kPointMethod);
  ASSERT_TRUE(loaded.point_network);
  EXPECT_FALSE(loaded.tile_network);
  EXPECT_EQ(loaded.metadata.at("detection").at("threshold").get<double>(), 0.4);
  loaded.point_network->eval();
  const torch::Tensor input =
      torch::rand({1, 3, 64, 96}).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = network->forward(input);
  EXPECT_TRUE(torch::allclose(loaded.point_network->forward(input), expected, 1e-5, 1e-6));
  // Folding BatchNorm into the convolutions gives the same outputs.
  loaded.point_network->FoldBatchNorm();
  EXPECT_TRUE(torch::allclose(loaded.point_network->forward(input), expected, 1e-4, 1e-5));

  // A header that names another stride, or no detection settings, is refused by name.
  std::string bytes = ReadFileToString(dir.path() / "points.bin");
  const auto at = bytes.find("\"stride\":4");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 10, "\"stride\":8");
  WriteFileAtomically(dir.path() / "stride8.bin", bytes);
  const std::string stride_error = LoadModelError(dir.path() / "stride8.bin");
  EXPECT_NE(stride_error.find("stride8.bin"), std::string::npos) << stride_error;
  EXPECT_THROW(SavePointModel(dir.path() / "x.bin", network, {}), Error);
  // Detection settings out of range are refused naming the file and the field; a model from
  // before views reads as 1 view.
  EXPECT_EQ(loaded.metadata.at("detection").at("views").get<int>(), 1);
  for (const auto& [name, bad] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"views", nlohmann::json(3)},
           {"views", nlohmann::json(2.5)},
           {"threshold", nlohmann::json(1.5)},
           {"threshold_by_views", {{"3", 0.5}}},
           {"threshold_by_views", {{"1", 1.5}}},
           {"threshold_by_views", {0.5}},
           {"threshold_by_jpeg_quality", {{"0", 0.5}}},
           {"threshold_by_jpeg_quality", {{"101", 0.5}}},
           {"threshold_by_jpeg_quality", {{"20", 1.0}}},
           {"threshold_by_jpeg_quality", nlohmann::json::object()}}) {
    nlohmann::json wrong = detection;
    wrong[name] = bad;
    SavePointModel(dir.path() / "wrong.bin", network, {{"detection", wrong}});
    const std::string error = LoadModelError(dir.path() / "wrong.bin");
    EXPECT_NE(error.find("wrong.bin"), std::string::npos) << error;
    EXPECT_NE(error.find("detection." + name), std::string::npos) << error;
  }

  // A network saved with contiguous weights (not channels-last) loads as well.
  torch::manual_seed(12);
  PointNet contiguous;
  SavePointModel(dir.path() / "contiguous.bin", contiguous,
                 {{"detection", {{"threshold", 0.4}, {"suppression_fraction", 0.25}}}});
  LoadedModel reloaded = LoadModel(dir.path() / "contiguous.bin");
  ASSERT_TRUE(reloaded.point_network);
  EXPECT_TRUE(torch::equal(reloaded.point_network->parameters().front().contiguous(),
                           contiguous->parameters().front().contiguous()));
}

// LibTorch compiles the code records of a weights archive and crashes on some damaged ones
// (model_file_fuzz), so only the tensor data of a model file reaches it: a file whose code differs
// from what this version writes is refused, even with a checksum that matches.
TEST(PointModelFile, OnlyTheTensorDataOfTheFileReachesLibTorch) {
  testing::ScopedTempDir dir;
  PointNet network = RandomNetwork();
  SavePointModel(dir.path() / "points.bin", network,
                 {{"detection", {{"threshold", 0.4}, {"suppression_fraction", 0.25}}}});
  std::string bytes = ReadFileToString(dir.path() / "points.bin");
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + 16, sizeof(header_size));
  const size_t weights_start = 24 + header_size;
  // A code record LibTorch stored (some it deflates).
  const auto code = bytes.find("class Module(Module):", weights_start);
  ASSERT_NE(code, std::string::npos);
  bytes.replace(code, 21, "class Module(Modula):");
  // The checksum made to match, as a deliberate edit would.
  const auto checksum = bytes.find("\"weights_checksum\":\"");
  ASSERT_LT(checksum, weights_start);
  bytes.replace(
      checksum + 20, 16,
      fmt::format("{:016x}", StableHash(std::string_view(bytes).substr(weights_start), 0)));
  WriteFileAtomically(dir.path() / "edited.bin", bytes);
  const std::string error = LoadModelError(dir.path() / "edited.bin");
  EXPECT_NE(error.find("edited.bin"), std::string::npos) << error;
  EXPECT_NE(error.find("differs from what this version"), std::string::npos) << error;
}

// A small synthetic survey of `photos` training photos in dir/survey, extracted into
// dir/extract.
std::filesystem::path ExtractedSurvey(const std::filesystem::path& dir, int photos, int width,
                                      int height) {
  const auto survey = dir / "survey";
  testing::MakeSmallSurvey(survey, photos, 0, width, height, 6);
  ExtractOptions extract;
  extract.dataset_dir = survey;
  extract.output_dir = dir / "extract";
  RunExtract(extract);
  return survey;
}

TEST(LabelledPhotos, PhotosWithoutAPlainCopyAreRepairedOrSkippedByName) {
  testing::ScopedTempDir dir;
  const auto survey = ExtractedSurvey(dir.path(), 2, 256, 192);
  std::filesystem::remove(survey / "Train" / "1.jpg");
  std::vector<std::string> skipped;
  const auto photos =
      LoadLabelledPhotos(survey, dir.path() / "extract" / "coords.csv", true, 1, &skipped);
  ASSERT_EQ(photos.size(), 2u);
  EXPECT_FALSE(photos[0].dedot);
  EXPECT_TRUE(photos[1].dedot);
  EXPECT_EQ(photos[1].image_path, survey / "TrainDotted" / "1.jpg");
  const cv::Mat repaired = ReadTrainingImage(photos[1]);
  EXPECT_EQ(repaired.size(), photos[1].size);
  skipped.clear();
  const auto plain_only =
      LoadLabelledPhotos(survey, dir.path() / "extract" / "coords.csv", false, 1, &skipped);
  EXPECT_EQ(plain_only.size(), 1u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("1: no plain photo"), std::string::npos) << skipped[0];
}

TEST(LabelledPhotos, DottedCopiesTooListsEachPlainPhotoAgainAsItsRepairedDottedCopy) {
  testing::ScopedTempDir dir;
  const auto survey = ExtractedSurvey(dir.path(), 2, 256, 192);
  std::filesystem::remove(survey / "Train" / "1.jpg");  // photo 1: a dotted copy alone
  const auto coords = dir.path() / "extract" / "coords.csv";
  std::vector<std::string> skipped;
  const auto once = LoadLabelledPhotos(survey, coords, true, 1, &skipped);
  const auto both = LoadLabelledPhotos(survey, coords, true, 1, &skipped, true);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(once.size(), 2u);
  ASSERT_EQ(both.size(), 3u);  // photo 0 twice, photo 1 (no plain copy) once
  EXPECT_EQ(both[0].image_path, survey / "Train" / "0.jpg");
  EXPECT_FALSE(both[0].dedot);
  const LabelledPhoto& copy = both[1];
  EXPECT_EQ(copy.id, both[0].id);
  EXPECT_TRUE(copy.dedot);
  EXPECT_EQ(copy.image_path, survey / "TrainDotted" / "0.jpg");
  EXPECT_EQ(copy.size, both[0].size);
  ASSERT_EQ(copy.animals.size(), both[0].animals.size());
  ASSERT_FALSE(copy.animals.empty());
  EXPECT_EQ(copy.animals[0].x, both[0].animals[0].x);
  EXPECT_EQ(cv::countNonZero(copy.valid_cells != both[0].valid_cells), 0);
  EXPECT_EQ(both[2].image_path, once[1].image_path);
  // The copy is trained on the dotted pixels, dots removed: not the plain photo's pixels.
  const cv::Mat plain = ReadTrainingImage(both[0]);
  const cv::Mat repaired = ReadTrainingImage(copy);
  ASSERT_EQ(repaired.size(), plain.size());
  EXPECT_GT(cv::norm(plain, repaired, cv::NORM_L1), 0);
}

// The one photo of a small extracted survey of 640x480 px, with its labelled animals.
LabelledPhoto OneLabelledPhoto(const std::filesystem::path& dir) {
  const auto survey = ExtractedSurvey(dir, 1, 640, 480);
  std::vector<std::string> skipped;
  auto photos = LoadLabelledPhotos(survey, dir / "extract" / "coords.csv", true, 1, &skipped);
  if (photos.size() != 1) throw std::runtime_error("expected one labelled photo");
  return photos[0];
}

TEST(LabelledPhotos, DecoyRepairsLieOnBackgroundAndChangeOnlyTheirDiscs) {
  testing::ScopedTempDir dir;
  const LabelledPhoto photo = OneLabelledPhoto(dir.path());
  ASSERT_FALSE(photo.animals.empty());
  EXPECT_TRUE(ChooseDecoyRepairs(photo, 0, 1).empty());
  const auto decoys = ChooseDecoyRepairs(photo, 2, 1);
  EXPECT_GT(decoys.size(), 0u);
  EXPECT_LE(decoys.size(), std::max<size_t>(20, 2 * photo.animals.size()));
  EXPECT_EQ(decoys, ChooseDecoyRepairs(photo, 2, 1));  // fixed by seed and photo
  EXPECT_NE(decoys, ChooseDecoyRepairs(photo, 2, 2));
  for (const auto& decoy : decoys) {
    EXPECT_TRUE(cv::Rect(cv::Point(0, 0), photo.size).contains(decoy));
    for (const Animal& animal : photo.animals) {
      EXPECT_GE(std::hypot(animal.x - decoy.x, animal.y - decoy.y),
                0.6 * kBodyLengthPixels[static_cast<size_t>(animal.class_index)]);
    }
  }
  // The plain photo with decoys differs from it only within the repair radius of a decoy.
  const cv::Mat plain = ReadTrainingImage(photo);
  const cv::Mat with_decoys = ReadTrainingImage(photo, decoys);
  cv::Mat near_decoy(plain.size(), CV_8U, cv::Scalar(0));
  for (const auto& decoy : decoys) {
    cv::circle(near_decoy, cv::Point(cvRound(decoy.x), cvRound(decoy.y)), DedotOptions{}.radius + 1,
               cv::Scalar(255), cv::FILLED);
  }
  cv::Mat difference;
  cv::absdiff(plain, with_decoys, difference);
  std::vector<cv::Mat> channels;
  cv::split(difference, channels);
  cv::Mat changed = channels[0] | channels[1] | channels[2];
  EXPECT_GT(cv::countNonZero(changed), 0);
  changed.setTo(0, near_decoy);
  EXPECT_EQ(cv::countNonZero(changed), 0);
}

TEST(LabelledPhotos, BodyDecoysLieOnBodiesOffCentreAndApart) {
  testing::ScopedTempDir dir;
  const LabelledPhoto photo = OneLabelledPhoto(dir.path());
  ASSERT_FALSE(photo.animals.empty());
  EXPECT_TRUE(ChooseBodyDecoyRepairs(photo, 0, 1).empty());
  const auto decoys = ChooseBodyDecoyRepairs(photo, 1, 1);
  EXPECT_GT(decoys.size(), photo.animals.size() / 2);  // most animals have room for one
  EXPECT_LE(decoys.size(), photo.animals.size());
  EXPECT_EQ(decoys, ChooseBodyDecoyRepairs(photo, 1, 1));  // fixed by seed and photo
  EXPECT_NE(decoys, ChooseBodyDecoyRepairs(photo, 1, 2));
  EXPECT_GT(ChooseBodyDecoyRepairs(photo, 2, 1).size(), decoys.size());
  const double apart = 2.0 * DedotOptions{}.radius + 1;
  for (size_t i = 0; i < decoys.size(); ++i) {
    const cv::Point2d& decoy = decoys[i];
    EXPECT_TRUE(cv::Rect(cv::Point(0, 0), photo.size).contains(decoy));
    // On some animal's body (within 0.45 of its body length), off every animal's centre.
    bool on_a_body = false;
    for (const Animal& animal : photo.animals) {
      const double distance = std::hypot(animal.x - decoy.x, animal.y - decoy.y);
      EXPECT_GE(distance, apart);
      const double body = kBodyLengthPixels[static_cast<size_t>(animal.class_index)];
      on_a_body = on_a_body || distance <= std::max(apart, 0.45 * body) + 1e-9;
    }
    EXPECT_TRUE(on_a_body) << decoy;
    for (size_t j = 0; j < i; ++j) {
      EXPECT_GE(std::hypot(decoys[j].x - decoy.x, decoys[j].y - decoy.y), apart);
    }
  }
}

// The tile trainer's thumbnails are augmented like the point trainer's crops: fixed by the seed,
// of the same size and type; with scale and every photometric change off, only quarter turns and
// flips remain, which move pixels without changing them.
TEST(Augmentation, ThumbnailsAreFixedBySeedAndOnlyTurnedWhenTheRestIsOff) {
  cv::Mat thumbnail(64, 64, CV_8UC3);
  cv::randu(thumbnail, 0, 255);
  const AugmentOptions augment;
  const auto augmented = [&](const AugmentOptions& options, uint64_t seed) {
    cv::Mat copy = thumbnail.clone();
    AugmentThumbnail(copy, options, seed);
    EXPECT_EQ(copy.size(), thumbnail.size());
    EXPECT_EQ(copy.type(), thumbnail.type());
    return copy;
  };
  EXPECT_EQ(cv::norm(augmented(augment, 7), augmented(augment, 7), cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(augmented(augment, 7), augmented(augment, 8), cv::NORM_INF), 0);

  AugmentOptions turns_only;
  turns_only.scale_range = turns_only.exposure = turns_only.colour = 0;
  turns_only.haze = turns_only.blur = turns_only.jpeg = 0;
  const auto sorted_pixels = [](const cv::Mat& image) {
    std::vector<uint8_t> values(image.datastart, image.dataend);
    std::sort(values.begin(), values.end());
    return values;
  };
  int changed = 0;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    const cv::Mat turned = augmented(turns_only, seed);
    EXPECT_EQ(sorted_pixels(turned), sorted_pixels(thumbnail)) << seed;
    changed += cv::norm(turned, thumbnail, cv::NORM_INF) > 0;
  }
  EXPECT_GE(changed, 8);  // 7 of the 8 turn-and-flip combinations move pixels
}

// Large tensors freed go back to the cache and serve the next request of about their size;
// a much smaller request gets a block of its own.
// A crop's pixels, its animals and its masked cells are turned and flipped alike: the animal's
// bright pixel lies in its peak cell, and the cells over the dark masked half carry no weight.
TEST(Crops, PixelsAnimalsAndMaskedCellsTurnTogether) {
  LabelledPhoto photo;
  photo.size = cv::Size(1000, 800);
  photo.animals = {{501, 403, kAdultFemales}};
  photo.valid_cells = cv::Mat(200, 250, CV_8U, cv::Scalar(255));
  photo.valid_cells.colRange(0, 125).setTo(0);  // photo x < 500 masked
  cv::Mat rgb(photo.size, CV_8UC3, cv::Scalar::all(128));
  rgb.colRange(0, 500).setTo(cv::Scalar::all(40));
  rgb.at<cv::Vec3b>(403, 501) = cv::Vec3b(255, 255, 255);
  AugmentOptions augment;  // geometry alone, at scale 1 (no resampling)
  augment.scale_range = augment.exposure = augment.colour = 0;
  augment.haze = augment.blur = augment.jpeg = 0;
  augment.animal_centred = 1;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    const TrainingCrop crop = SampleCrop(rgb, photo, 64, augment, seed);
    cv::Mat grey;
    cv::extractChannel(crop.rgb, grey, 0);
    double brightest = 0;
    cv::Point at;
    cv::minMaxLoc(grey, nullptr, &brightest, nullptr, &at);
    ASSERT_EQ(brightest, 255) << "seed " << seed;
    EXPECT_EQ(crop.targets.heatmap.at<float>(at.y / 4, at.x / 4), 1.0f) << "seed " << seed;
    int masked = 0, unmasked = 0;
    for (int cy = 0; cy < 16; ++cy) {
      for (int cx = 0; cx < 16; ++cx) {
        double low, high;
        cv::minMaxLoc(grey(cv::Rect(4 * cx, 4 * cy, 4, 4)), &low, &high);
        const float weight = crop.targets.weight.at<float>(cy, cx);
        if (high == 40) {
          EXPECT_EQ(weight, 0.0f) << "seed " << seed << " cell " << cx << "," << cy;
          ++masked;
        } else if (low == 128 && high == 128) {
          EXPECT_GT(weight, 0.0f) << "seed " << seed << " cell " << cx << "," << cy;
          ++unmasked;
        }
      }
    }
    EXPECT_GT(masked, 0);
    EXPECT_GT(unmasked, 0);
  }
}

// --animal-centred: the share of crops cut around an animal; the others anywhere, which on a
// large photo with one animal almost never holds it.
TEST(Crops, TheAnimalCentredShareDecidesHowOftenACropHoldsAnAnimal) {
  LabelledPhoto photo;
  photo.size = cv::Size(4000, 3000);
  photo.animals = {{2000, 1500, kPups}};
  photo.valid_cells = cv::Mat(750, 1000, CV_8U, cv::Scalar(255));
  const cv::Mat rgb(photo.size, CV_8UC3, cv::Scalar::all(128));
  AugmentOptions augment;
  augment.exposure = augment.colour = augment.haze = augment.blur = augment.jpeg = 0;
  const auto crops_with_the_animal = [&](double animal_centred) {
    augment.animal_centred = animal_centred;
    int with = 0;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
      const TrainingCrop crop = SampleCrop(rgb, photo, 64, augment, seed);
      double peak = 0;
      cv::minMaxLoc(crop.targets.heatmap, nullptr, &peak);
      with += peak == 1.0 ? 1 : 0;
    }
    return with;
  };
  EXPECT_EQ(crops_with_the_animal(1), 200);
  EXPECT_LE(crops_with_the_animal(0), 2);  // a 64-84 px window anywhere in 4000 x 3000
  const int share = crops_with_the_animal(0.4);
  EXPECT_GT(share, 50);  // about 80 of 200
  EXPECT_LT(share, 110);
  augment.animal_centred = 1.5;
  EXPECT_THROW(augment.Check(), Error);
}

// --hard-negatives: detections of an earlier model that match no labelled animal, on unmasked
// cells of a training photo, become places where crops are centred.
TEST(HardNegatives, OnlyDetectionsAwayFromEveryAnimalAndOffTheMasksAreKept) {
  testing::ScopedTempDir dir;
  LabelledPhoto photo;
  photo.id = 7;
  photo.size = cv::Size(1000, 800);
  photo.animals = {{500, 400, kAdultMales}, {200, 200, kPups}};
  photo.valid_cells = cv::Mat(200, 250, CV_8U, cv::Scalar(255));
  photo.valid_cells.rowRange(150, 200).setTo(0);  // photo y >= 600 masked
  std::vector<LabelledPhoto> photos = {photo};
  WriteFileAtomically(dir.path() / "detections.csv",
                      "test_id,class,x,y,score\n"
                      "7,adult_males,540,410,0.9\n"    // 41 px from the adult male (body 120)
                      "7,adult_females,570,400,0.8\n"  // 70 px from it: more than half a body
                      "7,pups,200,215,0.5\n"           // 15 px from the pup (body 40)
                      "7,pups,200,221,0.5\n"           // 21 px: just over half a pup
                      "7,juveniles,800,700,0.6\n"      // on the mask
                      "8,juveniles,100,100,0.6\n");    // another photo
  EXPECT_EQ(AttachHardNegatives(photos, dir.path() / "detections.csv"), 2);
  ASSERT_EQ(photos[0].hard_negatives.size(), 2u);
  EXPECT_EQ(photos[0].hard_negatives[0], cv::Point2d(570, 400));
  EXPECT_EQ(photos[0].hard_negatives[1], cv::Point2d(200, 221));
  WriteFileAtomically(dir.path() / "bad.csv", "test_id,class,x,y\n7,walrus,1,2\n");
  try {
    AttachHardNegatives(photos, dir.path() / "bad.csv");
    FAIL() << "a class that is not a sea lion class was accepted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("bad.csv"), std::string::npos) << error.what();
  }
}

TEST(HardNegatives, TheirShareOfCropsHoldsThemAndWithoutThemCropsAreUnchanged) {
  LabelledPhoto photo;
  photo.size = cv::Size(4000, 3000);
  photo.animals = {{2000, 1500, kPups}};
  photo.valid_cells = cv::Mat(750, 1000, CV_8U, cv::Scalar(255));
  cv::Mat rgb(photo.size, CV_8UC3, cv::Scalar::all(128));
  rgb(cv::Rect(998, 698, 5, 5)).setTo(cv::Scalar::all(255));  // a bright rock at (1000, 700)
  AugmentOptions augment;
  augment.exposure = augment.colour = augment.haze = augment.blur = augment.jpeg = 0;
  augment.animal_centred = 0.4;
  const auto crops_with_the_rock = [&](const LabelledPhoto& which) {
    int with = 0;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
      double brightest = 0;
      cv::minMaxLoc(SampleCrop(rgb, which, 64, augment, seed).rgb.reshape(1), nullptr, &brightest);
      with += brightest > 200 ? 1 : 0;
    }
    return with;
  };
  LabelledPhoto with_rock = photo;
  with_rock.hard_negatives = {{1000, 700}};
  augment.hard_negative_centred = 0.3;
  const int share = crops_with_the_rock(with_rock);
  EXPECT_GT(share, 35);  // about 60 of 200
  EXPECT_LT(share, 90);
  EXPECT_LE(crops_with_the_rock(photo), 2);  // no hard negatives: windows anywhere miss it
  // Without hard negatives, or with a share of 0, every crop is the one cut without the option
  // (the window's kind is drawn only where there is a choice, as before the option existed).
  AugmentOptions without = augment;
  without.hard_negative_centred = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const cv::Mat reference = SampleCrop(rgb, photo, 64, without, seed).rgb;
    for (const auto& [which, options] :
         {std::pair{&photo, &augment}, std::pair{&with_rock, &without}}) {
      const cv::Mat crop = SampleCrop(rgb, *which, 64, *options, seed).rgb;
      EXPECT_EQ(cv::norm(crop, reference, cv::NORM_INF), 0) << "seed " << seed;
    }
  }
  augment.hard_negative_centred = 0.7;  // 0.4 + 0.7 > 1
  EXPECT_THROW(augment.Check(), Error);
}

TEST(Crops, PerEpochGrowWithAPhotosAnimalsWhenAskedAndPlainPhotosMayWeighMore) {
  LabelledPhoto sparse, dense;
  sparse.dedot = dense.dedot = true;
  sparse.animals.resize(1);
  dense.animals.resize(177);
  PointTrainOptions options;
  options.crops_per_photo = 16;
  EXPECT_EQ(CropsPerEpoch(sparse, options), 16);
  EXPECT_EQ(CropsPerEpoch(dense, options), 16);
  options.crops_per_animal = 0.45;  // 0.45 and 79.65 animals' worth, rounded
  EXPECT_EQ(CropsPerEpoch(sparse, options), 16);
  EXPECT_EQ(CropsPerEpoch(dense, options), 16 + 80);
  dense.dedot = false;  // trained on its plain copy
  options.plain_weight = 2;
  EXPECT_EQ(CropsPerEpoch(dense, options), 32 + 80);
  options.dataset_dir = options.coords = options.model_path = "x";
  options.crops_per_animal = -0.5;
  EXPECT_THROW(options.Check(), Error);
  options.crops_per_animal = 101;
  EXPECT_THROW(options.Check(), Error);
}

TEST(CachingCpuAllocator, FreedBlocksServeRequestsOfAboutTheirSize) {
  InstallCachingCpuAllocator();
#if !defined(__SANITIZE_ADDRESS__)
  const CpuAllocatorStatistics start = CachingCpuAllocatorStatistics();
  void* big_data = nullptr;
  {
    const torch::Tensor big = torch::ones({1'777'777});  // 7.1 MB, freed at once
    big_data = big.data_ptr();
  }
  EXPECT_EQ(CachingCpuAllocatorStatistics().fresh, start.fresh + 1);
  void* smaller_data = nullptr;
  {
    const torch::Tensor smaller = torch::full({1'600'000}, 2.0f);  // 6.4 MB: takes that block
    smaller_data = smaller.data_ptr();
    EXPECT_TRUE(torch::all(smaller == 2.0f).item<bool>());
  }
  EXPECT_EQ(smaller_data, big_data);
  const torch::Tensor much_smaller = torch::zeros({1'000'000});  // 4 MB: not from a 7.1 MB block
  EXPECT_NE(much_smaller.data_ptr(), big_data);
  EXPECT_GT(CachingCpuAllocatorStatistics().reused, start.reused);
#endif
}

TEST(PointNetwork, SizeAndCostAreWithinTheBudget) {
  PointNet network;
  int64_t parameters = 0;
  for (const auto& p : network->parameters()) parameters += p.numel();
  EXPECT_GT(parameters, 400000);  // about 0.5 M
  EXPECT_LT(parameters, 1000000);
  EXPECT_LT(PointNetFlops(5632, 3744), 130e9);  // a 5616x3744 photo, padded to 32
  const torch::Tensor input = torch::zeros({1, 3, 96, 128});
  torch::NoGradGuard no_grad;
  EXPECT_EQ(network->forward(input).sizes(), (std::vector<int64_t>{1, 6, 24, 32}));
}

}  // namespace
}  // namespace sealion
