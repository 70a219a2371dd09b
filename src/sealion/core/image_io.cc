#include "sealion/core/image_io.h"

#include <fmt/format.h>

#include <charconv>
#include <opencv2/imgcodecs.hpp>
#include <string_view>

#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

bool IsJpeg(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
         static_cast<uint8_t>(bytes[1]) == 0xD8;
}

// A complete JPEG ends with the EOI marker FF D9, possibly followed by a little padding.
bool HasEndOfImageMarker(const std::string& bytes) {
  const size_t search_from = bytes.size() > 1024 ? bytes.size() - 1024 : 0;
  for (size_t i = bytes.size(); i-- > search_from + 1;) {
    if (static_cast<uint8_t>(bytes[i - 1]) == 0xFF && static_cast<uint8_t>(bytes[i]) == 0xD9) {
      return true;
    }
  }
  return false;
}

}  // namespace

cv::Mat ReadColourImage(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw Error(fmt::format("{}: no such file", path.string()));
  const std::string bytes = ReadFileToString(path);
  if (bytes.empty()) throw Error(fmt::format("{}: empty file", path.string()));
  if (IsJpeg(bytes) && !HasEndOfImageMarker(bytes)) {
    throw Error(
        fmt::format("{}: truncated or corrupt JPEG (no end-of-image marker)", path.string()));
  }
  cv::Mat image;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    image = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception& error) {
    throw Error(fmt::format("{}: cannot decode image: {}", path.string(), error.what()));
  }
  if (image.empty()) throw Error(fmt::format("{}: not a readable image", path.string()));
  return image;
}

std::vector<uint8_t> EncodeJpeg(const cv::Mat& image, int quality) {
  std::vector<uint8_t> bytes;
  // OpenCV 4.6 has no sampling-factor flag; libjpeg's default for colour is 4:2:0 already.
  const std::vector<int> parameters = {cv::IMWRITE_JPEG_QUALITY, quality};
  if (!cv::imencode(".jpg", image, bytes, parameters)) throw Error("JPEG encoding failed");
  return bytes;
}

void WriteImageAtomically(const std::filesystem::path& path, const cv::Mat& image,
                          int jpeg_quality) {
  std::vector<uint8_t> bytes;
  const std::string extension = path.extension().string();
  if (extension == ".jpg" || extension == ".jpeg") {
    bytes = EncodeJpeg(image, jpeg_quality);
  } else if (!cv::imencode(extension, image, bytes)) {
    throw Error(fmt::format("{}: cannot encode image as '{}'", path.string(), extension));
  }
  WriteFileAtomically(path,
                      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

int64_t PhotoIdFromFileName(const std::filesystem::path& path) {
  const std::string stem = path.stem().string();
  int64_t id = -1;
  const auto [end, status] = std::from_chars(stem.data(), stem.data() + stem.size(), id);
  if (stem.empty() || status != std::errc() || end != stem.data() + stem.size() || id < 0) {
    throw Error(fmt::format("{}: file name is not a photo id (expected a number such as 123.jpg)",
                            path.string()));
  }
  return id;
}

}  // namespace sealion
