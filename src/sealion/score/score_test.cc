#include "sealion/score/score.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

TEST(Score, AgreesWithAHandComputedMetric) {
  const CountsById truth = {{1, {2, 0, 10, 3, 1}}, {2, {0, 1, 0, 0, 0}}, {5, {1, 1, 40, 7, 9}}};
  const CountsById submission = {{1, {3, 0, 8, 3, 1}}, {2, {0, 0, 0, 2, 0}}, {5, {1, 4, 41, 7, 5}}};
  const ScoreResult result = ScoreCounts(submission, truth);
  // Errors per class over the three photos: adult_males (1,0,0), subadult (0,-1,3),
  // females (-2,0,1), juveniles (0,2,0), pups (0,0,-4).
  const double expected[] = {std::sqrt(1.0 / 3), std::sqrt(10.0 / 3), std::sqrt(5.0 / 3),
                             std::sqrt(4.0 / 3), std::sqrt(16.0 / 3)};
  const double bias[] = {1.0 / 3, 2.0 / 3, -1.0 / 3, 2.0 / 3, -4.0 / 3};
  double mean = 0;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    EXPECT_NEAR(result.per_class[c].rmse, expected[c], 1e-9) << ClassName(c);
    EXPECT_NEAR(result.per_class[c].bias, bias[c], 1e-9) << ClassName(c);
    mean += expected[c] / 5;
  }
  EXPECT_NEAR(result.mean_rmse, mean, 1e-9);
  EXPECT_EQ(result.photos, 3);
  EXPECT_NEAR(ScoreToJson(result)["mean_rmse"].get<double>(), mean, 1e-12);
}

TEST(Score, MissingPhotosOnEitherSideAreErrors) {
  const CountsById truth = {{1, {0, 0, 0, 0, 0}}, {2, {0, 0, 0, 0, 0}}};
  EXPECT_THROW(ScoreCounts({{1, {0, 0, 0, 0, 0}}}, truth), Error);
  EXPECT_THROW(ScoreCounts({{1, {}}, {2, {}}, {3, {}}}, truth), Error);
  EXPECT_THROW(ScoreCounts({}, {}), Error);
}

TEST(Score, BadFilesAreErrorsNamingTheFile) {
  testing::ScopedTempDir dir;
  const std::string header = "test_id,adult_males,subadult_males,adult_females,juveniles,pups\n";
  WriteFileAtomically(dir.path() / "truth.csv", header + "1,0,0,1,0,0\n");
  WriteFileAtomically(dir.path() / "duplicate.csv", header + "1,0,0,1,0,0\n1,0,0,1,0,0\n");
  WriteFileAtomically(dir.path() / "header.csv", "test_id,adult_males,pups\n1,0,0\n");
  WriteFileAtomically(dir.path() / "cell.csv", header + "1,0,zero,1,0,0\n");
  for (const char* bad : {"duplicate.csv", "header.csv", "cell.csv"}) {
    try {
      ScoreFiles(dir.path() / bad, dir.path() / "truth.csv");
      FAIL() << bad << " accepted";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(bad), std::string::npos) << error.what();
    }
  }
  EXPECT_EQ(ScoreFiles(dir.path() / "truth.csv", dir.path() / "truth.csv").mean_rmse, 0.0);
}

TEST(Score, DetectionsAreMatchedAndTheirClassesConfused) {
  // An adult male found as an adult female, a pup found, an adult female missed, a false alarm.
  testing::ScopedTempDir dir;
  WriteFileAtomically(dir.path() / "truth.csv",
                      "train_id,class,x,y\n7,adult_males,100,100\n7,pups,1000,100\n"
                      "7,adult_females,2000,100\n");
  WriteFileAtomically(dir.path() / "found.csv",
                      "test_id,class,x,y,score\n7,adult_females,110,100,0.9\n"
                      "7,pups,1004,103,0.8\n7,adult_females,5000,100,0.7\n");
  const MatchTally tally =
      ScoreDetectionFiles(dir.path() / "found.csv", dir.path() / "truth.csv", {7});
  constexpr int kAdultMales = 0, kAdultFemales = 2, kPups = 4, kNone = MatchTally::kNone;
  EXPECT_EQ(tally.all_true_positives, 2);
  EXPECT_EQ(tally.all_false_positives, 1);
  EXPECT_EQ(tally.all_false_negatives, 1);
  EXPECT_EQ(tally.true_positives[kPups], 1);
  EXPECT_EQ(tally.false_negatives[kAdultMales], 1);
  EXPECT_EQ(tally.false_positives[kAdultFemales], 2);
  EXPECT_EQ(tally.false_negatives[kAdultFemales], 1);
  std::array<std::array<int64_t, kNumSeaLionClasses + 1>, kNumSeaLionClasses + 1> expected{};
  expected[kAdultMales][kAdultFemales] = 1;
  expected[kPups][kPups] = 1;
  expected[kAdultFemales][kNone] = 1;
  expected[kNone][kAdultFemales] = 1;
  EXPECT_EQ(tally.confusion, expected);
  const nlohmann::json json = MatchToJson(tally);
  EXPECT_EQ(json["confusion"]["counts"][kAdultMales][kAdultFemales].get<int64_t>(), 1);
  EXPECT_EQ(json["confusion"]["found_as"].back().get<std::string>(), "not found");
  const std::string table = FormatMatchTable(tally);
  EXPECT_NE(table.find("not found"), std::string::npos) << table;
  EXPECT_NE(table.find("no animal"), std::string::npos) << table;
}

}  // namespace
}  // namespace sealion
