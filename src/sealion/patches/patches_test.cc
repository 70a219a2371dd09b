#include "sealion/patches/patches.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "sealion/core/image_io.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

// A plain photo whose pixel (x, y) encodes its own coordinates, a dotted twin, and metadata.
struct CodedDataset {
  testing::ScopedTempDir dir;
  cv::Mat plain;
  CodedDataset(const std::vector<std::pair<int, cv::Point>>& dots, cv::Size size = {400, 300}) {
    plain = cv::Mat(size, CV_8UC3);
    for (int y = 0; y < size.height; ++y) {
      for (int x = 0; x < size.width; ++x)
        plain.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y % 256, (x / 256) * 16 + (y / 256));
    }
    std::filesystem::create_directories(dir.path() / "Train");
    std::filesystem::create_directories(dir.path() / "TrainDotted");
    WriteImageAtomically(dir.path() / "Train" / "7.png", plain);
    nlohmann::json sea_lions = {{"adult_males", nlohmann::json::array()},
                                {"subadult_males", nlohmann::json::array()},
                                {"adult_females", nlohmann::json::array()},
                                {"juveniles", nlohmann::json::array()},
                                {"pups", nlohmann::json::array()}};
    for (const auto& [c, p] : dots) sea_lions[std::string(kClassNames[c])].push_back({p.x, p.y});
    WriteFileAtomically(
        dir.path() / "meta.json",
        nlohmann::json::array({{{"sea-lions", sea_lions}, {"filename", "7.jpg"}}}).dump());
    // Train/7.jpg must exist under the competition's name; PNG bytes decode the same.
    std::filesystem::copy_file(dir.path() / "Train" / "7.png", dir.path() / "Train" / "7.jpg");
  }
  PatchesOptions Options() const {
    PatchesOptions options;
    options.dataset_dir = dir.path();
    options.metadata = dir.path() / "meta.json";
    options.output_dir = dir.path() / "patches";
    options.threads = 1;
    return options;
  }
};

TEST(Patches, ThumbnailsAreCentredOnTheDotWithTheSeedsNames) {
  CodedDataset data({{kPups, {200, 150}}});
  RunPatches(data.Options());
  for (const int offset : {-1, 0, 1}) {
    const auto path = data.dir.path() / "patches" / PatchFileName("7.jpg", kPups, 0, offset);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(path.filename().string(), "img_7.jpg-pups-0-" + std::to_string(offset) + ".png");
    const cv::Mat patch = ReadColourImage(path);
    ASSERT_EQ(patch.size(), cv::Size(64, 64));
    // The centre pixel (32, 32) is the dot moved by the offset.
    EXPECT_EQ(patch.at<cv::Vec3b>(32, 32), data.plain.at<cv::Vec3b>(150 + offset, 200 + offset));
  }
}

TEST(Patches, WindowsAtTheBorderShiftInside) {
  EXPECT_EQ(PatchOrigin({5, 5}, {400, 300}), cv::Point(0, 0));
  EXPECT_EQ(PatchOrigin({399, 299}, {400, 300}), cv::Point(336, 236));
  EXPECT_EQ(PatchOrigin({100, 100}, {400, 300}), cv::Point(68, 68));
  CodedDataset data({{kAdultMales, {2, 298}}});
  RunPatches(data.Options());
  const cv::Mat patch =
      ReadColourImage(data.dir.path() / "patches" / PatchFileName("7.jpg", kAdultMales, 0, 0));
  EXPECT_EQ(patch.at<cv::Vec3b>(0, 0), data.plain.at<cv::Vec3b>(236, 0));
  const CsvTable manifest = ReadCsv(data.dir.path() / "patches" / "manifest.csv");
  EXPECT_EQ(manifest.rows[1][5], "-30");  // the dot sits 30 px left of the centre
  EXPECT_EQ(manifest.rows[1][6], "30");
}

