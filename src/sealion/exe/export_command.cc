// sealion export DETECTIONS.csv --format viame|coco|geojson|totals -o OUT
//                [--submission SUB.csv] [--photos DIR] [--crs EPSG:N] [--style auto]

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <map>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/formats/export.h"
#include "sealion/util/output_guard.h"

namespace sealion {

int RunExportCommand(int argc, char** argv) {
  ExportOptions options;
  CLI::App app{
      "Writes the detections of `sealion count --detections` as VIAME CSV (for DIVE, VIAME's "
      "annotator), COCO JSON, GeoJSON points (map coordinates where the photos have world "
      "files), or per-photo totals.",
      "sealion export"};
  app.add_option("detections", options.detections,
                 "detections CSV from count --detections (test_id,class,x,y,score)")
      ->required();
  const std::map<std::string, ExportFormat> formats = {{"viame", ExportFormat::kViameCsv},
                                                       {"coco", ExportFormat::kCocoJson},
                                                       {"geojson", ExportFormat::kGeoJson},
                                                       {"totals", ExportFormat::kTotalsCsv}};
  std::string format;
  app.add_option("--format", format,
                 "viame: VIAME CSV (one row per animal, box of its class's size, point as "
                 "keypoint); coco: COCO JSON (needs --photos); geojson: points; totals: "
                 "image,test_id,class,count")
      ->required()
      ->check(CLI::IsMember({"viame", "coco", "geojson", "totals"}));
  app.add_option("-o,--output", options.output, "file to write")->required();
  app.add_option("--submission", options.submission,
                 "the submission of the same count: its photos are exported (those without "
                 "detections too) and its counts are the totals");
  app.add_option("--photos", options.photos_dir,
                 "folder of the counted photos (<test_id>.jpg, .jpeg or .png), or the photo list "
                 "that count --ids-from-order wrote (submission.photos.csv): file names, sizes "
                 "(from the headers) and world files (<stem>.jgw, .pgw or .wld)");
  app.add_option("--crs", options.crs,
                 "EPSG:<code> of the world files' map coordinates (geojson; required with world "
                 "files)");
  const std::map<std::string, DetectionStyle> styles = {{"auto", DetectionStyle::kAuto},
                                                        {"points", DetectionStyle::kPoints},
                                                        {"tiles", DetectionStyle::kTiles}};
  std::string style = "auto";
  app.add_option("--style", style,
                 "points (animals: boxes of the class's size), tiles (64x64 counted tiles), or "
                 "auto (tiles when every detection is a tile centre)")
      ->check(CLI::IsMember({"auto", "points", "tiles"}))
      ->capture_default_str();
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  options.format = formats.at(format);
  options.style = styles.at(style);
  options.Check();
  CheckOutputsAreNotInputs({{"detections", options.detections},
                            {"--submission", options.submission},
                            {"--photos", options.photos_dir}},
                           {{"-o", options.output}});
  const OutputLock lock(options.output);
  const ExportSummary summary = RunExport(options);
  fmt::print("{} {} of {} photo(s) written to {}{}\n", summary.detections,
             summary.tiles ? "counted tiles" : "animals", summary.photos, options.output.string(),
             summary.map_coordinates ? fmt::format(" in map coordinates ({})", options.crs) : "");
  return 0;
}

}  // namespace sealion
