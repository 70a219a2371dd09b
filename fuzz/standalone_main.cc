// A main() for the fuzz targets where libFuzzer is not linked (the normal gcc build): feeds each
// file named, and every file of each folder named, to LLVMFuzzerTestOneInput once. Turns a seed
// corpus into a regression test: an input that crashes or aborts fails it. Arguments that start
// with '-' are libFuzzer flags and are ignored, so both builds take the same command line.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunInput(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", path.c_str());
    std::exit(2);
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument.starts_with("-")) continue;
    std::vector<std::filesystem::path> inputs;
    if (std::filesystem::is_directory(argument)) {
      for (const auto& entry : std::filesystem::directory_iterator(argument)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
      std::sort(inputs.begin(), inputs.end());  // a stable order, to compare runs
      if (inputs.empty()) {
        std::fprintf(stderr, "%s: no inputs in the folder\n", argument.c_str());
        return 2;
      }
    } else {
      inputs.push_back(argument);
    }
    for (const auto& input : inputs) RunInput(input);
    runs += static_cast<int>(inputs.size());
  }
  std::printf("%d inputs ran without a crash\n", runs);
  return 0;
}
