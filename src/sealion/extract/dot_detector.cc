#include "sealion/extract/dot_detector.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "sealion/core/classes.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

constexpr int kRotationDownscale = 8;  // rotation and exposure are judged on 1/8-size copies

double ColourDistance(const cv::Vec3b& bgr, const Rgb& colour) {
  const double dr = bgr[2] - colour.r;
  const double dg = bgr[1] - colour.g;
  const double db = bgr[0] - colour.b;
  return std::sqrt(dr * dr + dg * dg + db * db);
}

cv::Mat Downscale(const cv::Mat& image) {
  cv::Mat small;
  cv::resize(image, small, cv::Size(image.cols / kRotationDownscale, image.rows / kRotationDownscale),
             0, 0, cv::INTER_AREA);
  return small;
}

// Normalised correlation of two equally sized single-channel images over `valid` pixels.
double Correlation(const cv::Mat& a, const cv::Mat& b, const cv::Mat& valid) {
  cv::Scalar mean_a, std_a, mean_b, std_b;
  cv::meanStdDev(a, mean_a, std_a, valid);
  cv::meanStdDev(b, mean_b, std_b, valid);
  if (std_a[0] < 1e-6 || std_b[0] < 1e-6) return 0.0;
  cv::Mat a_centred, b_centred, product;
  a.convertTo(a_centred, CV_32F, 1.0, -mean_a[0]);
  b.convertTo(b_centred, CV_32F, 1.0, -mean_b[0]);
  cv::multiply(a_centred, b_centred, product);
  return cv::mean(product, valid)[0] / (std_a[0] * std_b[0]);
}

// The per-pixel evidence of "this is a dot" from colour alone: 255 at a dot colour, falling to
// 128 at the class tolerance; `nearest_class` gets the class of the nearest colour (or 255).
cv::Mat ColourEvidence(const cv::Mat& dotted, const DotDetectorOptions& options,
                       cv::Mat* nearest_class) {
  cv::Mat evidence(dotted.size(), CV_8U, cv::Scalar(0));
  *nearest_class = cv::Mat(dotted.size(), CV_8U, cv::Scalar(255));
  cv::parallel_for_(cv::Range(0, dotted.rows), [&](const cv::Range& rows) {
    for (int row = rows.start; row < rows.end; ++row) {
      const auto* pixel = dotted.ptr<cv::Vec3b>(row);
      auto* out = evidence.ptr<uint8_t>(row);
      auto* out_class = nearest_class->ptr<uint8_t>(row);
      for (int col = 0; col < dotted.cols; ++col) {
        double best = 1e9;
        int best_class = -1;
        for (int c = 0; c < kNumSeaLionClasses; ++c) {
          const double tolerance = c == kAdultFemales ? options.dotted_only_brown_tolerance
                                                      : options.dotted_only_tolerance;
          const double relative = ColourDistance(pixel[col], kDotColours[c]) / tolerance;
          if (relative < best) {
            best = relative;
            best_class = c;
          }
        }
        const double value = 255.0 * (1.0 - 0.5 * best);
        if (value > 0) {
          out[col] = static_cast<uint8_t>(std::min(255.0, value));
          out_class[col] = static_cast<uint8_t>(best_class);
        }
      }
    }
  });
  return evidence;
}

// Majority class among evidence pixels around `centre` (colour-only mode).
int VoteClass(const cv::Mat& nearest_class, const cv::Mat& evidence, cv::Point centre,
              int threshold) {
  std::array<int, kNumSeaLionClasses> votes{};
  for (int dy = -2; dy <= 2; ++dy) {
    for (int dx = -2; dx <= 2; ++dx) {
      const cv::Point p(centre.x + dx, centre.y + dy);
      if (p.x < 0 || p.y < 0 || p.x >= evidence.cols || p.y >= evidence.rows) continue;
      const int c = nearest_class.at<uint8_t>(p);
      if (c < kNumSeaLionClasses && evidence.at<uint8_t>(p) >= threshold) ++votes[c];
    }
  }
  const auto best = std::max_element(votes.begin(), votes.end());
  return *best == 0 ? -1 : static_cast<int>(best - votes.begin());
}

