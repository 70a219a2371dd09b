#include "sealion/score/score.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <vector>

#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

std::vector<int64_t> MissingFrom(const CountsById& side, const CountsById& other) {
  std::vector<int64_t> missing;
  for (const auto& [id, counts] : other) {
    if (!side.count(id)) missing.push_back(id);
  }
  return missing;
}

std::string FirstIds(const std::vector<int64_t>& ids) {
  const size_t shown = std::min<size_t>(ids.size(), 10);
  return fmt::format("{}{}", fmt::join(ids.begin(), ids.begin() + static_cast<long>(shown), ","),
                     ids.size() > shown ? fmt::format(" and {} more", ids.size() - shown) : "");
}

}  // namespace

ScoreResult ScoreCounts(const CountsById& submission, const CountsById& truth) {
  const auto missing_in_submission = MissingFrom(submission, truth);
  const auto missing_in_truth = MissingFrom(truth, submission);
  if (!missing_in_submission.empty()) {
    throw Error(fmt::format("{} photo(s) of the truth are missing from the submission: {}",
                            missing_in_submission.size(), FirstIds(missing_in_submission)));
  }
  if (!missing_in_truth.empty()) {
    throw Error(fmt::format("{} photo(s) of the submission are not in the truth: {}",
                            missing_in_truth.size(), FirstIds(missing_in_truth)));
  }
  if (truth.empty()) throw Error("no photos to score");
  ScoreResult result;
  result.photos = static_cast<int64_t>(truth.size());
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    double squared = 0, signed_sum = 0, true_sum = 0;
    for (const auto& [id, true_counts] : truth) {
      const double error = static_cast<double>(submission.at(id)[c] - true_counts[c]);
      squared += error * error;
      signed_sum += error;
      true_sum += static_cast<double>(true_counts[c]);
    }
    const double n = static_cast<double>(result.photos);
    result.per_class[c] = {std::sqrt(squared / n), signed_sum / n, true_sum / n};
    result.mean_rmse += result.per_class[c].rmse / kNumSeaLionClasses;
  }
  return result;
}

ScoreResult ScoreFiles(const std::filesystem::path& submission,
                       const std::filesystem::path& truth) {
  const CountsById submitted = ReadCountsCsv(submission);
  const CountsById expected = ReadCountsCsv(truth);
  try {
    return ScoreCounts(submitted, expected);
  } catch (const Error& error) {
    // The photos the two files disagree on: say which files.
    throw Error(
        fmt::format("{} scored against {}: {}", submission.string(), truth.string(), error.what()));
  }
}

std::string FormatScoreTable(const ScoreResult& result) {
  std::string table =
      fmt::format("{:<16} {:>10} {:>10} {:>10}\n", "class", "RMSE", "bias", "mean true");
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const auto& s = result.per_class[c];
    table += fmt::format("{:<16} {:>10.3f} {:>+10.3f} {:>10.2f}\n", ClassName(c), s.rmse, s.bias,
                         s.mean_true);
  }
  table += fmt::format("{:<16} {:>10.3f}   (competition score over {} photos)\n", "mean RMSE",
                       result.mean_rmse, result.photos);
  return table;
}

nlohmann::json ScoreToJson(const ScoreResult& result) {
  nlohmann::json classes = nlohmann::json::object();
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const auto& s = result.per_class[c];
    classes[std::string(ClassName(c))] = {
        {"rmse", s.rmse}, {"bias", s.bias}, {"mean_true", s.mean_true}};
  }
  return {{"mean_rmse", result.mean_rmse}, {"photos", result.photos}, {"classes", classes}};
}

namespace {

std::string Cell(double value) {
  return value < 0 ? fmt::format("{:>10}", "-") : fmt::format("{:>10.3f}", value);
}

}  // namespace

