#pragma once
// The competition's metric: the root-mean-square error of each of the five count columns over
// all photos, averaged over the classes; with each class's mean signed error (bias).

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sealion/core/counts_csv.h"
#include "sealion/core/point_match.h"

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

// Per-animal scoring: detections (test_id,class,x,y,score: `count --detections`) against true
// points (test_coords.csv of a synthetic survey, or extract's coords.csv), matched as
// core/point_match.h says. Photos of the truth without detections count as found nothing;
// detections of photos the truth does not hold are an error.
MatchTally ScoreDetectionFiles(const std::filesystem::path& detections,
                               const std::filesystem::path& truth_points,
                               const std::set<int64_t>& photo_ids);

std::string FormatMatchTable(const MatchTally& tally);
nlohmann::json MatchToJson(const MatchTally& tally);

}  // namespace sealion
