// The point counter end to end through the real program, on a tiny synthetic survey: extract,
// train --method points (a few seconds: the figures are not the point, the plumbing is), count
// with per-animal detections, resume, and score with precision, recall and F1.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "sealion/core/counts_csv.h"
#include "sealion/core/image_io.h"
#include "sealion/nn/model_file.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "tests/test_support.h"

namespace sealion {
namespace {

using testing::RunSealion;

// Runs sealion with `arguments`, expecting it to succeed.
testing::CommandResult MustRun(const std::string& arguments) {
  auto result = RunSealion(arguments);
  EXPECT_EQ(result.exit_code, 0) << arguments << "\n" << result.output;
  return result;
}

TEST(PointCounter, TrainCountAndScoreThroughTheProgram) {
  testing::ScopedTempDir dir;
  const auto survey = dir.path() / "survey";
  testing::MakeSmallSurvey(survey, 3, 2, 384, 320, 4);
  const std::string d = dir.path().string() + "/";
  MustRun("extract " + survey.string() + " -o " + d + "extract");
  const std::string train = "train --method points " + survey.string() + " --coords " + d +
                            "extract/coords.csv --epochs 2 --crops-per-photo 6 --crop 128 "
                            "--val-fraction 0.4 --seed 2";
  const auto trained = MustRun(train + " -o " + d + "points.bin");
  EXPECT_NE(trained.output.find("trained the point network 2 epochs"), std::string::npos)
      << trained.output;
  const LoadedModel model = LoadModel(d + "points.bin");
  EXPECT_EQ(model.method, kPointMethod);
  const double threshold = model.metadata.at("detection").at("threshold").get<double>();
  EXPECT_GT(threshold, 0.0);
  EXPECT_LT(threshold, 1.0);
  EXPECT_TRUE(std::filesystem::exists(d + "points.bin.checkpoint"));

  // A low threshold so that the barely trained network finds animals to write.
  const std::string count = "count " + (survey / "Test").string() + " --model " + d +
                            "points.bin -o " + d + "submission.csv --detections " + d +
                            "detections.csv --threshold 0.001";
  const auto counted = MustRun(count);
  EXPECT_NE(counted.output.find("point counter"), std::string::npos) << counted.output;
  const CountsById submission = ReadCountsCsv(d + "submission.csv");
  ASSERT_EQ(submission.size(), 2u);
  const CsvTable detections = ReadCsv(d + "detections.csv");
  EXPECT_EQ(detections.header, (std::vector<std::string>{"test_id", "class", "x", "y", "score"}));
  int64_t counted_animals = 0;
  for (const auto& [id, counts] : submission)
    for (const auto n : counts) counted_animals += n;
  EXPECT_EQ(static_cast<int64_t>(detections.rows.size()), counted_animals)
      << "one detection row per counted animal";
  for (const auto& row : detections.rows) {
    EXPECT_GE(std::stod(row[2]), 0);
    EXPECT_LT(std::stod(row[2]), 384);
    EXPECT_GE(std::stod(row[4]), 0.001);
  }
  // Filtering the written detections at a threshold gives what `count --threshold` counts there
  // (bench/threshold_sweep.sh relies on it): the scores are written in full, not rounded.
  ASSERT_FALSE(detections.rows.empty()) << counted.output;
  for (const size_t pick : {size_t{0}, detections.rows.size() / 2, detections.rows.size() - 1}) {
    const std::string at = detections.rows[pick][4];
    int64_t filtered = 0;
    for (const auto& row : detections.rows) filtered += std::stod(row[4]) >= std::stod(at);
    const std::string d_at = d + "at-" + std::to_string(pick) + "-";
    MustRun("count " + (survey / "Test").string() + " --model " + d + "points.bin -o " + d_at +
            "submission.csv --threshold " + at);
    int64_t counted_at = 0;
    for (const auto& [id, counts] : ReadCountsCsv(d_at + "submission.csv"))
      for (const auto n : counts) counted_at += n;
    EXPECT_EQ(counted_at, filtered) << "threshold " << at;
  }
  // An ensemble of the network with itself averages two equal heatmaps: it counts exactly as the
  // network does, through the program, and says it averages two.
  const auto combined =
      MustRun("ensemble " + d + "points.bin " + d + "points.bin -o " + d + "twice.bin");
  EXPECT_NE(combined.output.find("ensemble of 2 point_net_v1 networks"), std::string::npos)
      << combined.output;
  const auto twice =
      MustRun("count " + (survey / "Test").string() + " --model " + d + "twice.bin -o " + d +
              "twice.csv --detections " + d + "twice-detections.csv --threshold 0.001");
  EXPECT_NE(twice.output.find("2 networks of point_net_v1 averaged"), std::string::npos)
      << twice.output;
  // The same animals; scores may differ in the last bits (two forward passes, summed and
  // halved), which may reorder near-equal ones.
  EXPECT_EQ(ReadFileToString(d + "twice.csv"), ReadFileToString(d + "submission.csv"));
  const auto scores_by_animal = [](const CsvTable& table) {
    std::map<std::vector<std::string>, double> scores;
    for (const auto& row : table.rows)
      scores[std::vector<std::string>(row.begin(), row.begin() + 4)] = std::stod(row[4]);
    return scores;
  };
  const auto single_scores = scores_by_animal(detections);
  const auto twice_scores = scores_by_animal(ReadCsv(d + "twice-detections.csv"));
  ASSERT_EQ(twice_scores.size(), single_scores.size());
  for (const auto& [animal, score] : single_scores) {
    ASSERT_TRUE(twice_scores.count(animal)) << animal[0] << " " << animal[2] << "," << animal[3];
    EXPECT_NEAR(twice_scores.at(animal), score, 1e-6);
  }
  const auto one_refused = RunSealion("ensemble " + d + "points.bin -o " + d + "one.bin");
  EXPECT_EQ(one_refused.exit_code, 1) << one_refused.output;
  EXPECT_NE(one_refused.output.find("at least two"), std::string::npos) << one_refused.output;

  // A resumed run counts nothing again and writes the same files.
  const std::string first = ReadFileToString(d + "detections.csv");
  MustRun(count + " --resume");
  EXPECT_EQ(ReadFileToString(d + "detections.csv"), first);

  // A detections journal that lost rows (a full disk) and ends in a cut row: --resume counts
  // the photos whose rows are not all there again, and the final files are whole.
  ASSERT_GT(counted_animals, 1);
  const std::string journal = ReadFileToString(d + "detections.csv.detections.journal");
  const size_t second_row = journal.find('\n') + 1;
  WriteFileAtomically(d + "detections.csv.detections.journal",
                      journal.substr(second_row, journal.size() - second_row - 3));
  const auto repaired = MustRun(count + " --resume");
  EXPECT_NE(repaired.output.find("counting it again"), std::string::npos) << repaired.output;
  EXPECT_EQ(ReadFileToString(d + "detections.csv"), first);
  // Other settings do not resume a journal (their counts would not add up with the rest);
  // averaged views count afresh and say so.
  const auto other_views = RunSealion(count + " --views 4 --resume");
  EXPECT_EQ(other_views.exit_code, 1);
  EXPECT_NE(other_views.output.find("another model or settings"), std::string::npos)
      << other_views.output;
  const auto four_views = MustRun(count + " --views 4");
  EXPECT_NE(four_views.output.find("4 views averaged"), std::string::npos) << four_views.output;
  // The model's threshold was chosen with 1 view: counting with 4 at it says so, unless the user
  // chose a threshold; counting with the model's own views does not.
  const std::string at_model_threshold = "count " + (survey / "Test").string() + " --model " + d +
                                         "points.bin -o " + d + "model-threshold.csv";
  const auto warned = MustRun(at_model_threshold + " --views 4");
  EXPECT_NE(warned.output.find("was chosen with 1 view(s); counting with 4"), std::string::npos)
      << warned.output;
  EXPECT_EQ(four_views.output.find("was chosen with"), std::string::npos) << four_views.output;
  const auto own_views = MustRun(at_model_threshold);
  EXPECT_EQ(own_views.output.find("was chosen with"), std::string::npos) << own_views.output;
  // A model calibrated for 4 views (scripts/calibrate-views.sh) counts 4 at that threshold.
  LoadedModel calibrated = LoadModel(d + "points.bin");
  calibrated.metadata["detection"]["threshold_by_views"] = {{"4", 0.875}};
  SavePointModel(d + "calibrated.bin", calibrated.point_network, calibrated.metadata);
  const auto at_calibrated = MustRun("count " + (survey / "Test").string() + " --model " + d +
                                     "calibrated.bin -o " + d + "calibrated.csv --views 4");
  EXPECT_NE(at_calibrated.output.find("threshold 0.875 for 4 view(s), calibrated"),
            std::string::npos)
      << at_calibrated.output;
  EXPECT_NE(at_calibrated.output.find("threshold 0.88, "), std::string::npos)
      << at_calibrated.output;
  EXPECT_EQ(at_calibrated.output.find("was chosen with"), std::string::npos)
      << at_calibrated.output;
  // A model calibrated for hard compression (scripts/calibrate-jpeg.sh) counts a photo saved at
  // quality 20 at its shifted threshold and says so; the photos as synth wrote them, above the
  // table's highest key, at its own.
  calibrated.metadata["detection"]["threshold_by_jpeg_quality"] = {{"20", 0.95}, {"90", threshold}};
  SavePointModel(d + "jpeg.bin", calibrated.point_network, calibrated.metadata);
  std::filesystem::create_directories(d + "hard");
  const auto first_photo = *std::filesystem::directory_iterator(survey / "Test");
  WriteImageAtomically(d + "hard/1.jpg", ReadColourImage(first_photo.path()), 20);
  const auto hard = MustRun("count " + d + "hard --model " + d + "jpeg.bin -o " + d + "hard.csv");
  EXPECT_NE(hard.output.find("photo 1: JPEG quality 20, threshold"), std::string::npos)
      << hard.output;
  EXPECT_NE(
      hard.output.find(fmt::format("(up to {:+.3f} for hard-compressed JPEGs", 0.95 - threshold)),
      std::string::npos)
      << hard.output;
  // A table that holds the model's threshold at every quality shifts nothing, and says so.
  calibrated.metadata["detection"]["threshold_by_jpeg_quality"] = {{"20", threshold},
                                                                   {"90", threshold}};
  SavePointModel(d + "flat.bin", calibrated.point_network, calibrated.metadata);
  const auto flat = MustRun("count " + d + "hard --model " + d + "flat.bin -o " + d + "flat.csv");
  EXPECT_NE(flat.output.find("(the same for hard-compressed JPEGs, as calibrated)"),
            std::string::npos)
      << flat.output;
  EXPECT_EQ(flat.output.find("photo 1: JPEG quality 20, threshold"), std::string::npos)
      << flat.output;
  const auto as_written = MustRun("count " + (survey / "Test").string() + " --model " + d +
                                  "jpeg.bin -o " + d + "as-written.csv");
  EXPECT_EQ(as_written.output.find("JPEG quality"), std::string::npos) << as_written.output;
  const auto uncalibrated =
      MustRun("count " + d + "hard --model " + d + "points.bin -o " + d + "uncalibrated.csv");
  EXPECT_NE(uncalibrated.output.find("has no threshold calibrated for it"), std::string::npos)
      << uncalibrated.output;
  EXPECT_EQ(ReadCountsCsv(d + "submission.csv").size(), 2u);
  // Resumed after its last epoch, training only validates again: here with averaged views, which
  // the model keeps beside the threshold chosen with them and count then uses by default.
  const auto revalidated =
      MustRun(train + " -o " + d + "views.bin --resume " + d + "points.bin.checkpoint --views 2");
  EXPECT_NE(revalidated.output.find("2 views averaged"), std::string::npos) << revalidated.output;
  EXPECT_EQ(LoadModel(d + "views.bin").metadata.at("detection").value("views", 0), 2);
  const auto model_views = MustRun("count " + (survey / "Test").string() + " --model " + d +
                                   "views.bin -o " + d + "views.csv");
  EXPECT_NE(model_views.output.find("2 views averaged"), std::string::npos) << model_views.output;
  const auto odd_views = RunSealion(count + " --views 3");
  EXPECT_EQ(odd_views.exit_code, 1);
  EXPECT_NE(odd_views.output.find("--views must be 1, 2, 4 or 8"), std::string::npos)
      << odd_views.output;

  // Outputs that would replace an input or each other are refused before any work.
  const auto same = RunSealion("count " + (survey / "Test").string() + " --model " + d +
                               "points.bin -o " + d + "same.csv --detections " + d + "same.csv");
  EXPECT_EQ(same.exit_code, 1);
  EXPECT_NE(same.output.find("are the same file"), std::string::npos) << same.output;
  const auto over_model = RunSealion("count " + (survey / "Test").string() + " --model " + d +
                                     "points.bin -o " + d + "points.bin");
  EXPECT_EQ(over_model.exit_code, 1);
  EXPECT_NE(over_model.output.find("refusing to overwrite an input"), std::string::npos)
      << over_model.output;
  EXPECT_TRUE(LoadModel(d + "points.bin").method == kPointMethod);
  std::filesystem::create_directories(d + "empty");
  const auto empty =
      RunSealion("count " + d + "empty --model " + d + "points.bin -o " + d + "e.csv");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.output.find("no photos in"), std::string::npos) << empty.output;
  EXPECT_FALSE(std::filesystem::exists(d + "e.csv"));

