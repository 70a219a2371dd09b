// sealion patches DATASET_DIR --metadata OUT_DIR/training_metadata.json -o PATCH_DIR
//                 [--negatives-per-image K] [--seed S] [--chips DIR] [--no-dedot]

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <optional>

#include "sealion/core/classes.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/patches/patches.h"
#include "sealion/util/output_guard.h"

namespace sealion {

int RunPatchesCommand(int argc, char** argv) {
  PatchesOptions options;
  CLI::App app{
      "Cuts the seed's 64x64 thumbnails (three per dot: offsets -1, 0, +1) and background "
      "thumbnails from the plain photos, with a manifest.csv.",
      "sealion patches"};
  app.add_option("dataset", options.dataset_dir, "training folder in the competition's layout")
      ->required();
  app.add_option("--metadata", options.metadata,
                 "training_metadata.json from sealion extract, or the animals of photos <id>.jpg "
                 "as a VIAME CSV (e.g. corrected in DIVE), a COCO JSON or a coords CSV")
      ->required();
  app.add_option("-o,--output", options.output_dir, "output folder for the thumbnails")->required();
  app.add_option(
         "--negatives-per-image", options.negatives_per_image,
         "background thumbnails per photo (-1: as many as its sea lion thumbnails, at least 30)")
      ->capture_default_str();
  app.add_option("--background-clearance", options.background_clearance,
                 "px kept free of dots around a background thumbnail")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed for background sampling")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads (0: every core)")
      ->capture_default_str();
  app.add_option("--chips", options.chips_dir,
                 "also cut real chips from DIR/<class>/*.png (centre 64x64)");
  AddOnOffFlag(app, "dedot", options.dedot,
               "photos without a matching plain copy are cut from their dotted copy with the dots "
               "removed (the default)",
               "photos without a matching plain copy are skipped");
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  std::vector<NamedPath> inputs = DatasetInputs(options.dataset_dir);
  inputs.push_back({"--metadata", options.metadata});
  inputs.push_back({"--chips", options.chips_dir});
  WorkSharing& sharing = ProcessWorkSharing();
  std::optional<OutputLock> lock;  // the writer's: the one process that writes the manifest
  if (sharing.IsWriter()) {
    CheckOutputsAreNotInputs(inputs, {{"-o", options.output_dir}});
    lock.emplace(options.output_dir);
  }
  const PatchesSummary summary = RunPatches(options, sharing);
  if (!sharing.IsWriter()) return 0;
  fmt::print(
      "cut thumbnails from {} photos ({} skipped without a plain photo, {} with a mismatched "
      "plain photo, {} failed) into {}:\n",
      summary.images, summary.skipped_without_plain, summary.skipped_mismatched,
      summary.errors.size(), options.output_dir.string());
  for (int c = 0; c < kNumClasses; ++c)
    fmt::print("  {:<15} {}\n", ClassName(c), summary.per_class[c]);
  for (const auto& error : summary.errors) fmt::print(stderr, "failed: {}\n", error);
  return summary.errors.empty() ? 0 : 1;
}

}  // namespace sealion
