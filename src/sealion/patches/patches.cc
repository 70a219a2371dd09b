#include "sealion/patches/patches.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "sealion/core/classes.h"
#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/extract/dedot.h"
#include "sealion/extract/dot_detector.h"
#include "sealion/formats/import.h"
#include "sealion/synth/random.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/json_fields.h"
#include "sealion/util/progress.h"

namespace sealion {
namespace {

constexpr int kPatch = 64;

}  // namespace

std::vector<ImageDots> ReadPatchLabels(const std::filesystem::path& path) {
  // Not extract's training_metadata.json (a JSON list): labels from an annotation tool (a VIAME
  // CSV, a COCO JSON) or a coords CSV, for photos <id>.jpg.
  const std::string contents = ReadFileToString(path);
  const size_t first = contents.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || contents[first] != '[') {
    std::vector<ImageDots> images;
    for (const auto& [id, animals] : ReadLabelledAnimals(path)) {
      ImageDots image;
      image.filename = fmt::format("{}.jpg", id);
      for (const Animal& animal : animals) {
        image.dots.emplace_back(animal.class_index,
                                cv::Point(static_cast<int>(std::lround(animal.x)),
                                          static_cast<int>(std::lround(animal.y))));
      }
      images.push_back(std::move(image));
    }
    return images;
  }
  return WithContext("reading " + path.string(), [&] {
    const nlohmann::json metadata = nlohmann::json::parse(contents);
    std::vector<ImageDots> images;
    for (const auto& entry : metadata) {
      ImageDots image;
      image.filename = entry.at("filename").get<std::string>();
      for (int c = 0; c < kNumSeaLionClasses; ++c) {
        for (const auto& xy : entry.at("sea-lions").at(std::string(ClassName(c)))) {
          image.dots.emplace_back(
              c,
              cv::Point(static_cast<int>(JsonInteger(xy.at(0), image.filename + ": a dot's x")),
                        static_cast<int>(JsonInteger(xy.at(1), image.filename + ": a dot's y"))));
        }
      }
      images.push_back(std::move(image));
    }
    return images;
  });
}

