// Chroma smoothing (point_inference.h SmoothChroma, train --chroma-sigma): colour blurred and
// brightness kept, applied to every tile alike so that tiled counts stay exact, and a model's
// input_chroma_sigma read, checked and kept by ensembles. Contrast normalisation
// (NormaliseContrast, train --contrast-sd) likewise: the luma's spread set, means and masks kept,
// and a model's input_contrast_sd read, checked and kept by ensembles.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>

#include "sealion/nn/model_ensemble.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_inference.h"
#include "sealion/nn/point_train.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::ErrorMessageOf;

const nlohmann::json kDetection = {{"threshold", 0.4}, {"suppression_fraction", 0.25}};

double Luma(const cv::Vec3b& rgb) { return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]; }

TEST(ChromaSmoothing, BlursColourAcrossAnEdgeAndKeepsBrightness) {
  // A red half and a blue half of equal luma (about 101.8): only their colour differs.
  cv::Mat photo(40, 120, CV_8UC3, cv::Scalar(200, 60, 60));
  photo(cv::Rect(60, 0, 60, 40)).setTo(cv::Scalar(147, 60, 200));
  cv::Mat unchanged = photo.clone();
  SmoothChroma(unchanged, 0);
  EXPECT_EQ(cv::norm(unchanged, photo, cv::NORM_INF), 0) << "sigma 0 changes nothing";

  cv::Mat smoothed = photo.clone();
  SmoothChroma(smoothed, 4);
  for (int x = 0; x < photo.cols; ++x) {
    const cv::Vec3b before = photo.at<cv::Vec3b>(20, x), after = smoothed.at<cv::Vec3b>(20, x);
    EXPECT_NEAR(Luma(after), Luma(before), 1.5) << "x " << x;
    // Far from the edge (more than 3 sigma) the colour stays, up to YCrCb's rounding.
    if (x < 45 || x >= 75) {
      EXPECT_LE(cv::norm(after, before, cv::NORM_INF), 2) << "x " << x;
    }
  }
  // At the edge the two colours mix: blue rises on the red side, falls on the blue side.
  EXPECT_GT(smoothed.at<cv::Vec3b>(20, 58)[2], photo.at<cv::Vec3b>(20, 58)[2] + 30);
  EXPECT_LT(smoothed.at<cv::Vec3b>(20, 61)[2], photo.at<cv::Vec3b>(20, 61)[2] - 30);
  EXPECT_EQ(smoothed.at<cv::Vec3b>(0, 58), smoothed.at<cv::Vec3b>(39, 58)) << "rows alike";
}

PointNet RandomNetwork(uint64_t seed) {
  torch::manual_seed(seed);
  PointNet network;
  UseChannelsLast(*network);
  network->eval();
  return network;
}

TEST(ChromaSmoothing, TiledCandidatesEqualWholeOnesAndDifferFromUnsmoothed) {
  PointNet network = RandomNetwork(11);
  // Blocks of 8 px, each of its own colour: sharp colour edges everywhere.
  cv::Mat blocks(24, 32, CV_8UC3), photo;
  cv::randu(blocks, 0, 255);
  cv::resize(blocks, photo, cv::Size(250, 190), 0, 0, cv::INTER_NEAREST);
  PointInferenceOptions whole;
  whole.tile_width = 256;
  whole.tile_height = 224;
  whole.margin = 0;
  whole.candidate_threshold = 0.001f;
  whole.chroma_sigma = 4;
  PointInferenceOptions tiled = whole;
  tiled.tile_width = 64;
  tiled.tile_height = 64;
  tiled.margin = 160;
  PointInferenceOptions plain = whole;
  plain.chroma_sigma = 0;
  const auto by_position = [](std::vector<PointDetection> found) {
    std::map<std::pair<double, double>, float> scores;
    for (const auto& c : found) scores[{c.x, c.y}] = c.score;
    return scores;
  };
  const auto reference = by_position(FindPeakCandidates(network, photo, whole));
  const auto candidates = by_position(FindPeakCandidates(network, photo, tiled));
  ASSERT_GT(reference.size(), 20u);
  ASSERT_EQ(candidates.size(), reference.size());
  for (const auto& [at, score] : reference) {
    ASSERT_TRUE(candidates.count(at)) << at.first << "," << at.second;
    EXPECT_NEAR(candidates.at(at), score, 1e-4);
  }
  // The smoothing reaches the network: the same photo unsmoothed scores otherwise.
  const auto unsmoothed = by_position(FindPeakCandidates(network, photo, plain));
  double largest = 0;  // relative difference of a cell's score
  for (const auto& [at, score] : reference) {
    if (unsmoothed.count(at))
      largest = std::max(largest, std::abs(double{unsmoothed.at(at)} / score - 1));
  }
  EXPECT_GT(largest, 0.01);
  PointInferenceOptions too_much = whole;
  too_much.chroma_sigma = kMaxChromaSigma + 1;
  EXPECT_THROW(FindPeakCandidates(network, photo, too_much), Error);
}

