// Fuzzes ReadPatchLabels (patches/patches.h): extract's training_metadata.json, the file `patches
// --metadata` takes (or a labels file in its place; those have fuzz targets of their own).

#include <cstdint>
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "sealion/core/classes.h"
#include "sealion/patches/patches.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = sealion::fuzz::WriteInputFile(data, size, ".json");
  sealion::fuzz::ExpectCleanErrorOnly([&] {
    for (const auto& image : sealion::ReadPatchLabels(path)) {
      // What cutting thumbnails relies on: a sea lion class for every dot.
      for (const auto& [class_index, dot] : image.dots) {
        if (class_index < 0 || class_index >= sealion::kNumSeaLionClasses) std::abort();
      }
    }
  });
  return 0;
}
