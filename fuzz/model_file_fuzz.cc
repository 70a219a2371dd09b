// Fuzzes LoadModel: the magic, version and JSON header of a model file, its checks, and the
// weights handed to LibTorch's archive reader.

#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "sealion/nn/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = sealion::fuzz::WriteInputFile(data, size, ".bin");
  sealion::fuzz::ExpectCleanErrorOnly([&] { sealion::LoadModel(path); });
  return 0;
}
