// sealion synth -o DIR [--train N] [--test M] [--seed S] [--width W --height H] [--threads N]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/synth/synth.h"

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
      "real chips (DIR/<class>/*.png) as animal appearance, e.g. the Kaggle sample's chips/");
  app.add_option("--masked-share", options.masked_share, "share of dotted copies with black masks")
      ->capture_default_str();
  app.add_option("--rotated-share", options.rotated_share,
                 "share of dotted copies turned 180 degrees")
      ->capture_default_str();
  app.add_option("--mismatched-share", options.mismatched_share, "share of mismatched training ids")
      ->capture_default_str();
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  if (layouts == "auto") {
    options.reference_coords = FindReferenceCoords();
  } else if (layouts != "model") {
    options.reference_coords = layouts;
  }
  const SynthSummary summary = RunSynth(options);
  fmt::print(
      "synthesised {} training pairs ({} animals counted; {} masked, {} turned, {} mismatched) and "
      "{} test photos ({} animals) in {:.1f} s with {} layouts and {} animals into {}\n",
      summary.train_photos, summary.train_animals, summary.masked, summary.rotated,
      summary.mismatched, summary.test_photos, summary.test_animals, summary.seconds,
      summary.used_reference_layouts ? "real" : "model",
      summary.chips > 0 ? fmt::format("{} real chips as", summary.chips) : std::string("drawn"),
      options.output_dir.string());
  return 0;
}

}  // namespace sealion
