// Readers of files users hand over: point lists (coords.csv, detections) and id lists. Bad
// cells are errors that name the file and its line; nothing is half-read (cases found by
// fuzz/points_csv_fuzz and fuzz/id_list_fuzz).

#include <gtest/gtest.h>

#include <fstream>

#include "sealion/core/counts_csv.h"
#include "sealion/core/dataset.h"
#include "sealion/core/point_match.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

std::filesystem::path WriteFile(const testing::ScopedTempDir& dir, const std::string& name,
                                const std::string& text) {
  const auto path = dir.path() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

void ExpectError(const std::function<void()>& read, const std::string& expected) {
  try {
    read();
    FAIL() << "no error; expected one containing '" << expected << "'";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
  }
}

TEST(Readers, PointsCsvReadsGoodRows) {
  testing::ScopedTempDir dir;
  const auto path = WriteFile(
      dir, "points.csv", "test_id,class,x,y,score\n3,pups,10.5,20,0.9\n\n3,adult_males,1,2,1\n");
  const auto points = ReadPointsCsv(path);
  ASSERT_EQ(points.at(3).size(), 2u);
  EXPECT_DOUBLE_EQ(points.at(3)[0].x, 10.5);
  EXPECT_FLOAT_EQ(points.at(3)[0].score, 0.9f);
}

TEST(Readers, PointsCsvRefusesJunkAndNonFiniteCellsNamingTheLine) {
  testing::ScopedTempDir dir;
  const std::string header = "train_id,class,x,y\n";
  // Line 4: a blank line comes before it, so the line number is not the row number + 2.
  ExpectError(
      [&] { ReadPointsCsv(WriteFile(dir, "a.csv", header + "1,pups,1,2\n\n1,pups,12abc,3\n")); },
      "a.csv:4");
  ExpectError([&] { ReadPointsCsv(WriteFile(dir, "b.csv", header + "1,pups,nan,3\n")); },
              "must be finite");
  ExpectError([&] { ReadPointsCsv(WriteFile(dir, "c.csv", header + "1,pups,inf,3\n")); },
              "must be finite");
  ExpectError([&] { ReadPointsCsv(WriteFile(dir, "d.csv", header + "7x,pups,1,3\n")); }, "d.csv:2");
  ExpectError([&] { ReadPointsCsv(WriteFile(dir, "e.csv", header + "1,walrus,1,3\n")); },
              "e.csv:2");
}

TEST(Readers, IdListRefusesWhatIsNotAWholeId) {
  testing::ScopedTempDir dir;
  EXPECT_EQ(ReadIdList(WriteFile(dir, "good.txt", "train_id\n3\n\n7\r\n")),
            (std::set<int64_t>{3, 7}));
  for (const std::string bad : {"12abc", " 5", "+3", "-4"}) {
    ExpectError([&] { ReadIdList(WriteFile(dir, "bad.txt", "train_id\n" + bad + "\n")); },
                "bad.txt:2: '" + bad + "' is not an id");
  }
}

TEST(Readers, PhotoListingNamesImagesOfOtherFormatsInsteadOfListingThem) {
  testing::ScopedTempDir dir;
  for (const std::string name : {"3.jpg", "1.JPEG", "2.png", "4.tif", "5.WebP", "notes.txt"})
    WriteFile(dir, name, "x");
  std::vector<std::filesystem::path> others;
  const auto photos = ListPhotos(dir.path(), &others);
  ASSERT_EQ(photos.size(), 3u);
  EXPECT_EQ(photos[0].filename(), "1.JPEG");
  EXPECT_EQ(photos[2].filename(), "3.jpg");
  ASSERT_EQ(others.size(), 2u);
  EXPECT_EQ(others[0].filename(), "4.tif");
  EXPECT_EQ(others[1].filename(), "5.WebP");
}

TEST(Readers, PhotoListRoundTripsAndRefusesWhatIsNotAnIdAndAPath) {
  testing::ScopedTempDir dir;
  const PhotosById photos = {{0, "/survey/DSC_0042.JPG"}, {1, "/survey/day 2, cliff/b.jpg"}};
  EXPECT_EQ(ReadPhotoList(WriteFile(dir, "good.csv", FormatPhotoList(photos))), photos);
  EXPECT_EQ(PhotoListPath("out/submission.csv"),
            std::filesystem::path("out/submission.photos.csv"));
  EXPECT_THROW(FormatPhotoList({{0, "a\nb.jpg"}}), Error);
  const std::string header = "test_id,photo\n";
  ExpectError([&] { ReadPhotoList(WriteFile(dir, "a.csv", "id,photo\n0,a.jpg\n")); }, "a.csv:1");
  ExpectError([&] { ReadPhotoList(WriteFile(dir, "b.csv", header + "0,a.jpg\nx1,b.jpg\n")); },
              "b.csv:3");
  ExpectError([&] { ReadPhotoList(WriteFile(dir, "c.csv", header + "2,\n")); }, "c.csv:2");
  ExpectError([&] { ReadPhotoList(WriteFile(dir, "d.csv", header + "5\n")); }, "d.csv:2");
  ExpectError([&] { ReadPhotoList(WriteFile(dir, "e.csv", header + "1,a.jpg\n1,b.jpg\n")); },
              "appears twice");
  ExpectError([&] { ReadPhotoList(WriteFile(dir, "f.csv", "")); }, "empty photo list");
}

}  // namespace
}  // namespace sealion
