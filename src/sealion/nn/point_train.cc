#include "sealion/nn/point_train.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "sealion/core/image_io.h"
#include "sealion/nn/checkpoint.h"
#include "sealion/nn/data_parallel.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_inference.h"
#include "sealion/nn/train.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"
#include "sealion/util/progress.h"
#include "sealion/util/stable_hash.h"

namespace sealion {
namespace {

// The --animal-centred share that checkpoint fingerprints leave untagged (below).
constexpr double kLegacyAnimalCentred = 0.6;

// Five per-class numbers as the float tensor the loss takes.
torch::Tensor PerClassTensor(const std::array<double, kNumSeaLionClasses>& values) {
  return torch::tensor(std::vector<double>(values.begin(), values.end())).to(torch::kFloat32);
}

using nlohmann::json;

constexpr float kCandidateFloor = 0.1f;  // the lowest threshold validation may choose

struct ValidationPhoto {
  std::vector<PointDetection> candidates;  // outside the masks, at or above kCandidateFloor
  std::vector<Animal> truth;
};

ValidationPhoto FindValidationCandidates(const PointForward& network, const LabelledPhoto& photo,
                                         const cv::Mat& image, double chroma_sigma) {
  PointInferenceOptions inference;
  inference.candidate_threshold = kCandidateFloor;
  inference.chroma_sigma = chroma_sigma;
  ValidationPhoto result{{}, photo.animals};
  for (const auto& candidate : FindPeakCandidates(network, image, inference)) {
    const int cx = static_cast<int>(candidate.x) / kPointNetStride;
    const int cy = static_cast<int>(candidate.y) / kPointNetStride;
    if (photo.valid_cells.at<uint8_t>(cy, cx) != 0) result.candidates.push_back(candidate);
  }
  return result;
}

// Scores the validation photos under one setting.
PointValidation Evaluate(const std::vector<ValidationPhoto>& photos, float threshold,
                         double suppression) {
  PointValidation result;
  result.photos = static_cast<int>(photos.size());
  result.threshold = threshold;
  result.suppression = suppression;
  MatchTally tally;
  std::array<double, kNumSeaLionClasses> squared_error{};
  for (const auto& photo : photos) {
    const auto detections = SuppressByDistance(photo.candidates, threshold, suppression);
    MatchAnimals(detections, photo.truth, &tally);
    std::array<int64_t, kNumSeaLionClasses> difference{};
    for (const auto& d : detections) ++difference[d.class_index];
    for (const auto& t : photo.truth) --difference[t.class_index];
    for (int c = 0; c < kNumSeaLionClasses; ++c)
      squared_error[c] += static_cast<double>(difference[c] * difference[c]);
  }
  result.mean_rmse = 0;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    result.rmse[c] = std::sqrt(squared_error[c] / std::max<size_t>(1, photos.size()));
    result.mean_rmse += result.rmse[c] / kNumSeaLionClasses;
    result.precision[c] = tally.Precision(c);
    result.recall[c] = tally.Recall(c);
    result.f1[c] = tally.F1(c);
  }
  result.all_f1 = tally.AllF1();
  result.all_precision = tally.AllPrecision();
  result.all_recall = tally.AllRecall();
  return result;
}

// The threshold and suppression radius that count the validation photos best (among those the
// user did not fix).
PointValidation ChooseDetectionSettings(const std::vector<ValidationPhoto>& photos,
                                        float fixed_threshold, double fixed_suppression) {
  std::vector<float> thresholds;
  for (int step = 0; step <= 16; ++step)
    thresholds.push_back(kCandidateFloor + 0.05f * static_cast<float>(step));
  if (fixed_threshold >= 0) thresholds = {fixed_threshold};
  std::vector<double> suppressions = {0.15, 0.25, 0.35, 0.5};
  if (fixed_suppression >= 0) suppressions = {fixed_suppression};
  PointValidation best;
  bool first = true;
  for (const float threshold : thresholds) {
    for (const double suppression : suppressions) {
      const PointValidation candidate = Evaluate(photos, threshold, suppression);
      if (first || candidate.mean_rmse < best.mean_rmse - 1e-9 ||
          (candidate.mean_rmse < best.mean_rmse + 1e-9 && candidate.all_f1 > best.all_f1)) {
        best = candidate;
        first = false;
      }
    }
  }
  return best;
}

json ValidationToJson(const PointValidation& v) {
  return {{"photos", v.photos},
          {"mean_rmse", v.mean_rmse},
          {"rmse", v.rmse},
          {"precision", v.precision},
          {"recall", v.recall},
          {"f1", v.f1},
          {"all_f1", v.all_f1},
          {"all_precision", v.all_precision},
          {"all_recall", v.all_recall},
          {"threshold", v.threshold},
          {"suppression_fraction", v.suppression}};
}

json EpochToJson(const PointEpochRecord& e) {
  return {{"epoch", e.epoch},
          {"train_loss", e.train_loss},
          {"heatmap_loss", e.heatmap_loss},
          {"class_loss", e.class_loss},
          {"consistency_loss", e.consistency_loss},
          {"crops_per_second", e.crops_per_second},
          {"validation_rmse", e.validation_rmse},
          {"validation_f1", e.validation_f1},
          {"threshold", e.threshold},
          {"suppression_fraction", e.suppression}};
}

PointEpochRecord EpochFromJson(const json& j) {
  PointEpochRecord e;
  e.epoch = j.at("epoch");
  e.train_loss = j.at("train_loss");
  e.heatmap_loss = j.at("heatmap_loss");
  e.class_loss = j.at("class_loss");
  e.consistency_loss = j.value("consistency_loss", 0.0);  // absent before --pair-consistency
  e.crops_per_second = j.at("crops_per_second");
  e.validation_rmse = j.at("validation_rmse");
  e.validation_f1 = j.at("validation_f1");
  e.threshold = j.at("threshold");
  e.suppression = j.at("suppression_fraction");
  return e;
}

json HistoryToJson(const std::vector<PointEpochRecord>& epochs) {
  json history = json::array();
  for (const auto& e : epochs) history.push_back(EpochToJson(e));
  return history;
}

// One batch of crops as tensors.
struct Batch {
  torch::Tensor images, heatmap, weight, classes;
};

Batch StackCrops(const std::vector<TrainingCrop>& crops, int crop_size) {
  const auto n = static_cast<int64_t>(crops.size());
  const int cells = crop_size / kPointNetStride;
  Batch batch{torch::empty({n, crop_size, crop_size, 3}, torch::kUInt8),
              torch::empty({n, cells, cells}, torch::kFloat32),
              torch::empty({n, cells, cells}, torch::kFloat32),
              torch::empty({n, cells, cells}, torch::kInt32)};
  const size_t image_bytes = static_cast<size_t>(crop_size) * crop_size * 3;
  const size_t cell_count = static_cast<size_t>(cells) * cells;
  for (int64_t i = 0; i < n; ++i) {
    const TrainingCrop& crop = crops[static_cast<size_t>(i)];
    std::memcpy(batch.images.data_ptr<uint8_t>() + i * image_bytes, crop.rgb.data, image_bytes);
    std::memcpy(batch.heatmap.data_ptr<float>() + i * cell_count, crop.targets.heatmap.data,
                cell_count * sizeof(float));
    std::memcpy(batch.weight.data_ptr<float>() + i * cell_count, crop.targets.weight.data,
                cell_count * sizeof(float));
    std::memcpy(batch.classes.data_ptr<int32_t>() + i * cell_count, crop.targets.classes.data,
                cell_count * sizeof(int32_t));
  }
  batch.classes = batch.classes.to(torch::kInt64);
  return batch;
}

}  // namespace

