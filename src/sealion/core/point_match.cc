#include "sealion/core/point_match.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

// Greedy matching of `detections` (by falling score) to `truth`.
PointMatching Match(const std::vector<DetectedAnimal>& detections,
                    const std::vector<Animal>& truth) {
  std::vector<size_t> order(detections.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return detections[a].score > detections[b].score; });
  PointMatching matching{std::vector<int>(detections.size(), -1),
                         std::vector<bool>(truth.size(), false)};
  for (const size_t d : order) {
    double best_distance = std::numeric_limits<double>::max();
    size_t best = truth.size();
    for (size_t t = 0; t < truth.size(); ++t) {
      if (matching.truth_found[t]) continue;
      const double dx = detections[d].x - truth[t].x, dy = detections[d].y - truth[t].y;
      const double distance = dx * dx + dy * dy;
      const double tolerance = kBodyLengthPixels[truth[t].class_index] / 2;
      if (distance <= tolerance * tolerance && distance < best_distance) {
        best_distance = distance;
        best = t;
      }
    }
    if (best < truth.size()) {
      matching.truth_found[best] = true;
      matching.truth_of_detection[d] = static_cast<int>(best);
    }
  }
  return matching;
}

int64_t CountMatches(const std::vector<DetectedAnimal>& detections,
                     const std::vector<Animal>& truth) {
  const PointMatching matching = Match(detections, truth);
  return std::count(matching.truth_found.begin(), matching.truth_found.end(), true);
}

double Ratio(int64_t numerator, int64_t denominator) {
  return denominator > 0 ? static_cast<double>(numerator) / static_cast<double>(denominator) : -1;
}

// Undefined (-1) only when there is neither a detection nor a true animal; a side that is
// undefined while the other exists counts as 0 (no detections: nothing found; no truth: all wrong).
double HarmonicMean(double precision, double recall) {
  if (precision < 0 && recall < 0) return -1;
  if (precision < 0 || recall < 0) return 0;
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
}

}  // namespace

double MatchTally::Precision(int c) const {
  return Ratio(true_positives[c], true_positives[c] + false_positives[c]);
}
double MatchTally::Recall(int c) const {
  return Ratio(true_positives[c], true_positives[c] + false_negatives[c]);
}
double MatchTally::F1(int c) const { return HarmonicMean(Precision(c), Recall(c)); }
double MatchTally::AllPrecision() const {
  return Ratio(all_true_positives, all_true_positives + all_false_positives);
}
double MatchTally::AllRecall() const {
  return Ratio(all_true_positives, all_true_positives + all_false_negatives);
}
double MatchTally::AllF1() const { return HarmonicMean(AllPrecision(), AllRecall()); }

void MatchAnimals(const std::vector<DetectedAnimal>& detections, const std::vector<Animal>& truth,
                  MatchTally* tally) {
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    std::vector<DetectedAnimal> class_detections;
    std::vector<Animal> class_truth;
    for (const auto& d : detections) {
      if (d.class_index == c) class_detections.push_back(d);
    }
    for (const auto& t : truth) {
      if (t.class_index == c) class_truth.push_back(t);
    }
    const int64_t matches = CountMatches(class_detections, class_truth);
    tally->true_positives[c] += matches;
    tally->false_positives[c] += static_cast<int64_t>(class_detections.size()) - matches;
    tally->false_negatives[c] += static_cast<int64_t>(class_truth.size()) - matches;
  }
  const PointMatching matching = Match(detections, truth);
  for (size_t d = 0; d < detections.size(); ++d) {
    const int t = matching.truth_of_detection[d];
    const int true_class = t >= 0 ? truth[static_cast<size_t>(t)].class_index : MatchTally::kNone;
    ++tally->confusion[true_class][detections[d].class_index];
  }
  for (size_t t = 0; t < truth.size(); ++t) {
    if (!matching.truth_found[t]) ++tally->confusion[truth[t].class_index][MatchTally::kNone];
  }
  const int64_t matches =
      std::count(matching.truth_found.begin(), matching.truth_found.end(), true);
  tally->all_true_positives += matches;
  tally->all_false_positives += static_cast<int64_t>(detections.size()) - matches;
  tally->all_false_negatives += static_cast<int64_t>(truth.size()) - matches;
}

PointMatching MatchPoints(const std::vector<DetectedAnimal>& detections,
                          const std::vector<Animal>& truth) {
  return Match(detections, truth);
}

std::map<int64_t, std::vector<DetectedAnimal>> ReadPointsCsv(const std::filesystem::path& path) {
  const CsvTable table = ReadCsv(path);
  if (table.header.size() < 4) throw Error(path.string() + ": expected the columns id,class,x,y");
  std::map<int64_t, std::vector<DetectedAnimal>> by_id;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    const auto& cells = table.rows[row];
    const std::string where = fmt::format("{}:{}", path.string(), table.line_numbers.at(row));
    if (cells.size() < 4) throw Error(where + ": expected id,class,x,y");
    DetectedAnimal point;
    point.class_index = WithContext(where, [&] { return ClassIndexFromName(cells[1]); });
    if (point.class_index >= kNumSeaLionClasses) throw Error(where + ": non_seal is not an animal");
    // Whole cells only ("12abc" is an error), and finite: a nan or inf point matches nothing.
    point.x = table.NumberAt(row, 2);
    point.y = table.NumberAt(row, 3);
    point.score = cells.size() > 4 ? static_cast<float>(table.NumberAt(row, 4)) : 1.0f;
    if (!std::isfinite(point.x) || !std::isfinite(point.y) || !std::isfinite(point.score))
      throw Error(where + ": coordinates and score must be finite numbers");
    by_id[table.IntegerAt(row, 0)].push_back(point);
  }
  return by_id;
}

}  // namespace sealion