TEST(Patches, BackgroundNeverOverlapsADot) {
  std::vector<std::pair<int, cv::Point>> dots;
  for (int i = 0; i < 12; ++i) dots.push_back({i % 5, {40 + 27 * i, 60 + (i % 3) * 80}});
  CodedDataset data(dots, {600, 400});
  PatchesOptions options = data.Options();
  options.negatives_per_image = 40;
  const PatchesSummary summary = RunPatches(options);
  EXPECT_GT(summary.per_class[kNonSeal], 0);
  const CsvTable manifest = ReadCsv(data.dir.path() / "patches" / "manifest.csv");
  for (size_t row = 0; row < manifest.rows.size(); ++row) {
    if (manifest.rows[row][1] != "non_seal") continue;
    const int64_t cx = manifest.IntegerAt(row, 3), cy = manifest.IntegerAt(row, 4);
    for (const auto& [c, dot] : dots) {
      EXPECT_FALSE(std::abs(dot.x - cx) < 32 + 16 && std::abs(dot.y - cy) < 32 + 16)
          << "background at " << cx << "," << cy << " overlaps the dot at " << dot.x << ","
          << dot.y;
    }
  }
}

TEST(Patches, SameSeedSamePatchSet) {
  CodedDataset data({{kJuveniles, {100, 100}}, {kPups, {300, 200}}});
  PatchesOptions options = data.Options();
  RunPatches(options);
  const std::string first = ReadFileToString(options.output_dir / "manifest.csv");
  RunPatches(options);
  EXPECT_EQ(first, ReadFileToString(options.output_dir / "manifest.csv"));
  options.seed = 2;
  options.output_dir = data.dir.path() / "other";
  RunPatches(options);
  EXPECT_NE(first, ReadFileToString(options.output_dir / "manifest.csv"));
}

TEST(Patches, ABadPhotoFailsAloneAndTheOthersAreStillListed) {
  CodedDataset data({{kPups, {200, 150}}});
  // A second photo whose plain copy is cut short.
  const std::string bytes = ReadFileToString(data.dir.path() / "Train" / "7.png");
  WriteFileAtomically(data.dir.path() / "Train" / "8.jpg",
                      std::string("\xFF\xD8") + bytes.substr(0, 100));
  auto metadata = nlohmann::json::parse(ReadFileToString(data.dir.path() / "meta.json"));
  auto second = metadata[0];
  second["filename"] = "8.jpg";
  metadata.push_back(second);
  WriteFileAtomically(data.dir.path() / "meta.json", metadata.dump());
  const PatchesSummary summary = RunPatches(data.Options());
  EXPECT_EQ(summary.images, 1);
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_NE(summary.errors[0].find("8.jpg"), std::string::npos) << summary.errors[0];
  const CsvTable manifest = ReadCsv(data.dir.path() / "patches" / "manifest.csv");
  for (const auto& row : manifest.rows) EXPECT_EQ(row[2], "7.jpg");
  EXPECT_FALSE(manifest.rows.empty());
}

// A photo with only its dotted copy: cut from the dotted copy with the dots removed, so that no
// thumbnail shows a dot's colour; skipped when told not to repair.
TEST(Patches, ADottedOnlyPhotoIsCutWithItsDotsRemoved) {
  CodedDataset data({{kAdultMales, {200, 150}}});
  cv::Mat dotted(300, 400, CV_8UC3, cv::Scalar(90, 110, 120));   // BGR, a grey-brown rock
  cv::circle(dotted, {200, 150}, 4, cv::Scalar(6, 9, 243), -1);  // the red dot of an adult male
  WriteImageAtomically(data.dir.path() / "TrainDotted" / "7.png", dotted);
  std::filesystem::rename(data.dir.path() / "TrainDotted" / "7.png",
                          data.dir.path() / "TrainDotted" / "7.jpg");
  std::filesystem::remove(data.dir.path() / "Train" / "7.jpg");
  PatchesOptions options = data.Options();
  const PatchesSummary summary = RunPatches(options);
  EXPECT_EQ(summary.images, 1);
  EXPECT_EQ(summary.per_class[kAdultMales], 3);
  const cv::Mat patch =
      ReadColourImage(options.output_dir / PatchFileName("7.jpg", kAdultMales, 0, 0));
  cv::Mat difference;
  cv::absdiff(patch, cv::Scalar(90, 110, 120), difference);
  double largest = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &largest);
  EXPECT_LE(largest, 3) << "dot colour left in the thumbnail";

  options.dedot = false;
  options.output_dir = data.dir.path() / "without";
  const PatchesSummary skipped = RunPatches(options);
  EXPECT_EQ(skipped.images, 0);
  EXPECT_EQ(skipped.skipped_without_plain, 1);
}

}  // namespace
}  // namespace sealion
