// The `sealion` program: a table of subcommands, `help` and `version`. Errors thrown by a
// command are caught here once, printed, and turned into a non-zero exit code.

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "sealion/exe/commands.h"
#include "sealion/util/error.h"
#include "sealion/version.h"

namespace {

struct Command {
  std::string_view name;
  int (*run)(int argc, char** argv);
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"extract", sealion::RunExtractCommand, "find and classify the dots of TrainDotted photos"},
    {"synth", sealion::RunSynthCommand, "generate a synthetic survey with exact ground truth"},
    {"patches", sealion::RunPatchesCommand, "cut 64x64 thumbnails around the dots, and background"},
    {"train", sealion::RunTrainCommand, "train the seed's CNN on the thumbnails"},
    {"count", sealion::RunCountCommand,
     "count sea lions in photos, tile by tile; write a submission"},
    {"score", sealion::RunScoreCommand, "score a submission with the competition's metric"},
    {"report", sealion::RunReportCommand, "write an HTML report of a run"},
    {"overlay", sealion::RunOverlayCommand, "draw the counted tiles on one photo"},
};

void PrintHelp() {
  fmt::print("sealion {}: counts Steller sea lions by class in aerial survey photos\n\n",
             sealion::kVersion);
  fmt::print(
      "usage: sealion <command> [options]    (sealion <command> --help for its "
      "options)\n\ncommands:\n");
  for (const auto& command : kCommands) fmt::print("  {:<10} {}\n", command.name, command.summary);
  fmt::print("  {:<10} {}\n  {:<10} {}\n", "help", "this message", "version", "print the version");
}

// OpenBLAS reads its settings when the library loads, before main(). This machine's environment
// presets OPENBLAS_CORETYPE=Haswell, which halves its speed on AVX-512 CPUs, and OpenBLAS's own
// threads fight LibTorch's. Fix the environment and re-execute once, before anything runs.
void ConfigureBlasEnvironment(char** argv) {
  if (std::getenv("SEALION_BLAS_CONFIGURED") != nullptr) return;
  bool changed = false;
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    changed = true;
  }
  const char* core_type = std::getenv("OPENBLAS_CORETYPE");
  if (core_type != nullptr && std::strcmp(core_type, "Haswell") == 0 &&
      __builtin_cpu_supports("avx512f")) {
    unsetenv("OPENBLAS_CORETYPE");
    changed = true;
  }
  setenv("SEALION_BLAS_CONFIGURED", "1", 1);
  if (changed) execv("/proc/self/exe", argv);  // on failure, carry on with the settings as they are
}

}  // namespace

int main(int argc, char** argv) {
  ConfigureBlasEnvironment(argv);
  if (const char* level = std::getenv("SEALION_LOG_LEVEL"))
    spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("[%H:%M:%S %^%l%$] %v");
  if (argc < 2) {
    PrintHelp();
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    PrintHelp();
    return 0;
  }
  if (name == "version" || name == "--version") {
    fmt::print("sealion {}\n", sealion::kVersion);
    return 0;
  }
  for (const auto& command : kCommands) {
    if (command.name != name) continue;
    try {
      return command.run(argc - 1, argv + 1);
    } catch (const std::exception& error) {
      fmt::print(stderr, "sealion {}: error: {}\n", name, error.what());
      return 1;
    }
  }
  fmt::print(stderr, "sealion: unknown command '{}' (try 'sealion help')\n", name);
  return 2;
}
