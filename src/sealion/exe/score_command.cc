// sealion score SUBMISSION.csv TRUTH.csv [--json]

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "sealion/exe/cli_support.h"
#include "sealion/exe/commands.h"
#include "sealion/score/score.h"

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
  app.add_flag("--json", json, "print JSON instead of a table");
  if (const int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  const ScoreResult result = ScoreFiles(submission, truth);
  fmt::print("{}", json ? ScoreToJson(result).dump(2) + "\n" : FormatScoreTable(result));
  return 0;
}

}  // namespace sealion
