#include "sealion/nn/train.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "sealion/core/image_io.h"
#include "sealion/nn/checkpoint.h"
#include "sealion/nn/data_parallel.h"
#include "sealion/nn/model_file.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"
#include "sealion/util/progress.h"
#include "sealion/util/stable_hash.h"

namespace sealion {
namespace {

using nlohmann::json;

struct PatchSet {
  torch::Tensor images;  // uint8 N x 64 x 64 x 3 (RGB)
  torch::Tensor labels;  // int64 N
};

// The photo a thumbnail came from: "42.jpg" and the chip "chip:42_pups_3.png" are both photo 42.
std::string SourcePhoto(const std::string& source) {
  std::string name = source.rfind("chip:", 0) == 0 ? source.substr(5) : source;
  return name.substr(0, name.find_first_of("_."));
}

PatchSet LoadPatches(const std::filesystem::path& dir, const std::vector<size_t>& rows,
                     const CsvTable& manifest, int threads) {
  const int64_t n = static_cast<int64_t>(rows.size());
  PatchSet set{torch::empty({n, kPatchSize, kPatchSize, 3}, torch::kUInt8),
               torch::empty({n}, torch::kInt64)};
  auto* pixels = set.images.data_ptr<uint8_t>();
  auto* labels = set.labels.data_ptr<int64_t>();
  const int file_column = manifest.ColumnIndex("file"),
            class_column = manifest.ColumnIndex("class");
  std::vector<std::string> errors(rows.size());
  ParallelFor(static_cast<int>(n), threads, [&](int i) {
    try {
      const auto& row = manifest.rows[rows[i]];
      cv::Mat patch = ReadColourImage(dir / row[file_column]);
      if (patch.cols != kPatchSize || patch.rows != kPatchSize)
        throw Error(row[file_column] + ": not 64x64");
      cv::Mat rgb(kPatchSize, kPatchSize, CV_8UC3,
                  pixels + static_cast<size_t>(i) * kPatchSize * kPatchSize * 3);
      cv::cvtColor(patch, rgb, cv::COLOR_BGR2RGB);
      labels[i] = ClassIndexFromName(row[class_column]);
    } catch (const std::exception& error) {
      errors[i] = error.what();
    }
  });
  for (const auto& error : errors) {
    if (!error.empty()) throw Error("loading thumbnails: " + error);
  }
  return set;
}

// Augments the thumbnails of a batch in place (uint8 N x 64 x 64 x 3), each by a seed drawn from
// the epoch and its index in the training set: the same in every process of a data-parallel job.
void AugmentBatch(torch::Tensor& images, const torch::Tensor& indices,
                  const AugmentOptions& augmentation, uint64_t epoch_seed) {
  auto* pixels = images.data_ptr<uint8_t>();
  const auto* index = indices.data_ptr<int64_t>();
  for (int64_t i = 0; i < images.size(0); ++i) {
    cv::Mat view(kPatchSize, kPatchSize, CV_8UC3,
                 pixels + static_cast<size_t>(i) * kPatchSize * kPatchSize * 3);
    cv::Mat thumbnail = view.clone();
    AugmentThumbnail(thumbnail, augmentation, MixSeed(epoch_seed, static_cast<uint64_t>(index[i])));
    thumbnail.copyTo(view);
  }
}

struct Evaluation {
  double loss = 0, accuracy = 0;
  ConfusionMatrix confusion{};
};

Evaluation Evaluate(SeedCnn& network, const PatchSet& set, int batch_size) {
  torch::NoGradGuard no_grad;
  network->eval();
  Evaluation result;
  const int64_t n = set.images.size(0);
  if (n == 0) return result;
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    const torch::Tensor logits = network->forward(ToNetworkInput(set.images.slice(0, start, end)));
    const torch::Tensor labels = set.labels.slice(0, start, end);
    loss_sum +=
        torch::nn::functional::cross_entropy(
            logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .item<double>();
    const torch::Tensor predicted = logits.argmax(1);
    correct += predicted.eq(labels).sum().item<int64_t>();
    const auto* p = predicted.data_ptr<int64_t>();
    const auto* t = labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < end - start; ++i) ++result.confusion[t[i]][p[i]];
  }
  result.loss = loss_sum / static_cast<double>(n);
  result.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  return result;
}

json EpochToJson(const EpochRecord& e) {
  return {{"epoch", e.epoch},
          {"train_loss", e.train_loss},
          {"train_accuracy", e.train_accuracy},
          {"validation_loss", e.validation_loss},
          {"validation_accuracy", e.validation_accuracy},
          {"samples_per_second", e.samples_per_second}};
}

EpochRecord EpochFromJson(const json& j) {
  return {j.at("epoch"),           j.at("train_loss"),          j.at("train_accuracy"),
          j.at("validation_loss"), j.at("validation_accuracy"), j.at("samples_per_second")};
}

json CheckpointState(const std::vector<EpochRecord>& history, const std::string& fingerprint) {
  json history_json = json::array();
  for (const auto& e : history) history_json.push_back(EpochToJson(e));
  return {{"history", history_json}, {"fingerprint", fingerprint}};
}

}  // namespace