// Whether `point` belongs to component `label`, or is a hole pixel next to it: JPEG noise leaves
// holes in a dot's evidence, and the LoG peak of such a ring lies in its hole.
bool IsOnOrBeside(const cv::Mat& labels, cv::Point point, int label) {
  const int own = labels.at<int>(point);
  if (own == label) return true;
  if (own != 0) return false;
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      const cv::Point next(point.x + dx, point.y + dy);
      if (next.x >= 0 && next.y >= 0 && next.x < labels.cols && next.y < labels.rows &&
          labels.at<int>(next) == label) {
        return true;
      }
    }
  }
  return false;
}

// Summed evidence (as 0..1 per pixel) of the 7x7 pixels around `centre`.
double ColourSupport(const cv::Mat& evidence, cv::Point centre) {
  const cv::Rect window = cv::Rect(centre.x - 3, centre.y - 3, 7, 7) & cv::Rect(0, 0, evidence.cols, evidence.rows);
  return cv::sum(evidence(window))[0] / 255.0;
}

// Mean colour of the 3x3 pixels around `centre`.
cv::Vec3b MeanColour(const cv::Mat& image, cv::Point centre) {
  const cv::Rect window = cv::Rect(centre.x - 1, centre.y - 1, 3, 3) & cv::Rect(0, 0, image.cols, image.rows);
  const cv::Scalar mean = cv::mean(image(window));
  return cv::Vec3b(cv::saturate_cast<uint8_t>(mean[0]), cv::saturate_cast<uint8_t>(mean[1]),
                   cv::saturate_cast<uint8_t>(mean[2]));
}

}  // namespace

void DotDetectorOptions::Check() const {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw Error(fmt::format("invalid dot detector option: {}", what));
  };
  require(mask_threshold >= 0 && mask_threshold <= 765, "mask_threshold must be in [0, 765]");
  require(mask_margin >= 0, "mask_margin must be >= 0");
  require(difference_threshold > 0 && difference_threshold < 256, "difference_threshold must be in (0, 256)");
  require(log_sigma > 0.5 && log_sigma < 20, "log_sigma must be in (0.5, 20)");
  require(min_dot_separation >= 1, "min_dot_separation must be >= 1");
  require(min_dot_pixels >= 1, "min_dot_pixels must be >= 1");
  require(max_blob_extent > 2 * log_sigma, "max_blob_extent must exceed a dot");
  require(colour_tolerance > 0, "colour_tolerance must be > 0");
  require(dotted_only_tolerance > 0 && dotted_only_brown_tolerance > 0, "dotted-only tolerances must be > 0");
  require(min_plain_correlation >= -1 && min_plain_correlation <= 1, "min_plain_correlation must be in [-1, 1]");
}

cv::Mat DetectMask(const cv::Mat& dotted, int threshold, int margin) {
  cv::Mat channel_sum;
  cv::transform(dotted, channel_sum, cv::Matx13f(1, 1, 1));  // CV_8U saturates; fine below 255
  cv::Mat mask = channel_sum < threshold;
  // Isolated dark pixels (shadows, dark rock) are not masks: masks are large black areas.
  cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  if (margin > 0) {
    cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * margin + 1, 2 * margin + 1}));
  }
  return mask;
}

cv::Mat RotateClockwise(const cv::Mat& image, int degrees) {
  cv::Mat turned;
  switch (((degrees % 360) + 360) % 360) {
    case 0: return image;
    case 90: cv::rotate(image, turned, cv::ROTATE_90_CLOCKWISE); return turned;
    case 180: cv::rotate(image, turned, cv::ROTATE_180); return turned;
    case 270: cv::rotate(image, turned, cv::ROTATE_90_COUNTERCLOCKWISE); return turned;
    default: throw Error(fmt::format("cannot turn an image by {} degrees", degrees));
  }
}

