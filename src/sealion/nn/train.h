#pragma once
// `sealion train`: the seed's CNN on the thumbnails of `sealion patches`, with LibTorch.
// Validation is split by source photo (the three offsets of a dot are near-duplicates), a
// checkpoint is written every epoch and `resume` continues from it; the same seed and data give
// the same model on the same machine.

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "sealion/core/classes.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/nn/augment.h"

namespace sealion {

struct TrainOptions {
  std::filesystem::path patch_dir;   // with manifest.csv
  std::filesystem::path model_path;  // the model file to write
  int epochs = 10;
  int batch_size = 32;               // batches of 16-64 ran fastest on this CPU
  double learning_rate = 1e-3;       // Adam, as the seed (Keras's default)
  double validation_fraction = 0.2;  // share of source photos held out
  uint64_t seed = 1;
  int threads = 0;               // LibTorch threads; 0: every core
  std::filesystem::path resume;  // a checkpoint to continue from
  std::filesystem::path init;    // a tile model to start from instead of random weights
  // Each training thumbnail is augmented as the point trainer's crops are (nn/augment.h), drawn
  // anew every epoch; validation thumbnails never are.
  bool augment = true;
  AugmentOptions augmentation;

  void Check() const;
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double validation_loss = 0, validation_accuracy = 0;
  double samples_per_second = 0;
};

using ConfusionMatrix =
    std::array<std::array<int64_t, kNumClasses>, kNumClasses>;  // [true][predicted]

struct TrainResult {
  std::vector<EpochRecord> epochs;
  ConfusionMatrix confusion{};  // on the validation photos, after the last epoch
  int64_t train_samples = 0, validation_samples = 0;
  int train_photos = 0, validation_photos = 0;
};

// Under MPI (`sharing` spanning processes), data-parallel: every process takes its share of each
// global batch (with the dropout masks one process would draw), gradients are summed over the
// processes, and the writer alone writes checkpoints and the model.
TrainResult RunTrain(const TrainOptions& options, WorkSharing& sharing = ProcessWorkSharing());

// The confusion matrix as a terminal table with per-class recall.
std::string FormatConfusionMatrix(const ConfusionMatrix& confusion);

// The checkpoint written next to the model: "<model>.checkpoint".
std::filesystem::path CheckpointPath(const std::filesystem::path& model_path);

}  // namespace sealion
