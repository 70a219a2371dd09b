// sealion train PATCH_DIR -o MODEL_FILE [--epochs N] [--batch B] [--lr LR] [--val-fraction F]
//               [--seed S] [--threads N] [--resume CHECKPOINT]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/nn/train.h"

namespace sealion {

int RunTrainCommand(int argc, char** argv) {
  TrainOptions options;
  CLI::App app{
      "Trains the seed's CNN (six classes, non_seal included) on thumbnails from sealion patches.",
      "sealion train"};
  app.add_option("patches", options.patch_dir, "folder with manifest.csv and the thumbnails")
      ->required();
  app.add_option("-o,--output", options.model_path, "model file to write")->required();
  app.add_option("--epochs", options.epochs, "training epochs")->capture_default_str();
  app.add_option("--batch", options.batch_size, "batch size")->capture_default_str();
  app.add_option("--lr", options.learning_rate, "Adam learning rate")->capture_default_str();
  app.add_option("--val-fraction", options.validation_fraction, "share of source photos held out")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed")->capture_default_str();
  app.add_option("--threads", options.threads, "LibTorch threads (0: every core)")
      ->capture_default_str();
  app.add_option("--resume", options.resume, "checkpoint to continue from (MODEL_FILE.checkpoint)");
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  const TrainResult result = RunTrain(options);
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

}  // namespace sealion
