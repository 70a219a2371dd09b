// sealion report RUN_DIR -o report.html
// sealion overlay PHOTO --detections DETECTIONS.csv [--truth COORDS.csv] [--style auto] -o
// overlay.jpg

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "sealion/core/image_io.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/formats/export.h"
#include "sealion/report/overlay.h"
#include "sealion/report/report.h"
#include "sealion/util/output_guard.h"

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
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  const OutputLock lock(options.output);
  const ReportSummary summary = RunReport(options);
  fmt::print("report with {} photo overlays{}{} written to {}\n", summary.photos_shown,
             summary.has_training ? ", training curves" : "",
             summary.has_real_extract ? ", real-sample extraction" : "", options.output.string());
  return 0;
}

int RunOverlayCommand(int argc, char** argv) {
  std::filesystem::path photo, detections, truth, output;
  int64_t id = -1;
  int width = 0;
  std::string style = "auto";
  CLI::App app{
      "Draws what was counted on one photo, in the class colours: counted tiles "
      "outlined, or the animals found as dots; with --truth, true animals ringed and, "
      "for points, false alarms crossed and misses boxed.",
      "sealion overlay"};
  app.add_option("photo", photo, "the photo")->required();
  app.add_option("--detections", detections, "detections CSV from sealion count --detections")
      ->required();
  app.add_option("--truth", truth, "true animals (id,class,x,y: test_coords.csv, coords.csv)");
  app.add_option("-o,--output", output, "image to write (.jpg or .png)")->required();
  app.add_option("--id", id, "photo id in the detections (default: from the file name)");
  app.add_option("--width", width, "downscale to this width (0: full size)")->capture_default_str();
  app.add_option("--style", style,
                 "tiles, points, or auto (points unless every detection is a tile centre)")
      ->check(CLI::IsMember({"auto", "tiles", "points"}))
      ->capture_default_str();
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  CheckOutputsAreNotInputs({{"photo", photo}, {"--detections", detections}, {"--truth", truth}},
                           {{"-o", output}});
  const OutputLock lock(output);
  if (id < 0) id = PhotoIdFromFileName(photo);
  const auto marks = ReadDetections(detections);
  const auto found = marks.find(id);
  const std::vector<Mark> counted = found == marks.end() ? std::vector<Mark>{} : found->second;
  std::vector<Mark> true_marks;
  if (!truth.empty()) {
    const auto all = ReadCoords(truth);
    if (const auto t = all.find(id); t != all.end()) true_marks = t->second;
  }
  if (style == "auto") {
    const bool all_tile_centres = std::all_of(counted.begin(), counted.end(), [](const Mark& m) {
      return IsTileCentre(m.centre.x, m.centre.y);
    });
    style = all_tile_centres && !counted.empty() ? "tiles" : "points";
  }
  const cv::Mat overlay =
      DrawOverlay(ReadColourImage(photo), counted, true_marks, width,
                  style == "tiles" ? OverlayStyle::kTiles : OverlayStyle::kPoints);
  WriteImageAtomically(output, overlay);
  fmt::print("{} counted {} drawn on {}{} -> {}\n", counted.size(),
             style == "tiles" ? "tiles" : "animals", photo.string(),
             true_marks.empty() ? "" : fmt::format(" with {} true animals", true_marks.size()),
             output.string());
  return 0;
}

}  // namespace sealion