void ShrinkWeights(torch::nn::Module& network, double keep) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : network.parameters()) {
    if (parameter.dim() >= 2) parameter.mul_(keep);
  }
}

void PointTrainOptions::Check() const {
  if (dataset_dir.empty()) throw Error("train: a dataset folder is required");
  if (coords.empty())
    throw Error("train --method points: --coords is required (extract's coords.csv)");
  if (model_path.empty()) throw Error("train: --output is required");
  if (epochs < 1 || epochs > 100000) throw Error("train: --epochs must be in [1, 100000]");
  if (crops_per_photo < 1 || crops_per_photo > 100000)
    throw Error("train: --crops-per-photo must be in [1, 100000]");
  if (crop_size < 64 || crop_size > 2048 || crop_size % kPointNetAlignment != 0)
    throw Error("train: --crop must be a multiple of 32 in [64, 2048]");
  if (batch_size < 1 || batch_size > 1024) throw Error("train: --batch must be in [1, 1024]");
  if (!(learning_rate > 0)) throw Error("train: --lr must be > 0");
  if (!(weight_decay >= 0 && weight_decay * learning_rate < 0.1))
    throw Error("train: --weight-decay must be >= 0, and below 0.1 / the learning rate");
  if (validation_fraction < 0 || validation_fraction >= 1)
    throw Error("train: --val-fraction must be in [0, 1)");
  if (photos_in_memory < 1) throw Error("train: --photos-in-memory must be >= 1");
  if (validate_every < 1) throw Error("train: --validate-every must be >= 1");
  if (threshold >= 0 && (threshold < kCandidateFloor || threshold > 1))
    throw Error(fmt::format("train: --threshold must be in [{}, 1]", kCandidateFloor));
  if (suppression >= 0 && suppression > 2) throw Error("train: --suppression must be in [0, 2]");
  if (threads < 0) throw Error("train: --threads must be >= 0");
  if (!IsViewCount(views)) throw Error("train: --views must be 1, 2, 4 or 8");
  if (!IsPointNetArchitecture(architecture)) {
    throw Error(fmt::format("train: --architecture must be one of {}, not '{}'",
                            PointNetArchitectureNames(), architecture));
  }
  for (const double w : peak_weights) {
    if (!(w >= 0.25 && w <= 10))
      throw Error(fmt::format("train: --peak-weights must be 5 numbers in [0.25, 10], not {}",
                              fmt::join(peak_weights, ",")));
  }
  augment.Check();
  if (!(chroma_sigma >= 0 && chroma_sigma <= kMaxChromaSigma))
    throw Error(fmt::format("train: --chroma-sigma must be in [0, {}] px", kMaxChromaSigma));
  if (!IsContrastSd(contrast_sd))
    throw Error(fmt::format("train: --contrast-sd must be 0 or in [{}, {}]", kMinContrastSd,
                            kMaxContrastSd));
  if (!(decoy_repairs >= 0 && decoy_repairs <= 10))
    throw Error("train: --decoy-repairs must be in [0, 10] per animal");
  if (plain_weight < 1 || plain_weight > 20)
    throw Error("train: --plain-weight must be in [1, 20]");
  if (dotted_copies_too && !dedot)
    throw Error(
        "train: --dotted-copies-too trains on dotted copies with their dots removed: it "
        "needs --dedot");
  if (!(pair_consistency >= 0 && pair_consistency <= 100))
    throw Error("train: --pair-consistency must be in [0, 100]");
  if (pair_consistency > 0 && !dotted_copies_too)
    throw Error(
        "train: --pair-consistency compares each plain photo's crops with the same crops of its "
        "repaired dotted copy: it needs --dotted-copies-too");
  if (!(crops_per_animal >= 0 && crops_per_animal <= 100))
    throw Error("train: --crops-per-animal must be in [0, 100]");
  if (!(body_decoy_repairs >= 0 && body_decoy_repairs <= 4))
    throw Error("train: --body-decoys must be in [0, 4] per animal");
  if (hard_negatives.empty() != (augment.hard_negative_centred == 0))
    throw Error(
        "train: --hard-negatives (the detections CSV) and --hard-negative-centred (the share of "
        "crops centred on them) go together");
}