MatchTally ScoreDetectionFiles(const std::filesystem::path& detections,
                               const std::filesystem::path& truth_points,
                               const std::set<int64_t>& photo_ids) {
  const auto detected = ReadPointsCsv(detections);
  const auto truth = ReadPointsCsv(truth_points);
  for (const auto& [id, points] : detected) {
    if (!photo_ids.count(id))
      throw Error(
          fmt::format("{}: photo {} is not among the scored photos", detections.string(), id));
  }
  MatchTally tally;
  for (const int64_t id : photo_ids) {
    std::vector<Animal> true_animals;
    if (const auto found = truth.find(id); found != truth.end()) {
      for (const auto& p : found->second) true_animals.push_back({p.x, p.y, p.class_index});
    }
    const auto found = detected.find(id);
    MatchAnimals(found != detected.end() ? found->second : std::vector<DetectedAnimal>{},
                 true_animals, &tally);
  }
  return tally;
}

std::string FormatMatchTable(const MatchTally& tally) {
  std::string table = fmt::format("{:<16} {:>10}{:>10}{:>10}{:>8}{:>8}{:>8}\n", "class",
                                  "precision", "recall", "F1", "hits", "misses", "false");
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    table += fmt::format("{:<16} {}{}{}{:>8}{:>8}{:>8}\n", ClassName(c), Cell(tally.Precision(c)),
                         Cell(tally.Recall(c)), Cell(tally.F1(c)), tally.true_positives[c],
                         tally.false_negatives[c], tally.false_positives[c]);
  }
  table += fmt::format(
      "{:<16} {}{}{}{:>8}{:>8}{:>8}   (points matched within half a body "
      "length)\n",
      "all animals", Cell(tally.AllPrecision()), Cell(tally.AllRecall()), Cell(tally.AllF1()),
      tally.all_true_positives, tally.all_false_negatives, tally.all_false_positives);
  // What each class's animals were found as (class-blind matching): misses of a class that are
  // animals seen as another class need a better classifier, unseen ones a better detector.
  table += fmt::format("\n{:<16}", "true \\ found as");
  for (int c = 0; c < kNumSeaLionClasses; ++c) table += fmt::format("{:>15}", ClassName(c));
  table += fmt::format("{:>15}\n", "not found");
  for (int t = 0; t <= kNumSeaLionClasses; ++t) {
    table += fmt::format("{:<16}", t < kNumSeaLionClasses ? ClassName(t) : "no animal");
    // The last row (false alarms) has no "not found" cell.
    const int columns = t < kNumSeaLionClasses ? kNumSeaLionClasses + 1 : kNumSeaLionClasses;
    for (int c = 0; c < columns; ++c) table += fmt::format("{:>15}", tally.confusion[t][c]);
    table += "\n";
  }
  return table +
         "(class-blind matching, as for all animals: an animal found as another class is "
         "no hit above)\n";
}

nlohmann::json MatchToJson(const MatchTally& tally) {
  nlohmann::json classes = nlohmann::json::object();
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    classes[std::string(ClassName(c))] = {{"precision", tally.Precision(c)},
                                          {"recall", tally.Recall(c)},
                                          {"f1", tally.F1(c)},
                                          {"hits", tally.true_positives[c]},
                                          {"misses", tally.false_negatives[c]},
                                          {"false_alarms", tally.false_positives[c]}};
  }
  nlohmann::json rows = nlohmann::json::array(), labels = nlohmann::json::array();
  for (int c = 0; c < kNumSeaLionClasses; ++c) labels.push_back(ClassName(c));
  for (const auto& row : tally.confusion) rows.push_back(row);
  nlohmann::json true_labels = labels, found_labels = labels;
  true_labels.push_back("no animal");
  found_labels.push_back("not found");
  return {
      {"f1", tally.AllF1()},
      {"precision", tally.AllPrecision()},
      {"recall", tally.AllRecall()},
      {"classes", classes},
      {"confusion", {{"true_classes", true_labels}, {"found_as", found_labels}, {"counts", rows}}}};
}

}  // namespace sealion