  const auto scored = MustRun(
      "score " + d + "submission.csv " + (survey / "test_truth.csv").string() + " --detections " +
      d + "detections.csv --truth-points " + (survey / "test_coords.csv").string());
  EXPECT_NE(scored.output.find("mean RMSE"), std::string::npos) << scored.output;
  EXPECT_NE(scored.output.find("all animals"), std::string::npos) << scored.output;
  EXPECT_NE(scored.output.find("recall"), std::string::npos) << scored.output;
  // Plain photos weighted up give that many times their crops per epoch (every photo of this
  // survey has its plain copy); out-of-range weights are refused.
  const auto epoch_crops = [](const std::string& output) {
    std::smatch match;  // the progress line: "train epoch 1/2: 12/12 crops | ..."
    EXPECT_TRUE(
        std::regex_search(output, match, std::regex(R"(train epoch 1/\d+: \d+/(\d+) crops)")))
        << output;
    return match.empty() ? -1 : std::stoi(match[1].str());
  };
  // Training of one epoch into d/NAME.bin with extra flags (must succeed or must fail).
  const std::string train_points =
      "train --method points " + survey.string() + " --coords " + d + "extract/coords.csv -o " + d;
  const std::string one_epoch =
      ".bin --epochs 1 --crops-per-photo 6 --crop 128 "
      "--val-fraction 0.4 --seed 2 ";
  const auto weighted = MustRun(train_points + "weighted" + one_epoch + "--plain-weight 3");
  EXPECT_EQ(epoch_crops(weighted.output), 3 * epoch_crops(trained.output)) << weighted.output;
  const auto zero_weight = RunSealion(train_points + "zero.bin --plain-weight 0");
  EXPECT_NE(zero_weight.exit_code, 0);
  EXPECT_NE(zero_weight.output.find("--plain-weight must be in [1, 20]"), std::string::npos)
      << zero_weight.output;
  // Weight decay trains and is recorded in the model's header; the tile counter refuses it.
  MustRun(train_points + "decayed" + one_epoch + "--weight-decay 0.05");
  EXPECT_EQ(LoadModel(d + "decayed.bin").metadata.at("training").at("weight_decay"), 0.05);
  const auto tile_decay = RunSealion("train " + d + "x -o " + d + "y.bin --weight-decay 0.05");
  EXPECT_NE(tile_decay.output.find("--weight-decay is for --method points"), std::string::npos)
      << tile_decay.output;
  // With --dotted-copies-too every photo (all have a plain copy) is trained on its repaired
  // dotted copy as well: twice the crops per epoch. It needs the dots removed.
  const auto both_copies = MustRun(train_points + "both" + one_epoch + "--dotted-copies-too");
  EXPECT_EQ(epoch_crops(both_copies.output), 2 * epoch_crops(trained.output)) << both_copies.output;
  // With --pair-consistency as well, the plain crops are cut again from the dotted copies and
  // compared: the same crops per epoch, and the term is logged. It needs the dotted copies.
  const auto paired =
      MustRun(train_points + "paired" + one_epoch + "--dotted-copies-too --pair-consistency 1");
  EXPECT_EQ(epoch_crops(paired.output), 2 * epoch_crops(trained.output)) << paired.output;
  EXPECT_NE(paired.output.find("pair consistency"), std::string::npos) << paired.output;
  const auto unpaired = RunSealion(train_points + "unpaired.bin --pair-consistency 1");
  EXPECT_NE(unpaired.exit_code, 0);
  EXPECT_NE(unpaired.output.find("needs --dotted-copies-too"), std::string::npos)
      << unpaired.output;
  const auto no_dedot = RunSealion(train_points + "nodedot.bin --dotted-copies-too --no-dedot");
  EXPECT_NE(no_dedot.exit_code, 0);
  EXPECT_NE(no_dedot.output.find("--dotted-copies-too"), std::string::npos) << no_dedot.output;
  // Flags of the other method are refused by name.
  const auto wrong = RunSealion("train " + d + "x -o " + d + "y.bin --crop 128");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("--crop is for --method points"), std::string::npos) << wrong.output;
}

