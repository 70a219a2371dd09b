#include "sealion/count/count.h"

#include <gtest/gtest.h>

#include "sealion/core/counts_csv.h"
#include "sealion/count/counting_method.h"
#include "sealion/nn/model_file.h"
#include "sealion/score/score.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

TEST(Tiling, NonOverlappingTilesFromTheTopLeftDropPartialEdges) {
  EXPECT_EQ(TileOrigins({5616, 3744}).size(), 87u * 58u);  // 5046, as the seed
  EXPECT_EQ(TileOrigins({4992, 3328}).size(), 78u * 52u);
  EXPECT_EQ(TileOrigins({64, 64}).size(), 1u);
  EXPECT_EQ(TileOrigins({127, 63}).size(), 0u);
  const auto origins = TileOrigins({200, 130});
  ASSERT_EQ(origins.size(), 6u);
  EXPECT_EQ(origins[0], cv::Point(0, 0));
  EXPECT_EQ(origins[2], cv::Point(128, 0));
  EXPECT_EQ(origins[5], cv::Point(128, 64));
}

TEST(PointThresholds, HarderCompressedPhotosGetTheCalibratedShift) {
  // Calibrated at 0.40 for the calibration photos' quality (95), 0.46 at 20 and 0.42 at 50.
  const nlohmann::json table = {{"20", 0.46}, {"50", 0.42}, {"95", 0.40}};
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.40F, 95), 0.40F);
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.40F, 100), 0.40F);
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.40F, std::nullopt), 0.40F);
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.40F, 20), 0.46F);
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.40F, 5), 0.46F);   // the lowest key's below it
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.40F, 35), 0.44F);  // halfway from 20 to 50
  EXPECT_NEAR(ThresholdForJpegQuality(table, 0.40F, 80), 0.40F + 0.02F * 15 / 45, 1e-6);
  // Another base (other views, a calibrated view count) keeps the shift, not the value.
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(table, 0.50F, 20), 0.56F);
  EXPECT_FLOAT_EQ(ThresholdForJpegQuality(nlohmann::json::object(), 0.40F, 20), 0.40F);
}

TEST(CountInputs, IdsComeFromNamesOrOrderAndListsExpand) {
  testing::ScopedTempDir dir;
  for (const char* name : {"12.jpg", "3.jpg"})
    WriteFileAtomically(dir.path() / "photos" / name, "x");
  WriteFileAtomically(dir.path() / "odd" / "beach.jpg", "x");
  WriteFileAtomically(dir.path() / "list.txt", "photos/3.jpg\n# a comment\nphotos/12.jpg\n");
  const auto from_folder = ResolveCountInputs({(dir.path() / "photos").string()}, false);
  ASSERT_EQ(from_folder.size(), 2u);
  EXPECT_EQ(from_folder[0].id, 12);  // sorted by name: "12.jpg" < "3.jpg"
  EXPECT_EQ(from_folder[1].id, 3);
  const auto from_list = ResolveCountInputs({"@" + (dir.path() / "list.txt").string()}, false);
  ASSERT_EQ(from_list.size(), 2u);
  EXPECT_EQ(from_list[0].id, 3);
  try {
    ResolveCountInputs({(dir.path() / "odd").string()}, false);
    FAIL() << "a photo named beach.jpg was given an id";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("beach.jpg"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("--ids-from-order"), std::string::npos);
  }
  const auto by_order = ResolveCountInputs({(dir.path() / "odd").string()}, true);
  EXPECT_EQ(by_order[0].id, 0);
  EXPECT_THROW(
      ResolveCountInputs(
          {(dir.path() / "photos/3.jpg").string(), (dir.path() / "photos/3.jpg").string()}, false),
      Error);
  EXPECT_THROW(ResolveCountInputs({(dir.path() / "nowhere").string()}, false), Error);
  std::filesystem::create_directories(dir.path() / "empty");
  EXPECT_THROW(ResolveCountInputs({(dir.path() / "empty").string()}, false), Error);
}

// A test survey and an untrained model (counting works the same; accuracy is the benchmark's).
class CountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::MakeSmallSurvey(dir_.path() / "survey", 0, 4, 320, 256);
    torch::manual_seed(1);
    SeedCnn network;
    SaveModel(dir_.path() / "model.bin", network, {{"training", "untrained, for tests"}});
  }
  CountOptions Options(const std::string& output) const {
    CountOptions options;
    options.inputs = {(dir_.path() / "survey" / "Test").string()};
    options.model_path = dir_.path() / "model.bin";
    options.output = dir_.path() / output;
    options.detections = dir_.path() / (output + ".detections.csv");
    options.threads = 2;
    options.batch_size = 7;  // not a divisor of the tile count, on purpose
    return options;
  }
  testing::ScopedTempDir dir_;
};

