#include "sealion/synth/synth.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "sealion/core/classes.h"
#include "sealion/core/counts_csv.h"
#include "sealion/core/image_io.h"
#include "sealion/synth/layout.h"
#include "sealion/synth/render.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"
#include "sealion/util/progress.h"

namespace sealion {
namespace {

enum Split : uint64_t { kTrainSplit = 1, kTestSplit = 2 };

struct PhotoTruth {
  ClassCounts counts{};
  std::string coords;  // CSV rows
  bool masked = false, rotated = false, mismatched = false;
  double real_scenery_share = 0;
};

cv::Size PhotoSize(const SynthOptions& options, Rng& rng) {
  if (options.width > 0) return {options.width, options.height};
  return rng.Chance(0.5) ? cv::Size(5616, 3744) : cv::Size(4992, 3328);
}

std::string CoordRows(int64_t id, const std::vector<PlacedAnimal>& animals) {
  std::string rows;
  for (const auto& animal : animals) {
    rows += fmt::format("{},{},{},{}\n", id, ClassName(animal.class_index),
                        cvRound(animal.centre.x), cvRound(animal.centre.y));
  }
  return rows;
}

std::vector<PlacedAnimal> SampleLayout(const std::optional<ReferenceLayouts>& reference,
                                       cv::Size size, Rng& rng) {
  const std::vector<PlacedAnimal> source =
      reference ? reference->Sample(rng) : SampleModelLayout(rng);
  return FitLayoutToSize(source, size, rng);
}

PhotoTruth MakeTrainPhoto(const SynthOptions& options,
                          const std::optional<ReferenceLayouts>& reference, int64_t id,
                          bool mismatched, const PhotoSources& sources) {
  Rng rng(options.seed, kTrainSplit, static_cast<uint64_t>(id));
  const cv::Size size = PhotoSize(options, rng);
  std::vector<PlacedAnimal> animals = SampleLayout(reference, size, rng);
  const RenderedPhoto rendered = RenderPlainPhoto(size, animals, rng, sources);
  const cv::Mat& plain = rendered.photo;
  PhotoTruth truth;
  truth.real_scenery_share = rendered.real_scenery_share;
  cv::Mat dotted;
  if (mismatched) {
    // The dotted copy of another framing: the plain photo shifted by tens of pixels.
    truth.mismatched = true;
    const cv::Point2f shift(static_cast<float>(rng.Uniform(30, 80)),
                            static_cast<float>(rng.Uniform(30, 80)));
    const cv::Mat move = (cv::Mat_<double>(2, 3) << 1, 0, shift.x, 0, 1, shift.y);
    cv::warpAffine(plain, dotted, move, plain.size(), cv::INTER_NEAREST, cv::BORDER_REFLECT);
    std::vector<PlacedAnimal> moved;
    for (auto animal : animals) {
      animal.centre += shift;
      if (animal.centre.x < size.width - 4 && animal.centre.y < size.height - 4)
        moved.push_back(animal);
    }
    animals = moved;
  } else {
    dotted = plain.clone();
  }
  if (rng.Chance(0.2))
    dotted.convertTo(dotted, CV_8UC3, rng.Uniform(0.96, 1.05), rng.Uniform(-4, 4));  // exposure
  DrawDots(dotted, animals);
  if (rng.Chance(options.masked_share)) {
    truth.masked = true;
    const cv::Mat mask = DrawRandomMasks(dotted, rng);
    std::vector<PlacedAnimal> visible;
    for (const auto& animal : animals) {
      // Animals under a mask are not counted, as in the real train.csv. A dot the mask's edge
      // cuts is masked whole, so that no half dot is left whose count would be ambiguous.
      const cv::Rect dot_box =
          cv::Rect(cvRound(animal.centre.x) - 5, cvRound(animal.centre.y) - 5, 11, 11) &
          cv::Rect(0, 0, size.width, size.height);
      if (cv::countNonZero(mask(dot_box)) == 0) {
        visible.push_back(animal);
      } else {
        dotted(dot_box).setTo(cv::Scalar(0, 0, 0));
      }
    }
    animals = visible;
  }
  if (rng.Chance(options.rotated_share)) {
    truth.rotated = true;
    cv::rotate(dotted, dotted, cv::ROTATE_180);
  }
  for (const auto& animal : animals) ++truth.counts[animal.class_index];
  truth.coords = CoordRows(id, animals);
  WriteImageAtomically(options.output_dir / "Train" / fmt::format("{}.jpg", id), plain,
                       options.jpeg_quality);
  WriteImageAtomically(options.output_dir / "TrainDotted" / fmt::format("{}.jpg", id), dotted,
                       options.jpeg_quality);
  return truth;
}

PhotoTruth MakeTestPhoto(const SynthOptions& options,
                         const std::optional<ReferenceLayouts>& reference, int64_t id,
                         const PhotoSources& sources) {
  Rng rng(options.seed, kTestSplit, static_cast<uint64_t>(id));
  const cv::Size size = PhotoSize(options, rng);
  const std::vector<PlacedAnimal> animals = SampleLayout(reference, size, rng);
  const RenderedPhoto rendered = RenderPlainPhoto(size, animals, rng, sources);
  const cv::Mat& plain = rendered.photo;
  PhotoTruth truth;
  truth.real_scenery_share = rendered.real_scenery_share;
  for (const auto& animal : animals) ++truth.counts[animal.class_index];
  truth.coords = CoordRows(id, animals);
  WriteImageAtomically(options.output_dir / "Test" / fmt::format("{}.jpg", id), plain,
                       options.jpeg_quality);
  return truth;
}

}  // namespace

void SynthOptions::Check() const {
  if (output_dir.empty()) throw Error("synth: --output is required");
  if (train_photos < 0 || test_photos < 0) throw Error("synth: --train and --test must be >= 0");
  if ((width == 0) != (height == 0)) throw Error("synth: give --width and --height together");
  if (width != 0 && (width < 128 || height < 128 || width > 5616 * 2 || height > 3744 * 2)) {
    throw Error("synth: --width/--height must be between 128 and 11232x7488");
  }
  if (threads < 0) throw Error("synth: --threads must be >= 0");
  if (jpeg_quality < 1 || jpeg_quality > 100)
    throw Error("synth: --jpeg-quality must be in [1, 100]");
  if (!scenery.dataset_dir.empty() || !scenery.coords.empty()) scenery.Check();
}

std::filesystem::path FindReferenceCoords() {
  if (const char* sample = std::getenv("SEALION_KAGGLE_SAMPLE_DIR")) {
    if (std::filesystem::exists(std::filesystem::path(sample) / "reference_coords.csv")) {
      return std::filesystem::path(sample) / "reference_coords.csv";
    }
  }
  const std::filesystem::path beside = "../shared/data/kaggle-sample/reference_coords.csv";
  return std::filesystem::exists(beside) ? beside : std::filesystem::path();
}

// A survey folder must start empty, or a smaller survey would mix with the photos of an earlier,
// larger one. With `replace`, what synth writes there is removed first (nothing else).
void PrepareOutputFolder(const SynthOptions& options) {
  const auto& out = options.output_dir;
  if (!std::filesystem::exists(out)) return;
  if (!std::filesystem::is_directory(out))
    throw Error(fmt::format("synth: -o {} exists and is not a folder", out.string()));
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    entries.push_back(entry.path().filename().string());
  }
  if (entries.empty()) return;
  if (!options.replace) {
    std::sort(entries.begin(), entries.end());
    throw Error(fmt::format(
        "synth: -o {} is not empty (it holds {}{}); choose an empty folder, or pass --replace to "
        "remove the survey there first",
        out.string(),
        fmt::join(entries.begin(), entries.begin() + std::min<size_t>(3, entries.size()), ", "),
        entries.size() > 3 ? fmt::format(" and {} more", entries.size() - 3) : ""));
  }
  for (const char* written :
       {"Train", "TrainDotted", "Test", "train.csv", "train_coords.csv", "test_truth.csv",
        "test_coords.csv", "sample_submission.csv", "MismatchedTrainImages.txt"}) {
    std::filesystem::remove_all(out / written);
  }
}

