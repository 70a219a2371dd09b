#include "sealion/core/point_match.h"

#include <algorithm>
#include <limits>

namespace sealion {
namespace {

// Greedy matching of `detections` (by falling score) to `truth`; returns true positives.
int64_t CountMatches(std::vector<DetectedAnimal> detections, const std::vector<Animal>& truth) {
  std::stable_sort(
      detections.begin(), detections.end(),
      [](const DetectedAnimal& a, const DetectedAnimal& b) { return a.score > b.score; });
  std::vector<bool> taken(truth.size(), false);
  int64_t matches = 0;
  for (const auto& detection : detections) {
    double best_distance = std::numeric_limits<double>::max();
    size_t best = truth.size();
    for (size_t t = 0; t < truth.size(); ++t) {
      if (taken[t]) continue;
      const double dx = detection.x - truth[t].x, dy = detection.y - truth[t].y;
      const double distance = dx * dx + dy * dy;
      const double tolerance = kBodyLengthPixels[truth[t].class_index] / 2;
      if (distance <= tolerance * tolerance && distance < best_distance) {
        best_distance = distance;
        best = t;
      }
    }
    if (best < truth.size()) {
      taken[best] = true;
      ++matches;
    }
  }
  return matches;
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
  const int64_t matches = CountMatches(detections, truth);
  tally->all_true_positives += matches;
  tally->all_false_positives += static_cast<int64_t>(detections.size()) - matches;
  tally->all_false_negatives += static_cast<int64_t>(truth.size()) - matches;
}

}  // namespace sealion