// A small synthetic survey of 2 training photos and 1 test photo (256x224) in `survey`, and a
// point model trained on it for one epoch at `model` with `flags` added (the plumbing is tested,
// not the figures).
void TrainTinyPointModel(const std::filesystem::path& survey, const std::string& model,
                         const std::string& flags = "") {
  testing::MakeSmallSurvey(survey, 2, 1, 256, 224, 3);
  const std::string extract = (survey.parent_path() / "extract").string();
  MustRun("extract " + survey.string() + " -o " + extract);
  MustRun("train --method points " + survey.string() + " --coords " + extract +
          "/coords.csv --epochs 1 --crops-per-photo 4 --crop 128 --val-fraction 0.5 --seed 3 " +
          flags + " -o " + model);
}

// A tiny model trained with `train_flag` (an input preparation its header keeps as `field`)
// counts the test photos (`d`: a folder path ending in /) as trained and again as the same network
// with `field` erased from its header: both runs, whose detections must differ. `trained`: the
// model as loaded.
std::pair<testing::CommandResult, testing::CommandResult> CountPreparedAndAsIs(
    const std::filesystem::path& survey, const std::string& d, const std::string& train_flag,
    const std::string& field, LoadedModel* trained) {
  TrainTinyPointModel(survey, d + "prepared.bin", train_flag);
  *trained = LoadModel(d + "prepared.bin");
  LoadedModel as_is = LoadModel(d + "prepared.bin");
  as_is.metadata.erase(field);
  SavePointModel(d + "as-is.bin", as_is.point_network, as_is.metadata);
  const auto count = [&](const std::string& name) {
    return MustRun("count " + (survey / "Test").string() + " --model " + d + name + ".bin -o " + d +
                   name + ".csv --detections " + d + name + "-detections.csv --threshold 0.001");
  };
  auto runs = std::make_pair(count("prepared"), count("as-is"));
  EXPECT_NE(ReadFileToString(d + "prepared-detections.csv"),
            ReadFileToString(d + "as-is-detections.csv"));
  return runs;
}

