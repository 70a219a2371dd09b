#pragma once
// The competition's metric: the root-mean-square error of each of the five count columns over
// all photos, averaged over the classes; with each class's mean signed error (bias).

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "sealion/core/counts_csv.h"

namespace sealion {

struct ClassScore {
  double rmse = 0;
  double bias = 0;       // mean of (predicted - true)
  double mean_true = 0;  // mean true count, for scale
};

struct ScoreResult {
  std::array<ClassScore, kNumSeaLionClasses> per_class{};
  double mean_rmse = 0;  // the competition's score
  int64_t photos = 0;
};

// Throws when the two sides do not hold the same photo ids (naming the first missing ones).
ScoreResult ScoreCounts(const CountsById& submission, const CountsById& truth);

// Reads both files (train.csv or test_truth.csv for the truth) and scores them.
ScoreResult ScoreFiles(const std::filesystem::path& submission, const std::filesystem::path& truth);

std::string FormatScoreTable(const ScoreResult& result);
nlohmann::json ScoreToJson(const ScoreResult& result);

}  // namespace sealion
