#include "sealion/core/image_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>  // flags only: the codecs are loaded by image_codecs.h
#include <string_view>
#include <utility>

#include "sealion/core/image_codecs.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"

// After <cstdio>: jpeglib.h needs FILE and size_t declared.
#include <jpeglib.h>

namespace sealion {
namespace {

std::mutex default_limits_mutex;
ImageReadLimits default_limits;

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

// Refuses, before anything is read, what is not a regular file: reading a FIFO blocks, and a
// device such as /dev/zero never ends. status() follows symlinks.
void CheckIsRegularFile(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw Error(fmt::format("{}: no such file", path.string()));
  }
  if (error) throw Error(fmt::format("{}: cannot read: {}", path.string(), error.message()));
  if (!std::filesystem::is_regular_file(status)) {
    throw Error(fmt::format("{}: not a regular file", path.string()));
  }
}

void CheckPixelCount(const std::filesystem::path& path, int64_t width, int64_t height,
                     const ImageReadLimits& limits) {
  // Divided, not multiplied: a PNG header may claim 4 billion by 4 billion (found by fuzzing).
  if (width > 0 && height > limits.max_pixels / width) {
    throw Error(fmt::format(
        "{}: {}x{} = {:.0f} pixels, more than the limit of {} pixels", path.string(), width, height,
        static_cast<double>(width) * static_cast<double>(height), limits.max_pixels));
  }
}

// libjpeg reports an error by calling error_exit, which must not return, and a corrupt-data
// warning by calling emit_message with level -1. Both jump back to the setjmp of the step below
// that called libjpeg, which then returns false. So no C++ exception crosses libjpeg's C frames,
// and the steps hold nothing whose destructor the jump would skip.
struct JpegDecoder {
  jpeg_decompress_struct info{};
  jpeg_error_mgr errors{};
  std::jmp_buf return_to_step;
  char message[JMSG_LENGTH_MAX] = {};

