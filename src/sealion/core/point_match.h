#pragma once
// Animals as points, and how detected points are judged against true ones.
//
// Matching: detections are taken strongest first; each is matched to the nearest true animal not
// yet matched that lies within half the body length of that animal's class (60, 50, 40, 30 and
// 20 px for adult males ... pups). Per class, detections of the class are matched to true animals
// of the class; for "all animals", classes are ignored.

#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sealion/core/classes.h"

namespace sealion {

// Body length per class in pixels, from the real sample's chips (cut at 120, 100, 80, 60, 40 px
// around adult males, subadult males, adult females, juveniles and pups).
inline constexpr std::array<double, kNumSeaLionClasses> kBodyLengthPixels = {120, 100, 80, 60, 40};

// An animal's position in a photo, in pixels (x right, y down), with its class.
struct Animal {
  double x = 0;
  double y = 0;
  int class_index = 0;
};

// A detected animal: a point, a class and a score in (0, 1).
struct DetectedAnimal {
  double x = 0;
  double y = 0;
  int class_index = 0;
  float score = 0;
};

struct MatchTally {
  std::array<int64_t, kNumSeaLionClasses> true_positives{}, false_positives{}, false_negatives{};
  int64_t all_true_positives = 0, all_false_positives = 0, all_false_negatives = 0;
  // From the class-blind matching: confusion[true class][detected class] counts the true animals
  // found by a detection of that class; column kNumSeaLionClasses the true animals nobody found
  // (misses), row kNumSeaLionClasses the detections that found no animal (false alarms). It says
  // whether a class's misses are animals not seen at all or seen as another class.
  static constexpr int kNone = kNumSeaLionClasses;
  std::array<std::array<int64_t, kNumSeaLionClasses + 1>, kNumSeaLionClasses + 1> confusion{};

  double Precision(int class_index) const;  // -1 for a class with no detections
  double Recall(int class_index) const;     // -1 for a class with no true animals
  double F1(int class_index) const;         // -1 when undefined
  double AllF1() const;                     // over all animals, classes ignored
  double AllPrecision() const;
  double AllRecall() const;
};

// Reads a CSV of points with the columns id,class,x,y and an optional score (coords.csv,
// test_coords.csv, count --detections), grouped by id. The score is 1 where the file has none.
// Throws naming the file and line for a bad row or a class that is not a sea lion class.
std::map<int64_t, std::vector<DetectedAnimal>> ReadPointsCsv(const std::filesystem::path& path);

// Matches one photo's detections to its true animals and adds the outcome to *tally.
void MatchAnimals(const std::vector<DetectedAnimal>& detections, const std::vector<Animal>& truth,
                  MatchTally* tally);

// The class-blind matching of one photo: for each detection, the index of its true animal or -1
// (a false alarm); for each true animal, whether a detection found it (else a miss).
struct PointMatching {
  std::vector<int> truth_of_detection;
  std::vector<bool> truth_found;
};
PointMatching MatchPoints(const std::vector<DetectedAnimal>& detections,
                          const std::vector<Animal>& truth);

}  // namespace sealion
