#include "sealion/synth/layout.h"

#include <algorithm>
#include <array>
#include <map>

#include "sealion/core/classes.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

// Fitted to the 907 real layouts of reference_coords.csv (statistics only, no data):
// quantiles of the number of animals per photo at 0, 10, ..., 90, 95, 99, 100 %.
constexpr std::array<double, 13> kTotalQuantileLevels = {0,   0.1, 0.2, 0.3,  0.4,  0.5, 0.6,
                                                         0.7, 0.8, 0.9, 0.95, 0.99, 1.0};
constexpr std::array<double, 13> kTotalQuantiles = {1,  4,   9,   18,  30,  44,  63,
                                                    87, 123, 218, 356, 608, 1283};
// Mean animals per photo by class (5.7, 4.5, 40.2, 21.3, 17.8), as shares of the total.
constexpr std::array<double, kNumSeaLionClasses> kClassShares = {0.064, 0.050, 0.450, 0.238, 0.199};
// Median nearest-neighbour distance 32 px; a pup's nearest female: median 30 px.
constexpr double kHaremSpread = 90.0;     // px, spread of females around a harem's centre
constexpr double kPupOffset = 30.0;       // px, a pup from its mother
constexpr double kMinimumSpacing = 14.0;  // px between two animal centres

double SampleTotal(Rng& rng) {
  const double level = rng.Uniform();
  for (size_t i = 1; i < kTotalQuantileLevels.size(); ++i) {
    if (level <= kTotalQuantileLevels[i]) {
      const double t = (level - kTotalQuantileLevels[i - 1]) /
                       (kTotalQuantileLevels[i] - kTotalQuantileLevels[i - 1]);
      return kTotalQuantiles[i - 1] + t * (kTotalQuantiles[i] - kTotalQuantiles[i - 1]);
    }
  }
  return kTotalQuantiles.back();
}

bool FarFromOthers(const std::vector<PlacedAnimal>& animals, cv::Point2f point) {
  for (const auto& other : animals) {
    const cv::Point2f d = other.centre - point;
    if (d.dot(d) < kMinimumSpacing * kMinimumSpacing) return false;
  }
  return true;
}

bool InFrame(cv::Point2f point, float margin = 20) {
  return point.x >= margin && point.y >= margin && point.x < kSourceWidth - margin &&
         point.y < kSourceHeight - margin;
}

}  // namespace

ReferenceLayouts ReferenceLayouts::Read(const std::filesystem::path& path) {
  const CsvTable table = ReadCsv(path);
  RequireHeader(table, {"tid", "cls", "row", "col"});
  std::map<int64_t, std::vector<PlacedAnimal>> by_photo;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    const int class_index = static_cast<int>(table.IntegerAt(row, 1));
    if (class_index < 0 || class_index >= kNumSeaLionClasses) {
      throw Error(path.string() + ":" + std::to_string(table.line_numbers[row]) +
                  ": class out of range");
    }
    by_photo[table.IntegerAt(row, 0)].push_back(
        {class_index, cv::Point2f(static_cast<float>(table.IntegerAt(row, 3)),
                                  static_cast<float>(table.IntegerAt(row, 2)))});
  }
  ReferenceLayouts layouts;
  for (auto& [id, animals] : by_photo) {
    float max_x = 0, max_y = 0;
    for (const auto& animal : animals) {
      max_x = std::max(max_x, animal.centre.x);
      max_y = std::max(max_y, animal.centre.y);
    }
    const bool large = max_x >= 4992 || max_y >= 3328;
    layouts.frames_.push_back(large ? cv::Size(5616, 3744) : cv::Size(4992, 3328));
    layouts.layouts_.push_back(std::move(animals));
  }
  if (layouts.layouts_.empty()) throw Error(path.string() + ": no layouts");
  return layouts;
}

std::vector<PlacedAnimal> ReferenceLayouts::Sample(Rng& rng) const {
  const size_t index =
      static_cast<size_t>(rng.Integer(0, static_cast<int64_t>(layouts_.size()) - 1));
  const float scale = static_cast<float>(kSourceWidth) / static_cast<float>(frames_[index].width);
  std::vector<PlacedAnimal> animals = layouts_[index];
  for (auto& animal : animals) animal.centre *= scale;
  return animals;
}

