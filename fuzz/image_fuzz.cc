// Fuzzes ReadColourImage, built twice: jpeg_fuzz (a .jpg name, JPEG seeds: libjpeg-turbo with
// sealion's header checks and EXIF orientation) and png_fuzz (a .png name, PNG and other seeds:
// PNG's header is checked, then cv::imdecode decodes it; every other format is refused). The reader
// looks at the bytes, not the name; the name is what a user would give it.

#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "sealion/core/image_io.h"

#ifndef SEALION_FUZZ_IMAGE_EXTENSION
#error "define SEALION_FUZZ_IMAGE_EXTENSION as \".jpg\" or \".png\""
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 4 megapixels (12 MB decoded): a bigger claim must be refused before it is allocated.
  const sealion::ImageReadLimits limits{.max_pixels = 4'000'000};
  const auto path = sealion::fuzz::WriteInputFile(data, size, SEALION_FUZZ_IMAGE_EXTENSION);
  sealion::fuzz::ExpectCleanErrorOnly([&] { sealion::ReadColourImage(path, limits); });
  return 0;
}
