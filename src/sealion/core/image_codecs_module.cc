// sealion-codecs.so: OpenCV's image codecs behind two functions, so that the program links
// libopencv_imgcodecs (and its 140 libraries) only when it decodes or encodes with them
// (core/image_codecs.h).

#include "sealion/core/image_codecs_module.h"

#include <opencv2/imgcodecs.hpp>
#include <type_traits>

namespace {

template <typename Function>
bool Guarded(std::string* error, Function&& function) {
  try {
    function();
    return true;
  } catch (const std::exception& exception) {
    *error = exception.what();
    return false;
  }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) bool sealion_decode_image(const char* data,
                                                                            size_t size, int flags,
                                                                            cv::Mat* image,
                                                                            std::string* error) {
  return Guarded(error, [&] {
    const cv::Mat raw(1, static_cast<int>(size), CV_8UC1, const_cast<char*>(data));
    *image = cv::imdecode(raw, flags);
  });
}

extern "C" __attribute__((visibility("default"))) bool sealion_encode_image(
    const std::string* extension, const cv::Mat* image, const std::vector<int>* parameters,
    std::vector<uint8_t>* bytes, bool* encoded, std::string* error) {
  return Guarded(error, [&] { *encoded = cv::imencode(*extension, *image, *bytes, *parameters); });
}

// The signatures above are the ones image_codecs_module.h declares.
static_assert(std::is_same_v<decltype(sealion_decode_image), sealion::DecodeImageFunction>);
static_assert(std::is_same_v<decltype(sealion_encode_image), sealion::EncodeImageFunction>);
