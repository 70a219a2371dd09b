// sealion scale INPUT... --model MODEL_FILE [--photos N] [--views V] [--threshold T]
//               [--scales S,S,...] [--threads N]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/count/scale_estimate.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"

namespace sealion {

int RunScaleCommand(int argc, char** argv) {
  ScaleEstimateOptions options;
  CLI::App app{
      "Estimates how much larger or smaller a survey's animals look than in a point model's "
      "training photos (a survey flown at another altitude): a few of the photos are counted at "
      "each of several scales, and the scale at which the model finds the most animals is the "
      "one to count the survey with (count --scale).",
      "sealion scale"};
  app.add_option("inputs", options.inputs, "the survey's photos, folders of photos, or @list.txt")
      ->required();
  app.add_option("--model", options.model_path, "point model file (or ensemble)")->required();
  app.add_option("--photos", options.photos,
                 "count at most this many photos, spread evenly over the inputs (more: a "
                 "steadier estimate, that much more work)")
      ->capture_default_str();
  app.add_option("--views", options.views, "views each count averages (1, 2, 4 or 8)")
      ->capture_default_str();
  app.add_option("--threshold", options.threshold,
                 "detection threshold in (0, 1) (-1: the model's for these views)")
      ->capture_default_str();
  app.add_option("--scales", options.scales, "the scales to try, ascending, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--threads", options.threads, "LibTorch threads (0: every core)")
      ->capture_default_str();
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  const ScaleEstimate estimate = EstimateScale(options);
  fmt::print("scale    animals found in {} photo(s)\n", estimate.photos.size());
  for (size_t i = 0; i < estimate.scales.size(); ++i) {
    fmt::print("{:<8g} {:>7}{}\n", estimate.scales[i], estimate.animals[i],
               estimate.scales[i] == estimate.scale ? "   <- most" : "");
  }
  fmt::print("estimated scale: {:g}; count this survey with --scale {:g}\n", estimate.scale,
             estimate.scale);
  if (estimate.at_edge) {
    fmt::print(
        "note: the most animals were found at the {} scale tried; the survey's scale may lie "
        "beyond it (try --scales with a wider range)\n",
        estimate.scale == estimate.scales.front() ? "smallest" : "largest");
  }
  for (const auto& skipped : estimate.skipped) fmt::print(stderr, "skipped: {}\n", skipped);
  return estimate.skipped.empty() ? 0 : 1;
}

}  // namespace sealion