SynthSummary RunSynth(const SynthOptions& options) {
  options.Check();
  PrepareOutputFolder(options);
  SynthSummary summary;
  std::optional<ReferenceLayouts> reference;
  if (!options.reference_coords.empty()) {
    reference = WithContext("reading real layouts",
                            [&] { return ReferenceLayouts::Read(options.reference_coords); });
    summary.used_reference_layouts = true;
    spdlog::info("layouts: {} real photos from {}", reference->size(),
                 options.reference_coords.string());
  } else {
    spdlog::info("layouts: built-in model fitted to the real layouts");
  }
  std::optional<ChipLibrary> chips;
  if (!options.chips_dir.empty()) {
    chips = ChipLibrary::Read(options.chips_dir);
    summary.chips = chips->size();
    spdlog::info("appearance: {} real chips from {}", chips->size(), options.chips_dir.string());
  }
  std::optional<SceneryLibrary> scenery;
  if (!options.scenery.dataset_dir.empty()) {
    scenery.emplace(options.scenery);
    summary.scenery_photos = scenery->size();
    spdlog::info(
        "scenery: {} real photos from {} ({:.0f}% of their area is at least {} px from every dot "
        "of {} and unmasked)",
        scenery->size(), options.scenery.dataset_dir.string(), 100 * scenery->clear_share(),
        options.scenery.clearance, options.scenery.coords.string());
  }
  const PhotoSources sources{chips ? &*chips : nullptr, scenery ? &*scenery : nullptr};
  // Which training ids get a mismatched dotted copy: decided up front, at least one in twenty.
  std::vector<bool> mismatched(static_cast<size_t>(options.train_photos), false);
  Rng choice(options.seed, 3, 0);
  for (auto&& flag : mismatched) flag = choice.Chance(options.mismatched_share);
  if (options.train_photos >= 20 && options.mismatched_share > 0 &&
      std::none_of(mismatched.begin(), mismatched.end(), [](bool b) { return b; })) {
    mismatched[static_cast<size_t>(choice.Integer(0, options.train_photos - 1))] = true;
  }

  const int total = options.train_photos + options.test_photos;
  std::vector<PhotoTruth> truths(static_cast<size_t>(total));
  ProgressReporter progress("synth", "photos", total);
  ParallelFor(total, options.threads, [&](int job) {
    truths[job] = job < options.train_photos
                      ? MakeTrainPhoto(options, reference, job, mismatched[job], sources)
                      : MakeTestPhoto(options, reference, job - options.train_photos, sources);
    progress.Advance();
  });
  progress.Finish();
  summary.seconds = progress.ElapsedSeconds();

  CountsById train_counts, test_counts;
  std::string train_coords = "train_id,class,x,y\n", test_coords = "test_id,class,x,y\n";
  std::string mismatched_list = "train_id\n",
              sample_submission = fmt::format("test_id,{}\n", kCountColumns);
  for (int job = 0; job < total; ++job) {
    const PhotoTruth& truth = truths[job];
    summary.real_scenery_share += truth.real_scenery_share / total;
    int64_t animals = 0;
    for (const auto count : truth.counts) animals += count;
    if (job < options.train_photos) {
      train_counts[job] = truth.counts;
      train_coords += truth.coords;
      summary.train_animals += animals;
      summary.masked += truth.masked;
      summary.rotated += truth.rotated;
      if (truth.mismatched) {
        ++summary.mismatched;
        mismatched_list += fmt::format("{}\n", job);
      }
    } else {
      const int64_t id = job - options.train_photos;
      test_counts[id] = truth.counts;
      test_coords += truth.coords;
      summary.test_animals += animals;
      sample_submission += fmt::format("{},0,0,0,0,0\n", id);
    }
  }
  const auto& out = options.output_dir;
  if (options.train_photos > 0) {
    WriteFileAtomically(out / "train.csv", FormatCountsCsv("train_id", train_counts));
    WriteFileAtomically(out / "train_coords.csv", train_coords);
    WriteFileAtomically(out / "MismatchedTrainImages.txt", mismatched_list);
  }
  if (options.test_photos > 0) {
    WriteFileAtomically(out / "test_truth.csv", FormatCountsCsv("test_id", test_counts));
    WriteFileAtomically(out / "test_coords.csv", test_coords);
    WriteFileAtomically(out / "sample_submission.csv", sample_submission);
  }
  summary.train_photos = options.train_photos;
  summary.test_photos = options.test_photos;
  return summary;
}

}  // namespace sealion
