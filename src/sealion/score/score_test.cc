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

}  // namespace
}  // namespace sealion
