#include "sealion/nn/point_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>
#include <random>

#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/extract/dedot.h"
#include "sealion/extract/dot_detector.h"
#include "sealion/formats/import.h"
#include "sealion/nn/point_net.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"

namespace sealion {
namespace {

constexpr int kStride = kPointNetStride;

// Cells of a photo whose pixels are mostly outside the masks.
cv::Mat ValidCells(const cv::Mat& mask, cv::Size photo_size) {
  const cv::Size cells((photo_size.width + kStride - 1) / kStride,
                       (photo_size.height + kStride - 1) / kStride);
  cv::Mat masked_share;
  cv::resize(mask, masked_share, cells, 0, 0, cv::INTER_AREA);
  cv::Mat valid;
  cv::compare(masked_share, 128, valid, cv::CMP_LT);
  return valid;
}

}  // namespace

namespace {

// A folder of plain photos named <id>.jpg (.jpeg, .png), labelled by an annotation file (e.g.
// animals corrected in DIVE): no dotted copies, so no masks; every cell carries labels.
std::vector<LabelledPhoto> LoadPlainLabelledPhotos(
    const std::filesystem::path& folder,
    const std::map<int64_t, std::vector<Animal>>& animals_by_id,
    std::vector<std::string>* skipped) {
  std::map<int64_t, std::filesystem::path> photo_of_id;
  for (const auto& path : ListPhotos(folder)) {
    try {
      photo_of_id[PhotoIdFromFileName(path)] = path;
    } catch (const Error&) {
      // Not a photo id: a photo the labels cannot name; ignored.
    }
  }
  std::vector<LabelledPhoto> photos;
  for (const auto& [id, animals] : animals_by_id) {
    const auto found = photo_of_id.find(id);
    if (found == photo_of_id.end()) {
      skipped->push_back(
          fmt::format("{}: labelled, but {} has no photo {}.jpg (or .jpeg, .png); "
                      "not used",
                      id, folder.string(), id));
      continue;
    }
    LabelledPhoto photo;
    photo.id = id;
    photo.animals = animals;
    photo.image_path = found->second;
    try {
      photo.size = ReadImageSize(photo.image_path);
    } catch (const std::exception& error) {
      skipped->push_back(error.what());
      continue;
    }
    photo.valid_cells = cv::Mat((photo.size.height + kStride - 1) / kStride,
                                (photo.size.width + kStride - 1) / kStride, CV_8U, cv::Scalar(255));
    photos.push_back(std::move(photo));
  }
  return photos;
}

}  // namespace

std::vector<LabelledPhoto> LoadLabelledPhotos(const std::filesystem::path& dataset_dir,
                                              const std::filesystem::path& coords_csv,
                                              bool use_dotted_only, int threads,
                                              std::vector<std::string>* skipped,
                                              bool dotted_copies_too) {
  const std::map<int64_t, std::vector<Animal>> labelled = ReadLabelledAnimals(coords_csv);
  if (std::filesystem::is_directory(dataset_dir) &&
      !std::filesystem::exists(dataset_dir / "TrainDotted")) {
    const bool has_train = std::filesystem::is_directory(dataset_dir / "Train");
    return LoadPlainLabelledPhotos(has_train ? dataset_dir / "Train" : dataset_dir, labelled,
                                   skipped);
  }
  const TrainDataset dataset = TrainDataset::Open(dataset_dir);
  std::map<int64_t, std::vector<Animal>> animals_by_id = labelled;
  // Photos extract processed and found empty are labelled too: all background.
  const auto counts_csv = coords_csv.parent_path() / "counts.csv";
  if (coords_csv.extension() == ".csv" && std::filesystem::exists(counts_csv)) {
    for (const auto& [id, counts] : ReadCountsCsv(counts_csv)) animals_by_id[id];
  }
  std::vector<LabelledPhoto> photos;
  for (const auto& [id, animals] : animals_by_id) {
    LabelledPhoto photo;
    photo.id = id;
    photo.animals = animals;
    photo.image_path = dataset.HasPlain(id) ? dataset.PlainPath(id) : dataset.DottedPath(id);
    photo.dedot = !dataset.HasPlain(id);
    if (!std::filesystem::exists(photo.image_path)) {
      skipped->push_back(fmt::format("{}: neither a plain nor a dotted photo; not used", id));
      continue;
    }
    photos.push_back(std::move(photo));
  }
  std::vector<std::string> problems(photos.size());
  std::vector<int> turns(photos.size(), 0);  // the dotted copy against the plain one, degrees
  ParallelFor(static_cast<int>(photos.size()), threads, [&](int i) {
    LabelledPhoto& photo = photos[static_cast<size_t>(i)];
    try {
      const cv::Mat dotted = ReadColourImage(dataset.DottedPath(photo.id));
      int turn_degrees = 0;
      if (!photo.dedot) {
        const cv::Mat plain = ReadColourImage(photo.image_path);
        const RotationEstimate turn = EstimateRotation(dotted, plain);
        if (turn.correlation < DotDetectorOptions{}.min_plain_correlation) {
          // The dots are not in the plain photo's frame: only the dotted copy is sound.
          photo.image_path = dataset.DottedPath(photo.id);
          photo.dedot = true;
        } else {
          turn_degrees = turn.degrees;
          turns[static_cast<size_t>(i)] = turn_degrees;
        }
      }
      if (photo.dedot && !use_dotted_only) {
        problems[static_cast<size_t>(i)] = fmt::format(
            "{}: no plain photo that matches its dotted copy; not used (dot removal "
            "is off)",
            photo.id);
        return;
      }
      const cv::Mat mask =
          DetectMask(RotateClockwise(dotted, turn_degrees), DotDetectorOptions{}.mask_threshold, 0);
      photo.size = mask.size();
      photo.valid_cells = ValidCells(mask, photo.size);
    } catch (const std::exception& error) {
      problems[static_cast<size_t>(i)] = error.what();
    }
  });
  std::vector<LabelledPhoto> usable;
  for (size_t i = 0; i < photos.size(); ++i) {
    if (problems[i].empty()) {
      usable.push_back(std::move(photos[i]));
      const LabelledPhoto& photo = usable.back();
      if (!dotted_copies_too || photo.dedot) continue;
      if (turns[i] != 0) {
        skipped->push_back(fmt::format(
            "{}: its dotted copy is turned by {} degrees; trained on the plain copy alone",
            photo.id, turns[i]));
        continue;
      }
      LabelledPhoto dotted_copy = photo;
      dotted_copy.image_path = dataset.DottedPath(photo.id);
      dotted_copy.dedot = true;
      usable.push_back(std::move(dotted_copy));
    } else {
      skipped->push_back(problems[i]);
    }
  }
  return usable;
}

namespace {

// Whether (x, y) lies in the photo and outside its black-masked cells.
bool InsideAndUnmasked(const LabelledPhoto& photo, double x, double y) {
  if (x < 0 || y < 0 || x >= photo.size.width || y >= photo.size.height) return false;
  return photo.valid_cells.empty() ||
         photo.valid_cells.at<uint8_t>(static_cast<int>(y) / kStride,
                                       static_cast<int>(x) / kStride) != 0;
}

}  // namespace

int64_t AttachHardNegatives(std::vector<LabelledPhoto>& photos,
                            const std::filesystem::path& detections_csv) {
  const auto detections = ReadPointsCsv(detections_csv);
  int64_t attached = 0;
  for (LabelledPhoto& photo : photos) {
    const auto found = detections.find(photo.id);
    if (found == detections.end()) continue;
    for (const DetectedAnimal& detection : found->second) {
      if (!InsideAndUnmasked(photo, detection.x, detection.y)) continue;
      const bool near_an_animal =
          std::any_of(photo.animals.begin(), photo.animals.end(), [&](const Animal& animal) {
            return std::hypot(animal.x - detection.x, animal.y - detection.y) <=
                   0.5 * kBodyLengthPixels[static_cast<size_t>(animal.class_index)];
          });
      if (near_an_animal) continue;
      photo.hard_negatives.emplace_back(detection.x, detection.y);
      ++attached;
    }
  }
  return attached;
}

std::vector<cv::Point2d> ChooseDecoyRepairs(const LabelledPhoto& photo, double per_animal,
                                            uint64_t seed) {
  std::vector<cv::Point2d> decoys;
  if (per_animal <= 0 || photo.size.area() == 0) return decoys;
  const size_t wanted = std::max<size_t>(
      20, static_cast<size_t>(std::lround(per_animal * static_cast<double>(photo.animals.size()))));
  std::mt19937_64 rng(seed ^ (static_cast<uint64_t>(photo.id) * 0x9E3779B97F4A7C15ULL));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto acceptable = [&](double x, double y) {
    if (!InsideAndUnmasked(photo, x, y)) return false;
    for (const Animal& animal : photo.animals) {
      const double keep_away = 0.6 * kBodyLengthPixels[static_cast<size_t>(animal.class_index)];
      if (std::hypot(animal.x - x, animal.y - y) < keep_away) return false;
    }
    return true;
  };
  // Tries are bounded: a photo packed with animals may hold fewer decoys than wanted.
  for (size_t tries = 0; decoys.size() < wanted && tries < 20 * wanted; ++tries) {
    double x, y;
    if (!photo.animals.empty() && unit(rng) < 2.0 / 3.0) {
      const Animal& animal = photo.animals[rng() % photo.animals.size()];
      const double distance =
          (0.75 + 1.75 * unit(rng)) * kBodyLengthPixels[static_cast<size_t>(animal.class_index)];
      const double angle = 2 * M_PI * unit(rng);
      x = animal.x + distance * std::cos(angle);
      y = animal.y + distance * std::sin(angle);
    } else {
      x = unit(rng) * photo.size.width;
      y = unit(rng) * photo.size.height;
    }
    if (acceptable(x, y)) decoys.emplace_back(x, y);
  }
  return decoys;
}

std::vector<cv::Point2d> ChooseBodyDecoyRepairs(const LabelledPhoto& photo, double per_animal,
                                                uint64_t seed) {
  std::vector<cv::Point2d> decoys;
  if (per_animal <= 0 || photo.size.area() == 0) return decoys;
  // Two repair discs closer than this would merge into one mark at the dot.
  const double apart = 2.0 * DedotOptions{}.radius + 1;
  std::mt19937_64 rng(seed ^ (static_cast<uint64_t>(photo.id) * 0xD1B54A32D192ED03ULL));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto acceptable = [&](double x, double y) {
    if (!InsideAndUnmasked(photo, x, y)) return false;
    for (const Animal& animal : photo.animals) {
      if (std::hypot(animal.x - x, animal.y - y) < apart) return false;
    }
    for (const cv::Point2d& decoy : decoys) {
      if (std::hypot(decoy.x - x, decoy.y - y) < apart) return false;
    }
    return true;
  };
  for (const Animal& animal : photo.animals) {
    // per_animal 1.5: one decoy, and a second one for half of the animals.
    const double whole = std::floor(per_animal);
    const int wanted = static_cast<int>(whole) + (unit(rng) < per_animal - whole ? 1 : 0);
    const double body = kBodyLengthPixels[static_cast<size_t>(animal.class_index)];
    int placed = 0;
    for (int tries = 0; placed < wanted && tries < 20 * wanted; ++tries) {
      const double distance = std::max(apart, (0.2 + 0.25 * unit(rng)) * body);
      const double angle = 2 * M_PI * unit(rng);
      const double x = animal.x + distance * std::cos(angle);
      const double y = animal.y + distance * std::sin(angle);
      if (acceptable(x, y)) {
        decoys.emplace_back(x, y);
        ++placed;
      }
    }
  }
  return decoys;
}

cv::Mat ReadTrainingImage(const LabelledPhoto& photo, const std::vector<cv::Point2d>& decoys,
                          const DedotOptions& dedot) {
  cv::Mat image = ReadColourImage(photo.image_path);
  std::vector<cv::Point2d> repairs = decoys;
  if (photo.dedot) {
    for (const auto& animal : photo.animals) repairs.emplace_back(animal.x, animal.y);
  }
  if (!repairs.empty()) image = RemoveDots(image, repairs, dedot);
  cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  return image;
}

TrainingCrop SampleCrop(const cv::Mat& rgb, const LabelledPhoto& photo, int crop_size,
                        const AugmentOptions& augment, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto uniform = [&](double low, double high) { return low + (high - low) * unit(rng); };

  // The window in the photo, its side scaled by s.
  const double scale =
      std::exp(uniform(-std::log1p(augment.scale_range), std::log1p(augment.scale_range)));
  const int window = std::max(8, static_cast<int>(std::lround(crop_size * scale)));
  double centre_x, centre_y;
  // Which kind of window: one draw, taken only where there is a choice (so that crops without
  // hard negatives are the ones earlier versions cut for the same seed).
  const bool hard = !photo.hard_negatives.empty() && augment.hard_negative_centred > 0;
  const double kind = !photo.animals.empty() || hard ? unit(rng) : 1.0;
  if (!photo.animals.empty() && kind < augment.animal_centred) {
    const Animal& animal = photo.animals[rng() % photo.animals.size()];
    centre_x = animal.x + uniform(-0.4, 0.4) * window;
    centre_y = animal.y + uniform(-0.4, 0.4) * window;
  } else if (hard && kind >= augment.animal_centred &&
             kind < augment.animal_centred + augment.hard_negative_centred) {
    const cv::Point2d& spot = photo.hard_negatives[rng() % photo.hard_negatives.size()];
    centre_x = spot.x + uniform(-0.4, 0.4) * window;
    centre_y = spot.y + uniform(-0.4, 0.4) * window;
  } else {
    centre_x = uniform(0, photo.size.width);
    centre_y = uniform(0, photo.size.height);
  }
  const int x0 = static_cast<int>(std::lround(centre_x - window / 2.0));
  const int y0 = static_cast<int>(std::lround(centre_y - window / 2.0));
  const double pixel_scale = static_cast<double>(window) / crop_size;
  const int turns = static_cast<int>(rng() % 4);  // quarter turns clockwise
  const bool flip = rng() % 2 == 1;               // then a horizontal flip

  // The window scaled to the crop (pixel centres kept), bilinear: the window shrinks by at most
  // 1 + scale_range (at most 2), where area averaging would differ little and cost 4 times more.
  // The window is copied out of the photo first (grey past its edges): resizing straight from
  // the photo's rows took about twice the time of the copy and the resize together.
  const cv::Matx23d to_window(1 / pixel_scale, 0, (0.5 - x0) / pixel_scale - 0.5,  //
                              0, 1 / pixel_scale, (0.5 - y0) / pixel_scale - 0.5);
  const cv::Rect window_rect(x0, y0, window, window);
  const cv::Rect inside = window_rect & cv::Rect(cv::Point(0, 0), rgb.size());
  cv::Mat source(window, window, CV_8UC3);
  if (inside != window_rect) source.setTo(cv::Scalar(128, 128, 128));
  if (inside.area() > 0) rgb(inside).copyTo(source(inside - window_rect.tl()));
  TrainingCrop crop;
  if (window == crop_size) {
    crop.rgb = source;
  } else {
    cv::resize(source, crop.rgb, cv::Size(crop_size, crop_size), 0, 0, cv::INTER_LINEAR);
  }
  // Then the turns and the flip, on the crop (a cv::warpAffine with the turns in it read the
  // photo down its columns: 0.75 ms a crop). Animals and cells go through the same map.
  cv::Matx23d to_crop = to_window;
  const double last = crop_size - 1;
  for (int t = 0; t < turns; ++t) {  // (x, y) -> (last - y, x)
    to_crop = cv::Matx23d(-to_crop(1, 0), -to_crop(1, 1), last - to_crop(1, 2),  //
                          to_crop(0, 0), to_crop(0, 1), to_crop(0, 2));
  }
  if (flip) {  // (x, y) -> (last - x, y)
    to_crop = cv::Matx23d(-to_crop(0, 0), -to_crop(0, 1), last - to_crop(0, 2),  //
                          to_crop(1, 0), to_crop(1, 1), to_crop(1, 2));
  }
  if (turns > 0) {
    const cv::RotateFlags codes[] = {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180,
                                     cv::ROTATE_90_COUNTERCLOCKWISE};
    cv::rotate(crop.rgb, crop.rgb, codes[turns - 1]);
  }
  if (flip) cv::flip(crop.rgb, crop.rgb, 1);

  std::vector<Animal> animals;
  for (const Animal& animal : photo.animals) {
    const double x = to_crop(0, 0) * animal.x + to_crop(0, 1) * animal.y + to_crop(0, 2);
    const double y = to_crop(1, 0) * animal.x + to_crop(1, 1) * animal.y + to_crop(1, 2);
    if (x >= 0 && y >= 0 && x < crop_size && y < crop_size)
      animals.push_back({x, y, animal.class_index});
  }
  // A crop cell carries labels where the photo cell under its centre does.
  const int cells = crop_size / kStride;
  const cv::Matx23d to_photo = [&] {
    cv::Matx23d inverse;
    cv::invertAffineTransform(to_crop, inverse);
    return inverse;
  }();
  cv::Mat valid(cells, cells, CV_8U, cv::Scalar(0));
  for (int cy = 0; cy < cells; ++cy) {
    for (int cx = 0; cx < cells; ++cx) {
      const double u = kStride * cx + (kStride - 1) / 2.0, v = kStride * cy + (kStride - 1) / 2.0;
      const double px = to_photo(0, 0) * u + to_photo(0, 1) * v + to_photo(0, 2);
      const double py = to_photo(1, 0) * u + to_photo(1, 1) * v + to_photo(1, 2);
      if (px < 0 || py < 0 || px >= photo.size.width || py >= photo.size.height) continue;
      valid.at<uint8_t>(cy, cx) = photo.valid_cells.at<uint8_t>(static_cast<int>(py) / kStride,
                                                                static_cast<int>(px) / kStride);
    }
  }

  AugmentPhotometric(crop.rgb, augment, rng);
  crop.targets = MakePointTargets(animals, cv::Size(cells, cells), valid, kStride);
  return crop;
}

}  // namespace sealion
