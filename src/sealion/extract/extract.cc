#include "sealion/extract/extract.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/json_fields.h"
#include "sealion/util/progress.h"

namespace sealion {
namespace {

using nlohmann::json;

// What a per-image result depends on: the input files and the detector's settings. A result
// whose fingerprint differs is recomputed.
std::string Fingerprint(const TrainDataset& dataset, int64_t id,
                        const DotDetectorOptions& detector) {
  auto file_stamp = [](const std::filesystem::path& path) -> std::string {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) return "absent";
    const auto time = std::filesystem::last_write_time(path, error).time_since_epoch().count();
    return fmt::format("{}@{}", size, time);
  };
  return fmt::format("v2|{}|{}|{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                     file_stamp(dataset.DottedPath(id)), file_stamp(dataset.PlainPath(id)),
                     detector.mask_threshold, detector.mask_margin, detector.difference_threshold,
                     detector.log_sigma, detector.min_dot_separation, detector.min_dot_pixels,
                     detector.max_blob_extent, detector.colour_tolerance,
                     detector.dotted_only_tolerance, detector.dotted_only_brown_tolerance,
                     detector.min_plain_correlation, detector.min_colour_support,
                     detector.max_alignment_shift, detector.max_rejected_blobs);
}

json ToJson(const ImageExtraction& image, const std::string& fingerprint) {
  json dots = json::array();
  for (const auto& dot : image.detection.dots) dots.push_back({dot.class_index, dot.x, dot.y});
  return {{"fingerprint", fingerprint},
          {"filename", image.filename},
          {"rotation_degrees", image.detection.rotation_degrees},
          {"shift", {image.detection.shift.x, image.detection.shift.y}},
          {"plain_difference_unclean", image.detection.plain_difference_unclean},
          {"used_plain", image.detection.used_plain},
          {"plain_correlation", image.detection.plain_correlation},
          {"masked_fraction", image.detection.masked_fraction},
          {"rejected_blobs", image.detection.rejected_blobs},
          {"dots", dots}};
}

DotDetection DetectionFromJson(const json& saved) {
  DotDetection detection;
  detection.rotation_degrees = saved.at("rotation_degrees");
  detection.shift = cv::Point(static_cast<int>(JsonInteger(saved.at("shift").at(0), "shift")),
                              static_cast<int>(JsonInteger(saved.at("shift").at(1), "shift")));
  detection.plain_difference_unclean = saved.at("plain_difference_unclean");
  detection.used_plain = saved.at("used_plain");
  detection.plain_correlation = saved.at("plain_correlation");
  detection.masked_fraction = saved.at("masked_fraction");
  detection.rejected_blobs = saved.at("rejected_blobs");
  for (const auto& dot : saved.at("dots")) {
    detection.dots.push_back(
        {static_cast<int>(JsonInteger(dot.at(0), "a dot's class", 0, kNumSeaLionClasses - 1)),
         static_cast<int>(JsonInteger(dot.at(1), "a dot's x")),
         static_cast<int>(JsonInteger(dot.at(2), "a dot's y"))});
  }
  return detection;
}

bool TryReuse(const std::filesystem::path& path, const std::string& fingerprint,
              ImageExtraction* image) {
  try {
    if (!std::filesystem::exists(path)) return false;
    const json saved = json::parse(ReadFileToString(path));
    if (saved.at("fingerprint") != fingerprint) return false;
    image->detection = DetectionFromJson(saved);
    return true;
  } catch (const std::exception& error) {
    spdlog::warn("{}: unreadable earlier result, recomputing ({})", path.string(), error.what());
    image->detection = {};
    return false;
  }
}

// One photo's result as it travels from the process that extracted it to the writer.
std::string SerializeExtraction(const ImageExtraction& image) {
  json message = ToJson(image, "");
  message["id"] = image.id;
  message["error"] = image.error;
  message["reused"] = image.reused;
  return message.dump();
}

ImageExtraction DeserializeExtraction(const std::string& text) {
  const json message = json::parse(text);
  ImageExtraction image;
  image.id = message.at("id");
  image.filename = message.at("filename");
  image.error = message.at("error");
  image.reused = message.at("reused");
  image.detection = DetectionFromJson(message);
  for (const auto& dot : image.detection.dots) ++image.counts[dot.class_index];
  return image;
}

ImageExtraction ExtractOne(const TrainDataset& dataset, int64_t id, const ExtractOptions& options) {
  ImageExtraction image;
  image.id = id;
  image.filename = fmt::format("{}.jpg", id);
  const std::filesystem::path result_path =
      options.output_dir / "per_image" / fmt::format("{}.json", id);
  const std::string fingerprint = Fingerprint(dataset, id, options.detector);
  try {
    if (!options.fresh && TryReuse(result_path, fingerprint, &image)) {
      image.reused = true;
    } else {
      const cv::Mat dotted = ReadColourImage(dataset.DottedPath(id));
      const cv::Mat plain =
          dataset.HasPlain(id) ? ReadColourImage(dataset.PlainPath(id)) : cv::Mat();
      image.detection =
          WithContext(fmt::format("detecting dots of {}", dataset.DottedPath(id).string()),
                      [&] { return DetectDots(dotted, plain, options.detector); });
      const DotDetection& found = image.detection;
      const std::string dotted_name = dataset.DottedPath(id).string();
      if (!plain.empty() && found.plain_difference_unclean) {
        spdlog::warn(
            "{}: the plain photo matches but does not line up pixel for pixel; dots found "
            "by colour alone",
            dotted_name);
      } else if (!plain.empty() && !found.used_plain) {
        spdlog::warn(
            "{}: the plain photo does not match the dotted one under any turn "
            "(correlation {:.2f}); dots found by colour alone",
            dotted_name, found.plain_correlation);
      }
      if (found.rotation_degrees != 0 || found.shift != cv::Point(0, 0)) {
        spdlog::info(
            "{}: dotted copy turned {} degrees and moved by ({}, {}) px against the plain "
            "photo; coordinates are the plain photo's",
            dotted_name, found.rotation_degrees, found.shift.x, found.shift.y);
      }
      WriteFileAtomically(result_path, ToJson(image, fingerprint).dump());
    }
  } catch (const std::exception& error) {
    image.error = error.what();
    image.detection = {};
  }
  for (const auto& dot : image.detection.dots) ++image.counts[dot.class_index];
  return image;
}

void WriteOutputs(const ExtractReport& report, const ExtractOptions& options) {
  json metadata = json::array();
  std::string coords = "train_id,class,x,y\n";
  CountsById counts;
  json per_image = json::array();
  for (const auto& image : report.images) {
    if (!image.error.empty()) {
      per_image.push_back({{"train_id", image.id}, {"error", image.error}});
      continue;
    }
    json sea_lions = json::object();
    for (int c = 0; c < kNumSeaLionClasses; ++c)
      sea_lions[std::string(ClassName(c))] = json::array();
    for (const auto& dot : image.detection.dots) {
      sea_lions[std::string(ClassName(dot.class_index))].push_back({dot.x, dot.y});
      coords += fmt::format("{},{},{},{}\n", image.id, ClassName(dot.class_index), dot.x, dot.y);
    }
    metadata.push_back({{"sea-lions", sea_lions}, {"filename", image.filename}});
    counts[image.id] = image.counts;
    per_image.push_back({{"train_id", image.id},
                         {"used_plain", image.detection.used_plain},
                         {"rotation_degrees", image.detection.rotation_degrees},
                         {"shift", {image.detection.shift.x, image.detection.shift.y}},
                         {"plain_difference_unclean", image.detection.plain_difference_unclean},
                         {"plain_correlation", image.detection.plain_correlation},
                         {"masked_fraction", image.detection.masked_fraction},
                         {"rejected_blobs", image.detection.rejected_blobs},
                         {"counts", image.counts}});
  }
  WriteFileAtomically(options.output_dir / "training_metadata.json", metadata.dump(1));
  WriteFileAtomically(options.output_dir / "coords.csv", coords);
  WriteFileAtomically(options.output_dir / "counts.csv", FormatCountsCsv("train_id", counts));
  const json summary = {{"dataset", options.dataset_dir.string()},
                        {"skipped_mismatched", report.skipped_mismatched},
                        {"failed", report.failed},
                        {"images", per_image}};
  WriteFileAtomically(options.output_dir / "extract_report.json", summary.dump(1));
}

}  // namespace

