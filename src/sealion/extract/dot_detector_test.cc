#include "sealion/extract/dot_detector.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "sealion/core/classes.h"
#include "sealion/core/image_io.h"

namespace sealion {
namespace {

// A textured rock-and-animal scene with a dot of every class drawn on a copy, both passed through
// JPEG at quality 90 with 4:2:0 subsampling as the real photos were.
struct DrawnPair {
  cv::Mat plain;
  cv::Mat dotted;
  std::vector<DetectedDot> dots;
};

cv::Mat ThroughJpeg(const cv::Mat& image) {
  return cv::imdecode(EncodeJpeg(image, 90), cv::IMREAD_COLOR);
}

DrawnPair DrawPair(int width = 640, int height = 480, unsigned seed = 1) {
  std::mt19937 random(seed);
  cv::Mat noise(height, width, CV_32FC3);
  cv::randn(noise, cv::Scalar(110, 105, 100), cv::Scalar(40, 40, 40));
  cv::GaussianBlur(noise, noise, cv::Size(), 3);
  // Fine texture, as rock has at aerial scale.
  cv::Mat grain(height, width, CV_32FC3);
  cv::randn(grain, cv::Scalar::all(0), cv::Scalar::all(14));
  cv::GaussianBlur(grain, grain, cv::Size(), 0.8);
  noise += grain;
  cv::Mat scene;
  noise.convertTo(scene, CV_8UC3);
  // Brown animals, some of them under dots of every class, brown included.
  for (int i = 0; i < 30; ++i) {
    const cv::Point centre(20 + random() % (width - 40), 20 + random() % (height - 40));
    cv::ellipse(scene, centre, cv::Size(14, 6), random() % 180, 0, 360, cv::Scalar(40, 70, 105),
                -1);
  }
  DrawnPair pair;
  cv::Mat dotted = scene.clone();
  for (int i = 0; i < 25; ++i) {
    const DetectedDot dot{i % kNumSeaLionClasses, 30 + (i % 5) * 120, 40 + (i / 5) * 90};
    const Rgb& colour = kDotColours[dot.class_index];
    cv::circle(dotted, {dot.x, dot.y}, 3, cv::Scalar(colour.b, colour.g, colour.r), -1,
               cv::LINE_AA);
    pair.dots.push_back(dot);
  }
  pair.plain = ThroughJpeg(scene);
  pair.dotted = dotted;  // callers may mark it further before it goes through JPEG
  return pair;
}

void ExpectSameDots(const std::vector<DetectedDot>& expected, const std::vector<DetectedDot>& found,
                    int tolerance_px) {
  ASSERT_EQ(found.size(), expected.size());
  for (const auto& want : expected) {
    bool matched = false;
    for (const auto& dot : found) {
      matched |= dot.class_index == want.class_index && std::abs(dot.x - want.x) <= tolerance_px &&
                 std::abs(dot.y - want.y) <= tolerance_px;
    }
    EXPECT_TRUE(matched) << ClassName(want.class_index) << " dot at " << want.x << "," << want.y;
  }
}

TEST(DotDetector, FindsEveryDrawnDotWithItsClass) {
  const DrawnPair pair = DrawPair();
  const DotDetection detection =
      DetectDots(ThroughJpeg(pair.dotted), pair.plain, DotDetectorOptions{});
  EXPECT_TRUE(detection.used_plain);
  EXPECT_EQ(detection.rotation_degrees, 0);
  ExpectSameDots(pair.dots, detection.dots, 1);
}

TEST(DotDetector, FindsDotsFromTheDottedPhotoAlone) {
  const DrawnPair pair = DrawPair();
  const DotDetection detection =
      DetectDots(ThroughJpeg(pair.dotted), cv::Mat(), DotDetectorOptions{});
  EXPECT_FALSE(detection.used_plain);
  ExpectSameDots(pair.dots, detection.dots, 1);
}

TEST(DotDetector, DotsUnderABlackMaskDoNotExist) {
  DrawnPair pair = DrawPair();
  // Cover the first column of dots (x = 30) with a black mask.
  cv::rectangle(pair.dotted, cv::Rect(0, 0, 80, pair.dotted.rows), cv::Scalar(0, 0, 0), -1);
  std::vector<DetectedDot> visible;
  for (const auto& dot : pair.dots) {
    if (dot.x > 80) visible.push_back(dot);
  }
  const DotDetection detection =
      DetectDots(ThroughJpeg(pair.dotted), pair.plain, DotDetectorOptions{});
  EXPECT_NEAR(detection.masked_fraction, 80.0 / 640, 0.02);
  ExpectSameDots(visible, detection.dots, 1);
}

TEST(DotDetector, TurnedDottedCopiesAreDetectedAndCoordinatesFollowThePlainPhoto) {
  const DrawnPair pair = DrawPair();
  for (const int degrees : {90, 180, 270}) {
    const cv::Mat turned = RotateClockwise(ThroughJpeg(pair.dotted), degrees);
    const DotDetection detection = DetectDots(turned, pair.plain, DotDetectorOptions{});
    EXPECT_EQ(detection.rotation_degrees, (360 - degrees) % 360);
    ExpectSameDots(pair.dots, detection.dots, 1);
  }
}

TEST(DotDetector, ExposureDifferencesDoNotCreateDots) {
  const DrawnPair pair = DrawPair();
  cv::Mat brighter;
  ThroughJpeg(pair.dotted).convertTo(brighter, CV_8UC3, 1.12, 6);
  const DotDetection detection = DetectDots(brighter, pair.plain, DotDetectorOptions{});
  ExpectSameDots(pair.dots, detection.dots, 1);
}

TEST(DotDetector, InkMarksAreNotDots) {
  DrawnPair pair = DrawPair();
  cv::line(pair.dotted, {100, 300}, {400, 330}, cv::Scalar(6, 9, 243), 5);
  const DotDetection detection =
      DetectDots(ThroughJpeg(pair.dotted), pair.plain, DotDetectorOptions{});
  EXPECT_GE(detection.rejected_blobs, 1);
  // Dots that touch the line merge with it and go too; the others stay.
  std::vector<DetectedDot> away_from_line;
  for (const auto& dot : pair.dots) {
    const double line_y = 300 + (dot.x - 100) * 30.0 / 300.0;
    if (dot.x < 90 || dot.x > 410 || std::abs(dot.y - line_y) > 10) away_from_line.push_back(dot);
  }
  ExpectSameDots(away_from_line, detection.dots, 1);
}

TEST(DotDetector, MismatchedPlainPhotoFallsBackToColour) {
  const DrawnPair pair = DrawPair();
  const DrawnPair other = DrawPair(640, 480, 99);
  const DotDetection detection =
      DetectDots(ThroughJpeg(pair.dotted), other.plain, DotDetectorOptions{});
  EXPECT_FALSE(detection.used_plain) << "correlation " << detection.plain_correlation;
  ExpectSameDots(pair.dots, detection.dots, 1);
}

TEST(DotDetector, CopiesMovedByAFewPixelsAreAlignedAndCoordinatesFollowThePlainPhoto) {
  const DrawnPair pair = DrawPair();
  for (const cv::Point shift : {cv::Point(1, 0), cv::Point(0, 2), cv::Point(-2, 1)}) {
    cv::Mat moved;
    const cv::Mat move = (cv::Mat_<double>(2, 3) << 1, 0, shift.x, 0, 1, shift.y);
    cv::warpAffine(pair.dotted, moved, move, pair.dotted.size(), cv::INTER_NEAREST,
                   cv::BORDER_REFLECT);
    const DotDetection detection = DetectDots(ThroughJpeg(moved), pair.plain, DotDetectorOptions{});
    EXPECT_TRUE(detection.used_plain);
    EXPECT_EQ(detection.shift, shift);
    EXPECT_EQ(EstimateShift(ThroughJpeg(moved), pair.plain, 8), shift);
    ExpectSameDots(pair.dots, detection.dots, 1);
  }
}

TEST(DotDetector, CopiesThatDoNotLineUpFallBackToColour) {
  // Resampled 0.4% larger: the same scene (high correlation), but off by up to 2 px at the edges.
  const DrawnPair pair = DrawPair();
  cv::Mat resampled;
  cv::resize(pair.dotted, resampled, cv::Size(), 1.004, 1.004, cv::INTER_LINEAR);
  resampled = resampled(cv::Rect(0, 0, pair.dotted.cols, pair.dotted.rows)).clone();
  std::vector<DetectedDot> expected;
  for (auto dot : pair.dots) {
    dot.x = static_cast<int>(std::lround(dot.x * 1.004));
    dot.y = static_cast<int>(std::lround(dot.y * 1.004));
    if (dot.x < pair.dotted.cols - 4 && dot.y < pair.dotted.rows - 4) expected.push_back(dot);
  }
  const DotDetection detection =
      DetectDots(ThroughJpeg(resampled), pair.plain, DotDetectorOptions{});
  EXPECT_FALSE(detection.used_plain);
  EXPECT_TRUE(detection.plain_difference_unclean)
      << "correlation " << detection.plain_correlation << ", rejected " << detection.rejected_blobs;
  ExpectSameDots(expected, detection.dots, 1);
}

TEST(DotDetector, LeavesItsInputsUntouched) {
  const DrawnPair pair = DrawPair();
  cv::Mat moved;
  const cv::Mat move = (cv::Mat_<double>(2, 3) << 1, 0, 2, 0, 1, 1);
  cv::warpAffine(ThroughJpeg(pair.dotted), moved, move, pair.dotted.size(), cv::INTER_NEAREST);
  const cv::Mat plain_before = pair.plain.clone(), dotted_before = moved.clone();
  DetectDots(moved, pair.plain, DotDetectorOptions{});
  EXPECT_EQ(cv::norm(pair.plain, plain_before, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(moved, dotted_before, cv::NORM_INF), 0.0);
}

TEST(DotDetector, ClassifiesDotColoursAndRejectsOthers) {
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    const Rgb& colour = kDotColours[c];
    EXPECT_EQ(ClassifyDotColour(cv::Vec3b(colour.b, colour.g, colour.r), 48), c);
    EXPECT_EQ(ClassifyDotColour(cv::Vec3b(colour.b + 10, colour.g + 10, colour.r - 10), 48), c);
  }
  EXPECT_EQ(ClassifyDotColour(cv::Vec3b(128, 128, 128), 48), -1);
  EXPECT_EQ(ClassifyDotColour(cv::Vec3b(30, 30, 30), 48), -1);  // mask ringing is not brown
}

TEST(DotDetector, SizesThatNoTurnReconcileAreAnError) {
  const cv::Mat dotted(100, 200, CV_8UC3, cv::Scalar::all(90));
  const cv::Mat plain(120, 200, CV_8UC3, cv::Scalar::all(90));
  EXPECT_THROW(DetectDots(dotted, plain, DotDetectorOptions{}), std::exception);
}

TEST(DotDetectorOptions, CheckNamesTheBadField) {
  DotDetectorOptions options;
  options.difference_threshold = 0;
  try {
    options.Check();
    FAIL() << "bad option accepted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("difference_threshold"), std::string::npos);
  }
}

}  // namespace
}  // namespace sealion
