#pragma once
// `sealion count`: counts every photo with the method the model file names (counting_method.h):
// the seed's tile counter or the point counter. The tile counter cuts every photo into
// non-overlapping 64x64 tiles from the top-left corner, classifies each and counts it under its
// argmax class (non_seal is not written). Edge policy: partial tiles at the right and bottom
// edges are not classified, as in the seed (a 5616x3744 photo has 87 x 58 = 5046 tiles; the
// last 48 columns and 32 rows are not looked at). The point counter finds one point per animal
// (nn/point_inference.h) and looks at every pixel.
//
// Streaming: a reader thread decodes the next photo while the network classifies the current
// one; at most two decoded photos (one queued, one in work) are held, however many there are.
// The reader runs at normal priority (at the lowest, beside other work, it starved and the
// network waited for photos). Every finished photo is appended to a journal next to the output
// and flushed; `resume` skips the photos it lists.

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "sealion/distrib/work_sharing.h"

namespace sealion {

struct CountOptions {
  std::vector<std::string> inputs;  // photos, folders of photos, or @list.txt files
  std::filesystem::path model_path;
  std::filesystem::path output;      // submission CSV
  std::filesystem::path detections;  // optional: one row per counted tile
  int threads = 0;                   // LibTorch threads; 0: every core
  int batch_size = 64;               // tiles per forward pass (16-64 ran fastest here)
  float threshold = -1;              // point models: detection threshold; -1: the model's
  double suppression = -1;           // point models: suppression radius / body length; -1: model's
  int views = -1;  // point models: flipped and turned views averaged (1, 2, 4, 8); -1: the model's
  double scale = 1;     // point models: photos resized by this before counting (CountingSettings)
  bool resume = false;  // continue from the journal of an interrupted run
  // Number photos 0, 1, ... in input order, not by name, and write which is which beside the
  // output (PhotoListPath: submission.photos.csv), since the ids no longer name the photos.
  bool ids_from_order = false;

  void Check() const;
};

struct PhotoInput {
  int64_t id = 0;
  std::filesystem::path path;
};

struct CountSummary {
  int photos = 0;          // in the input
  int counted = 0;         // counted in this run
  int resumed = 0;         // taken from the journal
  int failed = 0;          // could not be read; named in the log
  int64_t work_items = 0;  // tiles classified, or animals found, in this run
  std::string work_unit;   // "tiles" or "animals"
  double flops = 0;        // multiply-adds x 2 of the network in this run
  double seconds = 0;
  std::vector<std::string> errors;
};

// Expands folders and @lists; ids from file names (or input order). Throws on a name that is not
// a number (without ids_from_order), on a duplicated id and when there is no photo at all.
std::vector<PhotoInput> ResolveCountInputs(const std::vector<std::string>& inputs,
                                           bool ids_from_order);

// The origins of the tiles of a photo of `size` (the edge policy above).
std::vector<cv::Point> TileOrigins(cv::Size size);

// Under MPI (`sharing` spanning processes) photos are handed out on demand; every process counts
// with its own threads, and the writer alone keeps the journal and writes the outputs, so they
// are the same bytes whatever the number of processes. The others return a summary of nothing.
CountSummary RunCount(const CountOptions& options, WorkSharing& sharing = ProcessWorkSharing());

}  // namespace sealion
