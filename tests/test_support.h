#pragma once
// Helpers shared by the tests: the real sample's location, temporary folders, running the CLI.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace sealion::testing {

// The real Kaggle sample (SEALION_KAGGLE_SAMPLE_DIR, set by CMake), if it is present.
std::optional<std::filesystem::path> KaggleSampleDir();

// Skips the current test, saying why, when the real sample is absent.
#define SEALION_REQUIRE_KAGGLE_SAMPLE(dir_variable)                                             \
  const auto dir_variable##_optional = ::sealion::testing::KaggleSampleDir();                   \
  if (!dir_variable##_optional) {                                                               \
    GTEST_SKIP() << "real sample not found (set SEALION_KAGGLE_SAMPLE_DIR); it is third-party " \
                    "data that only development machines and CI have";                          \
  }                                                                                             \
  const std::filesystem::path dir_variable = *dir_variable##_optional

// A fresh folder under the system's temporary folder, removed when it goes out of scope.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Writes a small synthetic survey (built-in layout model, no mismatched ids) into `dir`.
void MakeSmallSurvey(const std::filesystem::path& dir, int train_photos, int test_photos, int width,
                     int height, uint64_t seed = 1);

// The message of the sealion::Error that `action` throws, or "" when it throws none.
std::string ErrorMessageOf(const std::function<void()>& action);

// Runs the built `sealion` program (SEALION_BINARY) with `arguments` through the shell.
CommandResult RunSealion(const std::string& arguments);

}  // namespace sealion::testing
