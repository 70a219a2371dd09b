#include "sealion/synth/synth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>

#include "sealion/core/counts_csv.h"
#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/extract/extract.h"
#include "sealion/synth/layout.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

SynthOptions SmallSurvey(const std::filesystem::path& dir, uint64_t seed) {
  SynthOptions options;
  options.output_dir = dir;
  options.train_photos = 3;
  options.test_photos = 2;
  options.seed = seed;
  options.width = 480;
  options.height = 320;
  options.threads = 2;
  return options;
}

TEST(Synth, SameSeedGivesTheSameBytesAndAnotherSeedDoesNot) {
  testing::ScopedTempDir dir;
  RunSynth(SmallSurvey(dir.path() / "a", 5));
  RunSynth(SmallSurvey(dir.path() / "b", 5));
  RunSynth(SmallSurvey(dir.path() / "c", 6));
  for (const char* file :
       {"Train/0.jpg", "TrainDotted/2.jpg", "Test/1.jpg", "train.csv", "test_truth.csv",
        "train_coords.csv", "test_coords.csv", "MismatchedTrainImages.txt"}) {
    EXPECT_EQ(ReadFileToString(dir.path() / "a" / file), ReadFileToString(dir.path() / "b" / file))
        << file;
  }
  EXPECT_NE(ReadFileToString(dir.path() / "a" / "Train/0.jpg"),
            ReadFileToString(dir.path() / "c" / "Train/0.jpg"));
}

TEST(Synth, WritesTheCompetitionLayout) {
  testing::ScopedTempDir dir;
  RunSynth(SmallSurvey(dir.path(), 3));
  const TrainDataset dataset = TrainDataset::Open(dir.path());
  EXPECT_EQ(dataset.dotted_ids, (std::vector<int64_t>{0, 1, 2}));
  ASSERT_TRUE(dataset.train_counts.has_value());
  EXPECT_EQ(dataset.train_counts->size(), 3u);
  EXPECT_EQ(ReadCountsCsv(dir.path() / "test_truth.csv").size(), 2u);
  const CountsById zeros = ReadCountsCsv(dir.path() / "sample_submission.csv");
  EXPECT_EQ(zeros.at(1), (ClassCounts{0, 0, 0, 0, 0}));
  // Coordinates agree with the counts.
  const CsvTable coords = ReadCsv(dir.path() / "test_coords.csv");
  RequireHeader(coords, {"test_id", "class", "x", "y"});
  std::map<int64_t, int64_t> per_photo;
  for (size_t row = 0; row < coords.rows.size(); ++row) ++per_photo[coords.IntegerAt(row, 0)];
  for (const auto& [id, counts] : ReadCountsCsv(dir.path() / "test_truth.csv")) {
    int64_t total = 0;
    for (const auto count : counts) total += count;
    EXPECT_EQ(per_photo[id], total) << "test photo " << id;
  }
}

TEST(SynthLayoutModel, CountsFollowTheRealDistribution) {
  // Real layouts: mean 89.6 animals per photo, females the most common class.
  double total = 0;
  std::array<double, kNumSeaLionClasses> per_class{};
  const int photos = 400;
  for (int i = 0; i < photos; ++i) {
    Rng rng(11, 0, static_cast<uint64_t>(i));
    for (const auto& animal : SampleModelLayout(rng)) {
      total += 1;
      per_class[animal.class_index] += 1;
    }
  }
  EXPECT_NEAR(total / photos, 89.6, 25.0);
  EXPECT_GT(per_class[kAdultFemales], per_class[kJuveniles]);
  EXPECT_GT(per_class[kJuveniles], per_class[kAdultMales]);
}

// The round trip of issue 3: extract recovers the true counts of >= 99.5% of (image, class)
// cells and every dot within 2 px, on a survey with masks, turned and mismatched copies.
TEST(SynthRoundTrip, ExtractRecoversTheTruth) {
  testing::ScopedTempDir dir;
  SynthOptions options = SmallSurvey(dir.path() / "survey", 21);
  options.train_photos = 40;
  options.test_photos = 0;
  options.width = 1024;
  options.height = 768;
  options.masked_share = 0.4;
  options.rotated_share = 0.15;
  options.mismatched_share = 0.1;
  options.reference_coords = FindReferenceCoords();  // real layouts where present, else the model
  const SynthSummary summary = RunSynth(options);
  ASSERT_GT(summary.rotated, 0);
  ASSERT_GT(summary.masked, 0);

  ExtractOptions extract;
  extract.dataset_dir = options.output_dir;
  extract.output_dir = dir.path() / "extracted";
  extract.threads = 2;
  const ExtractReport report = RunExtract(extract);
  EXPECT_EQ(report.failed, 0);
  EXPECT_EQ(static_cast<int>(report.skipped_mismatched.size()), summary.mismatched);

  const CountsById truth = ReadCountsCsv(options.output_dir / "train.csv");
  const CsvTable true_coords = ReadCsv(options.output_dir / "train_coords.csv");
  int cells = 0, exact = 0, dots = 0, dots_within_2px = 0;
  for (const auto& image : report.images) {
    for (int c = 0; c < kNumSeaLionClasses; ++c) {
      ++cells;
      exact += image.counts[c] == truth.at(image.id)[c];
    }
    for (size_t row = 0; row < true_coords.rows.size(); ++row) {
      if (true_coords.IntegerAt(row, 0) != image.id) continue;
      ++dots;
      const int c = ClassIndexFromName(true_coords.rows[row][1]);
      const int64_t x = true_coords.IntegerAt(row, 2), y = true_coords.IntegerAt(row, 3);
      for (const auto& dot : image.detection.dots) {
        if (dot.class_index == c && std::abs(dot.x - x) <= 2 && std::abs(dot.y - y) <= 2) {
          ++dots_within_2px;
          break;
        }
      }
    }
  }
  ASSERT_GT(cells, 0);
  EXPECT_GE(exact, 0.995 * cells) << exact << " of " << cells << " cells exact";
  EXPECT_EQ(dots_within_2px, dots) << "dots within 2 px of the truth";
}

TEST(Synth, RealChipsAsAppearanceAreDeterministicAndAnEmptyFolderIsAnError) {
  testing::ScopedTempDir dir;
  std::filesystem::create_directories(dir.path() / "chips" / "pups");
  for (int i = 0; i < 2; ++i) {
    cv::Mat chip(40, 40, CV_8UC3, cv::Scalar(40 + 30 * i, 60, 80));
    cv::ellipse(chip, {20, 20}, {12, 6}, 30 * i, 0, 360, cv::Scalar(90, 110, 140), -1);
    WriteImageAtomically(dir.path() / "chips" / "pups" / ("41_pups_" + std::to_string(i) + ".png"),
                         chip);
  }
  SynthOptions options = SmallSurvey(dir.path() / "a", 8);
  options.chips_dir = dir.path() / "chips";
  const SynthSummary summary = RunSynth(options);
  EXPECT_EQ(summary.chips, 2u);
  options.output_dir = dir.path() / "b";
  RunSynth(options);
  EXPECT_EQ(ReadFileToString(dir.path() / "a" / "Train/1.jpg"),
            ReadFileToString(dir.path() / "b" / "Train/1.jpg"));
  std::filesystem::create_directories(dir.path() / "empty");
  options.chips_dir = dir.path() / "empty";
  EXPECT_THROW(RunSynth(options), Error);
}

}  // namespace
}  // namespace sealion
