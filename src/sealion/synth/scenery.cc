#include "sealion/synth/scenery.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <list>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "sealion/core/image_codecs.h"
#include "sealion/core/image_io.h"
#include "sealion/extract/dot_detector.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

constexpr int kCell = 8;  // px of the full photo per cell of the clear-ground grid

// Decoded at 1/8 scale by libjpeg itself (IMREAD_REDUCED_COLOR_8), which is several times faster
// than a full decode: enough to find masks and to lay out windows.
cv::Mat ReadEighthScale(const std::filesystem::path& path) {
  cv::Mat small;
  try {
    small = DecodeImage(ReadFileToString(path), cv::IMREAD_REDUCED_COLOR_8);
  } catch (const Error& error) {
    throw Error(path.string() + ": " + error.what());
  }
  if (small.empty()) throw Error(path.string() + ": not a readable photo");
  return small;
}

std::map<int64_t, std::vector<cv::Point>> ReadDotsById(const std::filesystem::path& path) {
  const CsvTable table = ReadCsv(path);
  RequireHeader(table, {"train_id", "class", "x", "y"});
  std::map<int64_t, std::vector<cv::Point>> dots;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    dots[table.IntegerAt(row, 0)].emplace_back(static_cast<int>(table.IntegerAt(row, 2)),
                                               static_cast<int>(table.IntegerAt(row, 3)));
  }
  return dots;
}

int64_t SumInBox(const cv::Mat& integral, int x, int y, int width, int height) {
  return static_cast<int64_t>(integral.at<int>(y + height, x + width)) -
         integral.at<int>(y, x + width) - integral.at<int>(y + height, x) + integral.at<int>(y, x);
}

// Weight of a pixel `offset` px into a seam of `width` px: 0 at the seam's outer edge, 1 past it.
float SeamRamp(int offset, int width) {
  if (offset >= width) return 1.0f;
  const float t = (static_cast<float>(offset) + 0.5f) / static_cast<float>(width);
  return t * t * (3 - 2 * t);
}

}  // namespace

void SceneryOptions::Check() const {
  if (dataset_dir.empty() != coords.empty()) {
    throw Error(dataset_dir.empty() ? "synth: --scenery-coords needs --scenery (the dataset folder)"
                                    : "synth: --scenery needs --scenery-coords (its coords.csv)");
  }
  if (clearance < 0) throw Error("synth: --scenery-clearance must be >= 0 px");
  if (land_reach < clearance)
    throw Error("synth: scenery land_reach must be >= --scenery-clearance");
  if (min_tile < 32) throw Error("synth: scenery min_tile must be >= 32 px");
  if (seam_width < 0 || 2 * seam_width > min_tile)
    throw Error("synth: scenery seam width must be in [0, min_tile / 2]");
  if (max_cached_photos < 1) throw Error("synth: --scenery-cache must be >= 1");
  if (good_land_share < 0 || good_land_share > 1)
    throw Error("synth: scenery good_land_share must be in [0, 1]");
}

// --- The decoded photos, least recently used first out. ---

class SceneryLibrary::PhotoCache {
 public:
  explicit PhotoCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const cv::Mat> Find(size_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != index) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return it->second;
    }
    return nullptr;
  }

  // Keeps `photo` unless another thread was first; returns the kept one.
  std::shared_ptr<const cv::Mat> Insert(size_t index, std::shared_ptr<const cv::Mat> photo) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [kept_index, kept] : entries_) {
      if (kept_index == index) return kept;
    }
    entries_.emplace_front(index, std::move(photo));
    while (entries_.size() > capacity_) entries_.pop_back();
    return entries_.front().second;
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::list<std::pair<size_t, std::shared_ptr<const cv::Mat>>> entries_;
};

