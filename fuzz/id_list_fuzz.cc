// Fuzzes ReadIdList (MismatchedTrainImages.txt).

#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "sealion/core/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = sealion::fuzz::WriteInputFile(data, size, ".txt");
  sealion::fuzz::ExpectCleanErrorOnly([&] { sealion::ReadIdList(path); });
  return 0;
}
