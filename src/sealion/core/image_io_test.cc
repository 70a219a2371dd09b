#include "sealion/core/image_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sealion/core/classes.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

// After <cstdio>: jpeglib.h needs FILE and size_t declared.
#include <jpeglib.h>

namespace sealion {
namespace {

// Smoothed noise: JPEG data that is neither trivial nor incompressible, like a real photo's.
cv::Mat TexturedImage(int rows, int cols, int type) {
  cv::Mat image(rows, cols, type);
  cv::RNG random(7);
  random.fill(image, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(image, image, cv::Size(5, 5), 1.5);
  return image;
}

std::string JpegBytes(const cv::Mat& image) {
  const std::vector<uint8_t> bytes = EncodeJpeg(image, 90);
  return std::string(bytes.begin(), bytes.end());
}

cv::Mat DecodeWithOpenCv(const std::string& bytes) {
  return cv::imdecode(std::vector<uint8_t>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
}

// A CMYK JPEG of `inks` (four channels, C, M, Y, K) as Photoshop writes one: inverted inks (255
// = none; libjpeg stores the values it is given) and an Adobe marker saying `colour_space`
// (JCS_CMYK, or JCS_YCCK: the first three inks turned into YCC as RGB would be).
std::string CmykJpegBytes(const cv::Mat& inks, J_COLOR_SPACE colour_space) {
  jpeg_compress_struct info{};
  jpeg_error_mgr errors{};
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;  // NOLINT(runtime/int): jpeg_mem_dest's type
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = inks.cols;
  info.image_height = inks.rows;
  info.input_components = 4;
  info.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&info);
  jpeg_set_colorspace(&info, colour_space);
  jpeg_set_quality(&info, 95, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(inks.ptr<uint8_t>(static_cast<int>(info.next_scanline)));
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::string bytes(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return bytes;
}

// `jpeg` with an APP1 "Exif" block after its SOI marker whose only entry is the orientation.
std::string WithExifOrientation(const std::string& jpeg, uint8_t orientation) {
  // clang-format off
  const uint8_t exif[] = {
      0xFF, 0xE1, 0, 34,              // APP1 marker, length of what follows it
      'E', 'x', 'i', 'f', 0, 0,       // name
      'M', 'M', 0, 42, 0, 0, 0, 8,    // TIFF header: big endian, first IFD at offset 8
      0, 1,                           // the IFD has one entry:
      0x01, 0x12, 0, 3, 0, 0, 0, 1,   // tag Orientation, type SHORT, count 1,
      0, orientation, 0, 0,           // value
      0, 0, 0, 0};                    // no next IFD
  // clang-format on
  return jpeg.substr(0, 2) + std::string(std::begin(exif), std::end(exif)) + jpeg.substr(2);
}

// Expects reading `path` to fail with a message that names the file and contains `expected`.
void ExpectReadFails(const std::filesystem::path& path, const std::string& expected,
                     const ImageReadLimits& limits = {}) {
  try {
    ReadColourImage(path, limits);
    ADD_FAILURE() << path << " was accepted; expected an error saying '" << expected << "'";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
}

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

TEST(ImageIo, JpegWithZeroedDataIsAnErrorNamingTheFile) {
  testing::ScopedTempDir dir;
  std::string bytes = JpegBytes(TexturedImage(480, 640, CV_8UC3));
  ASSERT_GT(bytes.size(), 10'000u);
  std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() * 2 / 5), 2000, '\0');
  // OpenCV alone returns an image here and only prints libjpeg's warning.
  EXPECT_FALSE(DecodeWithOpenCv(bytes).empty());
  WriteFileAtomically(dir.path() / "zeroed.jpg", bytes);
  ExpectReadFails(dir.path() / "zeroed.jpg", "corrupt JPEG: ");
}

TEST(ImageIo, HalfAJpegWithAnEndMarkerIsAnError) {
  testing::ScopedTempDir dir;
  const std::string bytes = JpegBytes(TexturedImage(480, 640, CV_8UC3));
  const std::string half_with_end = bytes.substr(0, bytes.size() / 2) + "\xFF\xD9";
  EXPECT_FALSE(DecodeWithOpenCv(half_with_end).empty());  // half grey, with a printed warning
  WriteFileAtomically(dir.path() / "half.jpg", half_with_end);
  ExpectReadFails(dir.path() / "half.jpg", "corrupt JPEG: ");
}

TEST(ImageIo, HeaderClaimingMorePixelsThanTheDataCanHoldIsRefused) {
  testing::ScopedTempDir dir;
  std::string bytes = JpegBytes(TexturedImage(48, 64, CV_8UC3));
  // SOF0: FF C0, length (2 bytes), precision (1), height (2), width (2); big endian.
  const size_t frame = bytes.find("\xFF\xC0");
  ASSERT_NE(frame, std::string::npos);
  const auto write_16_bits = [&](size_t offset, int value) {
    bytes[offset] = static_cast<char>(value >> 8);
    bytes[offset + 1] = static_cast<char>(value & 0xFF);
  };
  write_16_bits(frame + 5, 20000);
  write_16_bits(frame + 7, 30000);
  WriteFileAtomically(dir.path() / "huge.jpg", bytes);
  // 600 megapixels are within the default limit; the file's few bytes cannot hold them.
  ExpectReadFails(dir.path() / "huge.jpg", "header claims 30000x20000 pixels");
}

TEST(ImageIo, OnlyRegularFilesAreRead) {
  testing::ScopedTempDir dir;
  ASSERT_EQ(::mkfifo((dir.path() / "fifo.jpg").c_str(), 0600), 0);
  ExpectReadFails(dir.path() / "fifo.jpg", "not a regular file");  // and does not block
  std::filesystem::create_directory(dir.path() / "folder.jpg");
  ExpectReadFails(dir.path() / "folder.jpg", "not a regular file");
  std::filesystem::create_symlink("/dev/zero", dir.path() / "zero.jpg");
  ExpectReadFails(dir.path() / "zero.jpg", "not a regular file");

  WriteFileAtomically(dir.path() / "good.jpg", JpegBytes(TexturedImage(48, 64, CV_8UC3)));
  std::filesystem::create_symlink(dir.path() / "good.jpg", dir.path() / "link.jpg");
  EXPECT_EQ(ReadColourImage(dir.path() / "link.jpg").size(), cv::Size(64, 48));
}

TEST(ImageIo, JpegPixelsAreExactlyThoseOfOpenCv) {
  testing::ScopedTempDir dir;
  // Odd sizes exercise the partial 16x16 blocks of 4:2:0 at the right and bottom edges; a
  // progressive JPEG is decoded from many scans.
  for (const bool progressive : {false, true}) {
    for (const cv::Size size : {cv::Size(640, 480), cv::Size(101, 77)}) {
      std::vector<uint8_t> encoded;
      cv::imencode(".jpg", TexturedImage(size.height, size.width, CV_8UC3), encoded,
                   {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, progressive});
      const std::string bytes(encoded.begin(), encoded.end());
      WriteFileAtomically(dir.path() / "colour.jpg", bytes);
      const cv::Mat image = ReadColourImage(dir.path() / "colour.jpg");
      const cv::Mat expected = DecodeWithOpenCv(bytes);
      ASSERT_EQ(image.type(), CV_8UC3);
      ASSERT_EQ(image.size(), expected.size());
      EXPECT_EQ(cv::norm(image, expected, cv::NORM_INF), 0.0)
          << size << " progressive " << progressive;
    }
  }
}

TEST(ImageIo, GreyscaleJpegGivesThreeEqualChannels) {
  testing::ScopedTempDir dir;
  const std::string bytes = JpegBytes(TexturedImage(77, 101, CV_8UC1));
  WriteFileAtomically(dir.path() / "grey.jpg", bytes);
  const cv::Mat image = ReadColourImage(dir.path() / "grey.jpg");
  ASSERT_EQ(image.type(), CV_8UC3);
  const cv::Mat expected = DecodeWithOpenCv(bytes);
  ASSERT_EQ(image.size(), expected.size());
  EXPECT_EQ(cv::norm(image, expected, cv::NORM_INF), 0.0);
}

TEST(ImageIo, CmykJpegIsConvertedToColourAsCvImreadConvertsIt) {
  testing::ScopedTempDir dir;
  const cv::Mat inks = TexturedImage(77, 101, CV_8UC4);
  for (const J_COLOR_SPACE colour_space : {JCS_CMYK, JCS_YCCK}) {
    const auto path = dir.path() / (colour_space == JCS_CMYK ? "cmyk.jpg" : "ycck.jpg");
    WriteFileAtomically(path, CmykJpegBytes(inks, colour_space));
    const ColourImage read = ReadColourImageAndQuality(path);
    const cv::Mat expected = cv::imread(path.string(), cv::IMREAD_COLOR);
    ASSERT_EQ(read.bgr.type(), CV_8UC3) << path;
    ASSERT_EQ(read.bgr.size(), expected.size()) << path;
    EXPECT_EQ(cv::norm(read.bgr, expected, cv::NORM_INF), 0.0) << path;
    EXPECT_EQ(read.jpeg_quality, 95) << path;
  }
  // Not only OpenCV's reading: flat inks give the colours they print. Inverted inks, so 255 is
  // none: left half cyan ink alone, right half no ink at all; K inverted 255 (no black ink).
  cv::Mat flat(64, 128, CV_8UC4, cv::Scalar(255, 255, 255, 255));
  flat(cv::Rect(0, 0, 64, 64)).setTo(cv::Scalar(0, 255, 255, 255));
  WriteFileAtomically(dir.path() / "flat.jpg", CmykJpegBytes(flat, JCS_YCCK));
  const cv::Mat image = ReadColourImage(dir.path() / "flat.jpg");
  const cv::Vec3b cyan = image.at<cv::Vec3b>(32, 20), white = image.at<cv::Vec3b>(32, 108);
  EXPECT_GE(cyan[0], 250) << cyan;  // blue
  EXPECT_GE(cyan[1], 250) << cyan;  // green
  EXPECT_LE(cyan[2], 5) << cyan;    // red: the cyan ink takes it away
  for (int channel = 0; channel < 3; ++channel) EXPECT_GE(white[channel], 250) << white;
}

TEST(ImageIo, ExifOrientationIsAppliedAsCvImreadDoes) {
  testing::ScopedTempDir dir;
  const std::string bytes = JpegBytes(TexturedImage(48, 64, CV_8UC3));
  for (uint8_t orientation = 1; orientation <= 8; ++orientation) {
    const auto path = dir.path() / ("orientation-" + std::to_string(orientation) + ".jpg");
    WriteFileAtomically(path, WithExifOrientation(bytes, orientation));
    const cv::Mat image = ReadColourImage(path);
    const cv::Mat expected = cv::imread(path.string(), cv::IMREAD_COLOR);
    ASSERT_EQ(image.size(), expected.size()) << "orientation " << int{orientation};
    EXPECT_EQ(cv::norm(image, expected, cv::NORM_INF), 0.0) << "orientation " << int{orientation};
  }
}

TEST(ImageIo, PixelLimitRefusesLargerPhotos) {
  testing::ScopedTempDir dir;
  const cv::Mat image = TexturedImage(48, 64, CV_8UC3);
  WriteImageAtomically(dir.path() / "photo.jpg", image);
  WriteImageAtomically(dir.path() / "photo.png", image);
  for (const char* name : {"photo.jpg", "photo.png"}) {
    ExpectReadFails(dir.path() / name, "more than the limit of 3071 pixels", {.max_pixels = 3071});
    EXPECT_EQ(ReadColourImage(dir.path() / name, {.max_pixels = 3072}).size(), image.size());
  }

  const ImageReadLimits original = DefaultImageReadLimits();
  EXPECT_EQ(original.max_pixels, 1'000'000'000);
  SetDefaultImageReadLimits({.max_pixels = 100});
  EXPECT_THROW(ReadColourImage(dir.path() / "photo.jpg"), Error);
  SetDefaultImageReadLimits(original);
  EXPECT_NO_THROW(ReadColourImage(dir.path() / "photo.jpg"));
  EXPECT_THROW(SetDefaultImageReadLimits({.max_pixels = 0}), Error);
}

TEST(ImageIo, JpegQualityIsReadBackFromTheQuantisationTables) {
  testing::ScopedTempDir dir;
  const cv::Mat colour = TexturedImage(64, 96, CV_8UC3);
  for (const int quality : {1, 5, 20, 21, 30, 49, 50, 51, 75, 90, 95, 100}) {
    const auto path = dir.path() / (std::to_string(quality) + ".jpg");
    WriteImageAtomically(path, colour, quality);
    const ColourImage image = ReadColourImageAndQuality(path);
    EXPECT_EQ(image.jpeg_quality, quality);
    EXPECT_EQ(cv::norm(image.bgr, ReadColourImage(path), cv::NORM_INF), 0.0);
  }
  // Greyscale has the luminance table alone; a PNG has none; a file that is neither is an error
  // naming it.
  WriteImageAtomically(dir.path() / "grey.jpg", TexturedImage(64, 96, CV_8UC1), 33);
  EXPECT_EQ(ReadColourImageAndQuality(dir.path() / "grey.jpg").jpeg_quality, 33);
  WriteImageAtomically(dir.path() / "photo.png", colour);
  EXPECT_EQ(ReadColourImageAndQuality(dir.path() / "photo.png").jpeg_quality, std::nullopt);
  WriteFileAtomically(dir.path() / "text.jpg", std::string("not a photo"));
  try {
    ReadColourImageAndQuality(dir.path() / "text.jpg");
    ADD_FAILURE() << "a text file was given a JPEG quality";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("text.jpg"), std::string::npos) << error.what();
  }
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
