#pragma once
// Reading and writing photos. Corrupt or truncated JPEGs are errors that name the file; OpenCV
// alone would return a half-grey image for a truncated file and only print a warning.

#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

namespace sealion {

// Reads a colour photo (BGR, 8 bit). Throws sealion::Error naming the file when it is missing,
// not an image, or a JPEG that is truncated.
cv::Mat ReadColourImage(const std::filesystem::path& path);

// Encodes `image` (BGR) as JPEG with the given quality and 4:2:0 chroma subsampling.
std::vector<uint8_t> EncodeJpeg(const cv::Mat& image, int quality);

// Writes an image atomically; the format follows the extension (.png, .jpg).
void WriteImageAtomically(const std::filesystem::path& path, const cv::Mat& image,
                          int jpeg_quality = 90);

// Parses the numeric id of a photo from its file name ("Test/123.jpg" -> 123); throws otherwise.
int64_t PhotoIdFromFileName(const std::filesystem::path& path);

}  // namespace sealion
