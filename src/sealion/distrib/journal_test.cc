// The journal of a resumable job: what --resume trusts, and what it must not.

#include "sealion/distrib/journal.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sealion/util/atomic_file.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

void Write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Journal, KeepsFinishedItemsAndIgnoresALineCutByACrash) {
  testing::ScopedTempDir dir;
  const auto path = dir.path() / "out.journal";
  Write(path, "# model A\n1,5,6\n2,7\n3,8,9\n4,1,");  // 2: damaged; 4: no newline (cut)
  Journal journal(path, "# model A", /*resume=*/true);
  const auto finished = journal.Finished(2);
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(finished.at(1), (std::vector<std::string>{"5", "6"}));
  EXPECT_EQ(finished.at(3), (std::vector<std::string>{"8", "9"}));
  journal.Append("5,1,2\n");
  EXPECT_EQ(ReadFileToString(path), "# model A\n1,5,6\n2,7\n3,8,9\n5,1,2\n")
      << "the cut line is dropped, so that the next line does not continue it";
}

TEST(Journal, AnotherFingerprintIsAnErrorThatNamesTheFile) {
  testing::ScopedTempDir dir;
  const auto path = dir.path() / "out.journal";
  Write(path, "# model A\n1,5,6\n");
  try {
    Journal journal(path, "# model B", /*resume=*/true);
    FAIL() << "a journal of another model was trusted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
}

TEST(Journal, WithoutResumeStartsOver) {
  testing::ScopedTempDir dir;
  const auto path = dir.path() / "out.journal";
  Write(path, "# model A\n1,5,6\n");
  Journal journal(path, "# model B", /*resume=*/false);
  EXPECT_TRUE(journal.Finished(2).empty());
  EXPECT_EQ(ReadFileToString(path), "# model B\n");
}

TEST(Journal, AFailedWriteStopsWithTheFileNamed) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  AppendOnlyFile full("/dev/full");
  try {
    full.Append(std::string(1 << 16, 'x') + "\n");
    FAIL() << "a write to a full disk passed";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("/dev/full: write failed"), std::string::npos)
        << error.what();
  }
}

TEST(Journal, SideRowsOfIncompleteOrUnfinishedItemsAreDropped) {
  testing::ScopedTempDir dir;
  const auto path = dir.path() / "rows.journal";
  // Item 1: both rows; item 2: one of its two (a failed write); item 9: unfinished; a cut row.
  Write(path, "1,a\n2,b\n1,c\n9,d\n2,e");
  const auto found = KeepCompleteRows(path, {{1, 2}, {2, 2}}, /*resume=*/true);
  EXPECT_EQ(found.at(1), 2);
  EXPECT_EQ(found.at(2), 1);
  EXPECT_EQ(ReadFileToString(path), "1,a\n1,c\n");
  EXPECT_EQ(SortedRows(path, {1}), "1,a\n1,c\n");
  EXPECT_TRUE(KeepCompleteRows(path, {}, /*resume=*/false).empty());
  EXPECT_EQ(ReadFileToString(path), "") << "without resume the side journal starts empty";
}

}  // namespace
}  // namespace sealion
