#pragma once
// `sealion report`: one self-contained HTML page (images embedded, charts as inline SVG, no
// JavaScript, no network) that a biologist can review: the RMSE table with bias and a chart of
// predicted vs true totals per class; per photo the predicted vs true counts and an overlay of
// what was counted where, worst photos first; the training curves and confusion matrix; and the
// extraction check on the real sample when it was run; the default model's counts of the real
// plain photos (real-score.txt) when the main job made them.

#include <filesystem>

namespace sealion {

struct ReportOptions {
  std::filesystem::path run_dir;  // the main job's folder (scripts/main-job.sh)
  std::filesystem::path output;   // report.html
  int overlay_width = 900;        // px of each photo overlay
  int max_photos = 24;            // photos shown, worst first

  void Check() const;
};

struct ReportSummary {
  int photos_shown = 0;
  bool has_truth = false, has_training = false, has_real_extract = false, has_real_score = false;
};

ReportSummary RunReport(const ReportOptions& options);

}  // namespace sealion