namespace {

// Writes one thumbnail; returns its manifest row.
std::string WritePatch(const cv::Mat& photo, cv::Point centre,
                       const std::filesystem::path& output_dir, const std::string& name,
                       const std::string& image_filename, int class_index, cv::Point dot) {
  const cv::Point origin = PatchOrigin(centre, photo.size());
  WriteImageAtomically(output_dir / name, photo(cv::Rect(origin, cv::Size(kPatch, kPatch))));
  // The dot's place relative to the thumbnail's centre: the -1/0/+1 offset and any border shift.
  return fmt::format("{},{},{},{},{},{},{}\n", name, ClassName(class_index), image_filename, dot.x,
                     dot.y, dot.x - origin.x - kPatch / 2, dot.y - origin.y - kPatch / 2);
}

// The manifest rows of one photo's thumbnails, or nothing when the photo must be skipped.
std::optional<std::string> CutImage(const PatchesOptions& options, const TrainDataset& dataset,
                                    const ImageDots& image,
                                    std::array<int64_t, kNumClasses>& per_class) {
  const int64_t id = PhotoIdFromFileName(image.filename);
  // The plain photo, with the dotted copy (turned to the plain frame) giving the masks. A plain
  // copy that matches the dotted one under no turn, or none at all, leaves the dotted copy with
  // its dots removed (when options.dedot), whose frame the dots are in.
  cv::Mat plain;
  cv::Mat blocked;
  if (dataset.HasPlain(id)) {
    plain = ReadColourImage(dataset.PlainPath(id));
    blocked = cv::Mat(plain.size(), CV_8U, cv::Scalar(0));
    if (std::filesystem::exists(dataset.DottedPath(id))) {
      const cv::Mat dotted = ReadColourImage(dataset.DottedPath(id));
      const RotationEstimate turn = EstimateRotation(dotted, plain);
      if (turn.correlation >= DotDetectorOptions{}.min_plain_correlation) {
        blocked = DetectMask(RotateClockwise(dotted, turn.degrees),
                             DotDetectorOptions{}.mask_threshold, 0);
      } else if (!options.dedot) {
        spdlog::warn(
            "{}: the plain photo does not match the dotted one (correlation {:.2f}); skipped, "
            "its dots would not mark animals in the plain photo",
            image.filename, turn.correlation);
        return std::nullopt;
      } else {
        plain.release();
      }
    }
  }
  if (plain.empty()) {
    const cv::Mat dotted = ReadColourImage(dataset.DottedPath(id));
    blocked = DetectMask(dotted, DotDetectorOptions{}.mask_threshold, 0);
    std::vector<cv::Point2d> centres;
    for (const auto& entry : image.dots) centres.emplace_back(entry.second.x, entry.second.y);
    plain = RemoveDots(dotted, centres);
  }
  if (plain.cols < kPatch || plain.rows < kPatch)
    throw Error(fmt::format("{}: smaller than a thumbnail", image.filename));
  std::string rows;
  std::array<int64_t, kNumClasses> counts{};
  int dot_number = 0;
  for (const auto& [class_index, dot] : image.dots) {
    for (const int offset : {-1, 0, 1}) {
      rows += WritePatch(plain, dot + cv::Point(offset, offset), options.output_dir,
                         PatchFileName(image.filename, class_index, dot_number, offset),
                         image.filename, class_index, dot);
      ++counts[class_index];
    }
    ++dot_number;
  }
  // Background: clear of dots and of the masks.
  const int clearance = options.background_clearance;
  for (const auto& entry : image.dots) {
    const cv::Point& dot = entry.second;
    cv::rectangle(blocked,
                  cv::Rect(dot.x - kPatch / 2 - clearance, dot.y - kPatch / 2 - clearance,
                           kPatch + 2 * clearance, kPatch + 2 * clearance),
                  cv::Scalar(255), -1);
  }
  cv::Mat blocked_integral;
  cv::integral(blocked, blocked_integral, CV_32S);
  const int wanted = options.negatives_per_image >= 0
                         ? options.negatives_per_image
                         : std::max<int>(30, 3 * static_cast<int>(image.dots.size()));
  Rng rng(options.seed, 4, static_cast<uint64_t>(id));
  int made = 0;
  for (int attempt = 0; made < wanted && attempt < wanted * 50; ++attempt) {
    const cv::Point origin(static_cast<int>(rng.Integer(0, plain.cols - kPatch)),
                           static_cast<int>(rng.Integer(0, plain.rows - kPatch)));
    const int sum = blocked_integral.at<int>(origin.y + kPatch, origin.x + kPatch) -
                    blocked_integral.at<int>(origin.y, origin.x + kPatch) -
                    blocked_integral.at<int>(origin.y + kPatch, origin.x) +
                    blocked_integral.at<int>(origin.y, origin.x);
    if (sum != 0) continue;
    const cv::Point centre = origin + cv::Point(kPatch / 2, kPatch / 2);
    rows += WritePatch(plain, centre, options.output_dir,
                       PatchFileName(image.filename, kNonSeal, made, 0), image.filename, kNonSeal,
                       centre);
    ++counts[kNonSeal];
    ++made;
  }
  if (made < wanted)
    spdlog::warn("{}: only {} of {} background thumbnails fit clear of dots and masks",
                 image.filename, made, wanted);
  per_class = counts;
  return rows;
}

// Real chips (chips/<class>/<name>.png): cut 64x64 around the centre, or padded by reflection
// when smaller (pups are 40 px), so that the animal keeps its real scale.
std::string CutChips(const PatchesOptions& options, std::array<int64_t, kNumClasses>& per_class) {
  std::string rows;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const auto folder = options.chips_dir / std::string(ClassName(c));
    if (!std::filesystem::is_directory(folder)) continue;
    for (const auto& path : ListPhotos(folder)) {
      cv::Mat chip = ReadColourImage(path);
      if (chip.cols < kPatch || chip.rows < kPatch) {
        const int pad_x = std::max(0, kPatch - chip.cols), pad_y = std::max(0, kPatch - chip.rows);
        cv::copyMakeBorder(chip, chip, pad_y / 2, pad_y - pad_y / 2, pad_x / 2, pad_x - pad_x / 2,
                           cv::BORDER_REFLECT_101);
      }
      const cv::Point centre(chip.cols / 2, chip.rows / 2);
      const std::string name = "chip_" + path.stem().string() + ".png";
      rows += WritePatch(chip, centre, options.output_dir, name, "chip:" + path.filename().string(),
                         c, centre);
      ++per_class[c];
    }
  }
  return rows;
}

}  // namespace

