// sealion count INPUT... --model MODEL_FILE -o submission.csv [--threads N] [--batch B]
//               [--threshold T] [--suppression F] [--views 1|2|4|8] [--detections DETECTIONS.csv]
//               [--resume]
//               [--ids-from-order]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/core/counts_csv.h"
#include "sealion/count/count.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"

namespace sealion {

int RunCountCommand(int argc, char** argv) {
  CountOptions options;
  CLI::App app{
      "Counts sea lions in each photo with the method the model file names: the point counter "
      "(one point per animal from a heatmap network) or the seed's tile counter (every "
      "non-overlapping 64x64 tile classified), and writes the competition's submission CSV.",
      "sealion count"};
  app.add_option("inputs", options.inputs, "photos, folders of photos, or @list.txt")->required();
  app.add_option("--model", options.model_path,
                 "model file from sealion train, or a TorchScript module from Python "
                 "(torch.jit.save) with a JSON sidecar MODEL.pt.json saying what it outputs "
                 "(src/sealion/nn/scripted_model.h documents its fields)")
      ->required();
  app.add_option("-o,--output", options.output, "submission CSV to write")->required();
  app.add_option("--detections", options.detections,
                 "also write one row per counted animal, or tile (test_id,class,x,y,score)");
  app.add_option("--threads", options.threads, "LibTorch threads (0: every core)")
      ->capture_default_str();
  app.add_option("--batch", options.batch_size, "tile models: tiles per forward pass")
      ->capture_default_str();
  app.add_option("--threshold", options.threshold,
                 "point models: detection threshold in (0, 1) (-1: the one train chose)")
      ->capture_default_str();
  app.add_option("--suppression", options.suppression,
                 "point models: peaks closer than this fraction of the body length are one animal "
                 "(-1: the one train chose)")
      ->capture_default_str();
  app.add_option("--views", options.views,
                 "point models: average the heatmap over this many flipped and turned views of "
                 "each photo (1, 2, 4 or 8; steadier counts, that many times the work; -1: the "
                 "views the model's threshold was chosen with, 1 for older models)")
      ->capture_default_str();
  app.add_option("--scale", options.scale,
                 "point models: resize every photo by this factor before counting, for photos "
                 "taken from another altitude than the model's (1.3: the animals look 1.3 times "
                 "smaller than in its training photos); detections stay in the photo's pixels")
      ->capture_default_str();
  app.add_flag("--resume", options.resume,
               "continue an interrupted run from its journal (OUTPUT.journal)");
  app.add_flag("--ids-from-order", options.ids_from_order,
               "number photos 0, 1, ... in input order instead of by name (for photos not named "
               "<number>.jpg, e.g. DSC_0042.JPG); which id is which photo is written beside the "
               "output, its extension replaced by .photos.csv (submission.csv -> "
               "submission.photos.csv), which export --photos reads");
  AddPhotoLimitOption(app);
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  WorkSharing& sharing = ProcessWorkSharing();
  const CountSummary summary = RunCount(options, sharing);
  if (!sharing.IsWriter()) return 0;  // the writer reports for the whole job
  fmt::print(
      "counted {} photo(s) ({} from the journal, {} failed): {} {} in {:.1f} s ({:.2f} "
      "photos/s, {:.0f} GFLOP/s) -> {}\n",
      summary.counted + summary.resumed, summary.resumed, summary.failed, summary.work_items,
      summary.work_unit, summary.seconds,
      summary.seconds > 0 ? summary.counted / summary.seconds : 0.0,
      summary.seconds > 0 ? summary.flops / 1e9 / summary.seconds : 0.0, options.output.string());
  if (options.ids_from_order)
    fmt::print("which id is which photo: {}\n", PhotoListPath(options.output).string());
  for (const auto& error : summary.errors) fmt::print(stderr, "failed: {}\n", error);
  return summary.failed > 0 ? 1 : 0;
}

}  // namespace sealion
