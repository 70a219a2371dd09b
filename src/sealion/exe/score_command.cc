// sealion score SUBMISSION.csv TRUTH.csv [--detections D.csv --truth-points COORDS.csv] [--json]

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <set>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/score/score.h"
#include "sealion/util/error.h"

namespace sealion {

int RunScoreCommand(int argc, char** argv) {
  std::filesystem::path submission, truth;
  bool json = false;
  CLI::App app{
      "Scores a submission with the competition's metric: RMSE of each class count over all "
      "photos, "
      "averaged over the five classes, with each class's bias.",
      "sealion score"};
  app.add_option("submission", submission, "submission CSV (test_id,adult_males,...,pups)")
      ->required();
  app.add_option("truth", truth, "true counts: train.csv or test_truth.csv")->required();
  std::filesystem::path detections, truth_points;
  app.add_option("--detections", detections,
                 "also score each animal: detections from count --detections (test_id,class,x,y,"
                 "score), matched to --truth-points within half a body length");
  app.add_option("--truth-points", truth_points,
                 "true animals: a synthetic survey's test_coords.csv, or extract's coords.csv");
  app.add_flag("--json", json, "print JSON instead of a table");
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  if (detections.empty() != truth_points.empty())
    throw Error("--detections and --truth-points go together");
  const ScoreResult result = ScoreFiles(submission, truth);
  std::optional<MatchTally> tally;
  if (!detections.empty()) {
    std::set<int64_t> ids;
    for (const auto& [id, counts] : ReadCountsCsv(truth)) ids.insert(id);
    tally = ScoreDetectionFiles(detections, truth_points, ids);
  }
  if (json) {
    nlohmann::json out = ScoreToJson(result);
    if (tally) out["animals"] = MatchToJson(*tally);
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("{}", FormatScoreTable(result));
    if (tally) fmt::print("\n{}", FormatMatchTable(*tally));
  }
  return 0;
}

}  // namespace sealion