RotationEstimate EstimateRotation(const cv::Mat& dotted, const cv::Mat& plain) {
  cv::Mat dotted_grey, plain_grey;
  cv::cvtColor(Downscale(dotted), dotted_grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(Downscale(plain), plain_grey, cv::COLOR_BGR2GRAY);
  RotationEstimate best{-1, -2.0};
  for (const int degrees : {0, 180, 90, 270}) {
    const bool swaps = degrees % 180 != 0;
    const cv::Size turned_size = swaps ? cv::Size(dotted.rows, dotted.cols) : dotted.size();
    if (turned_size != plain.size()) continue;
    cv::Mat turned = RotateClockwise(dotted_grey, degrees);
    if (turned.size() != plain_grey.size()) cv::resize(turned, turned, plain_grey.size());
    const cv::Mat valid = turned > 12;  // leave black masks out
    const double correlation = Correlation(turned, plain_grey, valid);
    if (correlation > best.correlation) best = {degrees, correlation};
  }
  if (best.degrees < 0) {
    throw Error(fmt::format("dotted photo is {}x{} but plain photo is {}x{}: no turn makes them match",
                            dotted.cols, dotted.rows, plain.cols, plain.rows));
  }
  return best;
}

cv::Mat MatchExposure(const cv::Mat& plain, const cv::Mat& dotted, const cv::Mat& mask) {
  const cv::Mat small_plain = Downscale(plain);
  const cv::Mat small_dotted = Downscale(dotted);
  cv::Mat small_mask;
  cv::resize(mask, small_mask, small_plain.size(), 0, 0, cv::INTER_NEAREST);
  std::vector<cv::Mat> plain_channels, dotted_channels;
  cv::split(small_plain, plain_channels);
  cv::split(small_dotted, dotted_channels);
  std::vector<cv::Mat> luts(3);
  for (int c = 0; c < 3; ++c) {
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int row = 0; row < small_plain.rows; ++row) {
      for (int col = 0; col < small_plain.cols; ++col) {
        if (small_mask.at<uint8_t>(row, col)) continue;
        const double x = plain_channels[c].at<uint8_t>(row, col);
        const double y = dotted_channels[c].at<uint8_t>(row, col);
        n += 1; sx += x; sy += y; sxx += x * x; sxy += x * y;
      }
    }
    double gain = 1.0, offset = 0.0;
    const double variance = n * sxx - sx * sx;
    if (n > 100 && variance > 1e-6) {
      gain = (n * sxy - sx * sy) / variance;
      offset = (sy - gain * sx) / n;
    }
    luts[c] = cv::Mat(1, 256, CV_8U);
    for (int v = 0; v < 256; ++v) luts[c].at<uint8_t>(v) = cv::saturate_cast<uint8_t>(gain * v + offset);
  }
  cv::Mat lut, matched;
  cv::merge(luts, lut);
  cv::LUT(plain, lut, matched);
  return matched;
}

int ClassifyDotColour(const cv::Vec3b& bgr, double tolerance) {
  int best_class = -1;
  double best = tolerance;
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const double distance = ColourDistance(bgr, kDotColours[c]);
    if (distance <= best) {
      best = distance;
      best_class = c;
    }
  }
  return best_class;
}