void TrainOptions::Check() const {
  if (patch_dir.empty()) throw Error("train: a patch folder is required");
  if (model_path.empty()) throw Error("train: --output is required");
  if (epochs < 1) throw Error("train: --epochs must be >= 1");
  if (batch_size < 1) throw Error("train: --batch must be >= 1");
  if (!(learning_rate > 0)) throw Error("train: --lr must be > 0");
  if (validation_fraction < 0 || validation_fraction >= 1)
    throw Error("train: --val-fraction must be in [0, 1)");
  if (threads < 0) throw Error("train: --threads must be >= 0");
  augmentation.Check();
}

std::filesystem::path CheckpointPath(const std::filesystem::path& model_path) {
  std::filesystem::path path = model_path;
  path += ".checkpoint";
  return path;
}

TrainResult RunTrain(const TrainOptions& options, WorkSharing& sharing) {
  options.Check();
  const int ranks = sharing.Ranks(), rank = sharing.Rank();
  if (options.batch_size < ranks) {
    throw Error(
        fmt::format("train: {} processes cannot share batches of {} thumbnails: --batch "
                    "must be at least the number of processes",
                    ranks, options.batch_size));
  }
  ConfigureTorchThreads(options.threads);
  const CsvTable manifest = ReadCsv(options.patch_dir / "manifest.csv");
  const int source_column = manifest.ColumnIndex("source_image");
  std::vector<size_t> train_rows, validation_rows;
  std::map<std::string, bool> photo_is_validation;
  for (size_t row = 0; row < manifest.rows.size(); ++row) {
    const std::string photo = SourcePhoto(manifest.rows[row][source_column]);
    const bool validation = static_cast<double>(StableHash(photo, options.seed) % 1000000) / 1e6 <
                            options.validation_fraction;
    photo_is_validation[photo] = validation;
    (validation ? validation_rows : train_rows).push_back(row);
  }
  if (train_rows.empty())
    throw Error(options.patch_dir.string() +
                ": no training thumbnails (all photos fell in validation?)");
  TrainResult result;
  for (const auto& [photo, validation] : photo_is_validation)
    (validation ? result.validation_photos : result.train_photos)++;
  const PatchSet train = LoadPatches(options.patch_dir, train_rows, manifest, options.threads);
  const PatchSet validation =
      LoadPatches(options.patch_dir, validation_rows, manifest, options.threads);
  result.train_samples = train.images.size(0);
  result.validation_samples = validation.images.size(0);
  spdlog::info("train: {} thumbnails from {} photos, validation: {} from {} photos",
               result.train_samples, result.train_photos, result.validation_samples,
               result.validation_photos);

  torch::manual_seed(options.seed);
  SeedCnn network;
  json initialised_from;
  if (!options.init.empty()) {
    initialised_from = InitialiseFromModel(options.init, kTileMethod, *network);
    spdlog::info("starting from the weights of {}", options.init.string());
  }
  UseChannelsLast(*network);
  torch::optim::Adam optimizer(network->parameters(),
                               torch::optim::AdamOptions(options.learning_rate));
  const std::string fingerprint =
      fmt::format("{}|{}|{}|{}|{}|{}", manifest.rows.size(), options.seed, options.batch_size,
                  options.learning_rate, options.validation_fraction, result.train_samples) +
      (initialised_from.is_null() ? ""
                                  : "|init:" + initialised_from.value("weights_checksum", "")) +
      (options.augment ? fmt::format("|augment:{}:{}", options.augmentation.scale_range,
                                     options.augmentation.jpeg)
                       : "") +
      // Tagged only when used, so that checkpoints from before the sharpness step still resume.
      (options.augment && options.augmentation.sharpness > 0
           ? fmt::format("|sharpness:{}", options.augmentation.sharpness)
           : "");
  if (!options.resume.empty()) {
    const json saved =
        LoadCheckpoint(options.resume, *network, optimizer, fingerprint,
                       "the checkpoint was made with other thumbnails or settings (seed, batch, "
                       "learning rate, split)");
    for (const auto& e : saved.at("history")) result.epochs.push_back(EpochFromJson(e));
    spdlog::info("resuming after epoch {}", result.epochs.size());
  }

  const int64_t n = result.train_samples;
  const int64_t batches = (n + options.batch_size - 1) / options.batch_size;
  for (int epoch = static_cast<int>(result.epochs.size()) + 1; epoch <= options.epochs; ++epoch) {
    // Shuffling and dropout are seeded per epoch, so a resumed run continues exactly.
    torch::manual_seed(options.seed * 1000003 + static_cast<uint64_t>(epoch));
    const torch::Tensor order = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64));
    network->train();
    ProgressReporter progress(fmt::format("train epoch {}/{}", epoch, options.epochs), "samples",
                              n);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t b = 0; b < batches; ++b) {
      const torch::Tensor batch =
          order.slice(0, b * options.batch_size, std::min(n, (b + 1) * options.batch_size));
      // Drawn for the whole global batch in every process (the same generator state in each),
      // so that N processes drop the units one process would.
      const torch::Tensor masks = DropoutMasks(batch.size(0));
      // This process's share of the batch (all of it in a single process).
      const int64_t share_begin = batch.size(0) * rank / ranks;
      const int64_t share_end = batch.size(0) * (rank + 1) / ranks;
      const torch::Tensor index = batch.slice(0, share_begin, share_end);
      const torch::Tensor labels = train.labels.index_select(0, index);
      torch::Tensor images = train.images.index_select(0, index);
      if (options.augment)
        AugmentBatch(images, index, options.augmentation,
                     MixSeed(options.seed, static_cast<uint64_t>(epoch)));
      const torch::Tensor logits =
          network->forward(ToNetworkInput(images), masks.slice(0, share_begin, share_end));
      // The mean over the global batch: each process sums its share.
      const torch::Tensor loss =
          torch::nn::functional::cross_entropy(
              logits, labels,
              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) /
          static_cast<double>(batch.size(0));
      optimizer.zero_grad();
      loss.backward();
      if (ranks > 1) SumGradientsAcrossRanks(*network, sharing);
      optimizer.step();
      loss_sum += loss.item<double>() * static_cast<double>(batch.size(0));
      correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
      progress.Advance(
          batch.size(0),
          ranks > 1 ? std::string()
                    : fmt::format("loss {:.3f}", loss_sum / static_cast<double>(std::min(
                                                                n, (b + 1) * options.batch_size))));
    }
    if (ranks > 1) {
      const std::vector<double> totals =
          SumAcrossRanks({loss_sum, static_cast<double>(correct)}, sharing);
      loss_sum = totals[0];
      correct = static_cast<int64_t>(std::llround(totals[1]));
    }
    progress.Finish();
    const double training_seconds = progress.ElapsedSeconds();  // validation is not training time
    const Evaluation evaluation = Evaluate(network, validation, 64);
    EpochRecord record{epoch,
                       loss_sum / static_cast<double>(n),
                       static_cast<double>(correct) / static_cast<double>(n),
                       evaluation.loss,
                       evaluation.accuracy,
                       static_cast<double>(n) / training_seconds};
    result.epochs.push_back(record);
    spdlog::info(
        "epoch {}: train loss {:.4f} accuracy {:.3f} | validation loss {:.4f} accuracy {:.3f} | "
        "{:.0f} samples/s",
        epoch, record.train_loss, record.train_accuracy, record.validation_loss,
        record.validation_accuracy, record.samples_per_second);
    if (sharing.IsWriter()) {  // every process holds the same weights; one writes them
      SaveCheckpoint(CheckpointPath(options.model_path), *network, optimizer,
                     CheckpointState(result.epochs, fingerprint));
    }
  }

  const Evaluation final_evaluation = Evaluate(network, validation, 64);
  result.confusion = final_evaluation.confusion;
  json history = json::array();
  for (const auto& e : result.epochs) history.push_back(EpochToJson(e));
  json confusion = json::array();
  for (const auto& row : result.confusion) confusion.push_back(row);
  json training = {{"patch_dir", options.patch_dir.string()},
                   {"epochs", options.epochs},
                   {"batch_size", options.batch_size},
                   {"learning_rate", options.learning_rate},
                   {"validation_fraction", options.validation_fraction},
                   {"seed", options.seed},
                   {"train_samples", result.train_samples},
                   {"validation_samples", result.validation_samples},
                   {"train_photos", result.train_photos},
                   {"validation_photos", result.validation_photos},
                   {"history", history},
                   {"validation_confusion", confusion},
                   {"final_validation_accuracy", final_evaluation.accuracy},
                   {"final_validation_loss", final_evaluation.loss},
                   {"augmentation", options.augment ? options.augmentation.ToJson() : json(false)}};
  if (!initialised_from.is_null()) training["initialised_from"] = initialised_from;
  if (!sharing.IsWriter()) return result;
  SaveModel(options.model_path, network, {{"training", training}});
  std::string csv = "true\\predicted";
  for (const auto name : kClassNames) csv += fmt::format(",{}", name);
  csv += "\n";
  for (int t = 0; t < kNumClasses; ++t)
    csv += fmt::format("{},{}\n", ClassName(t), fmt::join(result.confusion[t], ","));
  std::filesystem::path confusion_path = options.model_path;
  confusion_path += ".confusion.csv";
  WriteFileAtomically(confusion_path, csv);
  std::filesystem::path training_path = options.model_path;
  training_path += ".training.json";
  WriteFileAtomically(training_path, training.dump(1));
  return result;
}

std::string FormatConfusionMatrix(const ConfusionMatrix& confusion) {
  std::string table = fmt::format("{:>16}", "true \\ predicted");
  for (const auto name : kClassNames) table += fmt::format(" {:>14}", name);
  table += fmt::format(" {:>8}\n", "recall");
  for (int t = 0; t < kNumClasses; ++t) {
    int64_t total = 0;
    for (const auto v : confusion[t]) total += v;
    table += fmt::format("{:>16}", ClassName(t));
    for (const auto v : confusion[t]) table += fmt::format(" {:>14}", v);
    table += total ? fmt::format(" {:>7.1f}%\n", 100.0 * static_cast<double>(confusion[t][t]) /
                                                     static_cast<double>(total))
                   : fmt::format(" {:>8}\n", "-");
  }
  return table;
}

}  // namespace sealion