TEST(ChromaSmoothing, ModelsKeepTheirSigmaAndEnsemblesRefuseMixedOnes) {
  testing::ScopedTempDir dir;
  PointNet first = RandomNetwork(1), second = RandomNetwork(2);
  SavePointModel(dir.path() / "none.bin", first, {{"detection", kDetection}});
  SavePointModel(dir.path() / "smooth4.bin", first,
                 {{"detection", kDetection}, {"input_chroma_sigma", 4.0}});
  SavePointModel(dir.path() / "other4.bin", second,
                 {{"detection", kDetection}, {"input_chroma_sigma", 4.0}});
  EXPECT_EQ(InputChromaSigma(LoadModel(dir.path() / "none.bin").metadata), 0.0);
  const LoadedModel smooth = LoadModel(dir.path() / "smooth4.bin");
  EXPECT_EQ(InputChromaSigma(smooth.metadata), 4.0);
  // Format version 4, which a sealion from before smoothing refuses; the same header written
  // as version 2 (what such a sealion would read and count unsmoothed) is refused here.
  EXPECT_EQ(smooth.metadata.at("format_version"), kSmoothedInputFormatVersion);
  EXPECT_EQ(LoadModel(dir.path() / "none.bin").metadata.at("format_version"), kModelFormatVersion);
  std::string bytes = ReadFileToString(dir.path() / "smooth4.bin");
  bytes[12] = 2;  // the format version, little-endian, after the 12-byte magic
  WriteFileAtomically(dir.path() / "smooth4-v2.bin", bytes);
  const std::string v2 = ErrorMessageOf([&] { LoadModel(dir.path() / "smooth4-v2.bin"); });
  EXPECT_NE(v2.find("smooth4-v2.bin"), std::string::npos) << v2;
  EXPECT_NE(v2.find("version 4"), std::string::npos) << v2;
  for (const nlohmann::json& bad :
       {nlohmann::json(-1), nlohmann::json(kMaxChromaSigma + 1), nlohmann::json("4")}) {
    SavePointModel(dir.path() / "bad.bin", first,
                   {{"detection", kDetection}, {"input_chroma_sigma", bad}});
    const std::string error = ErrorMessageOf([&] { LoadModel(dir.path() / "bad.bin"); });
    EXPECT_NE(error.find("bad.bin"), std::string::npos) << error;
    EXPECT_NE(error.find("input_chroma_sigma"), std::string::npos) << error;
  }

  EnsembleOptions options;
  options.inputs = {dir.path() / "smooth4.bin", dir.path() / "other4.bin"};
  options.output = dir.path() / "ensemble.bin";
  EXPECT_EQ(MakeEnsemble(options).chroma_sigma, 4.0);
  const LoadedModel ensemble = LoadModel(options.output);
  EXPECT_EQ(InputChromaSigma(ensemble.metadata), 4.0);
  EXPECT_EQ(ensemble.metadata.at("format_version"), kSmoothedInputFormatVersion);
  EXPECT_EQ(ensemble.other_point_networks.size(), 1u);
  options.inputs = {dir.path() / "smooth4.bin", dir.path() / "none.bin"};
  options.output = dir.path() / "mixed.bin";
  const std::string mixed = ErrorMessageOf([&] { MakeEnsemble(options); });
  EXPECT_NE(mixed.find("none.bin"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("one input"), std::string::npos) << mixed;
  EXPECT_FALSE(std::filesystem::exists(options.output));
}

TEST(ChromaSmoothing, TrainingRefusesASigmaOutOfRange) {
  PointTrainOptions options;
  options.dataset_dir = "survey";
  options.coords = "coords.csv";
  options.model_path = "points.bin";
  EXPECT_NO_THROW(options.Check());
  options.chroma_sigma = -1;
  EXPECT_NE(ErrorMessageOf([&] { options.Check(); }).find("--chroma-sigma"), std::string::npos);
  options.chroma_sigma = kMaxChromaSigma + 0.5;
  EXPECT_NE(ErrorMessageOf([&] { options.Check(); }).find("--chroma-sigma"), std::string::npos);
}

double LumaSpread(const cv::Mat& rgb, cv::Scalar* means) {
  std::vector<double> luma;
  cv::Scalar sum(0, 0, 0);
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
      if (p == cv::Vec3b(0, 0, 0)) continue;
      luma.push_back(Luma(p));
      for (int c = 0; c < 3; ++c) sum[c] += p[c];
    }
  }
  double mean = 0, squares = 0;
  for (const double v : luma) mean += v;
  mean /= luma.size();
  for (const double v : luma) squares += (v - mean) * (v - mean);
  *means = sum / static_cast<double>(luma.size());
  return std::sqrt(squares / luma.size());
}

