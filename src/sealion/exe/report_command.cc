// sealion report RUN_DIR -o report.html
// sealion overlay PHOTO --detections DETECTIONS.csv -o overlay.jpg

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/core/image_io.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/report/overlay.h"
#include "sealion/report/report.h"

namespace sealion {

int RunReportCommand(int argc, char** argv) {
  ReportOptions options;
  CLI::App app{
      "Writes a self-contained HTML report of a run: errors, per-photo overlays, training curves.",
      "sealion report"};
  app.add_option("run", options.run_dir, "run folder (as made by make run)")->required();
  app.add_option("-o,--output", options.output, "HTML file to write")->required();
  app.add_option("--overlay-width", options.overlay_width, "px of each photo overlay")
      ->capture_default_str();
  app.add_option("--max-photos", options.max_photos, "photos shown, worst first")
      ->capture_default_str();
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  const ReportSummary summary = RunReport(options);
  fmt::print("report with {} photo overlays{}{} written to {}\n", summary.photos_shown,
             summary.has_training ? ", training curves" : "",
             summary.has_real_extract ? ", real-sample extraction" : "", options.output.string());
  return 0;
}

int RunOverlayCommand(int argc, char** argv) {
  std::filesystem::path photo, detections, output;
  int64_t id = -1;
  int width = 0;
  CLI::App app{"Draws the counted tiles of one photo on it, in their class colours.",
               "sealion overlay"};
  app.add_option("photo", photo, "the photo")->required();
  app.add_option("--detections", detections, "detections CSV from sealion count --detections")
      ->required();
  app.add_option("-o,--output", output, "image to write (.jpg or .png)")->required();
  app.add_option("--id", id, "photo id in the detections (default: from the file name)");
  app.add_option("--width", width, "downscale to this width (0: full size)")->capture_default_str();
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  if (id < 0) id = PhotoIdFromFileName(photo);
  const auto marks = ReadDetections(detections);
  const auto found = marks.find(id);
  const cv::Mat overlay =
      DrawOverlay(ReadColourImage(photo),
                  found == marks.end() ? std::vector<Mark>{} : found->second, {}, width);
  WriteImageAtomically(output, overlay);
  fmt::print("{} counted tiles drawn on {} -> {}\n",
             found == marks.end() ? 0 : found->second.size(), photo.string(), output.string());
  return 0;
}

}  // namespace sealion
