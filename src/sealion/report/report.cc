#include "sealion/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <set>

#include "sealion/core/counts_csv.h"
#include "sealion/core/image_io.h"
#include "sealion/report/overlay.h"
#include "sealion/report/svg.h"
#include "sealion/score/score.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

std::string Base64(const std::vector<uint8_t>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t chunk = (bytes[i] << 16) | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                           (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string CountsCells(const ClassCounts& counts) {
  std::string cells;
  for (const auto c : counts) cells += fmt::format("<td>{}</td>", c);
  return cells;
}

std::string ClassHeaderCells() {
  std::string cells;
  for (int c = 0; c < kNumSeaLionClasses; ++c) cells += fmt::format("<th>{}</th>", ClassName(c));
  return cells;
}

std::string ScoreSection(const ScoreResult& score, const CountsById& submission,
                         const CountsById& truth) {
  std::string html =
      "<h2>Counting error (the competition's "
      "metric)</h2><table><tr><th>class</th><th>RMSE</th><th>bias</th><th>mean true</th></tr>";
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const auto& s = score.per_class[c];
    html += fmt::format("<tr><td>{}</td><td>{:.3f}</td><td>{:+.3f}</td><td>{:.2f}</td></tr>",
                        ClassName(c), s.rmse, s.bias, s.mean_true);
  }
  html += fmt::format(
      "<tr class='total'><td>mean RMSE</td><td id='mean-rmse'>{:.3f}</td><td colspan='2'>over {} "
      "photos</td></tr></table>",
      score.mean_rmse, score.photos);
  std::vector<BarGroup> groups;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    double predicted = 0, actual = 0;
    for (const auto& [id, counts] : truth) {
      actual += static_cast<double>(counts[c]);
      predicted += static_cast<double>(submission.at(id)[c]);
    }
    groups.push_back({std::string(ClassName(c)), {predicted, actual}});
  }
  html += SvgBarChart(groups, {"predicted", "true"}, {"#d95f02", "#1b9e77"},
                      "Total animals per class: predicted vs true");
  return html;
}

std::string TrainingSection(const nlohmann::json& training) {
  std::string html = "<h2>Training</h2>";
  html += fmt::format(
      "<p>{} training thumbnails from {} photos; validation on {} thumbnails from {} held-out "
      "photos; "
      "final validation accuracy <b>{:.3f}</b>.</p>",
      training.value("train_samples", 0), training.value("train_photos", 0),
      training.value("validation_samples", 0), training.value("validation_photos", 0),
      training.value("final_validation_accuracy", 0.0));
  LineSeries train_loss{"train loss", "#d95f02", {}},
      validation_loss{"validation loss", "#7570b3", {}};
  LineSeries train_accuracy{"train accuracy", "#d95f02", {}},
      validation_accuracy{"validation accuracy", "#1b9e77", {}};
  for (const auto& epoch : training.value("history", nlohmann::json::array())) {
    train_loss.values.push_back(epoch.at("train_loss"));
    validation_loss.values.push_back(epoch.at("validation_loss"));
    train_accuracy.values.push_back(epoch.at("train_accuracy"));
    validation_accuracy.values.push_back(epoch.at("validation_accuracy"));
  }
  html += SvgLineChart({train_loss, validation_loss}, "Loss per epoch", "epoch");
  html += SvgLineChart({train_accuracy, validation_accuracy}, "Accuracy per epoch", "epoch");
  html +=
      "<h3>Validation confusion matrix (rows: true class, columns: "
      "predicted)</h3><table><tr><th></th>";
  for (const auto name : kClassNames) html += fmt::format("<th>{}</th>", name);
  html += "</tr>";
  const auto confusion = training.value("validation_confusion", nlohmann::json::array());
  for (size_t t = 0; t < confusion.size(); ++t) {
    html += fmt::format("<tr><th>{}</th>", ClassName(static_cast<int>(t)));
    for (size_t p = 0; p < confusion[t].size(); ++p) {
      html += fmt::format("<td{}>{}</td>", t == p ? " class='diagonal'" : "",
                          confusion[t][p].get<int64_t>());
    }
    html += "</tr>";
  }
  return html + "</table>";
}

// Seconds per photo from a `sealion count` output line ("counted 8 photo(s) ... in 5.6 s ..."),
// or -1 when the file is missing or says otherwise (a resumed run, say).
double SecondsPerPhoto(const std::filesystem::path& count_output) {
  if (!std::filesystem::exists(count_output)) return -1;
  int photos = 0, resumed = 0;
  double seconds = 0;
  const std::string text = ReadFileToString(count_output);
  const auto at = text.find("counted ");
  if (at == std::string::npos ||
      std::sscanf(text.c_str() + at, "counted %d photo(s) (%d from the journal", &photos,
                  &resumed) != 2)
    return -1;
  const auto in = text.find(" in ", at);
  if (in == std::string::npos || std::sscanf(text.c_str() + in, " in %lf s", &seconds) != 1)
    return -1;
  return photos - resumed > 0 ? seconds / (photos - resumed) : -1;
}