std::vector<cv::Point> FindBlobCentres(const cv::Mat& evidence, int threshold,
                                       const DotDetectorOptions& options, int* rejected_blobs) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(evidence >= threshold, labels, stats, centroids, 8, CV_32S);
  const int margin = static_cast<int>(std::ceil(3 * options.log_sigma)) + 2;
  std::vector<cv::Point> centres;
  for (int label = 1; label < count; ++label) {
    const cv::Rect box(stats.at<int>(label, cv::CC_STAT_LEFT), stats.at<int>(label, cv::CC_STAT_TOP),
                       stats.at<int>(label, cv::CC_STAT_WIDTH), stats.at<int>(label, cv::CC_STAT_HEIGHT));
    if (stats.at<int>(label, cv::CC_STAT_AREA) < options.min_dot_pixels) continue;
    if (box.width > options.max_blob_extent || box.height > options.max_blob_extent) {
      ++*rejected_blobs;
      continue;
    }
    const cv::Rect roi = (box + cv::Size(2 * margin, 2 * margin) - cv::Point(margin, margin)) &
                         cv::Rect(0, 0, evidence.cols, evidence.rows);
    cv::Mat blurred, response;
    evidence(roi).convertTo(blurred, CV_32F);
    cv::GaussianBlur(blurred, blurred, cv::Size(), options.log_sigma);
    cv::Laplacian(blurred, response, CV_32F, 3);
    response = -response;
    // Peaks inside this component, strongest first, thinned to the minimum separation.
    std::vector<std::pair<float, cv::Point>> peaks;
    for (int row = 1; row < roi.height - 1; ++row) {
      for (int col = 1; col < roi.width - 1; ++col) {
        const cv::Point in_image(roi.x + col, roi.y + row);
        if (!IsOnOrBeside(labels, in_image, label)) continue;
        const float value = response.at<float>(row, col);
        if (value <= 0) continue;
        bool is_max = true;
        for (int dy = -1; dy <= 1 && is_max; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            if ((dx || dy) && response.at<float>(row + dy, col + dx) > value) { is_max = false; break; }
          }
        }
        if (is_max) peaks.emplace_back(value, in_image);
      }
    }
    std::sort(peaks.begin(), peaks.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    const size_t first_of_blob = centres.size();
    for (const auto& [value, point] : peaks) {
      bool too_close = false;
      for (size_t i = first_of_blob; i < centres.size(); ++i) {
        const cv::Point d = centres[i] - point;
        if (d.x * d.x + d.y * d.y < options.min_dot_separation * options.min_dot_separation) {
          too_close = true;
          break;
        }
      }
      if (!too_close) centres.push_back(point);
    }
  }
  return centres;
}

DotDetection DetectDots(const cv::Mat& dotted_in, const cv::Mat& plain, const DotDetectorOptions& options) {
  DotDetection result;
  cv::Mat dotted = dotted_in;
  if (!plain.empty()) {
    const RotationEstimate rotation = EstimateRotation(dotted_in, plain);
    result.plain_correlation = rotation.correlation;
    if (rotation.correlation >= options.min_plain_correlation) {
      result.used_plain = true;
      result.rotation_degrees = rotation.degrees;
      dotted = RotateClockwise(dotted_in, rotation.degrees);
    }
  }
  const cv::Mat mask = DetectMask(dotted, options.mask_threshold, options.mask_margin);
  result.masked_fraction = cv::countNonZero(mask) / static_cast<double>(mask.total());

  cv::Mat evidence, nearest_class;
  int threshold = 0;
  if (result.used_plain) {
    const cv::Mat matched_plain = MatchExposure(plain, dotted, mask);
    cv::Mat difference;
    cv::absdiff(dotted, matched_plain, difference);
    std::vector<cv::Mat> channels;
    cv::split(difference, channels);
    evidence = cv::max(cv::max(channels[0], channels[1]), channels[2]);
    evidence.setTo(0, mask);
    threshold = options.difference_threshold;
  } else {
    evidence = ColourEvidence(dotted, options, &nearest_class);
    evidence.setTo(0, mask);
    threshold = 128;  // the class tolerance
  }

  for (const cv::Point& centre : FindBlobCentres(evidence, threshold, options, &result.rejected_blobs)) {
    int class_index = -1;
    if (result.used_plain) {
      class_index = ClassifyDotColour(MeanColour(dotted, centre), options.colour_tolerance);
    } else if (ColourSupport(evidence, centre) >= options.min_colour_support) {
      class_index = VoteClass(nearest_class, evidence, centre, threshold);
    }
    if (class_index < 0) {
      ++result.rejected_blobs;
      continue;
    }
    result.dots.push_back({class_index, centre.x, centre.y});
  }
  std::sort(result.dots.begin(), result.dots.end(), [](const DetectedDot& a, const DetectedDot& b) {
    return std::tie(a.class_index, a.y, a.x) < std::tie(b.class_index, b.y, b.x);
  });
  return result;
}

}  // namespace sealion