// train --chroma-sigma: the model keeps the smoothing and count applies it (it says so, and the
// same network counted without it scores otherwise).
TEST(PointCounter, ChromaSmoothingIsKeptByTheModelAndAppliedByCount) {
  testing::ScopedTempDir dir;
  const auto survey = dir.path() / "survey";
  const std::string d = dir.path().string() + "/";
  LoadedModel model;
  const auto [smoothed, unsmoothed] =
      CountPreparedAndAsIs(survey, d, "--chroma-sigma 3", "input_chroma_sigma", &model);
  EXPECT_EQ(InputChromaSigma(model.metadata), 3.0);
  EXPECT_EQ(model.metadata.at("training").at("chroma_sigma").get<double>(), 3.0);
  EXPECT_NE(smoothed.output.find("chroma smoothed by 3 px"), std::string::npos) << smoothed.output;
  EXPECT_EQ(unsmoothed.output.find("chroma smoothed"), std::string::npos) << unsmoothed.output;
  const auto refused = RunSealion("train --method points " + survey.string() + " --coords " + d +
                                  "extract/coords.csv -o " + d + "x.bin --chroma-sigma -2");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("--chroma-sigma must be in"), std::string::npos) << refused.output;
}

// train --contrast-sd: the model keeps the normalisation and count applies it to each whole photo
// (it says so, and the same network counted without it scores otherwise); the tile counter and
// out-of-range values are refused by name.
TEST(PointCounter, ContrastNormalisationIsKeptByTheModelAndAppliedByCount) {
  testing::ScopedTempDir dir;
  const auto survey = dir.path() / "survey";
  const std::string d = dir.path().string() + "/";
  LoadedModel model;
  const auto [normalised, as_is] =
      CountPreparedAndAsIs(survey, d, "--contrast-sd 80", "input_contrast_sd", &model);
  EXPECT_EQ(InputContrastSd(model.metadata), 80.0);
  EXPECT_EQ(model.metadata.at("training").at("contrast_sd").get<double>(), 80.0);
  EXPECT_EQ(model.metadata.at("format_version"), kNormalisedContrastFormatVersion);
  EXPECT_NE(normalised.output.find("contrast normalised to 80"), std::string::npos)
      << normalised.output;
  EXPECT_EQ(as_is.output.find("contrast normalised"), std::string::npos) << as_is.output;
  for (const char* bad : {"4", "200", "-1"}) {
    const auto refused =
        RunSealion("train --method points " + survey.string() + " --coords " + d +
                   "extract/coords.csv -o " + d + "x.bin --contrast-sd " + std::string(bad));
    EXPECT_NE(refused.exit_code, 0) << bad;
    EXPECT_NE(refused.output.find("--contrast-sd must be 0 or in"), std::string::npos)
        << refused.output;
  }
  const auto tiles = RunSealion("train " + d + "patches -o " + d + "t.bin --contrast-sd 33");
  EXPECT_NE(tiles.exit_code, 0);
  EXPECT_NE(tiles.output.find("--contrast-sd is for --method points"), std::string::npos)
      << tiles.output;
}