std::string Number(double value, const char* format) {
  return value < 0 ? std::string("-") : fmt::format(fmt::runtime(format), value);
}

// The two counters side by side on the same photos.
std::string ComparisonSection(const std::filesystem::path& run, const CountsById& truth) {
  struct Counter {
    const char* name;
    std::filesystem::path submission, detections, count_output;
  };
  const Counter counters[] = {
      {"tiles", run / "submission.csv", run / "detections.csv", run / "count.txt"},
      {"points", run / "points-submission.csv", run / "points-detections.csv",
       run / "points-count.txt"}};
  std::set<int64_t> ids;
  for (const auto& [id, counts] : truth) ids.insert(id);
  std::vector<ScoreResult> scores;
  std::vector<std::optional<MatchTally>> tallies;
  std::vector<double> seconds;
  for (const auto& counter : counters) {
    scores.push_back(ScoreCounts(ReadCountsCsv(counter.submission), truth));
    const auto points = run / "survey/test_coords.csv";
    tallies.push_back(std::filesystem::exists(counter.detections) && std::filesystem::exists(points)
                          ? std::optional(ScoreDetectionFiles(counter.detections, points, ids))
                          : std::nullopt);
    seconds.push_back(SecondsPerPhoto(counter.count_output));
  }
  std::string html =
      "<h2>The two counters side by side</h2><p>The seed's tile counter (every 64x64 tile "
      "classified, counted once) and the point counter (one point per animal), on the same "
      "photos. F1: detections matched to true animals within half a body length (a counted "
      "tile's centre for the tile counter).</p><table><tr><th>class</th><th>RMSE tiles</th>"
      "<th>RMSE points</th><th>bias tiles</th><th>bias points</th><th>F1 tiles</th><th>F1 "
      "points</th></tr>";
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    html += fmt::format("<tr><td>{}</td>", ClassName(c));
    for (const auto& score : scores)
      html += fmt::format("<td>{:.3f}</td>", score.per_class[c].rmse);
    for (const auto& score : scores)
      html += fmt::format("<td>{:+.3f}</td>", score.per_class[c].bias);
    for (const auto& tally : tallies)
      html += fmt::format("<td>{}</td>", tally ? Number(tally->F1(c), "{:.3f}") : "-");
    html += "</tr>";
  }
  html += fmt::format(
      "<tr class='total'><td>all</td><td id='rmse-tiles'>{:.3f}</td><td "
      "id='rmse-points'>{:.3f}</td><td colspan='2'>mean RMSE over {} photos</td>",
      scores[0].mean_rmse, scores[1].mean_rmse, scores[0].photos);
  for (const auto& tally : tallies)
    html += fmt::format("<td>{}</td>", tally ? Number(tally->AllF1(), "{:.3f}") : "-");
  html += fmt::format(
      "</tr></table><p>Counting time per photo, decoding included: tiles {} s, points {} s.</p>",
      Number(seconds[0], "{:.2f}"), Number(seconds[1], "{:.2f}"));
  return html;
}

}  // namespace

void ReportOptions::Check() const {
  if (run_dir.empty()) throw Error("report: a run folder is required");
  if (output.empty()) throw Error("report: --output is required");
  if (overlay_width < 64) throw Error("report: --overlay-width must be >= 64");
  if (max_photos < 0) throw Error("report: --max-photos must be >= 0");
}

