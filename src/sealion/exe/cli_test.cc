// The `sealion` program end to end: dispatch, help, errors and `extract` on small files.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sealion/core/counts_csv.h"
#include "sealion/util/atomic_file.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::RunSealion;

TEST(Cli, HelpVersionAndUnknownCommand) {
  EXPECT_EQ(RunSealion("help").exit_code, 0);
  EXPECT_NE(RunSealion("version").output.find("sealion "), std::string::npos);
  const auto unknown = RunSealion("frobnicate");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_EQ(RunSealion("extract --help").exit_code, 0);
  EXPECT_NE(RunSealion("extract").exit_code, 0);
}

TEST(Cli, ExtractReportsAMissingDatasetByName) {
  testing::ScopedTempDir dir;
  const auto result =
      RunSealion("extract " + (dir.path() / "nowhere").string() + " -o " + dir.path().string());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("nowhere"), std::string::npos) << result.output;
}

TEST(Cli, ExtractOfADatasetWithoutPhotosIsAnError) {
  testing::ScopedTempDir dir;
  std::filesystem::create_directories(dir.path() / "empty" / "TrainDotted");
  const auto result = RunSealion("extract " + (dir.path() / "empty").string() + " -o " +
                                 (dir.path() / "out").string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("no photos to process"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out" / "coords.csv"))
      << "no header-only outputs for an empty dataset";
}

// A truncated JPEG among good photos: a clear error naming it, a non-zero exit, and the other
// photos still extracted. Uses the real sample's photo 50 (one adult male) and 42.
TEST(Cli, ExtractGoesOnPastATruncatedJpeg) {
  SEALION_REQUIRE_KAGGLE_SAMPLE(sample);
  testing::ScopedTempDir dir;
  const auto dataset = dir.path() / "dataset";
  std::filesystem::create_directories(dataset / "TrainDotted");
  std::filesystem::create_directories(dataset / "Train");
  for (const char* id : {"42", "50"}) {
    std::filesystem::copy_file(sample / "TrainDotted" / (std::string(id) + ".jpg"),
                               dataset / "TrainDotted" / (std::string(id) + ".jpg"));
    std::filesystem::copy_file(sample / "Train" / (std::string(id) + ".jpg"),
                               dataset / "Train" / (std::string(id) + ".jpg"));
  }
  const std::string bytes = ReadFileToString(dataset / "TrainDotted" / "42.jpg");
  WriteFileAtomically(dataset / "TrainDotted" / "43.jpg", bytes.substr(0, bytes.size() / 3));
  const auto out = dir.path() / "out";
  const auto result =
      RunSealion("extract " + dataset.string() + " -o " + out.string() + " --threads 2");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("43.jpg: truncated"), std::string::npos) << result.output;
  const CountsById counts = ReadCountsCsv(out / "counts.csv");
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.at(50), (ClassCounts{1, 0, 0, 0, 0}));
  EXPECT_EQ(counts.at(42), (ClassCounts{7, 4, 10, 1, 0}));
  const auto metadata = nlohmann::json::parse(ReadFileToString(out / "training_metadata.json"));
  ASSERT_EQ(metadata.size(), 2u);
  EXPECT_EQ(metadata[1]["filename"], "50.jpg");
  EXPECT_EQ(metadata[1]["sea-lions"]["adult_males"].size(), 1u);
  EXPECT_EQ(metadata[1]["sea-lions"]["pups"].size(), 0u);
}

