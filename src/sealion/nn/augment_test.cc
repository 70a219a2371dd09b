// Augmentation's sharpness step (augment.h): fine detail scaled both ways within its range,
// flat regions and mean colour kept.

#include "sealion/nn/augment.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

namespace sealion {
namespace {

// The standard deviation of `rgb` minus its sigma-1 blur: how much fine detail it holds.
double FineDetail(const cv::Mat& rgb) {
  cv::Mat soft, detail;
  cv::GaussianBlur(rgb, soft, cv::Size(0, 0), 1.0);
  cv::subtract(rgb, soft, detail, cv::noArray(), CV_32F);
  cv::Scalar mean, deviation;
  cv::meanStdDev(detail.reshape(1), mean, deviation);
  return deviation[0];
}

TEST(Augmentation, SharpnessScalesFineDetailBothWaysAndKeepsFlatRegions) {
  AugmentOptions only_sharpness;
  only_sharpness.exposure = only_sharpness.colour = 0;
  only_sharpness.haze = only_sharpness.blur = only_sharpness.jpeg = 0;
  only_sharpness.sharpness = 1;
  cv::Mat texture(64, 64, CV_8UC3);
  cv::randu(texture, 60, 196);  // room to sharpen without clipping much
  cv::GaussianBlur(texture, texture, cv::Size(0, 0), 0.7);
  const double before = FineDetail(texture);
  int softer = 0, sharper = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    cv::Mat copy = texture.clone();
    std::mt19937_64 rng(seed);
    AugmentPhotometric(copy, only_sharpness, rng);
    const double ratio = FineDetail(copy) / before;
    EXPECT_GT(ratio, 1 - kSharpnessRange - 0.05) << "seed " << seed;
    EXPECT_LT(ratio, 1 + kSharpnessRange + 0.05) << "seed " << seed;
    softer += ratio < 0.9;
    sharper += ratio > 1.1;
    const cv::Scalar mean_before = cv::mean(texture), mean_after = cv::mean(copy);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(mean_after[c], mean_before[c], 1.0);
    cv::Mat flat(16, 16, CV_8UC3, cv::Scalar(90, 120, 150));
    std::mt19937_64 same(seed);
    AugmentPhotometric(flat, only_sharpness, same);
    EXPECT_EQ(cv::norm(flat, cv::Mat(16, 16, CV_8UC3, cv::Scalar(90, 120, 150)), cv::NORM_INF), 0);
  }
  EXPECT_GT(softer, 5);
  EXPECT_GT(sharper, 5);
  // Off, the step changes nothing (with every other step off as well).
  only_sharpness.sharpness = 0;
  cv::Mat untouched = texture.clone();
  std::mt19937_64 rng(1);
  AugmentPhotometric(untouched, only_sharpness, rng);
  EXPECT_EQ(cv::norm(untouched, texture, cv::NORM_INF), 0);
  AugmentOptions out_of_range;
  out_of_range.sharpness = 1.5;
  EXPECT_THROW(out_of_range.Check(), std::exception);
}

}  // namespace
}  // namespace sealion
