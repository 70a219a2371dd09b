#include "sealion/synth/chips.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "sealion/core/classes.h"
#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

constexpr double kSizeJitter = 0.15;  // chips are scaled by 1 +- this

// The animal of a chip, as an ellipse in the frame of the turned and scaled chip (the canvas).
struct AnimalEllipse {
  cv::Point2f centre;
  float semi_major = 0;
  float semi_minor = 0;
  float angle_degrees = 0;  // of the major axis, clockwise from +x (cv::RotatedRect's convention)
};

// How much each chip pixel looks like the animal rather than the ground: its Lab distance from
// the median colour of the chip's outermost ring (the ground around the animal), weighted by a
// Gaussian around the centre so that neighbours cut by the crop count little.
cv::Mat AnimalWeight(const cv::Mat& chip) {
  cv::Mat chip_float, lab;
  chip.convertTo(chip_float, CV_32FC3, 1.0 / 255);
  cv::cvtColor(chip_float, lab, cv::COLOR_BGR2Lab);
  const int ring = std::max(1, std::min(chip.cols, chip.rows) / 16);
  std::array<std::vector<float>, 3> border;
  for (int y = 0; y < lab.rows; ++y) {
    for (int x = 0; x < lab.cols; ++x) {
      if (x >= ring && y >= ring && x < lab.cols - ring && y < lab.rows - ring) continue;
      const cv::Vec3f& pixel = lab.at<cv::Vec3f>(y, x);
      for (int c = 0; c < 3; ++c) border[c].push_back(pixel[c]);
    }
  }
  cv::Vec3f ground;
  for (int c = 0; c < 3; ++c) {
    auto middle = border[c].begin() + static_cast<std::ptrdiff_t>(border[c].size() / 2);
    std::nth_element(border[c].begin(), middle, border[c].end());
    ground[c] = *middle;
  }
  cv::Mat weight(chip.size(), CV_32F);
  const float sigma = 0.25f * static_cast<float>(std::min(chip.cols, chip.rows));
  const cv::Point2f centre(static_cast<float>(chip.cols / 2), static_cast<float>(chip.rows / 2));
  for (int y = 0; y < lab.rows; ++y) {
    for (int x = 0; x < lab.cols; ++x) {
      const float distance = static_cast<float>(cv::norm(lab.at<cv::Vec3f>(y, x) - ground));
      const float dx = static_cast<float>(x) - centre.x, dy = static_cast<float>(y) - centre.y;
      weight.at<float>(y, x) =
          std::max(0.0f, distance - 6.0f) * std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    }
  }
  return weight;
}

// The ellipse of the animal from the second moments of its weight; `size` is the (scaled) chip's
// side, which bounds the ellipse so that it holds the animal and stays inside the chip.
AnimalEllipse FitAnimalEllipse(const cv::Mat& weight, cv::Point2f canvas_centre, float size) {
  AnimalEllipse ellipse;
  ellipse.centre = canvas_centre;
  ellipse.semi_major = 0.36f * size;
  ellipse.semi_minor = 0.3f * size;
  const cv::Moments moments = cv::moments(weight, false);
  if (moments.m00 <= 1e-6) return ellipse;
  const double xx = moments.mu20 / moments.m00, yy = moments.mu02 / moments.m00,
               xy = moments.mu11 / moments.m00;
  const double spread = std::sqrt(0.25 * (xx - yy) * (xx - yy) + xy * xy);
  const double major_variance = 0.5 * (xx + yy) + spread, minor_variance = 0.5 * (xx + yy) - spread;
  // A uniform ellipse of semi-axis A has variance A^2/4; the centre weighting shrinks it.
  ellipse.semi_major =
      std::clamp(static_cast<float>(2.6 * std::sqrt(major_variance)), 0.3f * size, 0.44f * size);
  ellipse.semi_minor =
      std::clamp(static_cast<float>(2.6 * std::sqrt(std::max(0.0, minor_variance))), 0.2f * size,
                 ellipse.semi_major);
  ellipse.angle_degrees = static_cast<float>(0.5 * std::atan2(2 * xy, xx - yy) * 180 / CV_PI);
  const cv::Point2f centroid(static_cast<float>(moments.m10 / moments.m00),
                             static_cast<float>(moments.m01 / moments.m00));
  const cv::Point2f offset = centroid - canvas_centre;
  const float limit = 0.08f * size, length = std::hypot(offset.x, offset.y);
  ellipse.centre = canvas_centre + (length > limit ? offset * (limit / length) : offset);
  return ellipse;
}

