// The export writers: VIAME CSV against its documented layout, COCO JSON against a schema-like
// validator, GeoJSON in pixels and through a world file, totals with their zero rows.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "sealion/formats/export.h"
#include "sealion/formats/formats_test_data.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::Lines;
using testing::SampleExport;

// The column header DIVE writes and VIAME documents: VIAME's manual, "Detection File Formats and
// Conversions", section "VIAME CSV" (fields 1-9, then species,confidence pairs), and DIVE's
// writer, Kitware/dive server/dive_utils/serializers/viame.py (writeHeader).
constexpr const char* kViameHeader =
    "# 1: Detection or Track-id,2: Video or Image Identifier,3: Unique Frame Identifier,"
    "4-7: Img-bbox(TL_x,TL_y,BR_x,BR_y),8: Detection or Length Confidence,"
    "9: Target Length (0 or -1 if invalid),10-11+: Repeated Species,Confidence Pairs or "
    "Attributes";

TEST(ViameCsv, FollowsTheDocumentedLayout) {
  const std::vector<std::string> lines = Lines(FormatViameCsv(SampleExport()));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], kViameHeader);
  EXPECT_EQ(lines[1].rfind("# metadata,", 0), 0u) << lines[1];  // DIVE's metadata line
  EXPECT_NE(lines[2].find("adult_males 120 px"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("pups 40 px"), std::string::npos) << lines[2];
  // 1 id, 2 image, 3 frame, 4-7 box, 8 confidence, 9 length, 10-11 species and confidence, then
  // the point as the keypoint DIVE reads ("(kp) head X Y").
  const std::vector<std::string> male = SplitCsvLine(lines[3]);
  EXPECT_EQ(male, (std::vector<std::string>{"0", "3.jpg", "0", "40.250", "140.500", "160.250",
                                            "260.500", "0.9", "-1", "adult_males", "0.9",
                                            "(kp) head 100.250 200.500"}));
  // The pup's 40 px box is clipped at the top-left corner; the juvenile's 60 px one at the
  // bottom-right (1024x768); photo 7 is frame 1, photo 9 has no rows but still counts.
  const std::vector<std::string> pup = SplitCsvLine(lines[4]);
  EXPECT_EQ(std::vector<std::string>(pup.begin(), pup.begin() + 7),
            (std::vector<std::string>{"1", "3.jpg", "0", "0.000", "0.000", "30.000", "25.000"}));
  const std::vector<std::string> juvenile = SplitCsvLine(lines[5]);
  EXPECT_EQ(
      std::vector<std::string>(juvenile.begin(), juvenile.begin() + 7),
      (std::vector<std::string>{"2", "7.jpg", "1", "970.125", "730.000", "1024.000", "768.000"}));
  EXPECT_EQ(juvenile[9], "juveniles");
}

TEST(ViameCsv, TileDetectionsAreTheirTiles) {
  ExportData data = SampleExport();
  data.detections = {{3, {{32, 96, kAdultFemales, 1}, {160, 32, kPups, 1}}}};
  ASSERT_TRUE(DetectionsAreTileCentres(data.detections));
  EXPECT_FALSE(DetectionsAreTileCentres(SampleExport().detections));
  EXPECT_FALSE(DetectionsAreTileCentres({}));
  data.tiles = true;
  const std::vector<std::string> lines = Lines(FormatViameCsv(data));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[2].find("64x64 tile"), std::string::npos) << lines[2];
  const std::vector<std::string> female = SplitCsvLine(lines[3]);
  EXPECT_EQ(std::vector<std::string>(female.begin() + 3, female.begin() + 7),
            (std::vector<std::string>{"0.000", "64.000", "64.000", "128.000"}));
}