TEST(ContrastNormalisation, SetsTheLumaSpreadKeepsMeansAndLeavesMasksBlack) {
  // A low-contrast photo (values 90-130 in each channel, tinted) with a black masked band.
  cv::Mat photo(120, 160, CV_8UC3);
  cv::RNG(7).fill(photo, cv::RNG::UNIFORM, cv::Scalar(100, 90, 80), cv::Scalar(140, 130, 120));
  photo(cv::Rect(0, 0, 160, 30)).setTo(cv::Scalar(0, 0, 0));
  cv::Scalar before_means, after_means;
  const double before = LumaSpread(photo, &before_means);
  ASSERT_LT(before, 9);

  cv::Mat unchanged = photo.clone();
  EXPECT_EQ(NormaliseContrast(unchanged, 0), 1.0);
  EXPECT_EQ(cv::norm(unchanged, photo, cv::NORM_INF), 0) << "0 changes nothing";

  cv::Mat stretched = photo.clone();
  // (About 7.7 before: each channel's spread of 11.5 mixed into luma; 15 needs a gain of about 2.)
  const double gain = NormaliseContrast(stretched, 15);
  EXPECT_GT(gain, 1.5);
  EXPECT_LT(gain, 2.5);
  EXPECT_NEAR(LumaSpread(stretched, &after_means), 15, 0.5);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(after_means[c], before_means[c], 1) << "channel " << c;
  EXPECT_EQ(cv::countNonZero(stretched(cv::Rect(0, 0, 160, 30)).reshape(1)), 0) << "mask kept";
  // Order kept: a brighter pixel stays brighter in each channel.
  const cv::Vec3b a = photo.at<cv::Vec3b>(60, 10), b = photo.at<cv::Vec3b>(70, 90);
  const cv::Vec3b sa = stretched.at<cv::Vec3b>(60, 10), sb = stretched.at<cv::Vec3b>(70, 90);
  for (int c = 0; c < 3; ++c) {
    if (a[c] < b[c]) {
      EXPECT_LE(sa[c], sb[c]);
    } else if (a[c] > b[c]) {
      EXPECT_GE(sa[c], sb[c]);
    }
  }
  // The gain is held to 2.5 for a nearly flat photo, and flattening works too.
  cv::Mat flat(60, 60, CV_8UC3, cv::Scalar(120, 120, 120));
  flat.at<cv::Vec3b>(5, 5) = cv::Vec3b(124, 124, 124);
  EXPECT_EQ(NormaliseContrast(flat, 90), 2.5);
  cv::Mat flattened = stretched.clone();
  EXPECT_LT(NormaliseContrast(flattened, 10), 1);
  EXPECT_NEAR(LumaSpread(flattened, &after_means), 10, 0.5);
  // All black: nothing to measure, nothing changed; out-of-range targets refused.
  cv::Mat black(20, 20, CV_8UC3, cv::Scalar(0, 0, 0));
  EXPECT_EQ(NormaliseContrast(black, 33), 1.0);
  EXPECT_THROW(NormaliseContrast(unchanged, kMinContrastSd - 1), Error);
  EXPECT_THROW(NormaliseContrast(unchanged, kMaxContrastSd + 1), Error);
}

