#include "tests/test_support.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "sealion/synth/synth.h"
#include "sealion/util/error.h"

namespace sealion::testing {

std::optional<std::filesystem::path> KaggleSampleDir() {
  const char* configured = std::getenv("SEALION_KAGGLE_SAMPLE_DIR");
  const std::filesystem::path dir = configured ? configured : "../shared/data/kaggle-sample";
  if (std::filesystem::exists(dir / "TrainDotted")) return dir;
  return std::nullopt;
}

ScopedTempDir::ScopedTempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("sealion-test-" + std::to_string(random()) + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void MakeSmallSurvey(const std::filesystem::path& dir, int train_photos, int test_photos, int width,
                     int height, uint64_t seed) {
  SynthOptions synth;
  synth.output_dir = dir;
  synth.train_photos = train_photos;
  synth.test_photos = test_photos;
  synth.width = width;
  synth.height = height;
  synth.seed = seed;
  synth.mismatched_share = 0;
  RunSynth(synth);
}

std::string ErrorMessageOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

CommandResult RunSealion(const std::string& arguments) {
  const char* binary = std::getenv("SEALION_BINARY");
  CommandResult result;
  if (binary == nullptr) {
    result.output = "SEALION_BINARY is not set (run the tests through ctest)";
    return result;
  }
  const std::string command = std::string(binary) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace sealion::testing
