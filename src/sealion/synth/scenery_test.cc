#include "sealion/synth/scenery.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "sealion/synth/synth.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

// The sample's published dots (reference_coords.csv: tid,cls,row,col) of `ids`, as `extract`'s
// coords.csv (train_id,class,x,y); `extra_row` is appended as it is.
std::filesystem::path WriteCoords(const std::filesystem::path& sample,
                                  const std::filesystem::path& dir, const std::set<int64_t>& ids,
                                  const std::string& extra_row = "") {
  const CsvTable reference = ReadCsv(sample / "reference_coords.csv");
  std::string text = "train_id,class,x,y\n";
  for (size_t row = 0; row < reference.rows.size(); ++row) {
    if (ids.count(reference.IntegerAt(row, 0)) == 0) continue;
    text += fmt::format("{},{},{},{}\n", reference.IntegerAt(row, 0), reference.IntegerAt(row, 1),
                        reference.IntegerAt(row, 3), reference.IntegerAt(row, 2));
  }
  const auto path = dir / "coords.csv";
  WriteFileAtomically(path, text + extra_row);
  return path;
}

TEST(Scenery, WindowsKeepClearOfEveryDotAndComposingIsDeterministic) {
  SEALION_REQUIRE_KAGGLE_SAMPLE(sample);
  testing::ScopedTempDir dir;
  SceneryOptions options;
  options.dataset_dir = sample;
  options.coords = WriteCoords(sample, dir.path(), {42, 50});
  const SceneryLibrary library(options);
  ASSERT_EQ(library.size(), 2u);
  EXPECT_GT(library.clear_share(), 0.3);
  EXPECT_LT(library.clear_share(), 1.0);

  // No clear cell (8x8 px) of photo 42 lies within the clearance of one of its dots.
  const CsvTable coords = ReadCsv(options.coords);
  const cv::Mat clear = library.ClearMap(0);
  int dots = 0;
  for (size_t row = 0; row < coords.rows.size(); ++row) {
    if (coords.IntegerAt(row, 0) != 42) continue;
    ++dots;
    const cv::Point dot(static_cast<int>(coords.IntegerAt(row, 2)),
                        static_cast<int>(coords.IntegerAt(row, 3)));
    for (int y = 0; y < clear.rows; ++y) {
      for (int x = 0; x < clear.cols; ++x) {
        if (clear.at<uint8_t>(y, x) == 0) continue;
        const cv::Point cell_centre(x * 8 + 4, y * 8 + 4);
        ASSERT_GT(cv::norm(cell_centre - dot), options.clearance)
            << "clear cell " << cell_centre << " next to dot " << dot;
      }
    }
  }
  EXPECT_GT(dots, 10);

  const std::vector<PlacedAnimal> animals = {{2, {300, 200}}, {4, {320, 240}}};
  Rng first(7, 1, 3), second(7, 1, 3);
  const auto drawn = [] { return cv::Mat(480, 640, CV_8UC3, cv::Scalar(0, 255, 0)); };
  const ComposedScenery a = library.Compose({640, 480}, animals, first, drawn);
  const ComposedScenery b = library.Compose({640, 480}, animals, second, drawn);
  ASSERT_EQ(a.photo.size(), cv::Size(640, 480));
  EXPECT_EQ(cv::norm(a.photo, b.photo, cv::NORM_INF), 0.0);
  EXPECT_GT(a.real_share, 0.9);
}

TEST(Scenery, BadCoordsAreErrorsNamingTheFile) {
  SEALION_REQUIRE_KAGGLE_SAMPLE(sample);
  testing::ScopedTempDir dir;
  SceneryOptions options;
  options.dataset_dir = sample;
  options.coords = WriteCoords(sample, dir.path(), {50}, "50,adult_males,90000,10\n");
  try {
    SceneryLibrary library(options);
    ADD_FAILURE() << "a dot outside its photo was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("coords.csv"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("lies outside"), std::string::npos) << error.what();
  }
  options.coords = WriteCoords(sample, dir.path(), {});  // a header only: no photo to use
  EXPECT_THROW(SceneryLibrary{options}, Error);
  options.coords.clear();  // --scenery without --scenery-coords
  EXPECT_THROW(options.Check(), Error);
}

// `synth --chips --scenery`: real chips on real ground, the same bytes for the same seed.
TEST(Scenery, SynthWithRealChipsOnRealSceneryIsDeterministic) {
  SEALION_REQUIRE_KAGGLE_SAMPLE(sample);
  testing::ScopedTempDir dir;
  SynthOptions options;
  options.train_photos = 1;
  options.test_photos = 1;
  options.width = 800;
  options.height = 600;
  options.seed = 3;
  options.threads = 2;
  options.chips_dir = sample / "chips";
  options.scenery.dataset_dir = sample;
  options.scenery.coords = WriteCoords(sample, dir.path(), {41, 42, 50});
  options.output_dir = dir.path() / "a";
  const SynthSummary summary = RunSynth(options);
  EXPECT_EQ(summary.scenery_photos, 3u);
  EXPECT_GT(summary.real_scenery_share, 0.9);
  EXPECT_GT(summary.chips, 100u);
  options.output_dir = dir.path() / "b";
  RunSynth(options);
  for (const char* photo : {"Test/0.jpg", "Train/0.jpg", "TrainDotted/0.jpg"}) {
    EXPECT_EQ(ReadFileToString(dir.path() / "a" / photo),
              ReadFileToString(dir.path() / "b" / photo))
        << photo;
  }
}

}  // namespace
}  // namespace sealion