cv::Point PatchOrigin(cv::Point centre, cv::Size size) {
  return {std::clamp(centre.x - kPatch / 2, 0, size.width - kPatch),
          std::clamp(centre.y - kPatch / 2, 0, size.height - kPatch)};
}

std::string PatchFileName(const std::string& image_filename, int class_index, int thumbnail,
                          int offset) {
  return fmt::format("img_{}-{}-{}-{}.png", image_filename, ClassName(class_index), thumbnail,
                     offset);
}

void PatchesOptions::Check() const {
  if (dataset_dir.empty()) throw Error("patches: a dataset folder is required");
  if (metadata.empty()) throw Error("patches: --metadata is required");
  if (output_dir.empty()) throw Error("patches: --output is required");
  if (negatives_per_image < -1)
    throw Error("patches: --negatives-per-image must be >= 0 (or -1 for auto)");
  if (background_clearance < 0) throw Error("patches: --background-clearance must be >= 0");
  if (threads < 0) throw Error("patches: --threads must be >= 0");
}

PatchesSummary RunPatches(const PatchesOptions& options, WorkSharing& sharing) {
  options.Check();
  const TrainDataset dataset = TrainDataset::Open(options.dataset_dir);
  std::vector<ImageDots> images = ReadPatchLabels(options.metadata);
  PatchesSummary summary;
  std::vector<ImageDots> usable;
  for (auto& image : images) {
    const int64_t id = WithContext("metadata " + options.metadata.string(),
                                   [&] { return PhotoIdFromFileName(image.filename); });
    if (dataset.HasPlain(id) || options.dedot) {
      usable.push_back(std::move(image));
    } else {
      // Thumbnails from a dotted photo would teach the network the dot colours.
      spdlog::warn("{}: no plain photo in Train/, skipped (its dots would be in the thumbnails)",
                   image.filename);
      ++summary.skipped_without_plain;
    }
  }
  std::filesystem::create_directories(options.output_dir);
  // Each process writes the thumbnails of the photos it takes (into the shared output folder)
  // and sends the writer their manifest rows, thumbnail counts, or error.
  std::vector<nlohmann::json> results(usable.size());
  std::string inputs_description = options.dataset_dir.string() + "|" + options.metadata.string();
  for (const auto& image : usable) inputs_description += "," + image.filename;
  ProgressReporter progress("patches", "images", static_cast<int64_t>(usable.size()));
  ShareWork(
      sharing, ItemRange(static_cast<int64_t>(usable.size())), inputs_description, options.threads,
      [&](int64_t item) {
        nlohmann::json result = {{"rows", nullptr}, {"error", ""}};
        try {
          std::array<int64_t, kNumClasses> per_class{};
          if (const auto rows = CutImage(options, dataset, usable[item], per_class)) {
            result["rows"] = *rows;
            result["per_class"] = per_class;
          }
        } catch (const std::exception& error) {
          result["error"] = fmt::format("cutting {}: {}{}", usable[item].filename, error.what(),
                                        sharing.Ranks() > 1 ? " (" + sharing.Where() + ")" : "");
        }
        return result.dump();
      },
      [&](int64_t item, const std::string& result) {
        results.at(item) = nlohmann::json::parse(result);
        progress.Advance();
      });
  progress.Finish();
  if (!sharing.IsWriter()) return summary;
  // A photo that fails is reported; the manifest still lists every photo that was cut.
  std::string manifest = "file,class,source_image,dot_x,dot_y,dot_offset_x,dot_offset_y\n";
  for (const auto& result : results) {
    if (const std::string error = result.at("error"); !error.empty()) {
      spdlog::error("{}", error);
      summary.errors.push_back(error);
    } else if (result.at("rows").is_null()) {
      ++summary.skipped_mismatched;
    } else {
      manifest += result.at("rows").get<std::string>();
      const auto per_class = result.at("per_class").get<std::array<int64_t, kNumClasses>>();
      for (size_t c = 0; c < per_class.size(); ++c) summary.per_class[c] += per_class[c];
      ++summary.images;
    }
  }
  if (!options.chips_dir.empty()) manifest += CutChips(options, summary.per_class);
  WriteFileAtomically(options.output_dir / "manifest.csv", manifest);
  return summary;
}

}  // namespace sealion