ReportSummary RunReport(const ReportOptions& options) {
  options.Check();
  const auto& run = options.run_dir;
  const auto submission_path = run / "submission.csv";
  if (!std::filesystem::exists(submission_path)) {
    throw Error(fmt::format(
        "{}: no submission.csv; run the main job (make run) or sealion count first", run.string()));
  }
  const CountsById submission = ReadCountsCsv(submission_path);
  ReportSummary summary;
  CountsById truth;
  if (std::filesystem::exists(run / "survey/test_truth.csv")) {
    truth = ReadCountsCsv(run / "survey/test_truth.csv");
    summary.has_truth = true;
  }
  const auto detections = std::filesystem::exists(run / "detections.csv")
                              ? ReadDetections(run / "detections.csv")
                              : std::map<int64_t, std::vector<Mark>>{};
  const auto true_marks = std::filesystem::exists(run / "survey/test_coords.csv")
                              ? ReadCoords(run / "survey/test_coords.csv")
                              : std::map<int64_t, std::vector<Mark>>{};

  std::string html =
      R"(<!DOCTYPE html><html><head><meta charset="utf-8"><title>sealion report</title><style>
body{font-family:sans-serif;margin:24px;max-width:1000px;color:#222}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}tr.total td{font-weight:bold}
td.diagonal{background:#e6f4ea}.photo{margin:18px 0;border-top:1px solid #ddd;padding-top:8px}img{max-width:100%}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}pre{background:#f8f8f8;padding:8px;overflow-x:auto}
</style></head><body>)";
  html +=
      fmt::format("<h1>sealion report</h1><p>Run folder: <code>{}</code>. {} photos counted.</p>",
                  EscapeHtml(run.string()), submission.size());
  const bool has_points = std::filesystem::exists(run / "points-submission.csv");
  const CountsById point_submission =
      has_points ? ReadCountsCsv(run / "points-submission.csv") : CountsById{};
  const auto point_detections = has_points && std::filesystem::exists(run / "points-detections.csv")
                                    ? ReadDetections(run / "points-detections.csv")
                                    : std::map<int64_t, std::vector<Mark>>{};
  if (summary.has_truth && has_points) html += ComparisonSection(run, truth);
  if (summary.has_truth) {
    if (has_points) html += "<p>Below, the tile counter's figures in detail.</p>";
    html += ScoreSection(ScoreCounts(submission, truth), submission, truth);
  } else {
    html += "<p>No true counts in this run (survey/test_truth.csv): no error figures.</p>";
  }

  // Photos, worst first (by summed squared error over the classes).
  std::vector<std::pair<double, int64_t>> order;
  for (const auto& [id, counts] : submission) {
    double squared = 0;
    if (truth.count(id)) {
      for (int c = 0; c < kNumSeaLionClasses; ++c)
        squared += std::pow(static_cast<double>(counts[c] - truth.at(id)[c]), 2);
    }
    order.emplace_back(-squared, id);
  }
  std::sort(order.begin(), order.end());
  html +=
      "<h2>Photos, worst first (by the tile counter)</h2><p class='legend'>Counted tiles are "
      "outlined in their class's dot colour; true animals are ringed. Point counter: a dot is an "
      "animal found, inside a ring a hit; a cross is a false alarm, a white square a miss.";
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const Rgb& colour = kDotColours[c];
    html += fmt::format("<span style='background:rgb({},{},{})'></span>{}", colour.r, colour.g,
                        colour.b, ClassName(c));
  }
  html += "</p>";
  for (const auto& [negative_error, id] : order) {
    if (summary.photos_shown >= options.max_photos) break;
    html += fmt::format(
        "<div class='photo'><h3>Photo "
        "{}</h3><table><tr><th></th>{}</tr><tr><th>tiles</th>{}</tr>",
        id, ClassHeaderCells(), CountsCells(submission.at(id)));
    if (point_submission.count(id))
      html += fmt::format("<tr><th>points</th>{}</tr>", CountsCells(point_submission.at(id)));
    if (truth.count(id)) html += fmt::format("<tr><th>true</th>{}</tr>", CountsCells(truth.at(id)));
    html += "</table>";
    const auto photo_path = run / "survey/Test" / fmt::format("{}.jpg", id);
    if (std::filesystem::exists(photo_path)) {
      const cv::Mat overlay = DrawOverlay(
          ReadColourImage(photo_path),
          detections.count(id) ? detections.at(id) : std::vector<Mark>{},
          true_marks.count(id) ? true_marks.at(id) : std::vector<Mark>{}, options.overlay_width);
      html += fmt::format(
          "<p>Tile counter:</p><img class='overlay' alt='overlay of photo {}' "
          "src='data:image/jpeg;base64,{}'>",
          id, Base64(EncodeJpeg(overlay, 82)));
      if (has_points) {
        const cv::Mat points_overlay =
            DrawOverlay(ReadColourImage(photo_path),
                        point_detections.count(id) ? point_detections.at(id) : std::vector<Mark>{},
                        true_marks.count(id) ? true_marks.at(id) : std::vector<Mark>{},
                        options.overlay_width, OverlayStyle::kPoints);
        html += fmt::format(
            "<p>Point counter:</p><img class='overlay' alt='point overlay of photo {}' "
            "src='data:image/jpeg;base64,{}'>",
            id, Base64(EncodeJpeg(points_overlay, 82)));
      }
    }
    html += "</div>";
    ++summary.photos_shown;
  }
  const auto real_score = run / "real-score.txt";
  if (std::filesystem::exists(real_score)) {
    html += "<h2>Real photos, counted with the default model (model.bin)</h2><pre>" +
            EscapeHtml(ReadFileToString(real_score)) + "</pre>";
    summary.has_real_score = true;
  }
  const auto training_path = run / "tiles.bin.training.json";
  if (std::filesystem::exists(training_path)) {
    html += TrainingSection(nlohmann::json::parse(ReadFileToString(training_path)));
    summary.has_training = true;
  }
  const auto real_extract = run / "real-extract.txt";
  if (std::filesystem::exists(real_extract)) {
    html += "<h2>Extraction check on the real Kaggle sample</h2><pre>" +
            EscapeHtml(ReadFileToString(real_extract)) + "</pre>";
    summary.has_real_extract = true;
  }
  html += "</body></html>\n";
  WriteFileAtomically(options.output, html);
  return summary;
}

}  // namespace sealion
