#pragma once
// Reading and writing photos. A photo that is corrupt is an error that names the file, never a
// half-grey image: JPEGs are decoded with libjpeg(-turbo) directly, and any corrupt-data warning
// it gives fails the photo (OpenCV alone would only print the warning and carry on).

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

namespace sealion {

// Bounds on what reading one photo may cost, checked before the pixels are decoded.
struct ImageReadLimits {
  // A photo with more pixels (width * height) than this is refused; 30000 x 20000 (600 MP) is
  // fine. JPEGs are checked from their header; other formats once OpenCV has decoded them.
  int64_t max_pixels = 1'000'000'000;

  // Throws sealion::Error when a limit is not positive.
  void Check() const;
};

// The limits ReadColourImage uses when none are passed. Set them once at start-up, before other
// threads read photos; reading and setting are thread-safe all the same.
void SetDefaultImageReadLimits(const ImageReadLimits& limits);
ImageReadLimits DefaultImageReadLimits();

// Reads a colour photo (BGR, 8 bit, as cv::imread gives it, EXIF orientation applied; a CMYK
// JPEG converted to colour as cv::imread converts it, its inks taken as Adobe's inverted ones).
// Throws sealion::Error naming the file when
// - it is missing, empty, or not a regular file (a folder, a FIFO, a device; symlinks to a
//   regular file are fine), checked before anything is read;
// - it is not an image, or a JPEG that is truncated or has corrupt data ("photos/12.jpg: corrupt
//   JPEG: Premature end of JPEG file");
// - it has more pixels than limits.max_pixels;
// - it is a JPEG whose header claims more pixels than its data could hold: Huffman coding needs
//   at least one bit per 8x8 block, so a file of fewer than pixels / 1024 bytes (half that
//   minimum) has a corrupt header, and is refused before its decoding takes minutes.
cv::Mat ReadColourImage(const std::filesystem::path& path, const ImageReadLimits& limits);
cv::Mat ReadColourImage(const std::filesystem::path& path);  // with DefaultImageReadLimits()

// A photo as ReadColourImage gives it, with its JPEG quality from the header read for the pixels:
// the quality (1-100) on the IJG scale that libjpeg, OpenCV, Pillow and most tools use, whose
// standard luminance table is nearest the file's (exact for files those tools wrote; for a
// camera's own tables, the nearest equivalent); nullopt for a PNG. A photo recompressed hard and
// then saved again at a high quality keeps the artefacts but reports the high quality.
struct ColourImage {
  cv::Mat bgr;
  std::optional<int> jpeg_quality;
};
ColourImage ReadColourImageAndQuality(const std::filesystem::path& path,
                                      const ImageReadLimits& limits);
ColourImage ReadColourImageAndQuality(const std::filesystem::path& path);

// The size (width, height) of a JPEG or PNG photo as ReadColourImage gives it (a JPEG's EXIF
// orientation applied), from its header alone: nothing is decoded and, for a JPEG, only the bytes
// up to its frame header are read. Throws sealion::Error naming the file when it is missing, not
// a JPEG or PNG, or its header is corrupt.
cv::Size ReadImageSize(const std::filesystem::path& path);

// A file name's extension in lower case, with its dot (".jpg" for "12.JPG"; "" for none): the
// one test of what kind of image a name claims to be.
std::string LowerCaseExtension(const std::filesystem::path& path);

// Encodes `image` (BGR) as JPEG with the given quality and 4:2:0 chroma subsampling.
std::vector<uint8_t> EncodeJpeg(const cv::Mat& image, int quality);

// Writes an image atomically; the format follows the extension (.png, .jpg).
void WriteImageAtomically(const std::filesystem::path& path, const cv::Mat& image,
                          int jpeg_quality = 90);

// Parses the numeric id of a photo from its file name ("Test/123.jpg" -> 123); throws otherwise.
int64_t PhotoIdFromFileName(const std::filesystem::path& path);

}  // namespace sealion