// count --scale: each photo resized before the network, its detections written in the photo's
// own pixels; an out-of-range scale refused by name.
TEST(PointCounter, ScaleResizesEachPhotoAndMapsItsDetectionsBack) {
  testing::ScopedTempDir dir;
  const auto survey = dir.path() / "survey";
  const std::string d = dir.path().string() + "/";
  TrainTinyPointModel(survey, d + "model.bin");
  // The test photo enlarged by 2 as count enlarges it (bilinear), written losslessly.
  std::filesystem::create_directories(d + "enlarged");
  for (const auto& entry : std::filesystem::directory_iterator(survey / "Test")) {
    cv::Mat enlarged;
    cv::resize(ReadColourImage(entry.path()), enlarged, cv::Size(), 2, 2, cv::INTER_LINEAR);
    WriteImageAtomically(d + "enlarged/" + entry.path().stem().string() + ".png", enlarged);
  }
  const auto scaled = MustRun("count " + (survey / "Test").string() + " --model " + d +
                              "model.bin --scale 2 --threshold 0.001 -o " + d +
                              "scaled.csv --detections " + d + "scaled-detections.csv");
  EXPECT_NE(scaled.output.find("photos resized by 2"), std::string::npos) << scaled.output;
  MustRun("count " + d + "enlarged --model " + d + "model.bin --threshold 0.001 -o " + d +
          "enlarged.csv --detections " + d + "enlarged-detections.csv");
  // The same animals, classes and scores; positions in the photo's pixels, not the enlarged one's.
  const CsvTable in_photo = ReadCsv(d + "scaled-detections.csv");
  const CsvTable in_enlarged = ReadCsv(d + "enlarged-detections.csv");
  ASSERT_GT(in_enlarged.rows.size(), 5u);
  ASSERT_EQ(in_photo.rows.size(), in_enlarged.rows.size());
  const int x = in_photo.ColumnIndex("x"), y = in_photo.ColumnIndex("y");
  for (size_t i = 0; i < in_photo.rows.size(); ++i) {
    EXPECT_EQ(in_photo.rows[i][1], in_enlarged.rows[i][1]) << "class, row " << i;
    EXPECT_EQ(in_photo.rows[i][4], in_enlarged.rows[i][4]) << "score, row " << i;
    EXPECT_NEAR(in_photo.NumberAt(i, x), (in_enlarged.NumberAt(i, x) + 0.5) / 2 - 0.5, 0.051);
    EXPECT_NEAR(in_photo.NumberAt(i, y), (in_enlarged.NumberAt(i, y) + 0.5) / 2 - 0.5, 0.051);
    EXPECT_LT(in_photo.NumberAt(i, x), 256);
    EXPECT_LT(in_photo.NumberAt(i, y), 224);
  }
  EXPECT_EQ(ReadFileToString(d + "scaled.csv"), ReadFileToString(d + "enlarged.csv"));
  const auto refused = RunSealion("count " + (survey / "Test").string() + " --model " + d +
                                  "model.bin --scale 0 -o " + d + "x.csv");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("--scale must be in [0.25, 4]"), std::string::npos)
      << refused.output;
}

}  // namespace
}  // namespace sealion