// Crops cut from a photo per epoch: plain photos (the only animals without a repair mark at
// their centre) may be weighted up, and photos with more animals may get more.
int64_t CropsPerEpoch(const LabelledPhoto& photo, const PointTrainOptions& options) {
  return static_cast<int64_t>(options.crops_per_photo) * (photo.dedot ? 1 : options.plain_weight) +
         std::llround(options.crops_per_animal * static_cast<double>(photo.animals.size()));
}

int64_t CropsPerEpoch(const std::vector<LabelledPhoto>& photos, const PointTrainOptions& options) {
  int64_t crops = 0;
  for (const LabelledPhoto& photo : photos) crops += CropsPerEpoch(photo, options);
  return crops;
}

// Every batch of a data-parallel run must give each process at least one crop (a process with
// none could not join the others' BatchNorm and gradient sums): checked before any work.
void CheckBatchesCanBeShared(const PointTrainOptions& options,
                             const std::vector<LabelledPhoto>& train, int ranks) {
  const auto train_photos = static_cast<int64_t>(train.size());
  // The photos' order is shuffled every epoch, so with crops per photo that differ (plain photos
  // weighted up, crops per animal) a chunk's crops depend on which photos it holds; known in
  // advance only when one chunk holds them all.
  if ((options.plain_weight > 1 || options.crops_per_animal > 0) &&
      train_photos > options.photos_in_memory)
    throw Error(fmt::format(
        "train: --plain-weight or --crops-per-animal with {} processes needs every training "
        "photo in memory at once (--photos-in-memory {} or more; it is {})",
        ranks, train_photos, options.photos_in_memory));
  for (int64_t chunk_start = 0; chunk_start < train_photos;
       chunk_start += options.photos_in_memory) {
    const int64_t chunk = std::min<int64_t>(options.photos_in_memory, train_photos - chunk_start);
    const int64_t crops =
        chunk == train_photos ? CropsPerEpoch(train, options) : chunk * options.crops_per_photo;
    const int64_t last = crops % options.batch_size;
    if (options.batch_size < ranks || (last != 0 && last < ranks)) {
      throw Error(fmt::format(
          "train: {} processes cannot share batches of {} crops ({} crops per pass end in a "
          "batch of {}): every process needs at least one crop of every batch; choose --batch "
          "or --crops-per-photo so that each batch has at least {} crops",
          ranks, options.batch_size, crops, last == 0 ? options.batch_size : last, ranks));
    }
  }
}