TEST(ContrastNormalisation, ModelsKeepTheirLevelAndEnsemblesRefuseMixedOnes) {
  testing::ScopedTempDir dir;
  PointNet first = RandomNetwork(1), second = RandomNetwork(2);
  SavePointModel(dir.path() / "none.bin", first, {{"detection", kDetection}});
  SavePointModel(dir.path() / "c33.bin", first,
                 {{"detection", kDetection}, {"input_contrast_sd", 33.0}});
  SavePointModel(dir.path() / "other33.bin", second,
                 {{"detection", kDetection}, {"input_contrast_sd", 33.0}});
  SavePointModel(
      dir.path() / "both.bin", second,
      {{"detection", kDetection}, {"input_contrast_sd", 33.0}, {"input_chroma_sigma", 4.0}});
  EXPECT_EQ(InputContrastSd(LoadModel(dir.path() / "none.bin").metadata), 0.0);
  const LoadedModel normalised = LoadModel(dir.path() / "c33.bin");
  EXPECT_EQ(InputContrastSd(normalised.metadata), 33.0);
  // Version 5, which a sealion from before it refuses; the same header as version 2 or 4 (which
  // such a sealion would count without normalising) is refused here.
  EXPECT_EQ(normalised.metadata.at("format_version"), kNormalisedContrastFormatVersion);
  const LoadedModel both = LoadModel(dir.path() / "both.bin");
  EXPECT_EQ(both.metadata.at("format_version"), kNormalisedContrastFormatVersion);
  EXPECT_EQ(InputChromaSigma(both.metadata), 4.0);
  for (const char older : {2, 4}) {
    std::string bytes = ReadFileToString(dir.path() / (older == 4 ? "both.bin" : "c33.bin"));
    bytes[12] = older;  // the format version, little-endian, after the 12-byte magic
    WriteFileAtomically(dir.path() / "older.bin", bytes);
    const std::string error = ErrorMessageOf([&] { LoadModel(dir.path() / "older.bin"); });
    EXPECT_NE(error.find("older.bin"), std::string::npos) << error;
    EXPECT_NE(error.find("version 5"), std::string::npos) << error;
  }
  std::string bytes = ReadFileToString(dir.path() / "none.bin");
  bytes[12] = 5;
  WriteFileAtomically(dir.path() / "v5.bin", bytes);
  EXPECT_NE(ErrorMessageOf([&] { LoadModel(dir.path() / "v5.bin"); }).find("input_contrast_sd"),
            std::string::npos);
  for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json(kMinContrastSd - 1),
                                    nlohmann::json(kMaxContrastSd + 1), nlohmann::json("33")}) {
    SavePointModel(dir.path() / "bad.bin", first,
                   {{"detection", kDetection}, {"input_contrast_sd", bad}});
    const std::string error = ErrorMessageOf([&] { LoadModel(dir.path() / "bad.bin"); });
    EXPECT_NE(error.find("bad.bin"), std::string::npos) << error;
    EXPECT_NE(error.find("input_contrast_sd"), std::string::npos) << error;
  }

  EnsembleOptions options;
  options.inputs = {dir.path() / "c33.bin", dir.path() / "other33.bin"};
  options.output = dir.path() / "ensemble.bin";
  EXPECT_EQ(MakeEnsemble(options).contrast_sd, 33.0);
  const LoadedModel ensemble = LoadModel(options.output);
  EXPECT_EQ(InputContrastSd(ensemble.metadata), 33.0);
  EXPECT_EQ(ensemble.metadata.at("format_version"), kNormalisedContrastFormatVersion);
  EXPECT_EQ(ensemble.other_point_networks.size(), 1u);
  options.inputs = {dir.path() / "c33.bin", dir.path() / "none.bin"};
  options.output = dir.path() / "mixed.bin";
  const std::string mixed = ErrorMessageOf([&] { MakeEnsemble(options); });
  EXPECT_NE(mixed.find("none.bin"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("one input"), std::string::npos) << mixed;
  EXPECT_FALSE(std::filesystem::exists(options.output));
}

}  // namespace
}  // namespace sealion
