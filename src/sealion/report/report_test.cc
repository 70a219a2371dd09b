// The report of a tiny run, rendered in headless Chromium: the page loads and shows the RMSE
// table and at least one overlay image. The screenshot is kept as a test artifact.

#include "sealion/report/report.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "sealion/count/count.h"
#include "sealion/nn/model_file.h"
#include "sealion/report/svg.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

// Counts the run's test photos with `model` into PREFIXsubmission.csv and PREFIXdetections.csv.
CountSummary CountTestPhotos(const std::filesystem::path& run, const std::string& model,
                             const std::string& prefix) {
  CountOptions count;
  count.inputs = {(run / "survey" / "Test").string()};
  count.model_path = run / model;
  count.output = run / (prefix + "submission.csv");
  count.detections = run / (prefix + "detections.csv");
  count.threads = 2;
  return RunCount(count);
}

std::filesystem::path MakeTinyRun(const std::filesystem::path& run) {
  testing::MakeSmallSurvey(run / "survey", 0, 2, 512, 384);
  torch::manual_seed(3);
  SeedCnn network;
  SaveModel(run / "tiles.bin", network, {{"training", "untrained, for the report test"}});
  WriteFileAtomically(
      run / "tiles.bin.training.json",
      R"({"train_samples": 10, "train_photos": 1, "validation_samples": 4, "validation_photos": 1,
                          "final_validation_accuracy": 0.5, "history": [
                          {"epoch": 1, "train_loss": 1.2, "train_accuracy": 0.4, "validation_loss": 1.3, "validation_accuracy": 0.35, "samples_per_second": 100},
                          {"epoch": 2, "train_loss": 0.8, "train_accuracy": 0.6, "validation_loss": 0.9, "validation_accuracy": 0.5, "samples_per_second": 100}],
                          "validation_confusion": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]]})");
  CountTestPhotos(run, "tiles.bin", "");
  return run;
}

TEST(Report, HasTheScoreTableOverlaysAndCurves) {
  testing::ScopedTempDir dir;
  const auto run = MakeTinyRun(dir.path() / "run");
  const ReportSummary summary = RunReport({run, run / "report.html"});
  EXPECT_TRUE(summary.has_truth);
  EXPECT_TRUE(summary.has_training);
  EXPECT_EQ(summary.photos_shown, 2);
  const std::string html = ReadFileToString(run / "report.html");
  EXPECT_NE(html.find("id='mean-rmse'"), std::string::npos);
  EXPECT_NE(html.find("data:image/jpeg;base64,"), std::string::npos);
  EXPECT_NE(html.find("Loss per epoch"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the report needs no JavaScript";
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"))
      << "no network resources";
}

TEST(Report, ComparesTheTwoCountersWhenThePointCounterRan) {
  testing::ScopedTempDir dir;
  const auto run = MakeTinyRun(dir.path() / "run");
  torch::manual_seed(4);
  PointNet points;
  SavePointModel(run / "points.bin", points,
                 {{"detection", {{"threshold", 0.005}, {"suppression_fraction", 0.25}}}});
  const CountSummary counted = CountTestPhotos(run, "points.bin", "points-");
  WriteFileAtomically(run / "points-count.txt",
                      "counted 2 photo(s) (0 from the journal, 0 failed): 5 animals in 3.0 s\n");
  ASSERT_GT(counted.work_items, 0) << "the untrained network found no animal to draw";
  RunReport({run, run / "report.html"});
  const std::string html = ReadFileToString(run / "report.html");
  EXPECT_NE(html.find("The two counters side by side"), std::string::npos);
  EXPECT_NE(html.find("id='rmse-points'"), std::string::npos);
  EXPECT_NE(html.find("points 1.50 s"), std::string::npos) << "3.0 s for 2 photos";
  EXPECT_NE(html.find("alt='point overlay of photo"), std::string::npos);
}

TEST(Report, ShowsTheRealPhotoCountsOfTheDefaultModel) {
  testing::ScopedTempDir dir;
  const auto run = MakeTinyRun(dir.path() / "run");
  EXPECT_FALSE(RunReport({run, run / "report.html"}).has_real_score);
  WriteFileAtomically(run / "real-score.txt", "mean RMSE 7.5 <over 3 photos>\n");
  EXPECT_TRUE(RunReport({run, run / "report.html"}).has_real_score);
  const std::string html = ReadFileToString(run / "report.html");
  EXPECT_NE(html.find("mean RMSE 7.5 &lt;over 3 photos&gt;"), std::string::npos);
}

TEST(Report, MissingSubmissionIsAClearError) {
  testing::ScopedTempDir dir;
  EXPECT_THROW(RunReport({dir.path(), dir.path() / "r.html"}), Error);
}

TEST(Report, RendersInHeadlessChromium) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  }
  testing::ScopedTempDir dir;
  const auto run = MakeTinyRun(dir.path() / "run");
  RunReport({run, run / "report.html"});
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      (dir.path() / "profile").string();
  const std::string dom_command = "chromium " + flags + " --dump-dom file://" +
                                  (run / "report.html").string() + " > " +
                                  (dir.path() / "dom.html").string() + " 2>/dev/null";
  ASSERT_EQ(std::system(dom_command.c_str()), 0);
  const std::string dom = ReadFileToString(dir.path() / "dom.html");
  EXPECT_NE(dom.find("mean RMSE"), std::string::npos)
      << "the RMSE table is not on the rendered page";
  EXPECT_NE(dom.find("class=\"overlay\""), std::string::npos)
      << "no overlay image on the rendered page";
  // The screenshot, kept beside the test binary as an artifact.
  const std::filesystem::path screenshot =
      std::filesystem::current_path() / "report_screenshot.png";
  const std::string shot_command =
      "chromium " + flags + " --window-size=1100,1400 --screenshot=" + screenshot.string() +
      " file://" + (run / "report.html").string() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(shot_command.c_str()), 0);
  EXPECT_GT(std::filesystem::file_size(screenshot), 10000u);
}

TEST(Svg, EscapesTextAndDrawsEveryBar) {
  EXPECT_EQ(EscapeHtml("a<b & 'c'"), "a&lt;b &amp; &#39;c&#39;");
  const std::string svg = SvgBarChart({{"pups", {3, 4}}, {"juveniles", {1, 0}}},
                                      {"predicted", "true"}, {"#000", "#fff"}, "t");
  size_t bars = 0;
  for (size_t at = svg.find("<rect x"); at != std::string::npos; at = svg.find("<rect x", at + 1))
    ++bars;
  EXPECT_EQ(bars, 4u + 2u);  // four bars and two legend swatches
}

}  // namespace
}  // namespace sealion
