#pragma once
// `sealion synth`: a synthetic aerial survey with exact ground truth, in the competition's layout
// (Train/, TrainDotted/, train.csv, MismatchedTrainImages.txt, Test/, sample_submission.csv) plus
// the truth the competition kept back (train_coords.csv, test_truth.csv, test_coords.csv).

#include <filesystem>

#include "sealion/synth/scenery.h"

namespace sealion {

struct SynthOptions {
  std::filesystem::path output_dir;
  int train_photos = 10;  // training pairs (Train/ and TrainDotted/)
  int test_photos = 5;    // test photos (Test/)
  uint64_t seed = 1;      // the same seed and inputs give byte-identical files
  int width = 0;          // photo width; 0: 5616 or 4992 at random, as in the real set
  int height = 0;         // photo height; 0: 3744 or 3328 to match
  int threads = 0;        // worker threads; 0: every core
  bool replace = false;   // output_dir may hold an earlier survey, which is removed first
  std::filesystem::path reference_coords;  // real layouts; empty: the built-in model
  std::filesystem::path chips_dir;  // real chips as animal appearance (<class>/*.png); empty: drawn
  SceneryOptions scenery;           // real scenery: its dataset_dir and coords set both or neither;
                                    // neither: drawn scenery
  int jpeg_quality = 90;            // as the originals
  double masked_share = 0.3;        // share of dotted copies with black masks
  double rotated_share = 0.03;      // share of dotted copies turned by 180 degrees
  double mismatched_share = 0.03;   // share of training ids whose dotted copy does not match

  void Check() const;
};

struct SynthSummary {
  int train_photos = 0;
  int test_photos = 0;
  int64_t train_animals = 0;  // dots counted in train.csv (not under masks)
  int64_t test_animals = 0;
  int masked = 0, rotated = 0, mismatched = 0;
  bool used_reference_layouts = false;
  size_t chips = 0;               // real chips used as appearance
  size_t scenery_photos = 0;      // real photos used as scenery
  double real_scenery_share = 0;  // share of the photos' area with real scenery (mean)
  double seconds = 0;
};

SynthSummary RunSynth(const SynthOptions& options);

// reference_coords.csv where it is found: $SEALION_KAGGLE_SAMPLE_DIR, then
// ../shared/data/kaggle-sample relative to the working folder; empty when absent.
std::filesystem::path FindReferenceCoords();

}  // namespace sealion
