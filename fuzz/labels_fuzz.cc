// Fuzzes ReadLabelledAnimals (formats/import.h): the VIAME CSV and COCO JSON files that come back
// from annotation tools (DIVE, CVAT, pycocotools) to become training data. The file name's
// extension is SEALION_FUZZ_LABELS_EXTENSION (".csv": coords or VIAME CSV; ".json": COCO).

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "sealion/core/classes.h"
#include "sealion/formats/import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = sealion::fuzz::WriteInputFile(data, size, SEALION_FUZZ_LABELS_EXTENSION);
  sealion::fuzz::ExpectCleanErrorOnly([&] {
    for (const auto& [id, animals] : sealion::ReadLabelledAnimals(path)) {
      for (const auto& animal : animals) {
        // What training relies on: a sea lion class, and a point it can place in a photo.
        if (animal.class_index < 0 || animal.class_index >= sealion::kNumSeaLionClasses)
          std::abort();
        if (!std::isfinite(animal.x) || !std::isfinite(animal.y)) std::abort();
      }
    }
  });
  return 0;
}