TEST_F(CountTest, WritesASortedSubmissionThatScoresAgainstTheTruth) {
  const CountSummary summary = RunCount(Options("submission.csv"));
  EXPECT_EQ(summary.counted, 4);
  EXPECT_EQ(summary.work_items, 4 * 5 * 4);
  EXPECT_EQ(summary.work_unit, "tiles");
  const CountsById submission = ReadCountsCsv(dir_.path() / "submission.csv");
  ASSERT_EQ(submission.size(), 4u);
  EXPECT_NO_THROW(
      ScoreFiles(dir_.path() / "submission.csv", dir_.path() / "survey" / "test_truth.csv"));
  // Detections agree with the counts.
  const CsvTable detections = ReadCsv(dir_.path() / "submission.csv.detections.csv");
  int64_t counted = 0;
  for (const auto& [id, counts] : submission)
    for (const auto c : counts) counted += c;
  EXPECT_EQ(static_cast<int64_t>(detections.rows.size()), counted);
}

TEST_F(CountTest, IdsFromOrderListWhichIdIsWhichPhoto) {
  CountOptions options = Options("by-order.csv");
  options.ids_from_order = true;
  RunCount(options);
  const PhotosById photos = ReadPhotoList(dir_.path() / "by-order.photos.csv");
  const std::vector<PhotoInput> inputs = ResolveCountInputs(options.inputs, false);
  ASSERT_EQ(photos.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(photos.at(static_cast<int64_t>(i)), std::filesystem::absolute(inputs[i].path));
  }
  EXPECT_EQ(ReadCountsCsv(options.output).size(), inputs.size());
  // A resume with the photos in another order would give the journal's counts to other photos.
  options.inputs = {inputs[1].path.string(), inputs[0].path.string()};
  options.resume = true;
  EXPECT_THROW(RunCount(options), Error);
  // Counting by name writes no list.
  RunCount(Options("by-name.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "by-name.photos.csv"));
}

TEST_F(CountTest, ResumeAfterAnInterruptionLosesAndDoublesNothing) {
  const CountSummary full = RunCount(Options("full.csv"));
  // Simulate a run killed after two photos: keep the journal's header and first two lines, and
  // leave a half-written third line and stray detection rows behind; damage the second line.
  CountOptions options = Options("resumed.csv");
  RunCount(options);
  std::filesystem::path journal = options.output;
  journal += ".journal";
  const std::string text = ReadFileToString(journal);
  size_t cut = 0;
  for (int line = 0; line < 3; ++line) cut = text.find('\n', cut) + 1;
  std::string kept = text.substr(0, cut);
  // The second photo's line is complete but one cell is damaged ("2x"): it is not trusted.
  const size_t second_line = kept.rfind('\n', kept.size() - 2) + 1;
  kept.insert(kept.find(',', kept.find(',', second_line) + 1), "x");
  WriteFileAtomically(journal, kept + "3,0,1");
  std::filesystem::remove(options.output);
  options.resume = true;
  const CountSummary resumed = RunCount(options);
  EXPECT_EQ(resumed.resumed, 1);
  EXPECT_EQ(resumed.counted, 3);
  EXPECT_EQ(ReadFileToString(options.output), ReadFileToString(dir_.path() / "full.csv"));
  EXPECT_EQ(ReadFileToString(options.detections),
            ReadFileToString(dir_.path() / "full.csv.detections.csv"));
  (void)full;
}

TEST_F(CountTest, AModelEditedToTheSameLengthDoesNotResumeTheOldCounts) {
  CountOptions options = Options("edited.csv");
  RunCount(options);
  // A header value changed in place (as a threshold table edit would be): same path, same size.
  const auto model = dir_.path() / "model.bin";
  std::string bytes = ReadFileToString(model);
  const size_t at = bytes.find("for tests");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 9, "FOR TESTS");
  WriteFileAtomically(model, bytes);
  options.resume = true;
  try {
    RunCount(options);
    ADD_FAILURE() << "resumed a journal written with another model";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("another model or settings"), std::string::npos)
        << error.what();
  }
  options.resume = false;
  EXPECT_EQ(RunCount(options).counted, 4);  // counted afresh without --resume
}

TEST_F(CountTest, ACorruptPhotoIsReportedAndTheOthersAreCounted) {
  const auto test_dir = dir_.path() / "survey" / "Test";
  const std::string bytes = ReadFileToString(test_dir / "1.jpg");
  WriteFileAtomically(test_dir / "1.jpg", bytes.substr(0, bytes.size() / 2));
  const CountSummary summary = RunCount(Options("with_bad.csv"));
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(summary.counted, 3);
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_NE(summary.errors[0].find("1.jpg"), std::string::npos);
  EXPECT_EQ(ReadCountsCsv(dir_.path() / "with_bad.csv").count(1), 0u);
  // The command line says so in its exit code.
  const auto result = testing::RunSealion("count " + test_dir.string() + " --model " +
                                          (dir_.path() / "model.bin").string() + " -o " +
                                          (dir_.path() / "cli.csv").string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("1.jpg: truncated"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace sealion