  JpegDecoder() {
    info.err = jpeg_std_error(&errors);
    errors.error_exit = &JumpBackWithMessage;
    errors.emit_message = &FailOnWarning;
    errors.output_message = &PrintNothing;
    info.client_data = this;
  }
  ~JpegDecoder() { jpeg_destroy_decompress(&info); }
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  static void JumpBackWithMessage(j_common_ptr common) {
    auto* decoder = static_cast<JpegDecoder*>(common->client_data);
    common->err->format_message(common, decoder->message);
    std::longjmp(decoder->return_to_step, 1);
  }
  static void FailOnWarning(j_common_ptr common, int level) {
    if (level < 0) JumpBackWithMessage(common);  // levels 0 and up are trace messages
  }
  static void PrintNothing(j_common_ptr) {}
};

// Step 1: reads the header, keeping the APP1 blocks for the EXIF orientation.
bool ReadJpegHeader(JpegDecoder& decoder, const std::string& bytes) {
  if (setjmp(decoder.return_to_step) != 0) return false;
  jpeg_create_decompress(&decoder.info);
  jpeg_mem_src(&decoder.info, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_save_markers(&decoder.info, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&decoder.info, TRUE);
  return true;
}

// Step 1 for a file: reads only as far as the header, from `file`.
bool ReadJpegHeaderFromFile(JpegDecoder& decoder, FILE* file) {
  if (setjmp(decoder.return_to_step) != 0) return false;
  jpeg_create_decompress(&decoder.info);
  jpeg_stdio_src(&decoder.info, file);
  jpeg_save_markers(&decoder.info, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&decoder.info, TRUE);
  return true;
}

// Step 2: decodes the pixels, in out_color_space, into rows `row_bytes` apart.
bool DecodeJpegPixels(JpegDecoder& decoder, uint8_t* pixels, size_t row_bytes) {
  if (setjmp(decoder.return_to_step) != 0) return false;
  jpeg_start_decompress(&decoder.info);
  while (decoder.info.output_scanline < decoder.info.output_height) {
    JSAMPROW row = pixels + decoder.info.output_scanline * row_bytes;
    jpeg_read_scanlines(&decoder.info, &row, 1);
  }
  jpeg_finish_decompress(&decoder.info);
  return true;
}

// The EXIF orientation (1 to 8) of a decoded header, 1 when there is none. The APP1 block is
// "Exif\0\0" and a TIFF header: byte order ("II" little endian, "MM" big endian), 42, the offset
// of the first IFD; an IFD is an entry count and entries of 12 bytes: tag, type, count, value.
int ExifOrientation(const jpeg_decompress_struct& info) {
  for (jpeg_saved_marker_ptr marker = info.marker_list; marker; marker = marker->next) {
    if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 14 ||
        std::memcmp(marker->data, "Exif\0\0", 6) != 0) {
      continue;
    }
    const uint8_t* tiff = marker->data + 6;
    const size_t tiff_size = marker->data_length - 6;
    const bool little_endian = tiff[0] == 'I';
    const auto read = [&](size_t offset, int size) {
      uint32_t value = 0;
      for (int i = 0; i < size; ++i) {
        value |= uint32_t{tiff[offset + i]} << (8 * (little_endian ? i : size - 1 - i));
      }
      return value;
    };
    const size_t first_ifd = read(4, 4);
    if (first_ifd + 2 > tiff_size) return 1;
    const size_t entry_count = read(first_ifd, 2);
    for (size_t i = 0; i < entry_count; ++i) {
      const size_t entry = first_ifd + 2 + 12 * i;
      if (entry + 12 > tiff_size) break;
      if (read(entry, 2) == 0x0112) return static_cast<int>(read(entry + 8, 2));
    }
    return 1;
  }
  return 1;
}

// Turns the decoded pixels upright as the EXIF orientation says, as cv::imread does.
void ApplyExifOrientation(int orientation, cv::Mat& image) {
  if (orientation >= 5 && orientation <= 8) cv::transpose(image, image);
  switch (orientation) {
    case 2:  // mirrored left-right
    case 6:  // turned 90 degrees clockwise
      cv::flip(image, image, 1);
      break;
    case 3:  // turned 180 degrees
    case 7:  // transverse
      cv::flip(image, image, -1);
      break;
    case 4:  // mirrored top-bottom
    case 8:  // turned 90 degrees counter-clockwise
      cv::flip(image, image, 0);
      break;
    default:
      break;
  }
}

// The IJG quality (1-100) whose standard luminance table is nearest the one of a read header's
// first component (Y), whichever slot it is in (ColourImage::jpeg_quality).
int IjgQuality(const std::filesystem::path& path, const jpeg_decompress_struct& info) {
  const int slot = info.num_components > 0 ? info.comp_info[0].quant_tbl_no : 0;
  const JQUANT_TBL* table = info.quant_tbl_ptrs[slot];
  if (table == nullptr)
    throw Error(fmt::format("{}: corrupt JPEG: no quantisation table", path.string()));
  // The JPEG standard's luminance table (ITU T.81, Annex K.1), in natural order as libjpeg keeps
  // its tables once read; IJG quality q scales it by 5000/q below 50 and 200 - 2q from 50 on.
  static constexpr int kStandardLuminance[64] = {
      16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
      14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
      18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
      49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
  int best_quality = 0;
  int64_t best_distance = std::numeric_limits<int64_t>::max();
  for (int quality = 1; quality <= 100; ++quality) {
    const int64_t scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    int64_t distance = 0;
    for (int i = 0; i < 64; ++i) {
      const int64_t standard =
          std::clamp<int64_t>((kStandardLuminance[i] * scale + 50) / 100, 1, 255);
      distance += std::abs(static_cast<int64_t>(table->quantval[i]) - standard);
    }
    if (distance < best_distance) best_distance = distance, best_quality = quality;
  }
  return best_quality;
}

// BGR from the four inks of a CMYK JPEG as libjpeg gives them, by the formula cv::imread uses:
// the values are taken as Adobe writes them, inverted (255 = no ink), so R = C * K / 255 with
// OpenCV's rounding (K - (255 - C) * K / 256). Photoshop's CMYK JPEGs, the common kind, are so.
cv::Mat BgrFromInvertedCmyk(const cv::Mat& inks) {
  cv::Mat bgr(inks.size(), CV_8UC3);
  for (int row = 0; row < inks.rows; ++row) {
    const uint8_t* cmyk = inks.ptr<uint8_t>(row);
    uint8_t* out = bgr.ptr<uint8_t>(row);
    for (int col = 0; col < inks.cols; ++col, cmyk += 4, out += 3) {
      const int k = cmyk[3];
      const auto channel = [k](int ink) {
        return static_cast<uint8_t>(k - ((255 - ink) * k >> 8));
      };
      out[0] = channel(cmyk[2]);
      out[1] = channel(cmyk[1]);
      out[2] = channel(cmyk[0]);
    }
  }
  return bgr;
}

ColourImage ReadJpeg(const std::filesystem::path& path, const std::string& bytes,
                     const ImageReadLimits& limits) {
  JpegDecoder decoder;
  const auto corrupt = [&] {
    return Error(fmt::format("{}: corrupt JPEG: {}", path.string(), decoder.message));
  };
  if (!ReadJpegHeader(decoder, bytes)) throw corrupt();
  jpeg_decompress_struct& info = decoder.info;
  const bool cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  const int64_t width = info.image_width;
  const int64_t height = info.image_height;
  CheckPixelCount(path, width, height, limits);
  if (static_cast<int64_t>(bytes.size()) < width * height / 1024) {
    throw Error(
        fmt::format("{}: corrupt JPEG: header claims {}x{} pixels, more than {} bytes can hold",
                    path.string(), width, height, bytes.size()));
  }
  // With the default scale of 1/1 the output is as large as the image. libjpeg turns YCCK into
  // CMYK itself, but not CMYK into colour.
  cv::Mat image(static_cast<int>(height), static_cast<int>(width), cmyk ? CV_8UC4 : CV_8UC3);
  // JCS_EXT_BGR also from greyscale: libjpeg-turbo repeats the grey.
  info.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
  const int orientation = ExifOrientation(info);  // jpeg_finish_decompress frees the markers
  const int quality = IjgQuality(path, info);
  if (!DecodeJpegPixels(decoder, image.data, image.step)) throw corrupt();
  if (cmyk) image = BgrFromInvertedCmyk(image);
  ApplyExifOrientation(orientation, image);
  return {image, quality};
}

bool IsPng(const std::string& bytes) {
  static constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kSignature, 8) == 0;
}

// The size a PNG's header (IHDR, the first chunk, in the first 33 bytes) claims.
std::pair<int64_t, int64_t> PngHeaderSize(const std::filesystem::path& path,
                                          const std::string& bytes) {
  if (bytes.size() < 33 || bytes.compare(12, 4, "IHDR") != 0)
    throw Error(fmt::format("{}: corrupt PNG (no IHDR header)", path.string()));
  const auto big_endian = [&](size_t offset) {
    int64_t value = 0;
    for (size_t i = 0; i < 4; ++i)
      value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
    return value;
  };
  const int64_t width = big_endian(16), height = big_endian(20);
  constexpr int64_t kLargestSide = (int64_t{1} << 31) - 1;  // the PNG specification's
  if (width <= 0 || height <= 0 || width > kLargestSide || height > kLargestSide)
    throw Error(fmt::format("{}: corrupt PNG: {}x{} pixels", path.string(), width, height));
  return {width, height};
}

// The size a PNG's header claims, checked before decoding: OpenCV allocates the whole image
// first (a 69-byte file claiming 30000x30000 took 2.7 GB).
void CheckPngHeader(const std::filesystem::path& path, const std::string& bytes,
                    const ImageReadLimits& limits) {
  const auto [width, height] = PngHeaderSize(path, bytes);
  CheckPixelCount(path, width, height, limits);
  // zlib compresses at most about 1032:1, and a pixel is at least 1 bit.
  if (static_cast<int64_t>(bytes.size()) < width * height / (8 * 1032)) {
    throw Error(
        fmt::format("{}: corrupt PNG: header claims {}x{} pixels, more than {} bytes can hold",
                    path.string(), width, height, bytes.size()));
  }
}

}  // namespace

