#include "sealion/util/csv.h"

#include <gtest/gtest.h>

#include "sealion/core/counts_csv.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

TEST(Csv, SplitsCellsAndDropsCarriageReturn) {
  EXPECT_EQ(SplitCsvLine("a,b,,c\r"), (std::vector<std::string>{"a", "b", "", "c"}));
}

TEST(Csv, ReadsRowsAndRejectsRaggedLinesWithFileAndLine) {
  testing::ScopedTempDir dir;
  WriteFileAtomically(dir.path() / "ok.csv", "id,n\n1,2\n\n3,4\n");
  const CsvTable table = ReadCsv(dir.path() / "ok.csv");
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.IntegerAt(1, table.ColumnIndex("n")), 4);
  EXPECT_EQ(table.line_numbers[1], 4);

  WriteFileAtomically(dir.path() / "bad.csv", "id,n\n1,2,3\n");
  try {
    ReadCsv(dir.path() / "bad.csv");
    FAIL() << "ragged row accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("bad.csv:2"), std::string::npos) << error.what();
  }
}

TEST(CountsCsv, RoundTripsAndRejectsDuplicatesAndNonNumbers) {
  testing::ScopedTempDir dir;
  const CountsById counts = {{7, {1, 2, 3, 4, 5}}, {3, {0, 0, 9, 0, 1}}};
  const std::string text = FormatCountsCsv("train_id", counts);
  EXPECT_EQ(text,
            "train_id,adult_males,subadult_males,adult_females,juveniles,pups\n3,0,0,9,0,1\n7,1,2,"
            "3,4,5\n");
  WriteFileAtomically(dir.path() / "counts.csv", text);
  EXPECT_EQ(ReadCountsCsv(dir.path() / "counts.csv"), counts);

  WriteFileAtomically(dir.path() / "dup.csv", text + "3,0,0,0,0,0\n");
  EXPECT_THROW(ReadCountsCsv(dir.path() / "dup.csv"), Error);
  WriteFileAtomically(
      dir.path() / "nan.csv",
      "test_id,adult_males,subadult_males,adult_females,juveniles,pups\n1,0,x,0,0,0\n");
  EXPECT_THROW(ReadCountsCsv(dir.path() / "nan.csv"), Error);
  WriteFileAtomically(dir.path() / "header.csv", "test_id,adult_males,pups\n1,0,0\n");
  EXPECT_THROW(ReadCountsCsv(dir.path() / "header.csv"), Error);
}

TEST(AtomicFile, LeavesNoTemporaryBehind) {
  testing::ScopedTempDir dir;
  WriteFileAtomically(dir.path() / "sub" / "a.txt", "one");
  WriteFileAtomically(dir.path() / "sub" / "a.txt", "two");
  EXPECT_EQ(ReadFileToString(dir.path() / "sub" / "a.txt"), "two");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path() / "sub"))
    ++files;
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace sealion
