// sealion ensemble MODEL MODEL... -o ENSEMBLE [--threshold T] [--suppression F] [--views V]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/nn/model_ensemble.h"
#include "sealion/util/output_guard.h"

namespace sealion {

int RunEnsembleCommand(int argc, char** argv) {
  EnsembleOptions options;
  CLI::App app{
      "Combines point models trained alike (e.g. with different --seed) into one model file; "
      "count averages their heatmaps, which counts steadier than one network, at the sum of "
      "their cost. Thresholds calibrated for one network are not carried over: calibrate the "
      "ensemble (scripts/calibrate-views.sh, scripts/calibrate-jpeg.sh).",
      "sealion ensemble"};
  app.add_option("models", options.inputs, "point model files from sealion train (two or more)")
      ->required();
  app.add_option("-o,--output", options.output, "ensemble model file to write")->required();
  app.add_option("--threshold", options.threshold,
                 "detection threshold in (0, 1) (-1: the first model's)")
      ->capture_default_str();
  app.add_option("--suppression", options.suppression,
                 "suppression radius as a fraction of the body length (-1: the first model's)")
      ->capture_default_str();
  app.add_option("--views", options.views,
                 "views count averages by default, 1, 2, 4 or 8 (-1: the first model's)")
      ->capture_default_str();
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  const OutputLock lock(options.output);
  const EnsembleSummary summary = MakeEnsemble(options);
  fmt::print(
      "ensemble of {} {} networks: threshold {}, suppression {:.2f} x body length, {} "
      "view{} -> {}\n",
      summary.members, summary.architecture, summary.threshold, summary.suppression, summary.views,
      summary.views == 1 ? "" : "s", options.output.string());
  if (summary.dropped_calibrations) {
    fmt::print(
        "note: the thresholds the inputs held for other views and JPEG qualities were not carried "
        "over; calibrate the ensemble (scripts/calibrate-views.sh, scripts/calibrate-jpeg.sh)\n");
  }
  return 0;
}

}  // namespace sealion