cv::RotatedRect AsRotatedRect(cv::Point2f centre, float semi_major, float semi_minor,
                              float angle_degrees) {
  return cv::RotatedRect(centre, cv::Size2f(2 * semi_major, 2 * semi_minor), angle_degrees);
}

// The photo around `centre`, `half` px each way, with the photo's edge mirrored where the square
// leaves it.
cv::Mat PatchAround(const cv::Mat& photo, cv::Point centre, int half, cv::Rect* inside) {
  const cv::Rect square(centre - cv::Point(half, half), cv::Size(2 * half + 1, 2 * half + 1));
  *inside = square & cv::Rect(0, 0, photo.cols, photo.rows);
  const int top = inside->y - square.y, left = inside->x - square.x;
  const int bottom = square.br().y - inside->br().y, right = square.br().x - inside->br().x;
  const bool mirrorable =
      std::max(left, right) < inside->width && std::max(top, bottom) < inside->height;
  cv::Mat patch;
  cv::copyMakeBorder(photo(*inside), patch, top, bottom, left, right,
                     mirrorable ? cv::BORDER_REFLECT_101 : cv::BORDER_REPLICATE);
  return patch;
}

}  // namespace

ChipLibrary ChipLibrary::Read(const std::filesystem::path& dir) {
  ChipLibrary library;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const auto folder = dir / std::string(ClassName(c));
    if (!std::filesystem::is_directory(folder)) continue;
    for (const auto& path : ListPhotos(folder)) library.chips_[c].push_back(ReadColourImage(path));
  }
  if (library.size() == 0) {
    throw Error(dir.string() +
                ": no chips (expected <class>/*.png, e.g. adult_males/41_adult_males_1.png)");
  }
  return library;
}

size_t ChipLibrary::size() const {
  size_t total = 0;
  for (const auto& chips : chips_) total += chips.size();
  return total;
}

ChipLight ChipLight::Random(Rng& rng) {
  ChipLight light;
  const double angle = rng.Uniform(0, 2 * CV_PI);
  light.shadow_direction =
      cv::Point2f(static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle)));
  light.shadow_strength = rng.Uniform(0.15, 0.4);
  return light;
}