void ExtractOptions::Check() const {
  if (dataset_dir.empty()) throw Error("extract: a dataset folder is required");
  if (output_dir.empty()) throw Error("extract: --output is required");
  if (threads < 0) throw Error("extract: --threads must be >= 0");
  detector.Check();
}

ExtractReport RunExtract(const ExtractOptions& options, WorkSharing& sharing) {
  options.Check();
  const TrainDataset dataset = TrainDataset::Open(options.dataset_dir);
  std::vector<int64_t> ids = options.ids.empty() ? dataset.dotted_ids : options.ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  ExtractReport report;
  report.train_counts = dataset.train_counts;
  std::vector<int64_t> to_process;
  for (const int64_t id : ids) {
    if (!options.include_mismatched && dataset.mismatched_ids.count(id)) {
      report.skipped_mismatched.push_back(id);
    } else {
      to_process.push_back(id);
    }
  }
  if (!report.skipped_mismatched.empty()) {
    spdlog::info(
        "skipping {} photo(s) listed in MismatchedTrainImages.txt: {} (--include-mismatched "
        "to process them)",
        report.skipped_mismatched.size(), fmt::join(report.skipped_mismatched, ","));
  }

  if (to_process.empty()) {
    throw Error(fmt::format(
        "extract: no photos to process in {}{}", options.dataset_dir.string(),
        report.skipped_mismatched.empty()
            ? " (no TrainDotted/<id>.jpg, or none of --ids)"
            : " (every one is listed as mismatched; --include-mismatched processes them)"));
  }

  // Items are indices into to_process, which every process of an MPI job derives alike.
  std::string inputs_description = options.dataset_dir.string();
  for (const int64_t id : to_process) inputs_description += fmt::format(",{}", id);
  report.images.resize(to_process.size());
  ProgressReporter progress("extract", "images", static_cast<int64_t>(to_process.size()));
  // Each photo is worked on by one thread; OpenCV's own threads would compete with them.
  ShareWork(
      sharing, ItemRange(static_cast<int64_t>(to_process.size())), inputs_description,
      options.threads,
      [&](int64_t item) {
        ImageExtraction image = ExtractOne(dataset, to_process[item], options);
        if (!image.error.empty() && sharing.Ranks() > 1)
          image.error += fmt::format(" ({})", sharing.Where());
        return SerializeExtraction(image);
      },
      [&](int64_t item, const std::string& result) {
        report.images.at(item) = DeserializeExtraction(result);
        progress.Advance();
      });
  progress.Finish();
  if (!sharing.IsWriter()) return {};
  for (const auto& image : report.images) {
    if (image.error.empty()) continue;
    ++report.failed;
    spdlog::error("{}", image.error);
  }
  WriteOutputs(report, options);
  return report;
}

