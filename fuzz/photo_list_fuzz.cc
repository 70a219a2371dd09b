// Fuzzes the `@list` inputs of `count`: a file of photo paths, one a line (comments, blank lines,
// CRLF, paths relative to the list), each photo's id taken from its file name. The paths are only
// resolved, never opened.

#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "sealion/count/count.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = sealion::fuzz::WriteInputFile(data, size, ".txt");
  std::string list = "@";  // ("@" + path.string() draws a false -Wrestrict from GCC 12)
  list += path.string();
  sealion::fuzz::ExpectCleanErrorOnly([&] { sealion::ResolveCountInputs({list}, false); });
  return 0;
}