void ImageReadLimits::Check() const {
  if (max_pixels <= 0) throw Error(fmt::format("max_pixels must be positive, not {}", max_pixels));
}

void SetDefaultImageReadLimits(const ImageReadLimits& limits) {
  limits.Check();
  const std::lock_guard lock(default_limits_mutex);
  default_limits = limits;
}

ImageReadLimits DefaultImageReadLimits() {
  const std::lock_guard lock(default_limits_mutex);
  return default_limits;
}

cv::Mat ReadColourImage(const std::filesystem::path& path) {
  return ReadColourImage(path, DefaultImageReadLimits());
}

cv::Mat ReadColourImage(const std::filesystem::path& path, const ImageReadLimits& limits) {
  return ReadColourImageAndQuality(path, limits).bgr;
}

ColourImage ReadColourImageAndQuality(const std::filesystem::path& path) {
  return ReadColourImageAndQuality(path, DefaultImageReadLimits());
}

ColourImage ReadColourImageAndQuality(const std::filesystem::path& path,
                                      const ImageReadLimits& limits) {
  CheckIsRegularFile(path);
  const std::string bytes = ReadFileToString(path);
  if (bytes.empty()) throw Error(fmt::format("{}: empty file", path.string()));
  if (IsJpeg(bytes)) {
    if (!HasEndOfImageMarker(bytes)) {
      throw Error(
          fmt::format("{}: truncated or corrupt JPEG (no end-of-image marker)", path.string()));
    }
    return ReadJpeg(path, bytes, limits);
  }
  if (!IsPng(bytes)) {
    // OpenCV would try every decoder it has (TIFF, EXR, JPEG 2000, DICOM, ...): some allocate
    // whatever the header claims before any check, and GDCM's asserts abort the process on a
    // crafted file (found by fuzz/jpeg_fuzz). Photos and chips are JPEG or PNG.
    throw Error(
        fmt::format("{}: not a readable image (sealion reads JPEG and PNG)", path.string()));
  }
  CheckPngHeader(path, bytes, limits);
  cv::Mat image;
  try {
    image = DecodeImage(bytes, cv::IMREAD_COLOR);
  } catch (const Error& error) {
    throw Error(fmt::format("{}: {}", path.string(), error.what()));
  }
  if (image.empty()) throw Error(fmt::format("{}: not a readable image", path.string()));
  CheckPixelCount(path, image.cols, image.rows, limits);
  return {image, std::nullopt};
}

