#pragma once
// `sealion extract`: the dots of every TrainDotted photo of a training folder, as coordinates
// and counts, in the seed's training_metadata.json schema plus coords.csv and counts.csv.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sealion/core/classes.h"
#include "sealion/core/counts_csv.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/extract/dot_detector.h"

namespace sealion {

struct ExtractOptions {
  std::filesystem::path dataset_dir;  // competition layout: TrainDotted/, Train/, ...
  std::filesystem::path output_dir;   // where the three outputs and per-image results go
  std::vector<int64_t> ids;           // photos to process; empty: every TrainDotted photo
  int threads = 0;                    // worker threads; 0: every core
  bool include_mismatched = false;    // process ids on MismatchedTrainImages.txt too
  bool fresh = false;                 // ignore per-image results of an earlier run
  DotDetectorOptions detector;

  void Check() const;
};

struct ImageExtraction {
  int64_t id = 0;
  std::string filename;  // "42.jpg"
  DotDetection detection;
  ClassCounts counts{};
  std::string error;    // non-empty: this photo failed, with the reason
  bool reused = false;  // taken from an earlier run's per-image result
};

struct ExtractReport {
  std::vector<ImageExtraction> images;      // processed (and failed) photos, by id
  std::vector<int64_t> skipped_mismatched;  // ids skipped because they are on the mismatched list
  int failed = 0;                           // photos that could not be processed
  std::optional<CountsById> train_counts;   // the dataset's train.csv, when it has one
};

// Runs the extraction and writes training_metadata.json, coords.csv, counts.csv and
// extract_report.json into options.output_dir (atomically). A photo that fails is reported and
// the others are still processed. No photos to process is an error. Under MPI (`sharing`
// spanning processes) photos are shared out and only the writer writes the outputs and gets a
// full report; the others return an empty one.
ExtractReport RunExtract(const ExtractOptions& options,
                         WorkSharing& sharing = ProcessWorkSharing());

// Per-image table of extracted vs train.csv counts, with totals of exact cells; empty when no
// processed photo is in `truth`.
std::string FormatComparisonTable(const ExtractReport& report, const CountsById& truth);

}  // namespace sealion
