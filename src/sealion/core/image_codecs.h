#pragma once
// OpenCV's image codecs for what libjpeg alone does not do here: decoding PNG, encoding JPEG and
// PNG, decoding a JPEG at a reduced scale. libopencv_imgcodecs pulls in about 140 libraries
// (GDAL, poppler, OpenEXR, ...) whose loading took 0.06-0.18 s at every start of the program,
// `sealion score` and `--help` included; so the codecs live in a module beside the program,
// sealion-codecs.so (core/image_codecs_module.cc), loaded the first time one of these runs.
// Each behaves as the OpenCV function it names, and throws sealion::Error saying what failed
// when the module cannot be loaded or OpenCV throws.

#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sealion {

inline constexpr const char* kCodecsModuleName = "sealion-codecs.so";

// cv::imdecode: an empty Mat when the bytes are no image of a format OpenCV reads.
cv::Mat DecodeImage(std::string_view bytes, int flags);

// cv::imencode: false when OpenCV cannot write `extension` (".jpg", ".png").
bool EncodeImage(const std::string& extension, const cv::Mat& image, std::vector<uint8_t>& bytes,
                 const std::vector<int>& parameters = {});

}  // namespace sealion
