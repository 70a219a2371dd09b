#pragma once
// The functions sealion-codecs.so exports (core/image_codecs.h loads it). Each returns false with
// `error` set when OpenCV threw; otherwise true, with the result in its last arguments.

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sealion {

inline constexpr const char* kDecodeImageSymbol = "sealion_decode_image";
inline constexpr const char* kEncodeImageSymbol = "sealion_encode_image";

using DecodeImageFunction = bool(const char* data, size_t size, int flags, cv::Mat* image,
                                 std::string* error);
using EncodeImageFunction = bool(const std::string* extension, const cv::Mat* image,
                                 const std::vector<int>* parameters, std::vector<uint8_t>* bytes,
                                 bool* encoded, std::string* error);

}  // namespace sealion
