#include "sealion/count/scale_estimate.h"

#include <gtest/gtest.h>

#include "sealion/nn/model_file.h"
#include "sealion/util/atomic_file.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

const std::vector<double> kScales = {0.66, 0.76, 0.87, 1.0, 1.15, 1.32, 1.52};

TEST(ScaleEstimate, ChoosesTheScaleWithTheMostAnimalsAndBreaksTiesTowardOne) {
  EXPECT_EQ(ChooseScale(kScales, {5, 6, 7, 8, 9, 12, 11}), 5u);
  EXPECT_EQ(ChooseScale(kScales, {20, 6, 7, 8, 9, 12, 11}), 0u);
  // Equal counts: the scale nearest 1 by ratio (0.87 is 1.149 from 1, 1.15 is 1.15).
  EXPECT_EQ(ChooseScale(kScales, {3, 3, 3, 3, 3, 3, 3}), 3u);
  EXPECT_EQ(ChooseScale(kScales, {0, 0, 9, 1, 9, 0, 0}), 2u);
  EXPECT_EQ(ChooseScale(kScales, {9, 0, 0, 1, 0, 0, 9}), 0u);  // 0.66 is 1.515 from 1, 1.52 is 1.52
  EXPECT_NE(testing::ErrorMessageOf([] { ChooseScale(kScales, {1, 2}); }), "");
  EXPECT_NE(testing::ErrorMessageOf([] { ChooseScale({}, {}); }), "");
}

TEST(ScaleEstimate, SpreadsThePhotosEvenlyFirstAndLastIncluded) {
  EXPECT_EQ(SpreadEvenly(3, 8), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(SpreadEvenly(10, 4), (std::vector<size_t>{0, 3, 6, 9}));
  EXPECT_EQ(SpreadEvenly(100, 2), (std::vector<size_t>{0, 99}));
  EXPECT_EQ(SpreadEvenly(7, 1), (std::vector<size_t>{3}));
  EXPECT_EQ(SpreadEvenly(0, 3), (std::vector<size_t>{}));
}

TEST(ScaleEstimate, OptionsOutOfRangeAreRefusedByName) {
  ScaleEstimateOptions options;
  options.inputs = {"photos"};
  options.model_path = "model.bin";
  EXPECT_EQ(testing::ErrorMessageOf([&] { options.Check(); }), "");
  auto refused = [&](auto change) {
    ScaleEstimateOptions bad = options;
    change(bad);
    return testing::ErrorMessageOf([&] { bad.Check(); });
  };
  EXPECT_NE(refused([](auto& o) { o.photos = 0; }).find("--photos"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.views = 3; }).find("--views"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.threshold = 1.5F; }).find("--threshold"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.scales = {1.0}; }).find("at least two"), std::string::npos);
  EXPECT_NE(refused([](auto& o) { o.scales = {1.0, 0.9}; }).find("ascending"), std::string::npos);
  EXPECT_NE(refused([](auto& o) {
              o.scales = {0.1, 1.0};
            }).find("0.1 is not in"),
            std::string::npos);
}

testing::CommandResult MustRun(const std::string& arguments) {
  auto result = testing::RunSealion(arguments);
  EXPECT_EQ(result.exit_code, 0) << arguments << "\n" << result.output;
  return result;
}

// Through the program with a tiny model on a synthetic survey: every scale gets a row, the
// estimate is one of them, an unreadable photo is skipped by name (exit code 1, the others still
// counted), and a tile model is refused. (Whether the estimate is right needs a real model:
// tests/scale_test.sh.)
TEST(ScaleEstimate, TheProgramPrintsEveryScaleAndSkipsUnreadablePhotos) {
  testing::ScopedTempDir dir;
  const auto survey = dir.path() / "survey";
  const std::string d = dir.path().string() + "/";
  testing::MakeSmallSurvey(survey, 2, 2, 256, 224, 3);
  MustRun("extract " + survey.string() + " -o " + d + "extract");
  MustRun("train --method points " + survey.string() + " --coords " + d +
          "extract/coords.csv --epochs 1 --crops-per-photo 4 --crop 128 --val-fraction 0.5 "
          "--seed 3 -o " +
          d + "model.bin");
  const auto estimated = MustRun("scale " + (survey / "Test").string() + " --model " + d +
                                 "model.bin --views 1 --scales 0.8,1,1.25");
  for (const char* row : {"\n0.8 ", "\n1 ", "\n1.25 "})
    EXPECT_NE(estimated.output.find(row), std::string::npos) << row << estimated.output;
  EXPECT_NE(estimated.output.find("animals found in 2 photo(s)"), std::string::npos)
      << estimated.output;
  EXPECT_NE(estimated.output.find("estimated scale: "), std::string::npos) << estimated.output;

  std::filesystem::create_directories(d + "mixed");
  for (const auto& entry : std::filesystem::directory_iterator(survey / "Test"))
    std::filesystem::copy_file(entry.path(), d + "mixed/" + entry.path().filename().string());
  WriteFileAtomically(d + "mixed/99.jpg", "not a photo");
  const auto skipping = testing::RunSealion("scale " + d + "mixed --model " + d +
                                            "model.bin --views 1 --scales 0.8,1.25");
  EXPECT_EQ(skipping.exit_code, 1) << skipping.output;
  EXPECT_NE(skipping.output.find("skipped: "), std::string::npos) << skipping.output;
  EXPECT_NE(skipping.output.find("99.jpg"), std::string::npos) << skipping.output;
  EXPECT_NE(skipping.output.find("animals found in 2 photo(s)"), std::string::npos)
      << skipping.output;

  SeedCnn tile_network;
  SaveModel(d + "tiles.bin", tile_network, {{"training", "untrained, for tests"}});
  const auto refused =
      testing::RunSealion("scale " + (survey / "Test").string() + " --model " + d + "tiles.bin");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("tiles.bin: a tiles model; the scale estimate needs a point model"),
            std::string::npos)
      << refused.output;
}

}  // namespace
}  // namespace sealion