std::string FormatComparisonTable(const ExtractReport& report, const CountsById& truth) {
  std::string table =
      fmt::format("{:>8}  {:>5}  {:>15}  {:>15}  {:>15}  {:>15}  {:>15}  {}\n", "train_id", "plain",
                  "adult_males", "subadult_males", "adult_females", "juveniles", "pups", "exact");
  int compared = 0, exact_images = 0, exact_cells = 0;
  for (const auto& image : report.images) {
    const auto found = truth.find(image.id);
    if (!image.error.empty() || found == truth.end()) continue;
    ++compared;
    int exact_here = 0;
    std::string row =
        fmt::format("{:>8}  {:>5}", image.id, image.detection.used_plain ? "yes" : "no");
    for (int c = 0; c < kNumSeaLionClasses; ++c) {
      const bool exact = image.counts[c] == found->second[c];
      exact_here += exact;
      row += fmt::format(
          "  {:>15}", fmt::format("{}/{}{}", image.counts[c], found->second[c], exact ? "" : " *"));
    }
    exact_cells += exact_here;
    exact_images += exact_here == kNumSeaLionClasses;
    table += row + fmt::format("  {}\n", exact_here == kNumSeaLionClasses ? "yes" : "no");
  }
  if (compared == 0) return "";
  table +=
      fmt::format("extracted/train.csv per class (* differs); exact: {}/{} images, {}/{} cells\n",
                  exact_images, compared, exact_cells, compared * kNumSeaLionClasses);
  return table;
}

}  // namespace sealion
