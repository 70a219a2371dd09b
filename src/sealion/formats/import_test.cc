// Reading labels back (VIAME CSV, COCO JSON, coords CSV), round trips through the writers, bad
// inputs, and the whole export from files (RunExport, with photo sizes from their headers).
#include "sealion/formats/import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sealion/core/counts_csv.h"
#include "sealion/core/image_io.h"
#include "sealion/formats/export.h"
#include "sealion/formats/formats_test_data.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::SampleExport;

// The detections of `data` equal `animals` (points within 0.01 px, same classes, same order).
void ExpectSameAnimals(const ExportData& data, const std::map<int64_t, std::vector<Animal>>& read) {
  for (const auto& [id, detections] : data.detections) {
    ASSERT_EQ(read.count(id), 1u) << "photo " << id;
    const std::vector<Animal>& animals = read.at(id);
    ASSERT_EQ(animals.size(), detections.size()) << "photo " << id;
    for (size_t i = 0; i < animals.size(); ++i) {
      EXPECT_NEAR(animals[i].x, detections[i].x, 0.01) << "photo " << id << " animal " << i;
      EXPECT_NEAR(animals[i].y, detections[i].y, 0.01) << "photo " << id << " animal " << i;
      EXPECT_EQ(animals[i].class_index, detections[i].class_index) << "photo " << id;
    }
  }
}

// The message of the sealion::Error that reading `path` throws ("" when none is thrown).
std::string ReadError(const std::filesystem::path& path) {
  try {
    ReadLabelledAnimals(path);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(Import, ViameRoundTripGivesThePointsAndClasses) {
  testing::ScopedTempDir dir;
  const ExportData data = SampleExport();
  WriteFileAtomically(dir.path() / "viame.csv", FormatViameCsv(data));
  const auto read = ReadLabelledAnimals(dir.path() / "viame.csv");
  ExpectSameAnimals(data, read);
  EXPECT_EQ(read.size(), 2u);  // a VIAME CSV has no record of photo 9
}

TEST(Import, CocoRoundTripGivesThePointsAndClasses) {
  testing::ScopedTempDir dir;
  const ExportData data = SampleExport();
  WriteFileAtomically(dir.path() / "coco.json", FormatCocoJson(data));
  const auto read = ReadLabelledAnimals(dir.path() / "coco.json");
  ExpectSameAnimals(data, read);
  ASSERT_EQ(read.count(9), 1u);  // images without annotations are kept
  EXPECT_TRUE(read.at(9).empty());
}

TEST(Import, ViameRowsWithoutKeypointUseTheBoxAndTheBestSpecies) {
  testing::ScopedTempDir dir;
  // As DIVE writes rows (no header here: told by its columns), with an attribute after the pairs.
  WriteFileAtomically(dir.path() / "dive.csv",
                      "0,12.jpg,0,10,20,50,60,0.8,-1,pups,0.3,juveniles,0.8,(atr) note ok\n"
                      "1,photos/12.png,0,0,0,4,4,1,-1,adult_males,1\r\n");
  const auto read = ReadLabelledAnimals(dir.path() / "dive.csv");
  ASSERT_EQ(read.size(), 1u);
  ASSERT_EQ(read.at(12).size(), 2u);
  EXPECT_EQ(read.at(12)[0].x, 30);
  EXPECT_EQ(read.at(12)[0].y, 40);
  EXPECT_EQ(read.at(12)[0].class_index, kJuveniles);
  EXPECT_EQ(read.at(12)[1].class_index, kAdultMales);
}

TEST(Import, CoordsCsvIsReadAsPoints) {
  testing::ScopedTempDir dir;
  WriteFileAtomically(dir.path() / "coords.csv",
                      "train_id,class,x,y\n4,pups,1.5,2\n4,juveniles,3,4\n");
  const auto read = ReadLabelledAnimals(dir.path() / "coords.csv");
  ASSERT_EQ(read.at(4).size(), 2u);
  EXPECT_EQ(read.at(4)[0].x, 1.5);
  EXPECT_EQ(read.at(4)[1].class_index, kJuveniles);
}

TEST(Import, BadInputsAreErrorsNamingTheFile) {
  testing::ScopedTempDir dir;
  const std::string header = "# 1: Detection or Track-id\n";
  const std::string coco = R"({"images":[{"id":1,"file_name":"5.jpg","width":9,"height":9}],)"
                           R"("categories":[{"id":1,"name":"pups"}],"annotations":[)";
  // file name -> contents, and what the message must say besides the file's name.
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"class.csv", header + "0,3.jpg,0,1,1,2,2,1,-1,walrus,1\n", "class.csv:2: unknown class"},
      {"stem.csv", header + "0,img_a.jpg,0,1,1,2,2,1,-1,pups,1\n", "stem.csv:2: img_a.jpg"},
      {"columns.csv", header + "0,3.jpg,0,1,1\n", "columns.csv:2: a VIAME CSV row"},
      {"box.csv", header + "0,3.jpg,0,1,x,2,2,1,-1,pups,1\n", "TL_y is not a finite number"},
      {"nospecies.csv", header + "0,3.jpg,0,1,1,2,2,1,-1\n", "the class is unknown"},
      {"keypoint.csv", header + "0,3.jpg,0,1,1,2,2,1,-1,pups,1,(kp) head 4\n", "(kp) head X Y"},
      {"truncated.json", coco + R"({"id":1,"image_id":1,"category_id":1,"bbox":[1,)",
       "not valid JSON"},
      {"category.json", coco + "]}", ""},
      {"image.json", coco + R"({"id":4,"image_id":2,"category_id":1,"bbox":[1,1,2,2]}]})",
       "annotations[0] (id 4): image_id 2 is not in images"},
      {"nobox.json", coco + R"({"id":4,"image_id":1,"category_id":1}]})", "neither"},
      {"unknown.txt", "a,b\n1,2\n", "neither a coords CSV"},
  };
  for (const auto& [name, contents, expected] : cases) {
    std::string text = contents;
    if (name == "category.json") text.replace(text.find("pups"), 4, "seals");
    WriteFileAtomically(dir.path() / name, text);
    const std::string message = ReadError(dir.path() / name);
    EXPECT_NE(message.find((dir.path() / name).string()), std::string::npos)
        << name << ": " << message;
    EXPECT_NE(message.find(expected), std::string::npos) << name << ": " << message;
  }
  EXPECT_NE(ReadError(dir.path() / "category.json").find("categories[0]: unknown class 'seals'"),
            std::string::npos);
}

