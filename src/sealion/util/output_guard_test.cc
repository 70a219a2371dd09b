#include "sealion/util/output_guard.h"

#include <gtest/gtest.h>

#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::ErrorMessageOf;

TEST(OutputGuard, OutputsThatAreInputsOrEachOtherAreRefused) {
  testing::ScopedTempDir dir;
  const auto photos = dir.path() / "photos";
  std::filesystem::create_directories(photos);
  WriteFileAtomically(photos / "1.jpg", "x");
  const std::vector<NamedPath> inputs = {{"input", photos / "1.jpg"},
                                         {"--model", dir.path() / "m.bin"}};

  // The same file, also through "..", is refused by name; a fresh file is fine.
  const std::string same = ErrorMessageOf([&] {
    CheckOutputsAreNotInputs(inputs, {{"-o", photos / ".." / "m.bin"}});
  });
  EXPECT_NE(same.find("-o"), std::string::npos) << same;
  EXPECT_NE(same.find("--model"), std::string::npos) << same;
  EXPECT_NO_THROW(CheckOutputsAreNotInputs(inputs, {{"-o", dir.path() / "out.csv"}}));
  // A folder output that holds an input photo could replace it.
  EXPECT_NE(ErrorMessageOf([&] {
              CheckOutputsAreNotInputs(inputs, {{"-o", photos}});
            }).find("a folder holding"),
            std::string::npos);
  // Two outputs on one file; empty (unset) outputs are ignored.
  const std::string twice = ErrorMessageOf([&] {
    CheckOutputsAreNotInputs(
        inputs,
        {{"-o", dir.path() / "a.csv"}, {"--detections", {}}, {"--other", dir.path() / "./a.csv"}});
  });
  EXPECT_NE(twice.find("are the same file"), std::string::npos) << twice;
}

TEST(OutputGuard, ASecondLockOnTheSameOutputIsRefusedUntilTheFirstIsGone) {
  testing::ScopedTempDir dir;
  const auto output = dir.path() / "submission.csv";
  {
    const OutputLock first(output);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "submission.csv.lock"));
    const std::string refused = ErrorMessageOf([&] { OutputLock second(output); });
    EXPECT_NE(refused.find("another sealion run is writing it (pid "), std::string::npos)
        << refused;
    EXPECT_NE(refused.find("submission.csv"), std::string::npos) << refused;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "submission.csv.lock"));
  // A lock file left by a killed run holds no lock: the next run takes it.
  WriteFileAtomically(dir.path() / "submission.csv.lock", "pid 1 on elsewhere\n");
  EXPECT_NO_THROW(OutputLock{output});
}

}  // namespace
}  // namespace sealion