PointTrainResult RunPointTrain(const PointTrainOptions& options, WorkSharing& sharing) {
  options.Check();
  const int ranks = sharing.Ranks(), rank = sharing.Rank();
  ConfigureTorchThreads(options.threads);
  const int threads = ResolveThreadCount(options.threads);
  // Crops are made in parallel already (one per OpenMP thread): OpenCV's own threads would only
  // compete with them. Restored on return.
  const int opencv_threads = cv::getNumThreads();
  cv::setNumThreads(1);
  struct RestoreOpenCvThreads {
    int threads;
    ~RestoreOpenCvThreads() { cv::setNumThreads(threads); }
  } restore_opencv_threads{opencv_threads};
  PointTrainResult result;
  std::vector<LabelledPhoto> photos =
      LoadLabelledPhotos(options.dataset_dir, options.coords, options.dedot, threads,
                         &result.skipped, options.dotted_copies_too);
  for (const auto& reason : result.skipped) spdlog::warn("{}", reason);
  std::vector<LabelledPhoto> train, validation;
  for (auto& photo : photos) {
    const bool held_out =
        static_cast<double>(StableHash(std::to_string(photo.id), options.seed) % 1000000) / 1e6 <
        options.validation_fraction;
    (held_out ? validation : train).push_back(std::move(photo));
  }
  if (train.empty())
    throw Error(options.coords.string() + ": no training photos (all held out, or none usable)");
  int64_t hard_negative_count = 0;
  uint64_t hard_negatives_hash = 0;
  if (!options.hard_negatives.empty()) {
    hard_negative_count = AttachHardNegatives(train, options.hard_negatives);
    if (hard_negative_count == 0)
      throw Error(options.hard_negatives.string() +
                  ": no hard negatives (no detection of a training photo away from its animals)");
    std::string points;
    for (const auto& photo : train) {
      for (const auto& p : photo.hard_negatives)
        points += fmt::format("{}:{:.1f},{:.1f};", photo.id, p.x, p.y);
    }
    hard_negatives_hash = StableHash(points, 0);
    spdlog::info("{} hard negatives from {}, {:.0f}% of the crops centred near one",
                 hard_negative_count, options.hard_negatives.string(),
                 100 * options.augment.hard_negative_centred);
  }
  // The repaired dotted copy of each photo trained on its plain copy (dotted_copies_too): both
  // entries share the photo's id and so its side of the split.
  std::vector<int> dotted_twin(train.size(), -1);
  int pairs = 0;
  if (options.pair_consistency > 0) {
    std::map<int64_t, int> dotted_entry;  // photo id -> its repaired dotted entry
    for (size_t j = 0; j < train.size(); ++j) {
      if (train[j].dedot) dotted_entry[train[j].id] = static_cast<int>(j);
    }
    for (size_t i = 0; i < train.size(); ++i) {
      const auto twin = dotted_entry.find(train[i].id);
      if (train[i].dedot || twin == dotted_entry.end()) continue;
      dotted_twin[i] = twin->second;
      ++pairs;
    }
    if (pairs == 0)
      throw Error(options.coords.string() +
                  ": --pair-consistency: no training photo has both a plain and a dotted copy "
                  "that share one frame");
    if (static_cast<int>(train.size()) > options.photos_in_memory)
      throw Error(
          fmt::format("train: --pair-consistency needs every training photo in memory at once "
                      "(--photos-in-memory {} or more; it is {})",
                      train.size(), options.photos_in_memory));
    spdlog::info("{} photos' plain crops are compared with their dotted copy's (weight {})", pairs,
                 options.pair_consistency);
  }
  result.train_photos = static_cast<int>(train.size());
  result.validation_photos = static_cast<int>(validation.size());
  std::array<int64_t, kNumSeaLionClasses> per_class{};
  std::string photo_ids;
  for (const auto& photo : train) {
    for (const auto& animal : photo.animals) ++per_class[animal.class_index];
    result.train_animals += static_cast<int64_t>(photo.animals.size());
    photo_ids += fmt::format("{},", photo.id);
  }
  const auto class_weights = ClassWeights(per_class);
  const torch::Tensor class_weight_tensor = PerClassTensor(class_weights);
  const bool peaks_weighted = options.peak_weights != PointTrainOptions{}.peak_weights;
  // Undefined when all 1: the loss then skips the weighting.
  const torch::Tensor peak_weight_tensor =
      peaks_weighted ? PerClassTensor(options.peak_weights) : torch::Tensor();
  spdlog::info("train: {} photos with {} animals ({}), validation: {} photos", train.size(),
               result.train_animals, fmt::join(per_class, "/"), validation.size());

  if (ranks > 1) CheckBatchesCanBeShared(options, train, ranks);
  torch::manual_seed(options.seed);  // the same initial weights in every process
  PointNet network(options.architecture);
  json initialised_from;
  if (!options.init.empty()) {
    initialised_from = InitialiseFromModel(options.init, kPointMethod, *network);
    spdlog::info("starting from the weights of {}", options.init.string());
  }
  // The seed keeps choosing the validation photos (so that a continued training validates on
  // the photos its starting model did not see), but the crops of a continued training are new
  // ones: mixed with the starting model's checksum.
  const uint64_t crop_seed =
      initialised_from.is_null()
          ? options.seed
          : MixSeed(options.seed, StableHash(initialised_from.value("weights_checksum", ""), 0));
  UseChannelsLast(*network);
  // One process uses LibTorch's BatchNorm: its fused kernels made the network's part of an
  // epoch 12% faster than the summed statistics that several processes need (2-core machine).
  if (ranks > 1) network->SynchroniseBatchNorm(sharing);
  torch::optim::Adam optimizer(network->parameters(),
                               torch::optim::AdamOptions(options.learning_rate));
  const std::string fingerprint =
      fmt::format("points|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", StableHash(photo_ids, 0), options.seed,
                  options.epochs, options.crops_per_photo, options.crop_size, options.batch_size,
                  options.learning_rate, options.validation_fraction, validation.size(),
                  options.augment.scale_range, options.augment.jpeg) +
      (options.dedot ? "|dedot" : "") +
      (options.decoy_repairs > 0 ? fmt::format("|decoys:{}", options.decoy_repairs) : "") +
      (options.body_decoy_repairs > 0 ? fmt::format("|body-decoys:{}", options.body_decoy_repairs)
                                      : "") +
      (options.plain_weight > 1 ? fmt::format("|plain-weight:{}", options.plain_weight) : "") +
      (options.dotted_copies_too ? "|dotted-copies-too" : "") +
      (options.pair_consistency > 0 ? fmt::format("|pair-consistency:{}", options.pair_consistency)
                                    : "") +
      (options.crops_per_animal > 0 ? fmt::format("|crops-per-animal:{}", options.crops_per_animal)
                                    : "") +
      (options.dot_fill == DotFill::kTelea ? "" : "|fill:" + DotFillName(options.dot_fill)) +
      // 0.6, the default until 2026-12-05, has no tag, so that the checkpoints made then still
      // resume, and those of the 0.6 default are refused under today's 0.4.
      (options.augment.animal_centred == kLegacyAnimalCentred
           ? ""
           : fmt::format("|animal-centred:{}", options.augment.animal_centred)) +
      (hard_negative_count == 0 ? ""
                                : fmt::format("|hard-negatives:{}:{}", hard_negatives_hash,
                                              options.augment.hard_negative_centred)) +
      (options.architecture == kPointNetArchitecture ? "" : "|" + options.architecture) +
      (peaks_weighted ? fmt::format("|peak-weights:{}", fmt::join(options.peak_weights, ","))
                      : "") +
      (options.chroma_sigma > 0 ? fmt::format("|photo-chroma:{}", options.chroma_sigma) : "") +
      (options.contrast_sd > 0 ? fmt::format("|photo-contrast:{}", options.contrast_sd) : "") +
      (options.weight_decay > 0 ? fmt::format("|weight-decay:{}", options.weight_decay) : "") +
      (options.augment.sharpness > 0 ? fmt::format("|sharpness:{}", options.augment.sharpness)
                                     : "") +
      (initialised_from.is_null() ? "" : "|init:" + initialised_from.value("weights_checksum", ""));
  if (!options.resume.empty()) {
    const json saved = LoadCheckpoint(
        options.resume, *network, optimizer, fingerprint,
        "the checkpoint was made with other photos or settings (seed, epochs, crops, "
        "batch, learning rate, split, network)");
    for (const auto& e : saved.at("history")) result.epochs.push_back(EpochFromJson(e));
    spdlog::info("resuming after epoch {}", result.epochs.size());
  }

  DedotOptions dedot;
  dedot.fill = options.dot_fill;
  // Validation photos are counted whole after every epoch: decoded (and repaired) once, kept
  // while they fit in the photo budget, else read again each time; their contrast normalised
  // whole, as `count` normalises a photo (their chroma is smoothed per tile, as there).
  const auto read_validation_image = [&](size_t i) {
    cv::Mat image = ReadTrainingImage(validation[i], {}, dedot);
    NormaliseContrast(image, options.contrast_sd);
    return image;
  };
  std::vector<cv::Mat> validation_images;
  if (static_cast<int>(validation.size()) <= options.photos_in_memory) {
    validation_images.resize(validation.size());
    ParallelFor(static_cast<int>(validation.size()), threads,
                [&](int i) { validation_images[i] = read_validation_image(i); });
  }
  const auto validate = [&] {
    network->eval();
    const PointForward forward = AveragedOverViews(ForwardOf(network), options.views);
    std::vector<ValidationPhoto> candidates;
    for (size_t i = 0; i < validation.size(); ++i) {
      candidates.push_back(FindValidationCandidates(
          forward, validation[i],
          validation_images.empty() ? read_validation_image(i) : validation_images[i],
          options.chroma_sigma));
    }
    return ChooseDetectionSettings(candidates, options.threshold, options.suppression);
  };

  std::map<size_t, cv::Mat> resident;  // decoded training photos, by index into `train`
  const int64_t crops_per_epoch = CropsPerEpoch(train, options);
  result.crops_per_epoch = crops_per_epoch;
  for (int epoch = static_cast<int>(result.epochs.size()) + 1; epoch <= options.epochs; ++epoch) {
    const double progress_share = static_cast<double>(epoch - 1) / options.epochs;
    const double learning_rate =
        options.learning_rate * (0.05 + 0.95 * 0.5 * (1 + std::cos(M_PI * progress_share)));
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate);
    const uint64_t epoch_seed = MixSeed(crop_seed, static_cast<uint64_t>(epoch));
    std::mt19937_64 rng(epoch_seed);
    std::vector<size_t> order(train.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);

    network->train();
    ProgressReporter progress(fmt::format("train epoch {}/{}", epoch, options.epochs), "crops",
                              crops_per_epoch);
    double loss_sum = 0, heatmap_sum = 0, class_sum = 0, consistency_sum = 0;
    int64_t crop_number = 0, crops_done = 0;
    for (size_t chunk_start = 0; chunk_start < order.size();
         chunk_start += static_cast<size_t>(options.photos_in_memory)) {
      const std::vector<size_t> chunk(
          order.begin() + static_cast<std::ptrdiff_t>(chunk_start),
          order.begin() +
              static_cast<std::ptrdiff_t>(std::min(
                  order.size(), chunk_start + static_cast<size_t>(options.photos_in_memory))));
      for (auto it = resident.begin(); it != resident.end();) {
        it = std::find(chunk.begin(), chunk.end(), it->first) == chunk.end() ? resident.erase(it)
                                                                             : std::next(it);
      }
      std::vector<size_t> missing;
      for (const size_t index : chunk) {
        if (!resident.count(index)) missing.push_back(index);
      }
      std::vector<cv::Mat> decoded(missing.size());
      ParallelFor(static_cast<int>(missing.size()), threads, [&](int i) {
        const LabelledPhoto& photo = train[missing[i]];
        std::vector<cv::Point2d> decoys =
            ChooseDecoyRepairs(photo, options.decoy_repairs, options.seed);
        for (const auto& decoy :
             ChooseBodyDecoyRepairs(photo, options.body_decoy_repairs, options.seed))
          decoys.push_back(decoy);
        decoded[i] = ReadTrainingImage(photo, decoys, dedot);
        // Contrast first, as `count` normalises the whole photo before its tiles are smoothed.
        NormaliseContrast(decoded[i], options.contrast_sd);
        // The whole photo's colour is smoothed once, before any crop is cut, so that every crop
        // carries the smoothing `count` gives a whole tile; smoothing each finished crop (as
        // before 2026-12-07) replicated its edge colour into a rim of 3 sigma (at 16 px, most of
        // a 256 px crop).
        SmoothChroma(decoded[i], options.chroma_sigma);
      });
      for (size_t i = 0; i < missing.size(); ++i) resident[missing[i]] = std::move(decoded[i]);

      // Round robin over the chunk's photos until each has its crops (plain photos and photos
      // with many animals may have more): crop k of the pass gets seed crop_number + k.
      int64_t rounds = 0;
      for (const size_t photo : chunk)
        rounds = std::max(rounds, CropsPerEpoch(train[photo], options));
      std::vector<std::pair<size_t, uint64_t>> jobs;  // (photo, crop seed)
      for (int64_t round = 0; round < rounds; ++round) {
        for (const size_t photo : chunk) {
          if (round >= CropsPerEpoch(train[photo], options)) continue;
          jobs.emplace_back(photo,
                            MixSeed(epoch_seed, static_cast<uint64_t>(crop_number + jobs.size())));
        }
      }
      crop_number += static_cast<int64_t>(jobs.size());
      std::shuffle(jobs.begin(), jobs.end(), rng);
      // Crops are cut and augmented on LibTorch's own OpenMP threads (at::parallel_for, compiled
      // with OpenMP: without it the loop ran on one thread), between the network's steps: a
      // second thread pool (oneTBB) or a helper thread competed with OpenMP's spinning workers
      // and ran slower.
      const auto batch_size = static_cast<size_t>(options.batch_size);
      for (size_t start = 0; start < jobs.size(); start += batch_size) {
        const size_t n = std::min(jobs.size() - start, batch_size);
        // This process's share of the global batch (all of it in a single process).
        const size_t share_begin = n * static_cast<size_t>(rank) / static_cast<size_t>(ranks);
        const size_t share_end = n * static_cast<size_t>(rank + 1) / static_cast<size_t>(ranks);
        std::vector<TrainingCrop> crops(share_end - share_begin);
        // Crops of a plain copy with a dotted twin are cut again from the twin (pair consistency).
        std::vector<int64_t> paired;  // indices into `crops`
        for (size_t i = 0; i < crops.size(); ++i) {
          if (dotted_twin[jobs[start + share_begin + i].first] >= 0)
            paired.push_back(static_cast<int64_t>(i));
        }
        std::vector<TrainingCrop> twin_crops(paired.size());
        // Each thread takes the next crop when done with one: crops differ in cost (a JPEG
        // recompression is about three times the rest), so equal shares left a thread waiting.
        std::atomic<size_t> next_crop{0};
        at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t, int64_t) {
          for (size_t i = next_crop++; i < crops.size() + paired.size(); i = next_crop++) {
            const bool twin = i >= crops.size();
            const size_t crop = twin ? static_cast<size_t>(paired[i - crops.size()]) : i;
            const auto& [photo, seed] = jobs[start + share_begin + crop];
            const size_t source = twin ? static_cast<size_t>(dotted_twin[photo]) : photo;
            TrainingCrop& made = twin ? twin_crops[i - crops.size()] : crops[i];
            made = SampleCrop(resident.at(source), train[source], options.crop_size,
                              options.augment, seed);
          }
        });
        const Batch batch = StackCrops(crops, options.crop_size);
        torch::Tensor outputs, twin_outputs;
        Batch twins;
        if (paired.empty()) {
          outputs = network->forward(ToNetworkInput(batch.images));
        } else {  // one forward pass, so that BatchNorm sees both copies alike
          twins = StackCrops(twin_crops, options.crop_size);
          const torch::Tensor both =
              network->forward(ToNetworkInput(torch::cat({batch.images, twins.images})));
          const auto n_own = static_cast<int64_t>(crops.size());
          outputs = both.slice(0, 0, n_own);
          twin_outputs = both.slice(0, n_own);
        }
        const PointLossSums sums =
            ComputePointLossSums(outputs, batch.heatmap, batch.weight, batch.classes,
                                 class_weight_tensor, peak_weight_tensor);
        // Normalised by the whole global batch, so that the processes' gradients add up to the
        // single-process gradient.
        const std::vector<double> normalisers =
            SumAcrossRanks({sums.animals, sums.class_weight}, sharing);
        PointLoss loss = NormalisePointLoss(sums, normalisers[0], normalisers[1]);
        if (!paired.empty()) {
          const torch::Tensor consistency =
              options.pair_consistency *
              ComputePairConsistencySum(outputs.index_select(0, torch::tensor(paired)),
                                        twin_outputs, twins.weight) /
              std::max(1.0, normalisers[0]);
          loss.total = loss.total + consistency;
          consistency_sum += consistency.item<double>() * static_cast<double>(n);
        }
        optimizer.zero_grad();
        loss.total.backward();
        if (ranks > 1) SumGradientsAcrossRanks(*network, sharing);
        if (options.weight_decay > 0)
          ShrinkWeights(*network, 1 - learning_rate * options.weight_decay);
        optimizer.step();
        const auto count = static_cast<double>(n);
        loss_sum += loss.total.item<double>() * count;
        heatmap_sum += loss.heatmap.item<double>() * count;
        class_sum += loss.classes.item<double>() * count;
        crops_done += static_cast<int64_t>(n);
        progress.Advance(
            static_cast<int64_t>(n),
            ranks > 1 ? std::string()
                      : fmt::format("loss {:.3f}", loss_sum / static_cast<double>(crops_done)));
      }
    }
    if (ranks > 1) {  // each process summed its share's part of every batch's loss
      const std::vector<double> totals =
          SumAcrossRanks({loss_sum, heatmap_sum, class_sum, consistency_sum}, sharing);
      loss_sum = totals[0];
      heatmap_sum = totals[1];
      class_sum = totals[2];
      consistency_sum = totals[3];
    }
    progress.Finish();
    PointEpochRecord record;
    record.epoch = epoch;
    record.train_loss = loss_sum / static_cast<double>(crops_per_epoch);
    record.heatmap_loss = heatmap_sum / static_cast<double>(crops_per_epoch);
    record.class_loss = class_sum / static_cast<double>(crops_per_epoch);
    record.consistency_loss = consistency_sum / static_cast<double>(crops_per_epoch);
    record.crops_per_second = static_cast<double>(crops_per_epoch) / progress.ElapsedSeconds();

    if (!validation.empty() && (epoch % options.validate_every == 0 || epoch == options.epochs)) {
      result.validation = validate();
      record.validation_rmse = result.validation.mean_rmse;
      record.validation_f1 = result.validation.all_f1;
      record.threshold = result.validation.threshold;
      record.suppression = result.validation.suppression;
    }
    result.epochs.push_back(record);
    const std::string losses = fmt::format(
        "epoch {}: loss {:.4f} (heatmap {:.4f}, classes {:.4f}{})", epoch, record.train_loss,
        record.heatmap_loss, record.class_loss,
        pairs > 0 ? fmt::format(", pair consistency {:.4f}", record.consistency_loss) : "");
    if (record.validation_rmse >= 0) {
      spdlog::info(
          "{} | validation mean RMSE {:.3f}, F1 {:.3f} at threshold {:.2f}, suppression {:.2f} | "
          "{:.1f} crops/s",
          losses, record.validation_rmse, record.validation_f1, record.threshold,
          record.suppression, record.crops_per_second);
    } else {
      spdlog::info("{} | {:.1f} crops/s", losses, record.crops_per_second);
    }
    if (sharing.IsWriter()) {  // every process holds the same weights; one writes them
      SaveCheckpoint(CheckpointPath(options.model_path), *network, optimizer,
                     {{"history", HistoryToJson(result.epochs)}, {"fingerprint", fingerprint}});
    }
  }
  if (validation.empty()) {
    result.validation.threshold = options.threshold >= 0 ? options.threshold : 0.5f;
    result.validation.suppression = options.suppression >= 0 ? options.suppression : 0.3;
    if (options.threshold < 0 || options.suppression < 0) {
      spdlog::warn(
          "no validation photos: threshold {:.2f} and suppression {:.2f} are not chosen on photos "
          "(defaults where not given by --threshold and --suppression)",
          result.validation.threshold, result.validation.suppression);
    }
  } else if (result.validation.photos == 0) {  // resumed after the last epoch
    result.validation = validate();
  }
  const json history = HistoryToJson(result.epochs);
  json training = {{"dataset_dir", options.dataset_dir.string()},
                   {"coords", options.coords.string()},
                   {"epochs", options.epochs},
                   {"architecture", options.architecture},
                   {"peak_weights", options.peak_weights},
                   {"chroma_sigma", options.chroma_sigma},
                   {"contrast_sd", options.contrast_sd},
                   {"crops_per_photo", options.crops_per_photo},
                   {"crop_size", options.crop_size},
                   {"batch_size", options.batch_size},
                   {"learning_rate", options.learning_rate},
                   {"weight_decay", options.weight_decay},
                   {"validation_fraction", options.validation_fraction},
                   {"fixed_threshold", options.threshold},
                   {"fixed_suppression", options.suppression},
                   {"seed", options.seed},
                   {"scale_augment", options.augment.scale_range},
                   {"jpeg_augment", options.augment.jpeg},
                   {"augment", options.augment.ToJson()},
                   {"dedot", options.dedot},
                   {"decoy_repairs_per_animal", options.decoy_repairs},
                   {"body_decoy_repairs_per_animal", options.body_decoy_repairs},
                   {"plain_weight", options.plain_weight},
                   {"dotted_copies_too", options.dotted_copies_too},
                   {"pair_consistency", options.pair_consistency},
                   {"crops_per_animal", options.crops_per_animal},
                   {"dot_fill", DotFillName(options.dot_fill)},
                   {"hard_negatives", options.hard_negatives.string()},
                   {"hard_negatives_attached", hard_negative_count},
                   {"train_photos", result.train_photos},
                   {"validation_photos", result.validation_photos},
                   {"train_animals", result.train_animals},
                   {"train_animals_per_class", per_class},
                   {"class_weights", class_weights},
                   {"history", history},
                   {"validation", ValidationToJson(result.validation)}};
  if (!initialised_from.is_null()) training["initialised_from"] = initialised_from;
  const json detection = {{"threshold", result.validation.threshold},
                          {"suppression_fraction", result.validation.suppression},
                          {"views", options.views},
                          {"chosen_on_validation_photos", result.validation.photos},
                          {"threshold_given", options.threshold >= 0},
                          {"suppression_given", options.suppression >= 0},
                          {"body_length_pixels", kBodyLengthPixels}};
  if (!sharing.IsWriter()) return result;
  json metadata = {{"training", training}, {"detection", detection}};
  if (options.chroma_sigma > 0) metadata["input_chroma_sigma"] = options.chroma_sigma;
  if (options.contrast_sd > 0) metadata["input_contrast_sd"] = options.contrast_sd;
  SavePointModel(options.model_path, network, std::move(metadata));
  std::filesystem::path training_path = options.model_path;
  training_path += ".training.json";
  WriteFileAtomically(training_path, training.dump(1));
  return result;
}

std::string FormatPointValidation(const PointValidation& v) {
  const auto cell = [](double value) {
    return value < 0 ? fmt::format("{:>10}", "-") : fmt::format("{:>10.3f}", value);
  };
  std::string table =
      fmt::format("{:<16}{:>10}{:>10}{:>10}{:>10}\n", "class", "RMSE", "precision", "recall", "F1");
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    table += fmt::format("{:<16}{}{}{}{}\n", ClassName(c), cell(v.rmse[c]), cell(v.precision[c]),
                         cell(v.recall[c]), cell(v.f1[c]));
  }
  table += fmt::format("{:<16}{}{}{}{}\n", "all animals", cell(v.mean_rmse), cell(v.all_precision),
                       cell(v.all_recall), cell(v.all_f1));
  return table;
}

}  // namespace sealion
