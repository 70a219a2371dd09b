// sealion synth -o DIR [--replace] [--train N] [--test M] [--seed S] [--width W --height H]
// [--threads N]
//               [--chips DIR] [--scenery DATASET_DIR --scenery-coords COORDS.csv]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/synth/synth.h"
#include "sealion/util/output_guard.h"

namespace sealion {

int RunSynthCommand(int argc, char** argv) {
  SynthOptions options;
  std::string layouts = "auto";
  CLI::App app{
      "Generates a synthetic aerial survey with exact ground truth, in the competition's layout.",
      "sealion synth"};
  app.add_option("-o,--output", options.output_dir, "output folder")->required();
  app.add_option("--train", options.train_photos, "training photo pairs")->capture_default_str();
  app.add_option("--test", options.test_photos, "test photos")->capture_default_str();
  app.add_option("--seed", options.seed, "random seed (same seed, same bytes)")
      ->capture_default_str();
  app.add_option("--width", options.width, "photo width (default: 5616 or 4992 at random)");
  app.add_option("--height", options.height, "photo height (default: 3744 or 3328 to match)");
  app.add_option("--threads", options.threads, "worker threads (0: every core)")
      ->capture_default_str();
  app.add_option(
         "--layouts", layouts,
         "animal layouts: 'auto' (real layouts from reference_coords.csv when found, else the "
         "model), 'model', or a path to a reference_coords.csv")
      ->capture_default_str();
  app.add_option(
      "--chips", options.chips_dir,
      "real chips (DIR/<class>/*.png) as animal appearance, e.g. the Kaggle sample's chips/; "
      "each is cloned into the scene so that its colour follows it, with a soft shadow");
  app.add_option("--scenery", options.scenery.dataset_dir,
                 "real scenery: a dataset in the competition's layout (TrainDotted/<id>.jpg); "
                 "backgrounds are assembled from its photos' ground far from every dot and outside "
                 "the black masks (needs --scenery-coords; default: drawn scenery)");
  app.add_option("--scenery-coords", options.scenery.coords,
                 "every dot of the --scenery photos: `sealion extract`'s coords.csv "
                 "(train_id,class,x,y, in the dotted photo's frame); only photos listed are used");
  app.add_option("--scenery-clearance", options.scenery.clearance,
                 "px real scenery keeps from every dot (an adult male's length)")
      ->capture_default_str();
  app.add_option("--scenery-cache", options.scenery.max_cached_photos,
                 "full-size scenery photos kept decoded (about 63 MB each)")
      ->capture_default_str();
  app.add_flag("--replace", options.replace,
               "-o may hold an earlier survey: remove it first (without this, a non-empty -o is "
               "an error)");
  app.add_option("--masked-share", options.masked_share, "share of dotted copies with black masks")
      ->capture_default_str();
  app.add_option("--rotated-share", options.rotated_share,
                 "share of dotted copies turned 180 degrees")
      ->capture_default_str();
  app.add_option("--mismatched-share", options.mismatched_share, "share of mismatched training ids")
      ->capture_default_str();
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  CheckOutputsAreNotInputs({{"--chips", options.chips_dir},
                            {"--scenery", options.scenery.dataset_dir},
                            {"--scenery-coords", options.scenery.coords}},
                           {{"-o", options.output_dir}});
  const OutputLock lock(options.output_dir);
  if (layouts == "auto") {
    options.reference_coords = FindReferenceCoords();
  } else if (layouts != "model") {
    options.reference_coords = layouts;
  }
  const SynthSummary summary = RunSynth(options);
  fmt::print(
      "synthesised {} training pairs ({} animals counted; {} masked, {} turned, {} mismatched) and "
      "{} test photos ({} animals) in {:.1f} s with {} layouts, {} animals and {} into {}\n",
      summary.train_photos, summary.train_animals, summary.masked, summary.rotated,
      summary.mismatched, summary.test_photos, summary.test_animals, summary.seconds,
      summary.used_reference_layouts ? "real" : "model",
      summary.chips > 0 ? fmt::format("{} real chips as", summary.chips) : std::string("drawn"),
      summary.scenery_photos > 0
          ? fmt::format("{:.0f}% real scenery from {} photos", 100 * summary.real_scenery_share,
                        summary.scenery_photos)
          : std::string("drawn scenery"),
      options.output_dir.string());
  return 0;
}

}  // namespace sealion
