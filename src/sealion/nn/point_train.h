#pragma once
// `sealion train --method points`: the point network (point_net.h) on augmented crops of the
// labelled photos (point_data.h), validated on whole held-out photos split by photo. After every
// epoch the validation photos are counted and the detection threshold and suppression radius that
// count them best (lowest mean per-class RMSE; F1 breaks ties) are chosen; the model file keeps
// the last epoch's network with its choice. A checkpoint is written every epoch and `resume`
// continues exactly: every crop is determined by (seed, epoch, crop number).

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "sealion/core/classes.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/nn/point_data.h"
#include "sealion/nn/point_net.h"

namespace sealion {

struct PointTrainOptions {
  std::filesystem::path dataset_dir;  // competition layout: Train/ (plain), TrainDotted/ (masks)
  std::filesystem::path coords;       // extract's coords.csv (train_id,class,x,y)
  std::filesystem::path model_path;   // the model file to write
  int epochs = 20;
  int crops_per_photo = 48;  // crops cut from each training photo per epoch
  int crop_size = 256;       // a multiple of 32
  int batch_size = 16;
  double learning_rate = 2e-3;  // Adam, decayed by a cosine to 5% over the epochs
  // Decoupled weight decay (AdamW's): before every step each convolution's weights shrink by
  // the step's learning rate x this (biases and BatchNorm untouched). 0: none (the default: with
  // 0.05 two cross-validation seeds counted the 12 photos at 8.05 and 8.45, worse than the
  // shipped recipe's six seeds, 6.39-7.66; docs/real-photos.md).
  double weight_decay = 0;
  double validation_fraction = 0.2;  // share of photos held out, split by photo
  int validate_every = 1;            // validate after every n-th epoch (and after the last)
  // Detection settings fixed by the user (e.g. chosen in a cross-validation) instead of chosen on
  // the validation photos; negative: chosen. Either one may be fixed alone.
  float threshold = -1;
  double suppression = -1;  // share of the class's body length
  // Validation counts average this many flipped and turned views (1, 2, 4 or 8; `count --views`);
  // the model file keeps it beside the threshold chosen with it, and `count` uses both.
  int views = 1;
  int photos_in_memory = 32;  // decoded training photos held at once
  bool dedot = true;  // photos without a matching plain copy: their dotted copy, dots removed
  // Decoy repairs per labelled animal in every training photo (point_data.h): the repair marks
  // of dot removal applied to background too, so that they stop predicting animals. 0: none
  // (the default: in the cross-validation, 2 per animal closed one photo's plain-vs-repaired
  // gap but not another's, and counted the 12 photos worse, 8.50 -> 8.96; docs/real-photos.md).
  double decoy_repairs = 0;
  // Body decoys per labelled animal (point_data.h): repair marks on the animals' bodies, off
  // their centre. 0: none (the default: in the cross-validation, 1 per animal narrowed one
  // photo's plain-vs-repaired gap, widened another's and counted the 12 photos no better).
  double body_decoy_repairs = 0;
  // Crops per epoch from a photo trained on its plain copy, as a multiple of crops_per_photo:
  // its animals are the only ones without a repair mark at their centre. 1: like the others.
  int plain_weight = 1;
  // Photos with a plain copy are trained on their dotted copy (dots removed) as well: the same
  // animals in both files' encodings. Kaggle's dotted files are a separate compression of each
  // photo, whose colour detail at 4-20 px is largely independent of the plain photo's
  // (docs/real-photos.md, "Chroma"), and networks trained mostly on them score plain photos
  // higher; shown both, a network may learn that the difference is not evidence. Off by
  // default: over three cross-validation seeds the plain photos' offsets stayed and the seeds'
  // ensemble counted worse (7.05 against 6.43; docs/real-photos.md).
  bool dotted_copies_too = false;
  // With dotted_copies_too: every crop of a photo's plain copy is cut a second time, the same
  // window and augmentation, from its repaired dotted copy, and the two heatmaps are pulled
  // together with this weight (point_targets.h: ComputePairConsistencySum; 1: the scale of the
  // heatmap loss), beside the usual loss of each copy's own crops. States the invariance directly:
  // the file's encoding is not evidence. 0: off (the default: with 1, one cross-validation seed
  // narrowed the plain-vs-repaired gaps to 2, 1, 1 but counted the 12 photos at 7.93, above the
  // shipped recipe's seeds; docs/real-photos.md). Needs every training photo in memory.
  double pair_consistency = 0;
  // Crops per epoch added for each labelled animal of a photo (fractions rounded per photo), on
  // top of crops_per_photo: with crops per photo alone, an animal of a dense rookery is cut far
  // fewer times than one of a sparse photo (177 animals on photo 41 and 1 on photo 50 share 48
  // crops each), and the sample's pups all lie on dense photos. 0: crops per photo alone (the
  // default: 16 per photo + 0.45 per animal cross-validated worse, 9.98 against 8.73;
  // docs/real-photos.md).
  double crops_per_animal = 0;
  // How removed dots are refilled (dedot.h): Telea by default; in the cross-validation the
  // fitted surface made the plain-vs-repaired gap larger, and FSR turned it round
  // (docs/real-photos.md).
  DotFill dot_fill = DotFill::kTelea;
  // Hard negatives (point_data.h: AttachHardNegatives): `count --detections` of an earlier model
  // on the training photos; the detections that match no labelled animal become places where
  // crops are centred, augment.hard_negative_centred of them, so that the network sees more of
  // what it took for animals (rocks in the surf on sparse photos). Empty: none.
  std::filesystem::path hard_negatives;
  // The network (point_net.h): point_net_v1 (4x4 patch stem), point_net_v2 (two overlapping
  // 3x3 stride-2 convolutions as the stem) or point_net_v3 (v1 anti-aliased: blur before every
  // subsampling).
  std::string architecture = kPointNetArchitecture;
  // Per class (competition order), the weight of an animal's peak in the heatmap loss
  // (point_targets.h): above 1 pulls that class's peaks up harder (pups, which the heatmap
  // misses most). All 1 by default.
  std::array<double, kNumSeaLionClasses> peak_weights = {1, 1, 1, 1, 1};
  // Chroma smoothing of every training and validation photo, whole, before crops are cut
  // (point_inference.h: SmoothChroma), kept in the model's header so that `count` smooths alike;
  // 0: none (the default: Kaggle's dotted files' chroma differs from the plain photos' at 4-20 px;
  // smoothing each finished crop instead, 4 px left the plain photos' higher scores as they were,
  // 16 px removed them but cross-validated at 9.88 against 6.39; docs/real-photos.md).
  double chroma_sigma = 0;
  // Contrast normalisation of every training and validation photo, whole, before crops are cut
  // and before chroma smoothing (point_inference.h: NormaliseContrast: the luma's standard
  // deviation set to this), kept in the model's header so that `count` normalises alike; 0: none
  // (the default: at 33, two seeds cross-validated at 6.60 and 8.40 against the shipped recipe's
  // six at 6.39-7.66; docs/real-photos.md, "Contrast normalised").
  double contrast_sd = 0;
  uint64_t seed = 1;
  int threads = 0;               // 0: every core
  std::filesystem::path resume;  // a checkpoint to continue from
  // A point model to start from instead of random weights (fine-tuning, or more training under
  // a new learning-rate schedule); empty: random.
  std::filesystem::path init;
  AugmentOptions augment;