std::vector<PlacedAnimal> SampleModelLayout(Rng& rng) {
  const int total = std::max(1, static_cast<int>(SampleTotal(rng)));
  // Class counts: the mean shares, varied per photo.
  std::array<double, kNumSeaLionClasses> weights{};
  double weight_sum = 0;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    weights[c] = kClassShares[c] * std::exp(0.6 * rng.Normal());
    weight_sum += weights[c];
  }
  std::array<int, kNumSeaLionClasses> counts{};
  for (int i = 0; i < total; ++i) {
    double pick = rng.Uniform() * weight_sum;
    int c = 0;
    while (c < kNumSeaLionClasses - 1 && pick >= weights[c]) pick -= weights[c++];
    ++counts[c];
  }
  // Harems: one centre per ~30 animals, each with an adult male when there are any.
  const int harems = 1 + total / 30;
  std::vector<cv::Point2f> centres;
  const cv::Point2f herd(static_cast<float>(rng.Uniform(0.25, 0.75) * kSourceWidth),
                         static_cast<float>(rng.Uniform(0.25, 0.75) * kSourceHeight));
  const double herd_spread = 150.0 + 40.0 * std::sqrt(static_cast<double>(harems));
  for (int h = 0; h < harems; ++h) {
    cv::Point2f centre;
    do {
      centre = herd + cv::Point2f(static_cast<float>(rng.Normal(0, herd_spread)),
                                  static_cast<float>(rng.Normal(0, herd_spread)));
    } while (!InFrame(centre, 100));
    centres.push_back(centre);
  }
  std::vector<PlacedAnimal> animals;
  auto place = [&](int class_index, cv::Point2f around, double spread) {
    for (int attempt = 0; attempt < 30; ++attempt) {
      const cv::Point2f point = around + cv::Point2f(static_cast<float>(rng.Normal(0, spread)),
                                                     static_cast<float>(rng.Normal(0, spread)));
      if (InFrame(point) && FarFromOthers(animals, point)) {
        animals.push_back({class_index, point});
        return true;
      }
    }
    return false;
  };
  auto random_centre = [&] { return centres[static_cast<size_t>(rng.Integer(0, harems - 1))]; };
  for (int i = 0; i < counts[kAdultMales]; ++i)
    place(kAdultMales, i < harems ? centres[i] : random_centre(),
          i < harems ? 10.0 : 2 * kHaremSpread);
  for (int i = 0; i < counts[kAdultFemales]; ++i)
    place(kAdultFemales, random_centre(), kHaremSpread);
  std::vector<cv::Point2f> females;
  for (const auto& animal : animals) {
    if (animal.class_index == kAdultFemales) females.push_back(animal.centre);
  }
  for (int i = 0; i < counts[kPups]; ++i) {
    const cv::Point2f mother = females.empty() ? random_centre()
                                               : females[static_cast<size_t>(rng.Integer(
                                                     0, static_cast<int64_t>(females.size()) - 1))];
    place(kPups, mother, kPupOffset);
  }
  for (int i = 0; i < counts[kJuveniles]; ++i)
    place(kJuveniles, random_centre(), 1.6 * kHaremSpread);
  for (int i = 0; i < counts[kSubadultMales]; ++i)
    place(kSubadultMales, random_centre(), 2.5 * kHaremSpread);
  return animals;
}

std::vector<PlacedAnimal> FitLayoutToSize(const std::vector<PlacedAnimal>& layout, cv::Size size,
                                          Rng& rng) {
  std::vector<PlacedAnimal> fitted;
  if (size.width >= kSourceWidth || size.height >= kSourceHeight) {
    const float sx = static_cast<float>(size.width) / kSourceWidth;
    const float sy = static_cast<float>(size.height) / kSourceHeight;
    for (auto animal : layout) {
      animal.centre = cv::Point2f(animal.centre.x * sx, animal.centre.y * sy);
      fitted.push_back(animal);
    }
    return fitted;
  }
  // Crop a window of the output's size around a random animal (or anywhere if there is none).
  cv::Point2f focus(static_cast<float>(rng.Uniform(0, kSourceWidth)),
                    static_cast<float>(rng.Uniform(0, kSourceHeight)));
  if (!layout.empty())
    focus =
        layout[static_cast<size_t>(rng.Integer(0, static_cast<int64_t>(layout.size()) - 1))].centre;
  const float left = std::clamp(focus.x - static_cast<float>(rng.Uniform(0.2, 0.8) * size.width),
                                0.0f, static_cast<float>(kSourceWidth - size.width));
  const float top = std::clamp(focus.y - static_cast<float>(rng.Uniform(0.2, 0.8) * size.height),
                               0.0f, static_cast<float>(kSourceHeight - size.height));
  for (auto animal : layout) {
    animal.centre -= cv::Point2f(left, top);
    if (animal.centre.x >= 8 && animal.centre.y >= 8 && animal.centre.x < size.width - 8 &&
        animal.centre.y < size.height - 8) {
      fitted.push_back(animal);
    }
  }
  return fitted;
}

}  // namespace sealion