TEST(ImageSize, ComesFromTheHeader) {
  testing::ScopedTempDir dir;
  const cv::Mat photo(48, 80, CV_8UC3, cv::Scalar(10, 120, 200));
  WriteImageAtomically(dir.path() / "1.jpg", photo);
  WriteImageAtomically(dir.path() / "2.png", photo);
  EXPECT_EQ(ReadImageSize(dir.path() / "1.jpg"), cv::Size(80, 48));
  EXPECT_EQ(ReadImageSize(dir.path() / "2.png"), cv::Size(80, 48));
  const std::string jpeg = ReadFileToString(dir.path() / "1.jpg");
  WriteFileAtomically(dir.path() / "3.jpg", jpeg.substr(0, 40));  // cut inside the header
  EXPECT_THROW(ReadImageSize(dir.path() / "3.jpg"), Error);
  WriteFileAtomically(dir.path() / "4.jpg", "not a photo");
  EXPECT_THROW(ReadImageSize(dir.path() / "4.jpg"), Error);
}

TEST(RunExport, ReadsTheFilesAndWritesAtomically) {
  testing::ScopedTempDir dir;
  std::filesystem::create_directories(dir.path() / "photos");
  WriteImageAtomically(dir.path() / "photos" / "3.jpg", cv::Mat(300, 400, CV_8UC3));
  WriteImageAtomically(dir.path() / "photos" / "7.png", cv::Mat(200, 100, CV_8UC3));
  WriteFileAtomically(dir.path() / "detections.csv",
                      "test_id,class,x,y,score\n3,pups,50,60,0.5\n7,adult_males,10,20,0.25\n");
  WriteFileAtomically(dir.path() / "submission.csv",
                      "test_id,adult_males,subadult_males,adult_females,juveniles,pups\n"
                      "3,0,0,0,0,1\n7,1,0,0,0,0\n8,0,0,0,0,0\n");
  ExportOptions options;
  options.detections = dir.path() / "detections.csv";
  options.output = dir.path() / "out" / "coco.json";
  options.format = ExportFormat::kCocoJson;
  options.photos_dir = dir.path() / "photos";
  options.submission = dir.path() / "submission.csv";
  EXPECT_THROW(RunExport(options), Error);  // the submission's photo 8 is not in photos/
  WriteImageAtomically(dir.path() / "photos" / "8.jpg", cv::Mat(10, 20, CV_8UC3));
  const ExportSummary summary = RunExport(options);
  EXPECT_EQ(summary.photos, 3);
  EXPECT_EQ(summary.detections, 2);
  EXPECT_FALSE(summary.tiles);
  const auto coco = nlohmann::json::parse(ReadFileToString(options.output));
  EXPECT_EQ(coco["images"][0]["width"], 400);
  EXPECT_EQ(coco["images"][1]["file_name"], "7.png");
  EXPECT_EQ(coco["images"][1]["height"], 200);
  EXPECT_EQ(coco["images"][2]["file_name"], "8.jpg");
  // A detection outside its photo: the photo folder is not the counted one.
  WriteFileAtomically(dir.path() / "far.csv", "test_id,class,x,y,score\n7,pups,150,20,1\n");
  options.detections = dir.path() / "far.csv";
  EXPECT_THROW(RunExport(options), Error);
}

TEST(RunExport, PhotosComeFromCountsPhotoListToo) {
  testing::ScopedTempDir dir;
  WriteImageAtomically(dir.path() / "survey" / "DSC_0042.JPG", cv::Mat(300, 400, CV_8UC3));
  WriteFileAtomically(dir.path() / "detections.csv", "test_id,class,x,y,score\n0,pups,50,60,0.5\n");
  WriteFileAtomically(dir.path() / "submission.photos.csv",
                      FormatPhotoList({{0, dir.path() / "survey" / "DSC_0042.JPG"}}));
  ExportOptions options;
  options.detections = dir.path() / "detections.csv";
  options.output = dir.path() / "coco.json";
  options.format = ExportFormat::kCocoJson;
  options.photos_dir = dir.path() / "submission.photos.csv";
  EXPECT_EQ(RunExport(options).photos, 1);
  const auto coco = nlohmann::json::parse(ReadFileToString(options.output));
  EXPECT_EQ(coco["images"][0]["file_name"], "DSC_0042.JPG");
  EXPECT_EQ(coco["images"][0]["width"], 400);
  // A listed photo that is gone, or an id the list lacks, is an error naming the list.
  std::filesystem::remove(dir.path() / "survey" / "DSC_0042.JPG");
  EXPECT_THROW(RunExport(options), Error);
  WriteFileAtomically(dir.path() / "submission.photos.csv", "test_id,photo\n5,x.jpg\n");
  EXPECT_THROW(RunExport(options), Error);
}

}  // namespace
}  // namespace sealion