cv::Size ReadImageSize(const std::filesystem::path& path) {
  CheckIsRegularFile(path);
  const std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr)
    throw Error(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  std::string start(33, '\0');
  start.resize(std::fread(start.data(), 1, start.size(), file.get()));
  if (IsPng(start)) {
    const auto [width, height] = PngHeaderSize(path, start);
    if (width > std::numeric_limits<int>::max() || height > std::numeric_limits<int>::max())
      throw Error(fmt::format("{}: {}x{} pixels is too large", path.string(), width, height));
    return {static_cast<int>(width), static_cast<int>(height)};
  }
  if (!IsJpeg(start)) {
    throw Error(
        fmt::format("{}: not a readable image (sealion reads JPEG and PNG)", path.string()));
  }
  std::rewind(file.get());
  JpegDecoder decoder;
  if (!ReadJpegHeaderFromFile(decoder, file.get()))
    throw Error(fmt::format("{}: corrupt JPEG: {}", path.string(), decoder.message));
  const int width = static_cast<int>(decoder.info.image_width);
  const int height = static_cast<int>(decoder.info.image_height);
  // Orientations 5 to 8 turn the photo by a quarter: ReadColourImage swaps the sides.
  const int orientation = ExifOrientation(decoder.info);
  return orientation >= 5 && orientation <= 8 ? cv::Size(height, width) : cv::Size(width, height);
}

std::string LowerCaseExtension(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

std::vector<uint8_t> EncodeJpeg(const cv::Mat& image, int quality) {
  std::vector<uint8_t> bytes;
  // OpenCV 4.6 has no sampling-factor flag; libjpeg's default for colour is 4:2:0 already.
  const std::vector<int> parameters = {cv::IMWRITE_JPEG_QUALITY, quality};
  if (!EncodeImage(".jpg", image, bytes, parameters)) throw Error("JPEG encoding failed");
  return bytes;
}

void WriteImageAtomically(const std::filesystem::path& path, const cv::Mat& image,
                          int jpeg_quality) {
  std::vector<uint8_t> bytes;
  const std::string extension = path.extension().string();
  if (extension == ".jpg" || extension == ".jpeg") {
    bytes = EncodeJpeg(image, jpeg_quality);
  } else if (!EncodeImage(extension, image, bytes)) {
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
