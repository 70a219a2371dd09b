// The extractor on the real Kaggle sample: counts equal train.csv exactly and the dots lie where
// the public reference extraction puts them. Skipped, with a message, where the sample is absent.

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/extract/dot_detector.h"
#include "sealion/util/csv.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

// Fraction of `reference` dots that have a same-class detected dot within `radius` px, each
// detected dot used once.
double MatchedFraction(const std::vector<DetectedDot>& reference, std::vector<DetectedDot> detected,
                       double radius) {
  if (reference.empty()) return 1.0;
  int matched = 0;
  for (const auto& want : reference) {
    double best = radius;
    auto best_it = detected.end();
    for (auto it = detected.begin(); it != detected.end(); ++it) {
      if (it->class_index != want.class_index) continue;
      const double distance = std::hypot(it->x - want.x, it->y - want.y);
      if (distance <= best) {
        best = distance;
        best_it = it;
      }
    }
    if (best_it != detected.end()) {
      ++matched;
      detected.erase(best_it);
    }
  }
  return matched / static_cast<double>(reference.size());
}

class RealSampleTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(RealSampleTest, CountsEqualTrainCsvAndDotsMatchReference) {
  SEALION_REQUIRE_KAGGLE_SAMPLE(sample);
  const int64_t id = GetParam();
  const TrainDataset dataset = TrainDataset::Open(sample);
  ASSERT_TRUE(dataset.train_counts.has_value());
  const cv::Mat dotted = ReadColourImage(dataset.DottedPath(id));
  const cv::Mat plain = dataset.HasPlain(id) ? ReadColourImage(dataset.PlainPath(id)) : cv::Mat();
  const DotDetection detection = DetectDots(dotted, plain, DotDetectorOptions{});
  EXPECT_EQ(detection.used_plain, !plain.empty())
      << "plain correlation " << detection.plain_correlation;

  ClassCounts counts{};
  for (const auto& dot : detection.dots) ++counts[dot.class_index];
  const ClassCounts& truth = dataset.train_counts->at(id);
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    EXPECT_EQ(counts[c], truth[c]) << "photo " << id << ", class " << ClassName(c);
  }

  const CsvTable reference_table = ReadCsv(sample / "reference_coords.csv");
  std::vector<DetectedDot> reference;
  for (size_t row = 0; row < reference_table.rows.size(); ++row) {
    if (reference_table.IntegerAt(row, 0) != id) continue;
    reference.push_back({static_cast<int>(reference_table.IntegerAt(row, 1)),
                         static_cast<int>(reference_table.IntegerAt(row, 3)),    // col = x
                         static_cast<int>(reference_table.IntegerAt(row, 2))});  // row = y
  }
  EXPECT_GE(MatchedFraction(reference, detection.dots, 3.0), 0.99) << "photo " << id;
}

INSTANTIATE_TEST_SUITE_P(Photos, RealSampleTest, ::testing::Values(41, 42, 44, 45, 49, 50),
                         [](const auto& info) { return "photo_" + std::to_string(info.param); });

}  // namespace
}  // namespace sealion