void BlendChip(cv::Mat& photo, const PlacedAnimal& animal, const std::vector<cv::Mat>& chips,
               const ChipLight& light, Rng& rng) {
  const cv::Mat& chip =
      chips[static_cast<size_t>(rng.Integer(0, static_cast<int64_t>(chips.size()) - 1))];
  const double scale = rng.Uniform(1 - kSizeJitter, 1 + kSizeJitter);
  const double angle = rng.Uniform(0, 360);
  const bool mirrored = rng.Chance(0.5);
  const float size = static_cast<float>(scale * std::min(chip.cols, chip.rows));
  const float fade = std::max(2.0f, 0.12f * size);  // px over which the chip fades into the scene

  // The canvas: the chip turned, scaled and maybe mirrored about its centre pixel, which lands on
  // the canvas's centre pixel; room for the ellipse and its fade.
  const int half = static_cast<int>(std::ceil(0.52f * size + fade)) + 3;
  const cv::Size canvas_size(2 * half + 1, 2 * half + 1);
  const cv::Point2f chip_centre(static_cast<float>(chip.cols / 2),
                                static_cast<float>(chip.rows / 2));
  cv::Mat move = cv::getRotationMatrix2D(chip_centre, angle, scale);
  if (mirrored) {  // mirror x about the centre first: x -> 2 cx - x
    move.at<double>(0, 2) += 2 * chip_centre.x * move.at<double>(0, 0);
    move.at<double>(1, 2) += 2 * chip_centre.x * move.at<double>(1, 0);
    move.at<double>(0, 0) = -move.at<double>(0, 0);
    move.at<double>(1, 0) = -move.at<double>(1, 0);
  }
  move.at<double>(0, 2) += half - chip_centre.x;
  move.at<double>(1, 2) += half - chip_centre.y;
  cv::Mat canvas, weight;
  cv::warpAffine(chip, canvas, move, canvas_size, cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
  cv::warpAffine(AnimalWeight(chip), weight, move, canvas_size, cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar(0));
  const cv::Point2f canvas_centre(static_cast<float>(half), static_cast<float>(half));
  const AnimalEllipse body = FitAnimalEllipse(weight, canvas_centre, size);

  // Opacity: 1 on the animal's ellipse, falling smoothly to 0 over `fade` px outside it.
  cv::Mat outside(canvas_size, CV_8U, cv::Scalar(255));
  cv::ellipse(outside,
              AsRotatedRect(body.centre, body.semi_major, body.semi_minor, body.angle_degrees),
              cv::Scalar(0), -1, cv::LINE_8);
  cv::Mat distance;
  cv::distanceTransform(outside, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  cv::Mat opacity = cv::max(1.0 - distance / fade, 0.0);
  opacity = opacity.mul(opacity).mul(3.0 - 2.0 * opacity);  // smoothstep
  cv::Mat clone_mask = distance < fade + 1.0f;
  // seamlessClone ignores the mask's outermost pixels; so does the box below.
  cv::rectangle(clone_mask, cv::Rect(cv::Point(0, 0), canvas_size), cv::Scalar(0), 1);

  // The scene around the animal, darkened by the shadow, then the chip cloned into it.
  const int margin = 2;
  cv::Rect inside;
  cv::Mat patch = PatchAround(photo, cv::Point(cvRound(animal.centre.x), cvRound(animal.centre.y)),
                              half + margin, &inside);
  cv::Mat shadow(patch.size(), CV_32F, cv::Scalar(0));
  const cv::Point2f shadow_centre = body.centre + cv::Point2f(margin, margin) +
                                    light.shadow_direction * (0.35f * body.semi_minor + 1.5f);
  cv::ellipse(shadow,
              AsRotatedRect(shadow_centre, 0.95f * body.semi_major, 0.9f * body.semi_minor,
                            body.angle_degrees),
              cv::Scalar(light.shadow_strength), -1, cv::LINE_8);
  cv::GaussianBlur(shadow, shadow, cv::Size(), std::max(1.0f, 0.3f * body.semi_minor));
  cv::Mat scene;
  patch.convertTo(scene, CV_32FC3);
  cv::Mat shadow3;
  cv::merge(std::vector<cv::Mat>(3, 1.0 - shadow), shadow3);
  scene = scene.mul(shadow3);
  scene.convertTo(patch, CV_8UC3);

  const cv::Rect mask_box = cv::boundingRect(clone_mask);
  cv::Mat cloned;
  cv::seamlessClone(canvas, patch, clone_mask,
                    cv::Point(margin + mask_box.x + mask_box.width / 2,
                              margin + mask_box.y + mask_box.height / 2),
                    cloned, cv::NORMAL_CLONE);
  cv::Mat cloned_float, opacity_in_patch(patch.size(), CV_32F, cv::Scalar(0)), opacity3;
  opacity.copyTo(opacity_in_patch(cv::Rect(cv::Point(margin, margin), canvas_size)));
  cloned.convertTo(cloned_float, CV_32FC3);
  cv::merge(std::vector<cv::Mat>(3, opacity_in_patch), opacity3);
  scene = scene + (cloned_float - scene).mul(opacity3);
  scene.convertTo(patch, CV_8UC3);
  const cv::Rect inside_patch(
      inside.tl() - (cv::Point(cvRound(animal.centre.x), cvRound(animal.centre.y)) -
                     cv::Point(half + margin, half + margin)),
      inside.size());
  patch(inside_patch).copyTo(photo(inside));
}

}  // namespace sealion
