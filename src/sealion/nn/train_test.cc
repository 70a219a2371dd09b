#include "sealion/nn/train.h"

#include <gtest/gtest.h>

#include "sealion/extract/extract.h"
#include "sealion/nn/model_file.h"
#include "sealion/patches/patches.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

// A tiny synthetic survey made into thumbnails once for all tests here.
class TrainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScopedTempDir();
    const auto survey = dir_->path() / "survey";
    testing::MakeSmallSurvey(survey, 4, 0, 640, 480, 4);
    ExtractOptions extract;
    extract.dataset_dir = survey;
    extract.output_dir = dir_->path() / "extract";
    RunExtract(extract);
    PatchesOptions patches;
    patches.dataset_dir = survey;
    patches.metadata = extract.output_dir / "training_metadata.json";
    patches.output_dir = dir_->path() / "patches";
    RunPatches(patches);
  }
  static void TearDownTestSuite() { delete dir_; }

  static TrainOptions Options(const std::string& model_name, int epochs) {
    TrainOptions options;
    options.patch_dir = dir_->path() / "patches";
    options.model_path = dir_->path() / model_name;
    options.epochs = epochs;
    options.validation_fraction = 0.25;
    options.threads = 2;
    return options;
  }
  static testing::ScopedTempDir* dir_;
};
testing::ScopedTempDir* TrainTest::dir_ = nullptr;

TEST_F(TrainTest, ShortRunReducesTheLoss) {
  const TrainResult result = RunTrain(Options("a.model", 3));
  ASSERT_EQ(result.epochs.size(), 3u);
  EXPECT_LT(result.epochs.back().train_loss, result.epochs.front().train_loss);
  EXPECT_GT(result.validation_samples, 0);
  int64_t confusion_total = 0;
  for (const auto& row : result.confusion)
    for (const auto v : row) confusion_total += v;
  EXPECT_EQ(confusion_total, result.validation_samples);
}

TEST_F(TrainTest, SavedModelLoadsAndGivesIdenticalOutputs) {
  TrainOptions options = Options("b.model", 1);
  RunTrain(options);
  LoadedModel first = LoadModel(options.model_path);
  LoadedModel second = LoadModel(options.model_path);
  EXPECT_EQ(first.metadata["patch_size"], 64);
  EXPECT_EQ(first.metadata["class_names"][5], "non_seal");
  EXPECT_EQ(first.metadata["training"]["epochs"], 1);
  torch::manual_seed(0);
  const torch::Tensor input = torch::randint(0, 256, {5, 64, 64, 3}, torch::kUInt8);
  first.tile_network->eval();
  second.tile_network->eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(first.tile_network->forward(ToNetworkInput(input)),
                           second.tile_network->forward(ToNetworkInput(input))));
}

TEST_F(TrainTest, IncompatibleModelFilesAreClearErrors) {
  TrainOptions options = Options("c.model", 1);
  RunTrain(options);
  std::string bytes = ReadFileToString(options.model_path);
  bytes[12] = 99;  // the format version
  WriteFileAtomically(dir_->path() / "future.model", bytes);
  try {
    LoadModel(dir_->path() / "future.model");
    FAIL() << "a model of another format version loaded";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("format version 99"), std::string::npos)
        << error.what();
  }
  WriteFileAtomically(dir_->path() / "junk.model", "hello");
  EXPECT_THROW(LoadModel(dir_->path() / "junk.model"), Error);

  // A flipped byte in the weights and a cut file are one clear line each, naming the file.
  const std::string good = ReadFileToString(options.model_path);
  std::string flipped = good;
  flipped[flipped.size() - 100] ^= 0x10;
  WriteFileAtomically(dir_->path() / "flipped.model", flipped);
  WriteFileAtomically(dir_->path() / "cut.model", good.substr(0, good.size() * 2 / 3));
  for (const auto& [name, expected] :
       {std::pair{"flipped.model", "checksum does not match"}, {"cut.model", "truncated"}}) {
    try {
      LoadModel(dir_->path() / name);
      ADD_FAILURE() << name << " loaded";
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(name), std::string::npos) << message;
      EXPECT_NE(message.find(expected), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST_F(TrainTest, ResumeContinuesFromTheCheckpointToTheSameModel) {
  // Two epochs straight, against one epoch then a resumed second.
  TrainOptions straight = Options("straight.model", 2);
  const TrainResult straight_result = RunTrain(straight);
  TrainOptions first_half = Options("resumed.model", 1);
  RunTrain(first_half);
  TrainOptions second_half = Options("resumed.model", 2);
  second_half.resume = CheckpointPath(first_half.model_path);
  const TrainResult resumed_result = RunTrain(second_half);
  ASSERT_EQ(resumed_result.epochs.size(), 2u);
  EXPECT_DOUBLE_EQ(resumed_result.epochs[1].train_loss, straight_result.epochs[1].train_loss);
  EXPECT_EQ(resumed_result.confusion, straight_result.confusion);
  // A checkpoint of other augmentation settings is refused, the sharpness step's included.
  TrainOptions sharper = Options("resumed.model", 3);
  sharper.resume = CheckpointPath(first_half.model_path);
  sharper.augmentation.sharpness = 0.5;
  EXPECT_THROW(RunTrain(sharper), Error);
}

}  // namespace
}  // namespace sealion
