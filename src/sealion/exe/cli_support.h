#pragma once
// Shared CLI11 handling for the subcommands.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sealion/core/image_io.h"
#include "sealion/util/output_guard.h"

namespace sealion {

// Parses argv into `app`. Returns -1 when the command should go on, or the exit code to return
// at once: 0 after --help, 2 for a command line CLI11 rejects (an unknown flag, a missing or
// malformed value, a value outside its flag's range), with CLI11's message printed. (CLI11's
// own codes, 105 or 109, said nothing a script could rely on.)
inline int ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  return -1;
}

// --max-megapixels, for every command that reads photos: raises (or lowers) the pixel limit of
// ReadColourImage for the whole process.
inline void AddPhotoLimitOption(CLI::App& app) {
  app.add_option_function<int64_t>(
         "--max-megapixels",
         [](const int64_t& megapixels) {
           SetDefaultImageReadLimits({.max_pixels = megapixels * 1'000'000});
         },
         "refuse photos with more pixels than this (default 1000: a 30000x20000 photo is 600)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
}

// A setting that is on unless turned off: `--NAME` (the default, said in `on_help`) and
// `--no-NAME`, each with its own line of help; given both, the last one wins. (CLI11's
// "--NAME,!--no-NAME" prints "--NAME,--no-NAME{false}", which reads as "off by default".)
inline void AddOnOffFlag(CLI::App& app, const std::string& name, bool& value,
                         const std::string& on_help, const std::string& off_help) {
  app.add_flag_function(
      "--" + name, [&value](std::int64_t) { value = true; }, on_help);
  app.add_flag_function(
      "--no-" + name, [&value](std::int64_t) { value = false; }, off_help);
}

// A dataset in the competition's layout as inputs that no output may replace: the folder and
// its photo folders.
inline std::vector<NamedPath> DatasetInputs(const std::filesystem::path& dataset) {
  return {{"dataset", dataset},
          {"dataset's photos", dataset / "TrainDotted"},
          {"dataset's photos", dataset / "Train"},
          {"dataset's photos", dataset / "Test"}};
}

}  // namespace sealion