  void Check() const;
};

// Decoupled weight decay: every parameter of `network` with two or more dimensions (convolution
// weights; not biases or BatchNorm's scales and shifts) is multiplied by `keep`, in place.
void ShrinkWeights(torch::nn::Module& network, double keep);

struct PointEpochRecord {
  int epoch = 0;
  double train_loss = 0, heatmap_loss = 0, class_loss = 0;
  double consistency_loss = 0;  // pair_consistency's term (weighted), per crop; 0 when off
  double crops_per_second = 0;
  // On the validation photos, with the threshold and suppression chosen after this epoch:
  double validation_rmse = -1, validation_f1 = -1;
  float threshold = 0.5f;
  double suppression = 0.3;
};

struct PointValidation {
  int photos = 0;
  double mean_rmse = -1;
  std::array<double, kNumSeaLionClasses> rmse{}, precision{}, recall{}, f1{};
  double all_f1 = -1, all_precision = -1, all_recall = -1;
  float threshold = 0.5f;
  double suppression = 0.3;
};

struct PointTrainResult {
  std::vector<PointEpochRecord> epochs;
  PointValidation validation;  // of the final model, with its chosen settings
  int train_photos = 0, validation_photos = 0;
  int64_t train_animals = 0;
  int64_t crops_per_epoch = 0;
  std::vector<std::string> skipped;  // photos not used, with the reason
};

// Crops cut from `photo` per training epoch: crops_per_photo (times plain_weight for a photo
// trained on its plain copy) plus crops_per_animal for each of its labelled animals, rounded.
int64_t CropsPerEpoch(const LabelledPhoto& photo, const PointTrainOptions& options);

// Under MPI (`sharing` spanning processes), data-parallel: every process takes its share of each
// global batch (the same crops one process would cut), BatchNorm statistics and gradients are
// summed over the processes, and the writer alone writes checkpoints and the model. A checkpoint
// resumes with any number of processes.
PointTrainResult RunPointTrain(const PointTrainOptions& options,
                               WorkSharing& sharing = ProcessWorkSharing());

// The validation figures as a terminal table (per-class RMSE, precision, recall, F1).
std::string FormatPointValidation(const PointValidation& validation);

}  // namespace sealion
