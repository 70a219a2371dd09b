#include "sealion/extract/dedot.h"

#include <fmt/format.h>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <set>

#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/core/point_match.h"
#include "sealion/extract/dot_detector.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"

namespace sealion {

void DedotOptions::Check() const {
  if (radius < 1 || radius > 64) throw Error("dot removal: the radius must be in [1, 64] px");
  if (inpaint_radius < 1 || inpaint_radius > 32)
    throw Error("dot removal: the inpainting radius must be in [1, 32] px");
}

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
  const int reach = options.radius + 2 * options.inpaint_radius + 2;
  const cv::Rect photo(0, 0, dotted.cols, dotted.rows);
  for (const auto& centre : dot_centres) {
    const cv::Rect window = cv::Rect(cvRound(centre.x) - reach, cvRound(centre.y) - reach,
                                     2 * reach + 1, 2 * reach + 1) &
                            photo;
    if (window.area() == 0) continue;
    cv::Mat inpainted;
    cv::inpaint(dotted(window), unknown(window), inpainted, options.inpaint_radius,
                cv::INPAINT_TELEA);
    cv::Mat own_disc(window.size(), CV_8U, cv::Scalar(0));
    cv::circle(own_disc, cv::Point(cvRound(centre.x) - window.x, cvRound(centre.y) - window.y),
               options.radius, cv::Scalar(255), cv::FILLED);
    inpainted.copyTo(repaired(window), own_disc);
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
