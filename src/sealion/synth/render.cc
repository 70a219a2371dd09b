#include "sealion/synth/render.h"

#include <algorithm>
#include <array>
#include <opencv2/imgproc.hpp>

#include "sealion/core/classes.h"

namespace sealion {
namespace {

constexpr int kBackgroundScale = 4;  // the background is drawn at 1/4 size, then enlarged

// Smooth random field in [0, 1): uniform values on a grid of `cell` px, enlarged bicubically.
cv::Mat ValueNoise(cv::Size size, int cell, Rng& rng) {
  cv::Mat grid(size.height / cell + 3, size.width / cell + 3, CV_32F);
  cv::RNG opencv_rng(rng.Bits());
  opencv_rng.fill(grid, cv::RNG::UNIFORM, 0.0, 1.0);
  cv::Mat field;
  cv::resize(grid, field, cv::Size(grid.cols * cell, grid.rows * cell), 0, 0, cv::INTER_CUBIC);
  return field(cv::Rect(cell, cell, size.width, size.height)).clone();
}

cv::Mat Octaves(cv::Size size, std::initializer_list<std::pair<int, float>> cells_and_weights,
                Rng& rng) {
  cv::Mat sum(size, CV_32F, cv::Scalar(0));
  for (const auto& [cell, weight] : cells_and_weights)
    sum += weight * ValueNoise(size, std::max(1, cell), rng);
  return sum;
}

cv::Mat Blend(const cv::Mat& a, const cv::Mat& b, const cv::Mat& weight_of_b) {
  cv::Mat weight3, out;
  cv::merge(std::vector<cv::Mat>{weight_of_b, weight_of_b, weight_of_b}, weight3);
  out = a.mul(cv::Scalar::all(1) - weight3) + b.mul(weight3);
  return out;
}

cv::Mat Colour(cv::Size size, const cv::Scalar& bgr, const cv::Mat& variation, float amplitude) {
  cv::Mat base(size, CV_32FC3, bgr);
  cv::Mat shade;
  cv::merge(std::vector<cv::Mat>{variation, variation, variation}, shade);
  return base + (shade - cv::Scalar::all(0.5)) * (2 * amplitude);
}

cv::Mat RenderBackground(cv::Size size, const std::vector<PlacedAnimal>& animals, Rng& rng) {
  const cv::Size small((size.width + kBackgroundScale - 1) / kBackgroundScale,
                       (size.height + kBackgroundScale - 1) / kBackgroundScale);
  const int coarse = std::max(8, std::min(small.width, small.height) / 3);
  cv::Mat land_field =
      Octaves(small, {{coarse, 0.6f}, {coarse / 4, 0.3f}, {coarse / 16, 0.1f}}, rng);
  // Animals lie on land: raise the field around each of them.
  cv::Mat herd(small, CV_32F, cv::Scalar(0));
  for (const auto& animal : animals) {
    cv::circle(herd, animal.centre / kBackgroundScale, 80 / kBackgroundScale, cv::Scalar(1), -1);
  }
  cv::GaussianBlur(herd, herd, cv::Size(), 40.0 / kBackgroundScale);
  land_field += 0.8 * cv::min(herd, 1.0);
  cv::Scalar mean, deviation;
  cv::meanStdDev(land_field, mean, deviation);
  const float sea_level = static_cast<float>(mean[0] + rng.Uniform(-0.4, 0.9) * deviation[0]);
  cv::Mat land = land_field > sea_level;

  // Water: dark blue-grey; surf: white foam near the shore, in streaks.
  cv::Mat water =
      Colour(small, cv::Scalar(rng.Uniform(68, 85), rng.Uniform(60, 70), rng.Uniform(48, 58)),
             Octaves(small, {{coarse / 2, 0.7f}, {8, 0.3f}}, rng), 12);
  cv::Mat distance_to_land;
  cv::distanceTransform(~land, distance_to_land, cv::DIST_L2, 3);
  const double surf_width = rng.Uniform(4, 18);
  cv::Mat foam;
  cv::exp(-distance_to_land / surf_width, foam);
  cv::Mat streaks = Octaves(small, {{12, 0.5f}, {4, 0.5f}}, rng);
  foam = cv::min(foam.mul(0.4 + 1.2 * streaks), 1.0);
  water = Blend(water, cv::Mat(small, CV_32FC3, cv::Scalar(238, 240, 236)), foam);

  // Land: dark brown-grey rock with texture, lighter sand in patches.
  cv::Mat rock =
      Colour(small, cv::Scalar(rng.Uniform(55, 75), rng.Uniform(65, 80), rng.Uniform(75, 92)),
             Octaves(small, {{32, 0.4f}, {8, 0.35f}, {2, 0.25f}}, rng), 28);
  cv::Mat sand_weight = Octaves(small, {{coarse / 2, 1.0f}}, rng);
  sand_weight = cv::max(cv::min((sand_weight - 0.62) * 6.0, 1.0), 0.0);
  rock = Blend(rock, Colour(small, cv::Scalar(118, 134, 150), ValueNoise(small, 3, rng), 15),
               sand_weight);

  cv::Mat land_weight;
  land.convertTo(land_weight, CV_32F, 1.0 / 255);
  cv::GaussianBlur(land_weight, land_weight, cv::Size(), 1.0);
  cv::Mat scene_small = Blend(water, rock, land_weight);
  cv::Mat scene_small_8u, scene;
  scene_small.convertTo(scene_small_8u, CV_8UC3);
  cv::resize(scene_small_8u, scene,
             cv::Size(small.width * kBackgroundScale, small.height * kBackgroundScale), 0, 0,
             cv::INTER_LINEAR);
  scene = scene(cv::Rect(0, 0, size.width, size.height)).clone();

  // Fine grain at full resolution, from one random tile repeated at a random offset.
  cv::Mat tile(256, 256, CV_16SC3);
  cv::RNG opencv_rng(rng.Bits());
  opencv_rng.fill(tile, cv::RNG::NORMAL, 0, 7);
  cv::Mat grain;
  cv::repeat(tile, size.height / 256 + 2, size.width / 256 + 2, grain);
  const cv::Point offset(static_cast<int>(rng.Integer(0, 255)),
                         static_cast<int>(rng.Integer(0, 255)));
  cv::add(scene, grain(cv::Rect(offset, size)), scene, cv::noArray(), CV_8U);
  return scene;
}

struct BodyShape {
  double length;  // px, nose to tail
  double width_ratio;
  cv::Scalar colour;  // BGR, measured at the centre of the real chips
};

// Per class: sizes calibrated to the real chips (crops of 120 px for adult males down to 40 px
// for pups), colours from their centres: tan to brown, pups dark.
const std::array<BodyShape, kNumSeaLionClasses> kBodies = {{
    {92, 0.42, {150, 172, 198}},
    {78, 0.40, {160, 182, 205}},
    {62, 0.38, {132, 158, 188}},
    {48, 0.38, {122, 145, 170}},
    {30, 0.46, {70, 74, 82}},
}};

void DrawAnimal(cv::Mat& photo, const PlacedAnimal& animal, Rng& rng) {
  const BodyShape& body = kBodies[animal.class_index];
  const double length = body.length * rng.Uniform(0.85, 1.15);
  const double width = length * body.width_ratio * rng.Uniform(0.9, 1.1);
  const double angle = rng.Uniform(0, 360);
  const double brightness =
      std::exp(rng.Normal(0, 0.15)) * (rng.Chance(0.2) ? 0.6 : 1.0);  // some wet, dark
  const cv::Scalar colour = body.colour * brightness;
  const int reach = static_cast<int>(length) + 8;
  const cv::Rect roi =
      cv::Rect(cv::Point(animal.centre) - cv::Point(reach, reach), cv::Size(2 * reach, 2 * reach)) &
      cv::Rect(0, 0, photo.cols, photo.rows);
  if (roi.empty()) return;
  cv::Mat patch = photo(roi);
  const cv::Point2f centre =
      animal.centre - cv::Point2f(static_cast<float>(roi.x), static_cast<float>(roi.y));
  const cv::Size2f axes(static_cast<float>(length / 2), static_cast<float>(width / 2));
  // Shadow: the sun from the upper left.
  cv::Mat shadowed = patch.clone();
  cv::ellipse(shadowed,
              cv::RotatedRect(centre + cv::Point2f(4, 5), axes * 2.0f, static_cast<float>(angle)),
              cv::Scalar(25, 28, 30), -1, cv::LINE_AA);
  cv::addWeighted(patch, 0.55, shadowed, 0.45, 0, patch);
  // Body shaded from its edge to the spine, and a head at one end.
  const cv::Point2f direction(static_cast<float>(std::cos(angle * CV_PI / 180)),
                              static_cast<float>(std::sin(angle * CV_PI / 180)));
  cv::ellipse(patch, cv::RotatedRect(centre, axes * 2.0f, static_cast<float>(angle)), colour * 0.72,
              -1, cv::LINE_AA);
  cv::ellipse(patch, cv::RotatedRect(centre, axes * 1.6f, static_cast<float>(angle)), colour * 0.88,
              -1, cv::LINE_AA);
  cv::ellipse(
      patch,
      cv::RotatedRect(centre - direction * static_cast<float>(length * 0.05),
                      cv::Size2f(axes.width * 1.1f, axes.height * 0.7f), static_cast<float>(angle)),
      colour * 1.02, -1, cv::LINE_AA);
  const cv::Point2f head = centre + direction * static_cast<float>(length * 0.47);
  cv::ellipse(
      patch,
      cv::RotatedRect(
          head, cv::Size2f(static_cast<float>(length * 0.26), static_cast<float>(width * 0.62)),
          static_cast<float>(angle)),
      colour * 0.8, -1, cv::LINE_AA);
  cv::GaussianBlur(patch, patch, cv::Size(3, 3), 0);
}

}  // namespace

RenderedPhoto RenderPlainPhoto(cv::Size size, const std::vector<PlacedAnimal>& animals, Rng& rng,
                               const PhotoSources& sources) {
  RenderedPhoto rendered;
  if (sources.scenery != nullptr) {
    ComposedScenery scenery = sources.scenery->Compose(
        size, animals, rng, [&] { return RenderBackground(size, animals, rng); });
    rendered.photo = std::move(scenery.photo);
    rendered.real_scenery_share = scenery.real_share;
  } else {
    rendered.photo = RenderBackground(size, animals, rng);
  }
  const ChipLight light = sources.chips != nullptr ? ChipLight::Random(rng) : ChipLight{};
  std::vector<PlacedAnimal> by_row = animals;
  std::stable_sort(by_row.begin(), by_row.end(),
                   [](const auto& a, const auto& b) { return a.centre.y < b.centre.y; });
  for (const auto& animal : by_row) {
    if (sources.chips != nullptr && !sources.chips->Of(animal.class_index).empty()) {
      BlendChip(rendered.photo, animal, sources.chips->Of(animal.class_index), light, rng);
    } else {
      DrawAnimal(rendered.photo, animal, rng);
    }
  }
  return rendered;
}

void DrawDots(cv::Mat& photo, const std::vector<PlacedAnimal>& animals) {
  for (const auto& animal : animals) {
    const Rgb& colour = kDotColours[animal.class_index];
    cv::circle(photo, cv::Point(cvRound(animal.centre.x), cvRound(animal.centre.y)), 3,
               cv::Scalar(colour.b, colour.g, colour.r), -1, cv::LINE_AA);
  }
}

cv::Mat DrawRandomMasks(cv::Mat& photo, Rng& rng) {
  cv::Mat mask(photo.size(), CV_8U, cv::Scalar(0));
  const int polygons = static_cast<int>(rng.Integer(1, 3));
  for (int p = 0; p < polygons; ++p) {
    // A quadrilateral anchored at a random edge, reaching a random depth into the photo.
    const double depth = rng.Uniform(0.1, 0.5);
    const int w = photo.cols, h = photo.rows;
    std::vector<cv::Point> corners;
    switch (rng.Integer(0, 3)) {
      case 0:
        corners = {{0, 0},
                   {w, 0},
                   {static_cast<int>(rng.Uniform(0.5, 1) * w), static_cast<int>(depth * h)},
                   {static_cast<int>(rng.Uniform(0, 0.5) * w),
                    static_cast<int>(depth * h * rng.Uniform(0.5, 1.5))}};
        break;
      case 1:
        corners = {{0, h},
                   {w, h},
                   {static_cast<int>(rng.Uniform(0.5, 1) * w), static_cast<int>((1 - depth) * h)},
                   {static_cast<int>(rng.Uniform(0, 0.5) * w), static_cast<int>((1 - depth) * h)}};
        break;
      case 2:
        corners = {{0, 0},
                   {0, h},
                   {static_cast<int>(depth * w), static_cast<int>(rng.Uniform(0.5, 1) * h)},
                   {static_cast<int>(depth * w * rng.Uniform(0.5, 1.5)),
                    static_cast<int>(rng.Uniform(0, 0.5) * h)}};
        break;
      default:
        corners = {{w, 0},
                   {w, h},
                   {static_cast<int>((1 - depth) * w), static_cast<int>(rng.Uniform(0.5, 1) * h)},
                   {static_cast<int>((1 - depth) * w), static_cast<int>(rng.Uniform(0, 0.5) * h)}};
        break;
    }
    cv::fillConvexPoly(mask, corners, cv::Scalar(255));
  }
  photo.setTo(cv::Scalar(0, 0, 0), mask);
  return mask;
}

}  // namespace sealion
