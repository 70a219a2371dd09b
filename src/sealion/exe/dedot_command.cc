// sealion dedot DATASET_DIR --coords COORDS.csv -o OUT_DIR [--ids 2,3] [--radius 7]
//               [--fill telea|surface|fsr|mixed] [--no-texture]
//               [--quality 95]
//               [--plain-where-matching]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/extract/dedot.h"
#include "sealion/util/error.h"
#include "sealion/util/output_guard.h"

namespace sealion {

int RunDedotCommand(int argc, char** argv) {
  DedotRunOptions options;
  CLI::App app{
      "Writes the dotted photos with their dots removed (each dot's disc refilled from the "
      "pixels around it; every other pixel unchanged), for review or to "
      "count a repaired copy "
      "next to its plain one. Third-party photos: write them outside any repository.",
      "sealion dedot"};
  app.add_option("dataset", options.dataset_dir, "training folder in the competition's layout")
      ->required();
  app.add_option("--coords", options.coords, "extract's coords.csv (the dots)")->required();
  app.add_option("-o,--output", options.output_dir, "folder for <id>.jpg")->required();
  app.add_option("--ids", options.ids, "only these ids (comma-separated)")->delimiter(',');
  app.add_option("--radius", options.dedot.radius, "px repaired around each dot's centre")
      ->capture_default_str();
  std::string fill = "telea";
  app.add_option("--fill", fill,
                 "how each disc is refilled: telea (inpainting from the rim), surface (a surface "
                 "fitted to the pixels around it, plus their texture), fsr (frequency-selective "
                 "reconstruction: edges and texture continue through the disc) or mixed (a third "
                 "of the discs each, chosen by position)")
      ->capture_default_str();
  bool untextured = false;
  app.add_flag(
      "--no-texture", untextured,
      "surface: leave the repaired discs smooth (for comparison: a smooth disc is a mark a "
      "network can learn)");
  app.add_option("--quality", options.jpeg_quality, "JPEG quality of the written photos")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads (0: every core)")
      ->capture_default_str();
  app.add_flag("--plain-where-matching", options.plain_where_matching,
               "photos with a matching plain copy: write the plain copy with the dotted copy's "
               "black masks applied instead (the copy to count against the dots)");
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  options.dedot.fill = ParseDotFill(fill);
  options.dedot.texture = !untextured;
  if (untextured && options.dedot.fill != DotFill::kSurface &&
      options.dedot.fill != DotFill::kMixed)
    throw Error("dedot: --no-texture is for --fill surface or mixed");
  std::vector<NamedPath> inputs = DatasetInputs(options.dataset_dir);
  inputs.push_back({"--coords", options.coords});
  CheckOutputsAreNotInputs(inputs, {{"-o", options.output_dir}});
  const OutputLock lock(options.output_dir);
  const DedotSummary summary = RunDedot(options);
  fmt::print("wrote {} photo(s) with their dots removed into {} ({} failed)\n", summary.written,
             options.output_dir.string(), summary.errors.size());
  for (const auto& error : summary.errors) fmt::print(stderr, "failed: {}\n", error);
  return summary.errors.empty() ? 0 : 1;
}

}  // namespace sealion
