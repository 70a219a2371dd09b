#include "sealion/extract/dot_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <unordered_map>

#include "sealion/core/classes.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

constexpr int kRotationDownscale = 8;  // rotation and exposure are judged on 1/8-size copies

struct EvidenceBlob {
  cv::Rect box;
  int area = 0;
  std::vector<cv::Point> pixels;
};

double ColourDistance(const cv::Vec3b& bgr, const Rgb& colour) {
  const double dr = bgr[2] - colour.r;
  const double dg = bgr[1] - colour.g;
  const double db = bgr[0] - colour.b;
  return std::sqrt(dr * dr + dg * dg + db * db);
}

cv::Mat Downscale(const cv::Mat& image) {
  cv::Mat small;
  cv::resize(image, small,
             cv::Size(image.cols / kRotationDownscale, image.rows / kRotationDownscale), 0, 0,
             cv::INTER_AREA);
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

RotationEstimate EstimateRotationFromSmall(const cv::Mat& small_dotted, const cv::Mat& small_plain,
                                           cv::Size dotted_size, cv::Size plain_size) {
  cv::Mat dotted_grey, plain_grey;
  cv::cvtColor(small_dotted, dotted_grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(small_plain, plain_grey, cv::COLOR_BGR2GRAY);
  RotationEstimate best{-1, -2.0};
  for (const int degrees : {0, 180, 90, 270}) {
    const bool swaps = degrees % 180 != 0;
    const cv::Size turned_size =
        swaps ? cv::Size(dotted_size.height, dotted_size.width) : dotted_size;
    if (turned_size != plain_size) continue;
    cv::Mat turned = RotateClockwise(dotted_grey, degrees);
    if (turned.size() != plain_grey.size()) cv::resize(turned, turned, plain_grey.size());
    const cv::Mat valid = turned > 12;  // leave black masks out
    const double correlation = Correlation(turned, plain_grey, valid);
    if (correlation > best.correlation) best = {degrees, correlation};
  }
  if (best.degrees < 0) {
    throw Error(
        fmt::format("dotted photo is {}x{} but plain photo is {}x{}: no turn makes them match",
                    dotted_size.width, dotted_size.height, plain_size.width, plain_size.height));
  }
  return best;
}

// Per-channel lookup table (a CV_8UC3 row of 256) mapping the plain photo's exposure to the
// dotted photo's: least squares over downscaled pixels, leaving out black masks.
cv::Mat ExposureLut(const cv::Mat& small_plain, const cv::Mat& small_dotted) {
  std::array<double, 3> n{}, sx{}, sy{}, sxx{}, sxy{};
  for (int row = 0; row < small_plain.rows; ++row) {
    for (int col = 0; col < small_plain.cols; ++col) {
      const auto& d = small_dotted.at<cv::Vec3b>(row, col);
      if (d[0] + d[1] + d[2] < 60) continue;  // masked (with a little room for the downscale)
      const auto& p = small_plain.at<cv::Vec3b>(row, col);
      for (int c = 0; c < 3; ++c) {
        n[c] += 1;
        sx[c] += p[c];
        sy[c] += d[c];
        sxx[c] += p[c] * p[c];
        sxy[c] += p[c] * d[c];
      }
    }
  }
  cv::Mat lut(1, 256, CV_8UC3);
  for (int c = 0; c < 3; ++c) {
    double gain = 1.0, offset = 0.0;
    const double variance = n[c] * sxx[c] - sx[c] * sx[c];
    if (n[c] > 100 && variance > 1e-6) {
      gain = (n[c] * sxy[c] - sx[c] * sy[c]) / variance;
      offset = (sy[c] - gain * sx[c]) / n[c];
    }
    for (int v = 0; v < 256; ++v)
      lut.at<cv::Vec3b>(v)[c] = cv::saturate_cast<uint8_t>(gain * v + offset);
  }
  return lut;
}

// Max-channel |dotted - lut(plain)|, zero under the mask, in one pass over the photo.
cv::Mat DifferenceEvidence(const cv::Mat& dotted, const cv::Mat& plain, const cv::Mat& lut,
                           const cv::Mat& mask) {
  cv::Mat evidence(dotted.size(), CV_8U);
  const auto* table = lut.ptr<cv::Vec3b>();
  cv::parallel_for_(cv::Range(0, dotted.rows), [&](const cv::Range& rows) {
    for (int row = rows.start; row < rows.end; ++row) {
      const auto* d = dotted.ptr<cv::Vec3b>(row);
      const auto* p = plain.ptr<cv::Vec3b>(row);
      const auto* m = mask.ptr<uint8_t>(row);
      auto* out = evidence.ptr<uint8_t>(row);
      for (int col = 0; col < dotted.cols; ++col) {
        int largest = 0;
        for (int c = 0; c < 3; ++c)
          largest = std::max(largest, std::abs(d[col][c] - table[p[col][c]][c]));
        out[col] = m[col] ? 0 : static_cast<uint8_t>(largest);
      }
    }
  });
  return evidence;
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

// 8-connected groups of the pixels at or above `threshold`. Dots are sparse (a few thousand
// pixels in a 20-megapixel photo), so the pixels are gathered first and joined by union-find,
// instead of labelling the whole frame.
std::vector<EvidenceBlob> FindEvidenceBlobs(const cv::Mat& evidence, int threshold) {
  std::vector<cv::Point> pixels;
  cv::findNonZero(evidence >= threshold, pixels);  // in row-major order
  std::vector<int> parent(pixels.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<int>(i);
  auto find = [&](int i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  // Index of each pixel by (row, col); earlier neighbours are left, up-left, up and up-right.
  std::unordered_map<int64_t, int> index_of;
  index_of.reserve(pixels.size() * 2);
  auto key = [](int x, int y) {
    return (static_cast<int64_t>(y) << 32) | static_cast<uint32_t>(x);
  };
  for (size_t i = 0; i < pixels.size(); ++i) {
    const cv::Point& p = pixels[i];
    for (const cv::Point d :
         {cv::Point(-1, 0), cv::Point(-1, -1), cv::Point(0, -1), cv::Point(1, -1)}) {
      const auto found = index_of.find(key(p.x + d.x, p.y + d.y));
      if (found != index_of.end()) parent[find(found->second)] = find(static_cast<int>(i));
    }
    index_of.emplace(key(p.x, p.y), static_cast<int>(i));
  }
  std::unordered_map<int, size_t> blob_of_root;
  std::vector<EvidenceBlob> blobs;
  for (size_t i = 0; i < pixels.size(); ++i) {
    const auto [it, inserted] = blob_of_root.emplace(find(static_cast<int>(i)), blobs.size());
    if (inserted) blobs.push_back({cv::Rect(pixels[i], cv::Size(1, 1)), 0, {}});
    EvidenceBlob& blob = blobs[it->second];
    blob.box |= cv::Rect(pixels[i], cv::Size(1, 1));
    ++blob.area;
    blob.pixels.push_back(pixels[i]);
  }
  return blobs;
}

// Summed evidence (as 0..1 per pixel) of the 7x7 pixels around `centre`.
double ColourSupport(const cv::Mat& evidence, cv::Point centre) {
  const cv::Rect window =
      cv::Rect(centre.x - 3, centre.y - 3, 7, 7) & cv::Rect(0, 0, evidence.cols, evidence.rows);
  return cv::sum(evidence(window))[0] / 255.0;
}

// Mean colour of the 3x3 pixels around `centre`.
cv::Vec3b MeanColour(const cv::Mat& image, cv::Point centre) {
  const cv::Rect window =
      cv::Rect(centre.x - 1, centre.y - 1, 3, 3) & cv::Rect(0, 0, image.cols, image.rows);
  const cv::Scalar mean = cv::mean(image(window));
  return cv::Vec3b(cv::saturate_cast<uint8_t>(mean[0]), cv::saturate_cast<uint8_t>(mean[1]),
                   cv::saturate_cast<uint8_t>(mean[2]));
}

// LoG peaks of `evidence` classified into dots, added to `result` in the plain photo's frame.
// With the difference image (`nearest_class` empty) the class is the colour at the centre;
// with colour evidence it is the majority class around the centre, given enough support.
void CollectDots(const cv::Mat& evidence, int threshold, const cv::Mat& dotted,
                 const cv::Mat& nearest_class, const DotDetectorOptions& options,
                 DotDetection* result) {
  for (const cv::Point& centre :
       FindBlobCentres(evidence, threshold, options, &result->rejected_blobs)) {
    int class_index = -1;
    if (nearest_class.empty()) {
      class_index = ClassifyDotColour(MeanColour(dotted, centre), options.colour_tolerance);
    } else if (ColourSupport(evidence, centre) >= options.min_colour_support) {
      class_index = VoteClass(nearest_class, evidence, centre, threshold);
    }
    if (class_index < 0) {
      ++result->rejected_blobs;
      continue;
    }
    // Coordinates are the plain photo's: undo the shift of the dotted copy.
    result->dots.push_back({class_index, centre.x - result->shift.x, centre.y - result->shift.y});
  }
}

}  // namespace

void DotDetectorOptions::Check() const {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw Error(fmt::format("invalid dot detector option: {}", what));
  };
  require(mask_threshold >= 0 && mask_threshold <= 765, "mask_threshold must be in [0, 765]");
  require(mask_margin >= 0, "mask_margin must be >= 0");
  require(difference_threshold > 0 && difference_threshold < 256,
          "difference_threshold must be in (0, 256)");
  require(log_sigma > 0.5 && log_sigma < 20, "log_sigma must be in (0.5, 20)");
  require(min_dot_separation >= 1, "min_dot_separation must be >= 1");
  require(min_dot_pixels >= 1, "min_dot_pixels must be >= 1");
  require(max_blob_extent > 2 * log_sigma, "max_blob_extent must exceed a dot");
  require(colour_tolerance > 0, "colour_tolerance must be > 0");
  require(dotted_only_tolerance > 0 && dotted_only_brown_tolerance > 0,
          "dotted-only tolerances must be > 0");
  require(min_plain_correlation >= -1 && min_plain_correlation <= 1,
          "min_plain_correlation must be in [-1, 1]");
}

cv::Mat DetectMask(const cv::Mat& dotted, int threshold, int margin) {
  cv::Mat channel_sum;
  cv::transform(dotted, channel_sum, cv::Matx13f(1, 1, 1));  // CV_8U saturates; fine below 255
  cv::Mat mask = channel_sum < threshold;
  // Isolated dark pixels (shadows, dark rock) are not masks: masks are large black areas.
  cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  if (margin > 0) {
    cv::dilate(mask, mask,
               cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * margin + 1, 2 * margin + 1}));
  }
  return mask;
}

cv::Mat RotateClockwise(const cv::Mat& image, int degrees) {
  cv::Mat turned;
  switch (((degrees % 360) + 360) % 360) {
    case 0:
      return image;
    case 90:
      cv::rotate(image, turned, cv::ROTATE_90_CLOCKWISE);
      return turned;
    case 180:
      cv::rotate(image, turned, cv::ROTATE_180);
      return turned;
    case 270:
      cv::rotate(image, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
      return turned;
    default:
      throw Error(fmt::format("cannot turn an image by {} degrees", degrees));
  }
}

RotationEstimate EstimateRotation(const cv::Mat& dotted, const cv::Mat& plain) {
  return EstimateRotationFromSmall(Downscale(dotted), Downscale(plain), dotted.size(),
                                   plain.size());
}

cv::Point EstimateShift(const cv::Mat& dotted, const cv::Mat& plain, int max_shift) {
  // The most textured crop of a 3x3 grid where the dotted copy has (almost) no mask: smooth water
  // would make every shift look alike, and masks exist only in the dotted copy.
  const int side = std::min({384, dotted.cols - 2 * max_shift, dotted.rows - 2 * max_shift});
  if (side < 32) return {0, 0};
  cv::Rect best_crop;
  double most_texture = -1;
  for (int gy = 1; gy <= 3; ++gy) {
    for (int gx = 1; gx <= 3; ++gx) {
      const cv::Rect crop(
          cv::Point(max_shift + (dotted.cols - 2 * max_shift - side) * (gx - 1) / 2,
                    max_shift + (dotted.rows - 2 * max_shift - side) * (gy - 1) / 2),
          cv::Size(side, side));
      cv::Mat grey;
      cv::cvtColor(dotted(crop), grey, cv::COLOR_BGR2GRAY);
      if (cv::countNonZero(grey < 14) > side * side / 20) continue;
      cv::Scalar mean, deviation;
      cv::meanStdDev(grey, mean, deviation);
      if (deviation[0] > most_texture) {
        most_texture = deviation[0];
        best_crop = crop;
      }
    }
  }
  if (most_texture < 0) return {0, 0};
  cv::Mat dotted_grey, plain_grey;
  cv::cvtColor(dotted(best_crop), dotted_grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(plain, plain_grey, cv::COLOR_BGR2GRAY);
  // dotted(p) = plain(p - shift). The difference falls steadily towards the true shift over a
  // few pixels of texture, so climb down from (0, 0), neighbour by neighbour: most copies are
  // aligned and cost nine comparisons.
  cv::Mat difference;
  auto mean_difference = [&](cv::Point shift) {
    cv::absdiff(dotted_grey, plain_grey(best_crop - shift), difference);
    return cv::mean(difference)[0];
  };
  cv::Point best_shift(0, 0);
  double best_difference = mean_difference(best_shift);
  for (bool moved = true; moved;) {
    moved = false;
    const cv::Point from = best_shift;
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        const cv::Point candidate = from + cv::Point(dx, dy);
        if ((dx == 0 && dy == 0) || std::abs(candidate.x) > max_shift ||
            std::abs(candidate.y) > max_shift)
          continue;
        const double candidate_difference = mean_difference(candidate);
        if (candidate_difference < best_difference) {
          best_difference = candidate_difference;
          best_shift = candidate;
          moved = true;
        }
      }
    }
  }
  return best_shift;
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
  const int margin = static_cast<int>(std::ceil(3 * options.log_sigma)) + 2;
  std::vector<cv::Point> centres;
  for (const EvidenceBlob& blob : FindEvidenceBlobs(evidence, threshold)) {
    if (blob.area < options.min_dot_pixels) continue;
    if (blob.box.width > options.max_blob_extent || blob.box.height > options.max_blob_extent) {
      ++*rejected_blobs;
      continue;
    }
    const cv::Rect roi = (blob.box + cv::Size(2 * margin, 2 * margin) - cv::Point(margin, margin)) &
                         cv::Rect(0, 0, evidence.cols, evidence.rows);
    // The blob's pixels, grown by one so that JPEG holes inside a dot, where the LoG peak of
    // such a ring lies, count as the blob's.
    cv::Mat member(roi.size(), CV_8U, cv::Scalar(0));
    for (const cv::Point& pixel : blob.pixels) member.at<uint8_t>(pixel - roi.tl()) = 255;
    cv::dilate(member, member, cv::Mat());
    cv::Mat blurred, response;
    evidence(roi).convertTo(blurred, CV_32F);
    cv::GaussianBlur(blurred, blurred, cv::Size(), options.log_sigma);
    cv::Laplacian(blurred, response, CV_32F, 3);
    response = -response;
    // Peaks inside this blob, strongest first, thinned to the minimum separation.
    std::vector<std::pair<float, cv::Point>> peaks;
    for (int row = 1; row < roi.height - 1; ++row) {
      for (int col = 1; col < roi.width - 1; ++col) {
        if (!member.at<uint8_t>(row, col)) continue;
        const float value = response.at<float>(row, col);
        if (value <= 0) continue;
        bool is_max = true;
        for (int dy = -1; dy <= 1 && is_max; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            if ((dx || dy) && response.at<float>(row + dy, col + dx) > value) {
              is_max = false;
              break;
            }
          }
        }
        if (is_max) peaks.emplace_back(value, cv::Point(roi.x + col, roi.y + row));
      }
    }
    std::sort(peaks.begin(), peaks.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
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

DotDetection DetectDots(const cv::Mat& dotted_in, const cv::Mat& plain,
                        const DotDetectorOptions& options) {
  DotDetection result;
  cv::Mat dotted = dotted_in;
  cv::Mat small_plain, small_dotted;
  if (!plain.empty()) {
    small_plain = Downscale(plain);
    small_dotted = Downscale(dotted_in);
    const RotationEstimate rotation =
        EstimateRotationFromSmall(small_dotted, small_plain, dotted_in.size(), plain.size());
    result.plain_correlation = rotation.correlation;
    if (rotation.correlation >= options.min_plain_correlation) {
      result.used_plain = true;
      result.rotation_degrees = rotation.degrees;
      dotted = RotateClockwise(dotted_in, rotation.degrees);
      small_dotted = RotateClockwise(small_dotted, rotation.degrees);
      if (small_dotted.size() != small_plain.size())
        cv::resize(small_dotted, small_dotted, small_plain.size());
    }
  }
  // The margin covers JPEG ringing at mask edges, which only the difference image sees: ringing
  // is dark grey, far from every dot colour.
  const cv::Mat undilated_mask = DetectMask(dotted, options.mask_threshold, 0);
  result.masked_fraction =
      cv::countNonZero(undilated_mask) / static_cast<double>(undilated_mask.total());
  cv::Mat mask = undilated_mask;
  if (result.used_plain && options.mask_margin > 0) {
    const int size = 2 * options.mask_margin + 1;
    cv::dilate(undilated_mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {size, size}));
  }

  if (result.used_plain) {
    // Bring the plain photo onto the dotted one when the copy is moved by a few pixels.
    result.shift = EstimateShift(dotted, plain, options.max_alignment_shift);
    cv::Mat aligned_plain = plain;  // shares the caller's pixels: never written to
    if (result.shift != cv::Point(0, 0)) {
      const cv::Mat move = (cv::Mat_<double>(2, 3) << 1, 0, result.shift.x, 0, 1, result.shift.y);
      cv::Mat moved;  // a new buffer: warping into `aligned_plain` would overwrite `plain`
      cv::warpAffine(plain, moved, move, plain.size(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
      aligned_plain = moved;
    }
    const cv::Mat evidence =
        DifferenceEvidence(dotted, aligned_plain, ExposureLut(small_plain, small_dotted), mask);
    CollectDots(evidence, options.difference_threshold, dotted, cv::Mat(), options, &result);
    // Copies that do not line up pixel for pixel (resampled, scaled) leave the edges of every
    // object in the difference: thousands of blobs that are not dot-coloured. Use colour alone.
    const int dots_found = static_cast<int>(result.dots.size());
    if (result.rejected_blobs > std::max(options.max_rejected_blobs, dots_found)) {
      result.used_plain = false;
      result.plain_difference_unclean = true;
      result.shift = {0, 0};
      result.dots.clear();
      result.rejected_blobs = 0;
    }
  }
  if (!result.used_plain) {
    cv::Mat nearest_class;
    cv::Mat evidence = ColourEvidence(dotted, options, &nearest_class);
    evidence.setTo(0, undilated_mask);
    CollectDots(evidence, 128, dotted, nearest_class, options, &result);  // 128: the tolerance
  }
  std::sort(result.dots.begin(), result.dots.end(), [](const DetectedDot& a, const DetectedDot& b) {
    return std::tie(a.class_index, a.y, a.x) < std::tie(b.class_index, b.y, b.x);
  });
  return result;
}

}  // namespace sealion
