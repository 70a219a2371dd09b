// sealion extract DATASET_DIR -o OUT_DIR [--ids 41,42] [--threads N] [--include-mismatched]

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <optional>

#include "sealion/distrib/work_sharing.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/extract/extract.h"
#include "sealion/util/output_guard.h"

namespace sealion {

int RunExtractCommand(int argc, char** argv) {
  ExtractOptions options;
  CLI::App app{
      "Finds the coloured dots of TrainDotted photos (|dotted - plain| and LoG blobs, or dot "
      "colour alone where there is no plain photo) and writes training_metadata.json, "
      "coords.csv and counts.csv.",
      "sealion extract"};
  app.add_option("dataset", options.dataset_dir, "training folder in the competition's layout")
      ->required();
  app.add_option("-o,--output", options.output_dir, "output folder")->required();
  app.add_option("--ids", options.ids, "only these ids (comma-separated)")->delimiter(',');
  app.add_option("--threads", options.threads, "worker threads (0: every core)")
      ->capture_default_str();
  app.add_flag("--include-mismatched", options.include_mismatched,
               "also process ids listed in MismatchedTrainImages.txt");
  app.add_flag("--fresh", options.fresh,
               "recompute every photo, ignoring results of an earlier run");
  auto& detector = options.detector;
  app.add_option("--difference-threshold", detector.difference_threshold,
                 "max-channel |dotted - plain| of a dot pixel")
      ->capture_default_str();
  app.add_option("--colour-tolerance", detector.colour_tolerance,
                 "RGB distance of a dot centre to its class colour")
      ->capture_default_str();
  app.add_option("--brown-tolerance", detector.dotted_only_brown_tolerance,
                 "colour distance of brown dot pixels when there is no plain photo")
      ->capture_default_str();
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  WorkSharing& sharing = ProcessWorkSharing();
  std::optional<OutputLock> lock;  // the writer's: the one process that writes the outputs
  if (sharing.IsWriter()) {
    CheckOutputsAreNotInputs(DatasetInputs(options.dataset_dir), {{"-o", options.output_dir}});
    lock.emplace(options.output_dir);
  }

  const ExtractReport report = RunExtract(options, sharing);
  if (!sharing.IsWriter()) return 0;
  int dots = 0;
  for (const auto& image : report.images) dots += static_cast<int>(image.detection.dots.size());
  fmt::print("extracted {} dots from {} photo(s) ({} failed, {} skipped as mismatched) into {}\n",
             dots, report.images.size() - report.failed, report.failed,
             report.skipped_mismatched.size(), options.output_dir.string());
  if (report.train_counts) fmt::print("{}", FormatComparisonTable(report, *report.train_counts));
  return report.failed > 0 ? 1 : 0;
}

}  // namespace sealion