SceneryLibrary::SceneryLibrary(const SceneryOptions& options)
    : options_(options),
      cache_(std::make_unique<PhotoCache>(static_cast<size_t>(options.max_cached_photos))) {
  options.Check();
  const auto dots_by_id = WithContext("reading scenery coords " + options.coords.string(),
                                      [&] { return ReadDotsById(options.coords); });
  const std::filesystem::path dotted_dir = options.dataset_dir / "TrainDotted";
  if (!std::filesystem::is_directory(dotted_dir)) {
    throw Error("scenery: " + dotted_dir.string() + " is not a folder (--scenery must be a " +
                "dataset in the competition's layout)");
  }
  const int clearance_cells = (options.clearance + kCell * 3 / 2 + kCell - 1) / kCell;
  int64_t clear_cells = 0, all_cells = 0;
  for (const auto& [id, dots] : dots_by_id) {
    Photo photo;
    photo.id = id;
    photo.path = dotted_dir / fmt::format("{}.jpg", id);
    const cv::Mat small = WithContext("scenery", [&] { return ReadEighthScale(photo.path); });
    photo.grid = small.size();
    cv::Mat no_dot(photo.grid, CV_8U, cv::Scalar(255));
    for (const auto& dot : dots) {
      const cv::Point cell(dot.x / kCell, dot.y / kCell);
      if (dot.x < 0 || dot.y < 0 || cell.x >= photo.grid.width || cell.y >= photo.grid.height) {
        throw Error(fmt::format(
            "scenery: {}: dot ({}, {}) of photo {} lies outside {} (about {}x{}); are the coords "
            "in the dotted photo's frame?",
            options.coords.string(), dot.x, dot.y, id, photo.path.string(),
            photo.grid.width * kCell, photo.grid.height * kCell));
      }
      no_dot.at<uint8_t>(cell) = 0;
    }
    cv::Mat cells_to_dot;
    cv::distanceTransform(no_dot, cells_to_dot, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    // Masks: R+G+B < 40 as the extractor finds them; at 1/8 scale a half-masked cell may be
    // brighter, so the margin is two cells (16 px, beyond the 4 px of JPEG ringing).
    cv::Mat blocked = DetectMask(small, DotDetectorOptions{}.mask_threshold, 2);
    blocked.setTo(255, cells_to_dot < clearance_cells);
    // The last row and column may be cut short by the photo's edge.
    blocked.row(blocked.rows - 1).setTo(255);
    blocked.col(blocked.cols - 1).setTo(255);
    const cv::Mat near_dots = cells_to_dot * kCell <= options.land_reach;
    cv::integral(blocked / 255, photo.blocked_integral, CV_32S);
    cv::integral(near_dots / 255, photo.near_dots_integral, CV_32S);
    all_cells += static_cast<int64_t>(blocked.total());
    clear_cells += static_cast<int64_t>(blocked.total()) - cv::countNonZero(blocked);
    photos_.push_back(std::move(photo));
  }
  if (photos_.empty()) {
    throw Error("scenery: " + options.coords.string() + " names no photo (it has no dot rows)");
  }
  clear_share_ = static_cast<double>(clear_cells) / static_cast<double>(all_cells);
}

SceneryLibrary::~SceneryLibrary() = default;

cv::Mat SceneryLibrary::ClearMap(size_t photo) const {
  const cv::Mat& integral = photos_.at(photo).blocked_integral;
  cv::Mat clear(photos_[photo].grid, CV_8U);
  for (int y = 0; y < clear.rows; ++y)
    for (int x = 0; x < clear.cols; ++x)
      clear.at<uint8_t>(y, x) = SumInBox(integral, x, y, 1, 1) == 0 ? 255 : 0;
  return clear;
}

std::shared_ptr<const cv::Mat> SceneryLibrary::FullPhoto(size_t index) const {
  if (auto cached = cache_->Find(index)) return cached;
  const Photo& photo = photos_[index];
  auto decoded = std::make_shared<const cv::Mat>(
      WithContext("scenery", [&] { return ReadColourImage(photo.path); }));
  if ((decoded->cols + kCell - 1) / kCell != photo.grid.width ||
      (decoded->rows + kCell - 1) / kCell != photo.grid.height) {
    throw Error(fmt::format("scenery: {} is {}x{}, but its 1/8-scale decode was {}x{}",
                            photo.path.string(), decoded->cols, decoded->rows, photo.grid.width,
                            photo.grid.height));
  }
  return cache_->Insert(index, std::move(decoded));
}

// --- Composing one background. ---

class SceneryLibrary::Composer {
 public:
  Composer(const SceneryLibrary& library, cv::Size size, const std::vector<PlacedAnimal>& animals,
           Rng& rng, const std::function<cv::Mat()>& drawn)
      : library_(library), animals_(animals), rng_(rng), drawn_(drawn) {
    result_.photo = cv::Mat(size, CV_8UC3, cv::Scalar(0, 0, 0));
    order_.resize(library.photos_.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    for (size_t i = order_.size(); i > 1; --i) {  // Fisher-Yates with our own draws
      std::swap(order_[i - 1],
                order_[static_cast<size_t>(rng_.Integer(0, static_cast<int64_t>(i) - 1))]);
    }
  }

  ComposedScenery Run() {
    Fill(cv::Rect(cv::Point(0, 0), result_.photo.size()), false, false);
    result_.real_share = all_area_ > 0 ? real_area_ / all_area_ : 0;
    return std::move(result_);
  }

 private:
  struct Window {
    size_t photo = 0;
    cv::Point cell;       // top-left cell on the photo's grid
    bool turned = false;  // the window is taken across (its width along the photo's rows)
    double land = 0;      // share of its cells near a colony
  };

  // Fills `region`; `blend_left`/`blend_top`: that edge borders parts already filled.
  void Fill(cv::Rect region, bool blend_left, bool blend_top) {
    const SceneryOptions& options = library_.options_;
    const bool holds_animals = HoldsAnimals(region);
    const bool can_split = std::max(region.width, region.height) >= 2 * options.min_tile;
    const std::optional<Window> window = Search(region.size(), holds_animals);
    if (window && (!holds_animals || window->land >= options.good_land_share || !can_split)) {
      PaintReal(region, *window, blend_left, blend_top);
      return;
    }
    if (can_split) {
      const bool across = region.width >= region.height;  // split the longer side
      const int length = across ? region.width : region.height;
      const int half_seam = options.seam_width / 2;
      const int low = options.min_tile - half_seam, high = length - options.min_tile + half_seam;
      const int split =
          static_cast<int>(std::clamp(std::lround(rng_.Uniform(0.4, 0.6) * length),
                                      static_cast<long>(low), static_cast<long>(high)));
      if (across) {
        Fill(cv::Rect(region.x, region.y, split + half_seam, region.height), blend_left, blend_top);
        Fill(cv::Rect(region.x + split - half_seam, region.y, length - split + half_seam,
                      region.height),
             true, blend_top);
      } else {
        Fill(cv::Rect(region.x, region.y, region.width, split + half_seam), blend_left, blend_top);
        Fill(cv::Rect(region.x, region.y + split - half_seam, region.width,
                      length - split + half_seam),
             blend_left, true);
      }
      return;
    }
    if (window) {
      PaintReal(region, *window, blend_left, blend_top);
    } else {
      if (drawn_scenery_.empty()) drawn_scenery_ = drawn_();
      Paint(region, drawn_scenery_(region), blend_left, blend_top);
    }
  }

  bool HoldsAnimals(cv::Rect region) const {
    const int reach = 64;  // px: an animal this close to a part lies partly on it
    const cv::Rect grown(region.x - reach, region.y - reach, region.width + 2 * reach,
                         region.height + 2 * reach);
    return std::any_of(animals_.begin(), animals_.end(), [&](const PlacedAnimal& animal) {
      return grown.contains(cv::Point(cvRound(animal.centre.x), cvRound(animal.centre.y)));
    });
  }

  // A clear window of `size`: the first found in this photo's order of the real photos, or for
  // animals the one nearest a colony (stopping at one near enough).
  std::optional<Window> Search(cv::Size size, bool want_land) {
    std::optional<Window> best;
    for (const size_t photo : order_) {
      const bool turned_first = rng_.Chance(0.5);
      for (const bool turned : {turned_first, !turned_first}) {
        const std::optional<Window> found = FindIn(photo, size, turned, want_land);
        if (!found) continue;
        if (!want_land) return found;
        if (!best || found->land > best->land) best = found;
        if (best->land >= library_.options_.good_land_share) return best;
      }
    }
    return best;
  }

  std::optional<Window> FindIn(size_t photo_index, cv::Size size, bool turned, bool want_land) {
    const Photo& photo = library_.photos_[photo_index];
    const cv::Size source = turned ? cv::Size(size.height, size.width) : size;
    // Cells that hold the window at any offset of 0-7 px into its first cell.
    const int width = (source.width + kCell - 1) / kCell + 1;
    const int height = (source.height + kCell - 1) / kCell + 1;
    const int columns = photo.grid.width - width + 1, rows = photo.grid.height - height + 1;
    if (columns <= 0 || rows <= 0) return std::nullopt;
    const double cells = static_cast<double>(width) * height;
    // Pass 1: how many clear positions, and the best land share among them.
    int64_t clear = 0;
    int64_t best_near = -1;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < columns; ++x) {
        if (SumInBox(photo.blocked_integral, x, y, width, height) != 0) continue;
        ++clear;
        if (want_land)
          best_near = std::max(best_near, SumInBox(photo.near_dots_integral, x, y, width, height));
      }
    }
    if (clear == 0) return std::nullopt;
    // Pass 2: a random one of them (for animals: of those within 5% of the best land share).
    const int64_t least_near = want_land ? best_near - static_cast<int64_t>(0.05 * cells) : -1;
    int64_t eligible = 0;
    if (want_land) {
      for (int y = 0; y < rows; ++y)
        for (int x = 0; x < columns; ++x)
          eligible += SumInBox(photo.blocked_integral, x, y, width, height) == 0 &&
                      SumInBox(photo.near_dots_integral, x, y, width, height) >= least_near;
    } else {
      eligible = clear;
    }
    int64_t pick = rng_.Integer(0, eligible - 1);
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < columns; ++x) {
        if (SumInBox(photo.blocked_integral, x, y, width, height) != 0) continue;
        const int64_t near = SumInBox(photo.near_dots_integral, x, y, width, height);
        if (near < least_near || pick-- > 0) continue;
        return Window{photo_index, cv::Point(x, y), turned, static_cast<double>(near) / cells};
      }
    }
    return std::nullopt;  // unreachable: `pick` < `eligible`
  }

  void PaintReal(cv::Rect region, const Window& window, bool blend_left, bool blend_top) {
    const std::shared_ptr<const cv::Mat> photo = library_.FullPhoto(window.photo);
    const cv::Size source = window.turned ? cv::Size(region.height, region.width) : region.size();
    const cv::Point offset(static_cast<int>(rng_.Integer(0, kCell - 1)),
                           static_cast<int>(rng_.Integer(0, kCell - 1)));
    const cv::Rect taken(window.cell * kCell + offset, source);
    assert((taken & cv::Rect(0, 0, photo->cols, photo->rows)) == taken);
    const int turn = (window.turned ? 90 : 0) + (rng_.Chance(0.5) ? 180 : 0);
    cv::Mat tile = RotateClockwise((*photo)(taken), turn);
    if (rng_.Chance(0.5)) {
      cv::Mat mirrored;
      cv::flip(tile, mirrored, 1);
      tile = mirrored;
    }
    real_area_ += region.area();
    Paint(region, tile, blend_left, blend_top);
  }

  // Lays `tile` over `region`, fading it in over the seam along the edges named.
  void Paint(cv::Rect region, const cv::Mat& tile, bool blend_left, bool blend_top) {
    all_area_ += region.area();
    const int seam = library_.options_.seam_width;
    cv::Mat target = result_.photo(region);
    for (int y = 0; y < region.height; ++y) {
      const float top = blend_top ? SeamRamp(y, seam) : 1.0f;
      const auto* from = tile.ptr<cv::Vec3b>(y);
      auto* to = target.ptr<cv::Vec3b>(y);
      for (int x = 0; x < region.width; ++x) {
        const float weight = top * (blend_left ? SeamRamp(x, seam) : 1.0f);
        if (weight >= 1.0f) {
          to[x] = from[x];
          continue;
        }
        for (int c = 0; c < 3; ++c) {
          to[x][c] = cv::saturate_cast<uint8_t>(to[x][c] + weight * (from[x][c] - to[x][c]));
        }
      }
    }
  }

  const SceneryLibrary& library_;
  const std::vector<PlacedAnimal>& animals_;
  Rng& rng_;
  const std::function<cv::Mat()>& drawn_;
  std::vector<size_t> order_;
  cv::Mat drawn_scenery_;
  ComposedScenery result_;
  double real_area_ = 0, all_area_ = 0;
};

ComposedScenery SceneryLibrary::Compose(cv::Size size, const std::vector<PlacedAnimal>& animals,
                                        Rng& rng, const std::function<cv::Mat()>& drawn) const {
  return Composer(*this, size, animals, rng, drawn).Run();
}

}  // namespace sealion