// A validator in the manner of a JSON schema for the COCO detection layout with keypoints: what
// is wrong with `coco`, one message per problem (empty: valid).
std::vector<std::string> CocoProblems(const nlohmann::json& coco) {
  std::vector<std::string> problems;
  const auto require = [&](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  const auto has = [](const nlohmann::json& object, const char* key, auto type_check) {
    return object.is_object() && object.contains(key) && type_check(object[key]);
  };
  const auto integer = [](const nlohmann::json& v) { return v.is_number_integer(); };
  const auto number = [](const nlohmann::json& v) { return v.is_number(); };
  const auto string = [](const nlohmann::json& v) { return v.is_string(); };
  const auto array = [](const nlohmann::json& v) { return v.is_array(); };
  require(has(coco, "info", [](const nlohmann::json& v) { return v.is_object(); }), "info");
  for (const char* key : {"images", "annotations", "categories"})
    require(has(coco, key, array), std::string(key) + " is not an array");
  if (!problems.empty()) return problems;
  std::set<int64_t> image_ids, category_ids, annotation_ids;
  for (const auto& image : coco["images"]) {
    require(has(image, "id", integer) && has(image, "file_name", string) &&
                has(image, "width", integer) && has(image, "height", integer),
            "image fields: " + image.dump());
    if (has(image, "id", integer))
      require(image_ids.insert(image["id"].get<int64_t>()).second, "image id twice");
  }
  for (const auto& category : coco["categories"]) {
    require(has(category, "id", integer) && has(category, "name", string) &&
                has(category, "keypoints", array),
            "category fields: " + category.dump());
    if (has(category, "id", integer))
      require(category_ids.insert(category["id"].get<int64_t>()).second, "category id twice");
  }
  for (const auto& annotation : coco["annotations"]) {
    const std::string what = annotation.dump();
    const bool fields = has(annotation, "id", integer) && has(annotation, "image_id", integer) &&
                        has(annotation, "category_id", integer) &&
                        has(annotation, "area", number) && has(annotation, "iscrowd", integer) &&
                        has(annotation, "num_keypoints", integer) &&
                        has(annotation, "score", number);
    require(fields, "annotation fields: " + what);
    if (fields) {
      require(annotation_ids.insert(annotation["id"].get<int64_t>()).second, "annotation twice");
      require(image_ids.count(annotation["image_id"].get<int64_t>()) == 1, "image_id: " + what);
      require(category_ids.count(annotation["category_id"].get<int64_t>()) == 1,
              "category_id: " + what);
    }
    const bool box = has(annotation, "bbox", array) && annotation["bbox"].size() == 4;
    require(box, "bbox of 4: " + what);
    if (box) {
      for (const auto& side : annotation["bbox"])
        require(side.is_number() && side.get<double>() >= 0, "bbox value: " + what);
    }
    require(has(annotation, "keypoints", array) && annotation["keypoints"].size() == 3,
            "keypoints [x, y, v]: " + what);
  }
  return problems;
}

TEST(CocoJson, PassesTheSchemaWithClassesInTheCompetitionsOrder) {
  const nlohmann::json coco = nlohmann::json::parse(FormatCocoJson(SampleExport()));
  EXPECT_EQ(CocoProblems(coco), std::vector<std::string>{});
  ASSERT_EQ(coco["categories"].size(), 5u);
  for (int c = 0; c < kNumSeaLionClasses; ++c) {
    EXPECT_EQ(coco["categories"][c]["id"], c + 1);
    EXPECT_EQ(coco["categories"][c]["name"], std::string(ClassName(c)));
    EXPECT_EQ(coco["categories"][c]["keypoints"], nlohmann::json::array({"centre"}));
  }
  ASSERT_EQ(coco["images"].size(), 3u);
  EXPECT_EQ(coco["images"][2]["file_name"], "9.jpg");
  EXPECT_EQ(coco["images"][2]["width"], 1024);
  ASSERT_EQ(coco["annotations"].size(), 3u);
  const nlohmann::json& male = coco["annotations"][0];
  EXPECT_EQ(male["bbox"], nlohmann::json::array({40.25, 140.5, 120.0, 120.0}));
  EXPECT_EQ(male["area"], 14400.0);
  EXPECT_EQ(male["keypoints"], nlohmann::json::array({100.25, 200.5, 2}));
  EXPECT_EQ(male["score"], 0.9);
  EXPECT_EQ(coco["annotations"][2]["category_id"], kJuveniles + 1);
  // The validator can fail: it is checking something.
  nlohmann::json broken = coco;
  broken["annotations"][0]["bbox"][1] = -3;
  broken["annotations"][1]["category_id"] = 6;
  broken["annotations"][2]["id"] = 1;
  EXPECT_EQ(CocoProblems(broken).size(), 3u);
}

TEST(CocoJson, NeedsEveryPhotosSize) {
  ExportData data = SampleExport();
  data.photos[1].width = 0;
  try {
    FormatCocoJson(data);
    FAIL() << "a photo of unknown size accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("7.jpg"), std::string::npos) << error.what();
  }
  ExportOptions options;
  options.detections = "d.csv";
  options.output = "o.json";
  options.format = ExportFormat::kCocoJson;
  EXPECT_THROW(options.Check(), Error);
}

TEST(GeoJson, PixelPointsWithTheirProperties) {
  const nlohmann::json geo = nlohmann::json::parse(FormatGeoJson(SampleExport(), ""));
  EXPECT_EQ(geo["type"], "FeatureCollection");
  EXPECT_FALSE(geo.contains("crs"));
  ASSERT_EQ(geo["features"].size(), 3u);
  const nlohmann::json& male = geo["features"][0];
  EXPECT_EQ(male["type"], "Feature");
  EXPECT_EQ(male["geometry"]["type"], "Point");
  EXPECT_EQ(male["geometry"]["coordinates"], nlohmann::json::array({100.25, 200.5}));
  EXPECT_EQ(male["properties"],
            nlohmann::json(
                {{"image", "3.jpg"}, {"test_id", 3}, {"class", "adult_males"}, {"score", 0.9}}));
  EXPECT_THROW(FormatGeoJson(SampleExport(), "EPSG:32602"), Error);  // no world file
}

TEST(GeoJson, WorldFilesGiveMapCoordinates) {
  testing::ScopedTempDir dir;
  // A = 0.5, D = 0.2, B = 0.1, E = -0.5, C = 500000, F = 7100000 (rotation terms in their places).
  const auto world_path = dir.path() / "3.jgw";
  std::ofstream(world_path) << "0.5\n0.2\n0.1\n-0.5\n500000\n7100000\n";
  std::ofstream(dir.path() / "3.jpg") << "x";
  ASSERT_EQ(FindWorldFile(dir.path() / "3.jpg"), world_path);
  EXPECT_EQ(FindWorldFile(dir.path() / "7.jpg"), std::nullopt);
  ExportData data = SampleExport();
  data.photos[0].world_file = ReadWorldFile(world_path);
  data.detections[3] = {{100, 200, kAdultMales, 0.9f}};
  data.detections.erase(7);
  const nlohmann::json geo = nlohmann::json::parse(FormatGeoJson(data, "EPSG:32602"));
  EXPECT_EQ(geo["crs"],
            nlohmann::json::parse(
                R"({"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32602"}})"));
  // By hand: x = 0.5 * 100 + 0.1 * 200 + 500000, y = 0.2 * 100 - 0.5 * 200 + 7100000.
  const nlohmann::json& point = geo["features"][0]["geometry"]["coordinates"];
  EXPECT_NEAR(point[0].get<double>(), 500070, 1e-9);
  EXPECT_NEAR(point[1].get<double>(), 7099920, 1e-9);
  EXPECT_THROW(FormatGeoJson(data, ""), Error);  // a world file needs --crs
  // Photo 7 has detections but no world file: the error names it.
  data.detections[7] = {{1, 1, kPups, 1}};
  try {
    FormatGeoJson(data, "EPSG:32602");
    FAIL() << "mixed coordinates accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("photo 7.jpg has no world file"), std::string::npos)
        << error.what();
  }
  std::ofstream(dir.path() / "bad.wld") << "0.5\n0\n0\n-0.5\n500000\n";
  EXPECT_THROW(ReadWorldFile(dir.path() / "bad.wld"), Error);
}

TEST(TotalsCsv, KeepsZeroRows) {
  ExportData data = SampleExport();
  std::vector<std::string> lines = Lines(FormatTotalsCsv(data));
  ASSERT_EQ(lines.size(), 1u + 3 * 5);
  EXPECT_EQ(lines[0], "image,test_id,class,count");
  EXPECT_EQ(lines[1], "3.jpg,3,adult_males,1");
  EXPECT_EQ(lines[2], "3.jpg,3,subadult_males,0");
  EXPECT_EQ(lines[5], "3.jpg,3,pups,1");
  EXPECT_EQ(lines[15], "9.jpg,9,pups,0");
  data.counts = CountsById{{3, {2, 0, 0, 0, 1}}, {7, {0, 0, 0, 1, 0}}, {9, {0, 0, 0, 0, 0}}};
  lines = Lines(FormatTotalsCsv(data));
  EXPECT_EQ(lines[1], "3.jpg,3,adult_males,2");  // the submission's count
  EXPECT_EQ(lines[11], "9.jpg,9,adult_males,0");
}

}  // namespace
}  // namespace sealion
