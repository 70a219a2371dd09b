#include "sealion/core/image_io.h"

#include <gtest/gtest.h>

#include "sealion/core/classes.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

TEST(ImageIo, TruncatedJpegIsAnErrorNamingTheFile) {
  testing::ScopedTempDir dir;
  const cv::Mat image(64, 96, CV_8UC3, cv::Scalar(10, 120, 200));
  WriteImageAtomically(dir.path() / "good.jpg", image);
  EXPECT_EQ(ReadColourImage(dir.path() / "good.jpg").size(), image.size());

  const std::string bytes = ReadFileToString(dir.path() / "good.jpg");
  WriteFileAtomically(dir.path() / "cut.jpg", bytes.substr(0, bytes.size() / 2));
  try {
    ReadColourImage(dir.path() / "cut.jpg");
    FAIL() << "truncated JPEG accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("cut.jpg"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("truncated"), std::string::npos);
  }
  WriteFileAtomically(dir.path() / "text.jpg", "not an image");
  EXPECT_THROW(ReadColourImage(dir.path() / "text.jpg"), Error);
  EXPECT_THROW(ReadColourImage(dir.path() / "missing.jpg"), Error);
}

TEST(ImageIo, PhotoIdsComeFromNumericFileNames) {
  EXPECT_EQ(PhotoIdFromFileName("Test/123.jpg"), 123);
  EXPECT_EQ(PhotoIdFromFileName("0.png"), 0);
  EXPECT_THROW(PhotoIdFromFileName("Test/abc.jpg"), Error);
  EXPECT_THROW(PhotoIdFromFileName("12a.jpg"), Error);
  EXPECT_THROW(PhotoIdFromFileName("-3.jpg"), Error);
}

TEST(Classes, VocabularyIsTheCompetitionsOrder) {
  EXPECT_EQ(ClassName(kAdultMales), "adult_males");
  EXPECT_EQ(ClassName(kPups), "pups");
  EXPECT_EQ(ClassName(kNonSeal), "non_seal");
  EXPECT_EQ(ClassIndexFromName("juveniles"), kJuveniles);
  EXPECT_THROW(ClassIndexFromName("walrus"), Error);
}

}  // namespace
}  // namespace sealion
