#include "sealion/extract/dedot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/xphoto.hpp>
#include <set>

#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/core/point_match.h"
#include "sealion/extract/dot_detector.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"
#include "sealion/util/stable_hash.h"

namespace sealion {

void DedotOptions::Check() const {
  if (radius < 1 || radius > 64) throw Error("dot removal: the radius must be in [1, 64] px");
  if (inpaint_radius < 1 || inpaint_radius > 32)
    throw Error("dot removal: the inpainting radius must be in [1, 32] px");
  if (fit_margin < 2 || fit_margin > 32)
    throw Error("dot removal: the fitting margin must be in [2, 32] px");
  if (fsr_context < 4 || fsr_context > 64)
    throw Error("dot removal: the FSR context must be in [4, 64] px");
}

DotFill ParseDotFill(const std::string& name) {
  if (name == "telea") return DotFill::kTelea;
  if (name == "surface") return DotFill::kSurface;
  if (name == "fsr") return DotFill::kFrequencySelective;
  if (name == "mixed") return DotFill::kMixed;
  throw Error(fmt::format("dot removal: unknown fill '{}' (telea, surface, fsr or mixed)", name));
}

std::string DotFillName(DotFill fill) {
  switch (fill) {
    case DotFill::kTelea:
      return "telea";
    case DotFill::kSurface:
      return "surface";
    case DotFill::kFrequencySelective:
      return "fsr";
    case DotFill::kMixed:
      return "mixed";
  }
  throw Error("dot removal: unknown fill");
}

namespace {

// Sigma of the Gaussian whose residual (pixel minus its blur) is taken as a photo's fine texture.
constexpr double kTextureSigma = 1.0;
// The added noise's spread relative to the texture measured around the disc: at 1, the repaired
// discs of 42, 44 and 50 had 1.39 times the fine-texture energy of the plain copies there (edges
// around a dot are rougher than an animal's middle); 0.85 brings that to about 1.
constexpr double kTextureScale = 0.85;

// The fine texture of `image` (float, same channels): each pixel minus its Gaussian blur.
cv::Mat FineTexture(const cv::Mat& image) {
  cv::Mat as_float, blurred;
  image.convertTo(as_float, CV_32F);
  cv::GaussianBlur(as_float, blurred, cv::Size(0, 0), kTextureSigma);
  return as_float - blurred;
}

// The pixels within `reach` of `centre` that are under no dot's disc (zero in `unknown`).
std::vector<cv::Point> KnownPixelsAround(const cv::Mat& unknown, cv::Point centre, int reach) {
  std::vector<cv::Point> known;
  for (int y = std::max(0, centre.y - reach); y <= std::min(unknown.rows - 1, centre.y + reach);
       ++y) {
    for (int x = std::max(0, centre.x - reach); x <= std::min(unknown.cols - 1, centre.x + reach);
         ++x) {
      const int dx = x - centre.x, dy = y - centre.y;
      if (dx * dx + dy * dy <= reach * reach && unknown.at<uint8_t>(y, x) == 0)
        known.emplace_back(x, y);
    }
  }
  return known;
}

// Fills `base` (a copy of `window`) inside the disc with a quadratic surface per channel, fitted
// by least squares to the known pixels around it and clamped to their range. An animal's back is
// brighter at its middle than at its edges, so an inpainting that carries the edge colour
// inwards paints a darker disc (measured on 42, 44 and 50 against the plain copies, mean
// brightness of the discs: Telea inpainting 9.8 levels darker, the fit 2.8). False when the known
// pixels are too few or lie on fewer than three sides of the disc, where the surface would be a
// guess.
bool FitDisc(const cv::Mat& window, const std::vector<cv::Point>& known, cv::Point centre,
             int radius, int reach, cv::Mat& base) {
  std::array<int, 4> per_quadrant{};
  for (const cv::Point& p : known)
    ++per_quadrant[(p.x >= centre.x ? 1 : 0) + (p.y >= centre.y ? 2 : 0)];
  const auto sides =
      std::count_if(per_quadrant.begin(), per_quadrant.end(), [](int n) { return n >= 4; });
  if (known.size() < 24 || sides < 3) return false;
  const int channels = window.channels();
  const auto terms = [&](int x, int y) {
    const double u = double(x - centre.x) / reach, v = double(y - centre.y) / reach;
    return cv::Vec<double, 6>(1, u, v, u * u, u * v, v * v);
  };
  cv::Mat design(static_cast<int>(known.size()), 6, CV_64F);
  cv::Mat colours(static_cast<int>(known.size()), channels, CV_64F);
  std::vector<double> low(channels, 255), high(channels, 0);
  for (int i = 0; i < static_cast<int>(known.size()); ++i) {
    const cv::Vec<double, 6> row = terms(known[i].x, known[i].y);
    for (int k = 0; k < 6; ++k) design.at<double>(i, k) = row[k];
    const uint8_t* pixel = window.ptr<uint8_t>(known[i].y) + known[i].x * channels;
    for (int c = 0; c < channels; ++c) {
      colours.at<double>(i, c) = pixel[c];
      low[c] = std::min<double>(low[c], pixel[c]);
      high[c] = std::max<double>(high[c], pixel[c]);
    }
  }
  cv::Mat coefficients;
  if (!cv::solve(design, colours, coefficients, cv::DECOMP_SVD)) return false;
  base = window.clone();
  for (int y = std::max(0, centre.y - radius); y <= std::min(window.rows - 1, centre.y + radius);
       ++y) {
    for (int x = std::max(0, centre.x - radius); x <= std::min(window.cols - 1, centre.x + radius);
         ++x) {
      const cv::Vec<double, 6> row = terms(x, y);
      uint8_t* pixel = base.ptr<uint8_t>(y) + x * channels;
      for (int c = 0; c < channels; ++c) {
        double value = 0;
        for (int k = 0; k < 6; ++k) value += row[k] * coefficients.at<double>(k, c);
        pixel[c] = cv::saturate_cast<uint8_t>(std::clamp(value, low[c], high[c]));
      }
    }
  }
  return true;
}

// Adds to `base`'s disc noise with the fine texture's spectrum (white noise minus its blur) and,
// per channel, the robust spread of the window's own fine texture around the disc (1.4826 x the
// median absolute residual, over known pixels at least 2 px from any disc: an animal's outline
// passing by does not inflate it). A smooth disc is a mark of its own: measured on 42 and 44, the
// fine-texture energy of Telea-inpainted discs was 0.38 of the plain copies' there, about 1 with
// this. One noise field for every channel (texture is mostly brightness), seeded by the
// dot's place: the same photo and dots always give the same repair.
void AddTexture(const cv::Mat& window, const cv::Mat& unknown, const std::vector<cv::Point>& known,
                cv::Point seed_point, const cv::Mat& own_disc, cv::Mat& base) {
  const int channels = window.channels();
  const cv::Mat texture = FineTexture(window);
  cv::Mat near_unknown;
  cv::dilate(unknown, near_unknown, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
  std::vector<double> spread(channels, 0.0);
  for (int c = 0; c < channels; ++c) {
    std::vector<float> magnitudes;
    for (const cv::Point& p : known) {
      if (near_unknown.at<uint8_t>(p) == 0)
        magnitudes.push_back(std::abs(texture.ptr<float>(p.y)[p.x * channels + c]));
    }
    if (magnitudes.size() < 8) return;
    const auto middle = magnitudes.begin() + static_cast<std::ptrdiff_t>(magnitudes.size() / 2);
    std::nth_element(magnitudes.begin(), middle, magnitudes.end());
    spread[c] = 1.4826 * *middle;
  }
  cv::Mat noise(window.size(), CV_32F);
  cv::RNG rng(0x5EA11005ull ^ (static_cast<uint64_t>(seed_point.x) << 32) ^
              static_cast<uint64_t>(seed_point.y));
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
  noise = FineTexture(noise);
  cv::Scalar mean, deviation;
  cv::meanStdDev(noise, mean, deviation);
  noise /= std::max(deviation[0], 1e-6);
  for (int y = 0; y < base.rows; ++y) {
    for (int x = 0; x < base.cols; ++x) {
      if (own_disc.at<uint8_t>(y, x) == 0) continue;
      uint8_t* pixel = base.ptr<uint8_t>(y) + x * channels;
      for (int c = 0; c < channels; ++c)
        pixel[c] = cv::saturate_cast<uint8_t>(pixel[c] +
                                              kTextureScale * spread[c] * noise.at<float>(y, x));
    }
  }
}

// Rebuilds the unknown pixels of `window` (BGR or grey) by frequency-selective reconstruction
// (xphoto's fast variant: on 42, 44 and 50, 30 ms a dot in a 49 px window; the best variant took
// ten times as long for the same error). A window cut short by the photo's edge is mirrored out
// to its full size first (the reconstruction misreads a window's edge as content: a dot in a
// corner came back 134 levels off). False when too little of the window is known.
bool ReconstructFrequencies(const cv::Mat& photo, const cv::Mat& unknown_in_photo,
                            const cv::Rect& full_window, cv::Mat& base) {
  const cv::Rect window = full_window & cv::Rect(0, 0, photo.cols, photo.rows);
  const int top = window.y - full_window.y, left = window.x - full_window.x;
  const int bottom = full_window.br().y - window.br().y, right = full_window.br().x - window.br().x;
  if (top >= window.height || bottom >= window.height || left >= window.width ||
      right >= window.width)
    return false;  // too little of the window inside the photo to mirror
  cv::Mat source, unknown;
  cv::copyMakeBorder(photo(window), source, top, bottom, left, right, cv::BORDER_REFLECT);
  cv::copyMakeBorder(unknown_in_photo(window), unknown, top, bottom, left, right,
                     cv::BORDER_REFLECT);
  const cv::Mat known = unknown == 0;
  if (cv::countNonZero(known) < static_cast<int>(known.total() / 4)) return false;
  source.setTo(cv::Scalar::all(0), unknown);
  cv::Mat rebuilt(source.size(), source.type());
  cv::xphoto::inpaint(source, known, rebuilt, cv::xphoto::INPAINT_FSR_FAST);
  base = rebuilt(cv::Rect(left, top, window.width, window.height)).clone();
  return true;
}

// The mixed fill's choice for the disc at `at`: Telea, surface or FSR, a third of the discs each,
// fixed by the position so that the same photo is repaired the same way every time.
DotFill MixedFillAt(cv::Point at) {
  constexpr std::array<DotFill, 3> kFills = {DotFill::kTelea, DotFill::kSurface,
                                             DotFill::kFrequencySelective};
  const uint64_t hash = MixSeed(static_cast<uint64_t>(at.x), static_cast<uint64_t>(at.y));
  return kFills[hash % kFills.size()];
}

}  // namespace

cv::Mat RemoveDots(const cv::Mat& dotted, const std::vector<cv::Point2d>& dot_centres,
                   const DedotOptions& options) {
  options.Check();
  cv::Mat repaired = dotted.clone();
  if (dot_centres.empty()) return repaired;
  // Every dot's disc is unknown at once, so that no dot's colour bleeds into a neighbour's repair.
  cv::Mat unknown(dotted.size(), CV_8U, cv::Scalar(0));
  for (const auto& centre : dot_centres) {
    cv::circle(unknown, cv::Point(cvRound(centre.x), cvRound(centre.y)), options.radius,
               cv::Scalar(255), cv::FILLED);
  }
  const int fit_reach = options.radius + options.fit_margin;
  // The window a disc is repaired in: what Telea draws from (the same window as before the other
  // fills existed, so Telea repairs exactly as then), or also what the surface is fitted to, or
  // what the reconstruction draws from.
  const int telea_reach = options.radius + 2 * options.inpaint_radius + 2;
  const cv::Rect photo(0, 0, dotted.cols, dotted.rows);
  for (const auto& centre : dot_centres) {
    const cv::Point at(cvRound(centre.x), cvRound(centre.y));
    const DotFill fill = options.fill == DotFill::kMixed ? MixedFillAt(at) : options.fill;
    const bool surface = fill == DotFill::kSurface;
    const bool frequencies = fill == DotFill::kFrequencySelective;
    const int reach = surface       ? std::max(telea_reach - 2, fit_reach) + 4
                      : frequencies ? std::max(telea_reach, options.radius + options.fsr_context)
                                    : telea_reach;
    const cv::Rect window =
        cv::Rect(at.x - reach, at.y - reach, 2 * reach + 1, 2 * reach + 1) & photo;
    if (window.area() == 0) continue;
    const cv::Point local = at - window.tl();
    const cv::Mat unknown_here = unknown(window);
    std::vector<cv::Point> known;  // surface only: the pixels it is fitted to
    cv::Mat base;
    bool fitted = false;
    if (surface) {
      known = KnownPixelsAround(unknown_here, local, fit_reach);
      fitted = FitDisc(dotted(window), known, local, options.radius, fit_reach, base);
    } else if (frequencies) {
      fitted = ReconstructFrequencies(
          dotted, unknown, cv::Rect(at.x - reach, at.y - reach, 2 * reach + 1, 2 * reach + 1),
          base);
    }
    if (!fitted)
      cv::inpaint(dotted(window), unknown_here, base, options.inpaint_radius, cv::INPAINT_TELEA);
    cv::Mat own_disc(window.size(), CV_8U, cv::Scalar(0));
    cv::circle(own_disc, local, options.radius, cv::Scalar(255), cv::FILLED);
    if (surface && options.texture)
      AddTexture(dotted(window), unknown_here, known, at, own_disc, base);
    base.copyTo(repaired(window), own_disc);
  }
  return repaired;
}

void DedotRunOptions::Check() const {
  if (dataset_dir.empty()) throw Error("dedot: a dataset folder is required");
  if (coords.empty()) throw Error("dedot: --coords is required (extract's coords.csv)");
  if (output_dir.empty()) throw Error("dedot: --output is required");
  if (jpeg_quality < 50 || jpeg_quality > 100) throw Error("dedot: --quality must be in [50, 100]");
  if (threads < 0) throw Error("dedot: --threads must be >= 0");
  dedot.Check();
  const auto inside = [](const std::filesystem::path& child, const std::filesystem::path& parent) {
    const auto c = std::filesystem::weakly_canonical(child);
    const auto p = std::filesystem::weakly_canonical(parent);
    return std::mismatch(p.begin(), p.end(), c.begin(), c.end()).first == p.end();
  };
  if (inside(output_dir, dataset_dir))
    throw Error(
        fmt::format("dedot: {} is inside the dataset {}; write the repaired photos elsewhere",
                    output_dir.string(), dataset_dir.string()));
}

DedotSummary RunDedot(const DedotRunOptions& options) {
  options.Check();
  const TrainDataset dataset = TrainDataset::Open(options.dataset_dir);
  const auto points = ReadPointsCsv(options.coords);
  std::vector<int64_t> ids = options.ids;
  if (ids.empty()) {
    for (const auto& [id, dots] : points) ids.push_back(id);
  }
  std::filesystem::create_directories(options.output_dir);
  std::vector<std::string> errors(ids.size());
  ParallelFor(static_cast<int>(ids.size()), options.threads, [&](int i) {
    const int64_t id = ids[static_cast<size_t>(i)];
    try {
      std::vector<cv::Point2d> centres;
      if (const auto found = points.find(id); found != points.end()) {
        for (const auto& dot : found->second) centres.emplace_back(dot.x, dot.y);
      }
      const cv::Mat dotted = ReadColourImage(dataset.DottedPath(id));
      cv::Mat image;
      if (options.plain_where_matching && dataset.HasPlain(id)) {
        cv::Mat plain = ReadColourImage(dataset.PlainPath(id));
        const RotationEstimate turn = EstimateRotation(dotted, plain);
        if (turn.correlation >= DotDetectorOptions{}.min_plain_correlation) {
          plain.setTo(cv::Scalar::all(0), DetectMask(RotateClockwise(dotted, turn.degrees),
                                                     DotDetectorOptions{}.mask_threshold, 0));
          image = plain;
        }
      }
      if (image.empty()) image = RemoveDots(dotted, centres, options.dedot);
      WriteImageAtomically(options.output_dir / fmt::format("{}.jpg", id), image,
                           options.jpeg_quality);
    } catch (const std::exception& error) {
      errors[static_cast<size_t>(i)] = fmt::format("photo {}: {}", id, error.what());
    }
  });
  DedotSummary summary;
  for (const auto& error : errors) {
    if (error.empty()) {
      ++summary.written;
    } else {
      summary.errors.push_back(error);
    }
  }
  return summary;
}

}  // namespace sealion