// The whole pipeline through the real program on a tiny survey, as a user runs it.
TEST(Cli, EveryCommandEndToEnd) {
  testing::ScopedTempDir dir;
  const std::string d = dir.path().string();
  auto run = [&](const std::string& arguments) {
    const auto result = RunSealion(arguments);
    EXPECT_EQ(result.exit_code, 0) << "sealion " << arguments << "\n" << result.output;
    return result.output;
  };
  run("synth -o " + d +
      "/survey --train 4 --test 2 --width 640 --height 480 --seed 9 --layouts model");
  EXPECT_NE(run("extract " + d + "/survey -o " + d + "/extract").find("exact:"), std::string::npos);
  EXPECT_NE(run("patches " + d + "/survey --metadata " + d + "/extract/training_metadata.json -o " +
                d + "/patches")
                .find("non_seal"),
            std::string::npos);
  EXPECT_NE(run("train " + d + "/patches -o " + d + "/model.bin --epochs 1 --val-fraction 0.25")
                .find("recall"),
            std::string::npos);
  run("count " + d + "/survey/Test --model " + d + "/model.bin -o " + d +
      "/submission.csv --detections " + d + "/detections.csv");
  EXPECT_EQ(ReadCountsCsv(dir.path() / "submission.csv").size(), 2u);
  EXPECT_NE(run("score " + d + "/submission.csv " + d + "/survey/test_truth.csv").find("mean RMSE"),
            std::string::npos);
  const auto score = nlohmann::json::parse(
      run("score " + d + "/submission.csv " + d + "/survey/test_truth.csv --json"));
  EXPECT_TRUE(score.contains("mean_rmse"));
  EXPECT_EQ(score["photos"], 2);
  run("overlay " + d + "/survey/Test/1.jpg --detections " + d + "/detections.csv -o " + d +
      "/overlay.png");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "overlay.png"));
  // report reads the main job's layout: submission.csv, detections.csv, survey/,
  // model.bin.training.json.
  EXPECT_NE(run("report " + d + " -o " + d + "/report.html").find("2 photo overlays"),
            std::string::npos);
}

TEST(Cli, BadFlagsAreErrorsThatNameTheFlag) {
  const auto result = RunSealion("train /nowhere -o /tmp/x.model --epochs 0");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--epochs"), std::string::npos) << result.output;
  const auto synth = RunSealion("synth -o /tmp/x --width 640");
  EXPECT_NE(synth.exit_code, 0);
  EXPECT_NE(synth.output.find("--height"), std::string::npos) << synth.output;
}

// Settings on by default have --X and --no-X, each with its own help line (CLI11's "--X,!--no-X"
// printed "--X,--no-X{false}", which reads as "off by default").
TEST(Cli, OnOffFlagsHaveTheirOwnHelpLines) {
  for (const std::string command : {"train", "patches"}) {
    const auto help = RunSealion(command + " --help");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_EQ(help.output.find("{false}"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("\n  --no-dedot "), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("(the default)"), std::string::npos) << help.output;
  }
}

// --threads far above the cores is capped with a warning (it once spawned thousands of threads),
// and --max-megapixels lowers or raises the pixel limit for every photo the command reads.
TEST(Cli, ThreadsAreCappedAndThePixelLimitIsAFlag) {
  testing::ScopedTempDir dir;
  const std::string d = dir.path().string();
  ASSERT_EQ(RunSealion("synth -o " + d + "/survey --train 2 --test 0 --width 2000 --height 1500 " +
                       "--seed 4 --layouts model")
                .exit_code,
            0);
  const auto capped =
      RunSealion("extract " + d + "/survey -o " + d + "/extract-capped --threads 100000");
  EXPECT_EQ(capped.exit_code, 0) << capped.output;
  EXPECT_NE(capped.output.find("--threads 100000 is more than the"), std::string::npos)
      << capped.output;

  // 2000 x 1500 is 3 megapixels: refused under a limit of 2, by name, and the run fails.
  const auto refused =
      RunSealion("extract " + d + "/survey -o " + d + "/extract-small --max-megapixels 2");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("more than the limit of 2000000 pixels"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("0.jpg"), std::string::npos) << refused.output;
  EXPECT_EQ(
      RunSealion("extract " + d + "/survey -o " + d + "/extract-3 --max-megapixels 3").exit_code,
      0);
  EXPECT_NE(RunSealion("count " + d + " --max-megapixels 0").exit_code, 0);
}

// Only train and count load LibTorch (about 0.6 s at every start): the network commands live in
// a module beside the program. The dynamic loader's own log (LD_DEBUG) shows what each loads.
TEST(Cli, OnlyTheNetworkCommandsLoadLibTorch) {
  ::setenv("LD_DEBUG", "libs", 1);
  const auto score = RunSealion("score --help");
  const auto count = RunSealion("count --help");
  ::unsetenv("LD_DEBUG");
  EXPECT_EQ(score.exit_code, 0);
  EXPECT_EQ(count.exit_code, 0);
  EXPECT_EQ(score.output.find("libtorch"), std::string::npos);
  EXPECT_NE(count.output.find("sealion-network.so"), std::string::npos);
  EXPECT_NE(count.output.find("libtorch"), std::string::npos);
}

}  // namespace
}  // namespace sealion
