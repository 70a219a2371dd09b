// sealion train [--method tiles] PATCH_DIR -o MODEL_FILE [--epochs N] [--batch B] [--lr LR]
//               [--val-fraction F] [--seed S] [--threads N] [--resume CHECKPOINT] [--init MODEL]
//               [--no-augment] [--scale-augment R] [--jpeg-augment P]
// sealion train --method points DATASET_DIR --coords COORDS.csv -o MODEL_FILE [--epochs N]
//               [--crops-per-photo K] [--crop S] [--photos-in-memory P] [same flags as above]

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>

#include "sealion/distrib/work_sharing.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/nn/point_train.h"
#include "sealion/nn/train.h"
#include "sealion/util/error.h"
#include "sealion/util/output_guard.h"

namespace sealion {
namespace {

int PrintTileResult(const TrainOptions& options, WorkSharing& sharing) {
  const TrainResult result = RunTrain(options, sharing);
  if (!sharing.IsWriter()) return 0;  // the writer reports for the whole job
  const EpochRecord& last = result.epochs.back();
  fmt::print(
      "trained {} epochs on {} thumbnails ({} photos); validation on {} thumbnails ({} photos): "
      "accuracy {:.3f}, loss {:.4f}; {:.0f} samples/s\n",
      result.epochs.size(), result.train_samples, result.train_photos, result.validation_samples,
      result.validation_photos, last.validation_accuracy, last.validation_loss,
      last.samples_per_second);
  fmt::print("validation confusion matrix:\n{}", FormatConfusionMatrix(result.confusion));
  fmt::print("model written to {}\n", options.model_path.string());
  return 0;
}

int PrintPointResult(const PointTrainOptions& options, WorkSharing& sharing) {
  const PointTrainResult result = RunPointTrain(options, sharing);
  if (!sharing.IsWriter()) return 0;  // the writer reports for the whole job
  const PointEpochRecord& last = result.epochs.back();
  fmt::print(
      "trained the point network {} epochs on {} photos ({} animals, {} crops of {} px per "
      "epoch, {:.1f} crops/s); validation on {} whole photos: mean RMSE {:.3f}, F1 {:.3f} at "
      "threshold {:.2f}, suppression {:.2f} x body length{}\n",
      result.epochs.size(), result.train_photos, result.train_animals, result.crops_per_epoch,
      options.crop_size, last.crops_per_second, result.validation_photos,
      result.validation.mean_rmse, result.validation.all_f1, result.validation.threshold,
      result.validation.suppression,
      options.views == 1 ? "" : fmt::format(", {} views averaged", options.views));
  if (result.validation_photos > 0)
    fmt::print("validation photos, counted with the chosen settings:\n{}",
               FormatPointValidation(result.validation));
  for (const auto& reason : result.skipped) fmt::print("not used: {}\n", reason);
  fmt::print("model written to {}\n", options.model_path.string());
  return 0;
}

}  // namespace

int RunTrainCommand(int argc, char** argv) {
  TrainOptions tiles;
  PointTrainOptions points;
  std::string method = "tiles";
  std::filesystem::path input;
  CLI::App app{
      "Trains a counter. --method tiles (the seed's CNN, six classes with non_seal, on the "
      "thumbnails of sealion patches) or --method points (the heatmap network that finds one "
      "point per animal, on crops of the plain photos and extract's coordinates).",
      "sealion train"};
  app.add_option("--method", method, "tiles or points")
      ->check(CLI::IsMember({"tiles", "points"}))
      ->capture_default_str();
  app.add_option("input", input,
                 "tiles: folder with manifest.csv and the thumbnails; points: the training "
                 "folder (Train/, TrainDotted/)")
      ->required();
  app.add_option("-o,--output", tiles.model_path, "model file to write")->required();
  app.add_option("--coords", points.coords,
                 "points: the animals: extract's coords.csv (train_id,class,x,y), or a VIAME CSV "
                 "(e.g. corrected in DIVE) or COCO JSON (photos <id>.jpg; the input folder may "
                 "then hold plain photos only, in Train/ or itself)");
  app.add_option("--epochs", tiles.epochs, "training epochs (tiles 10, points 20)");
  app.add_option("--batch", tiles.batch_size, "batch size (tiles 32, points 16)");
  app.add_option("--lr", tiles.learning_rate, "Adam learning rate (tiles 1e-3, points 2e-3)");
  app.add_option("--weight-decay", points.weight_decay,
                 "points: decoupled weight decay (AdamW's): before each step, convolution "
                 "weights shrink by the step's learning rate x this (0: none)")
      ->capture_default_str();
  app.add_option("--val-fraction", tiles.validation_fraction, "share of photos held out")
      ->capture_default_str();
  app.add_option("--seed", tiles.seed, "random seed")->capture_default_str();
  app.add_option("--threads", tiles.threads, "threads (0: every core)")->capture_default_str();
  app.add_option("--resume", tiles.resume, "checkpoint to continue from (MODEL_FILE.checkpoint)");
  app.add_option("--init", tiles.init,
                 "start from this model's weights (a model file of the same method) instead of "
                 "random ones: fine-tuning, e.g. on real photos after synthetic ones, or more "
                 "training under a new learning-rate schedule");
  app.add_option("--crops-per-photo", points.crops_per_photo,
                 "points: crops cut from each training photo per epoch")
      ->capture_default_str();
  app.add_option("--crop", points.crop_size, "points: crop side in pixels, a multiple of 32")
      ->capture_default_str();
  app.add_option("--photos-in-memory", points.photos_in_memory,
                 "points: decoded training photos held at once")
      ->capture_default_str();
  app.add_option("--scale-augment", points.augment.scale_range,
                 "crops (points) or thumbnails (tiles) are scaled by up to this share either way "
                 "(altitude varies between flights; size is also what tells classes apart)")
      ->capture_default_str();
  AddOnOffFlag(app, "augment", tiles.augment,
               "tiles: augment the training thumbnails as the point trainer does its crops "
               "(scale, quarter turns, flips, exposure, colour, haze, blur, JPEG; the default)",
               "tiles: train on the thumbnails as cut");
  AddOnOffFlag(app, "dedot", points.dedot,
               "points: photos without a matching plain copy are trained on their dotted copy "
               "with the dots removed (the default)",
               "points: photos without a matching plain copy are skipped");
  app.add_option("--decoy-repairs", points.decoy_repairs,
                 "points: per labelled animal, background spots repaired like a removed dot, so "
                 "that repair marks stop meaning animals (0: none)")
      ->capture_default_str();
  app.add_option("--body-decoys", points.body_decoy_repairs,
                 "points: per labelled animal, spots on its body off its centre repaired like a "
                 "removed dot, so that a mark stops telling where an animal's centre is (0: none)")
      ->capture_default_str();
  app.add_option("--plain-weight", points.plain_weight,
                 "points: photos trained on their plain copy give this many times the crops per "
                 "epoch (their animals are the only ones without a repair mark)")
      ->capture_default_str();
  app.add_flag("--dotted-copies-too", points.dotted_copies_too,
               "points: photos with a plain copy are trained on their dotted copy (dots removed) "
               "as well: the same animals in both files' encodings");
  app.add_option("--pair-consistency", points.pair_consistency,
                 "points, with --dotted-copies-too: each crop of a plain copy is cut again from "
                 "its repaired dotted copy and the two heatmaps are pulled together with this "
                 "weight (1: the heatmap loss's scale; 0: off)")
      ->capture_default_str();
  app.add_option("--crops-per-animal", points.crops_per_animal,
                 "points: crops per epoch added for each labelled animal of a photo, on top of "
                 "--crops-per-photo, so that animals of dense photos are cut about as often as "
                 "those of sparse ones (0: crops per photo alone)")
      ->capture_default_str();
  std::string dot_fill = "telea";
  app.add_option("--dot-fill", dot_fill,
                 "points: how removed dots are refilled: telea (inpainting), surface (a fitted "
                 "surface plus texture; read as animals more in the cross-validation), fsr "
                 "(frequency-selective reconstruction) or mixed (a third of the discs each)")
      ->capture_default_str();
  app.add_option("--jpeg-augment", points.augment.jpeg,
                 "share of crops or thumbnails recompressed as JPEG at quality 20-95")
      ->capture_default_str();
  app.add_option("--sharpness-augment", points.augment.sharpness,
                 "share of crops or thumbnails whose fine detail is softened or sharpened (by up "
                 "to 40%), as cameras and copies of a photo differ (0: none)")
      ->capture_default_str();
  app.add_option("--animal-centred", points.augment.animal_centred,
                 "points: share of crops centred near a labelled animal; the rest are cut "
                 "anywhere in the photo (background: rock, water, surf); 0.4 cross-validated "
                 "better than 0.6 on the real photos (docs/real-photos.md)")
      ->capture_default_str();
  app.add_option("--hard-negatives", points.hard_negatives,
                 "points: a detections CSV (count --detections) of an earlier model on the "
                 "training photos; detections that match no labelled animal (rocks taken for "
                 "animals) become places where crops are centred, with --hard-negative-centred");
  app.add_option("--hard-negative-centred", points.augment.hard_negative_centred,
                 "points: share of crops centred near a hard negative, taken from those cut "
                 "anywhere (with --hard-negatives; e.g. 0.2)")
      ->capture_default_str();
  app.add_option("--architecture", points.architecture,
                 "points: the network, point_net_v1 (a 4x4 patch stem), point_net_v2 (two "
                 "overlapping 3x3 stride-2 convolutions as the stem; about 15% more work a "
                 "photo) or point_net_v3 (v1 anti-aliased: a full-resolution stem and a blur "
                 "before every subsampling; about 30% more work a photo)")
      ->capture_default_str();
  app.add_option(
         "--chroma-sigma", points.chroma_sigma,
         "points: blur the colour (not the brightness) of every training photo by a Gaussian "
         "of this many px, and count alike (the model keeps it); copies of a photo differ in "
         "colour detail, Kaggle's dotted files at 4-20 px (0: none)")
      ->capture_default_str();
  app.add_option("--contrast-sd", points.contrast_sd,
                 "points: stretch or flatten every training photo's contrast, whole, so that its "
                 "brightness has this standard deviation (8-96; the sample's photos lie at "
                 "25-56), and count alike (the model keeps it; 0: none)")
      ->capture_default_str();
  std::vector<double> peak_weights;
  app.add_option("--peak-weights", peak_weights,
                 "points: per class (adult_males,subadult_males,adult_females,juveniles,pups), "
                 "the weight of an animal's peak in the heatmap loss, e.g. 1,1,1,1,3 to pull "
                 "the pups' peaks up harder (default: all 1)")
      ->delimiter(',')
      ->expected(kNumSeaLionClasses);
  app.add_option("--validate-every", points.validate_every,
                 "points: count the validation photos after every n-th epoch and the last")
      ->capture_default_str();
  app.add_option("--threshold", points.threshold,
                 "points: detection threshold to store in the model (default: chosen on the "
                 "validation photos)");
  app.add_option("--suppression", points.suppression,
                 "points: suppression radius to store, a share of the class's body length "
                 "(default: chosen on the validation photos)");
  app.add_option("--views", points.views,
                 "points: validation counts average this many flipped and turned views (1, 2, 4 "
                 "or 8); the model keeps it, and count uses it with the threshold chosen")
      ->capture_default_str();
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  std::vector<NamedPath> inputs = {{"input", input},
                                   {"--coords", points.coords},
                                   {"--hard-negatives", points.hard_negatives},
                                   {"--resume", tiles.resume},
                                   {"--init", tiles.init}};
  WorkSharing& sharing = ProcessWorkSharing();
  std::optional<OutputLock> lock;  // the writer's: the one process that writes the model
  if (sharing.IsWriter()) {
    CheckOutputsAreNotInputs(inputs, {{"-o", tiles.model_path}});
    lock.emplace(tiles.model_path);
  }
  if (method == "tiles") {
    // clang-format off
    for (const char* flag :
         {"--coords", "--crops-per-photo", "--crop", "--photos-in-memory", "--dedot",
          "--no-dedot", "--weight-decay", "--decoy-repairs", "--body-decoys", "--plain-weight",
          "--dotted-copies-too", "--pair-consistency",
          "--dot-fill", "--validate-every", "--animal-centred", "--hard-negatives",
          "--hard-negative-centred", "--architecture", "--peak-weights", "--chroma-sigma",
          "--contrast-sd", "--threshold", "--suppression", "--views"}) {
      // clang-format on
      if (app.count(flag)) throw Error(std::string(flag) + " is for --method points");
    }
    tiles.patch_dir = input;
    tiles.augmentation.scale_range = points.augment.scale_range;
    tiles.augmentation.jpeg = points.augment.jpeg;
    tiles.augmentation.sharpness = points.augment.sharpness;
    return PrintTileResult(tiles, sharing);
  }
  if (app.count("--augment") || app.count("--no-augment"))
    throw Error(
        "--augment and --no-augment are for --method tiles (points always augment; "
        "--scale-augment 0 and --jpeg-augment 0 turn those two off)");
  points.dataset_dir = input;
  points.model_path = tiles.model_path;
  if (app.count("--epochs")) points.epochs = tiles.epochs;
  if (app.count("--batch")) points.batch_size = tiles.batch_size;
  if (app.count("--lr")) points.learning_rate = tiles.learning_rate;
  points.validation_fraction = tiles.validation_fraction;
  points.seed = tiles.seed;
  points.threads = tiles.threads;
  points.resume = tiles.resume;
  points.init = tiles.init;
  points.dot_fill = ParseDotFill(dot_fill);
  if (!peak_weights.empty())
    std::copy(peak_weights.begin(), peak_weights.end(), points.peak_weights.begin());
  return PrintPointResult(points, sharing);
}

}  // namespace sealion
