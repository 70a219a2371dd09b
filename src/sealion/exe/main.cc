// The `sealion` program: a table of subcommands, `help` and `version`. Errors thrown by a
// command are caught here once, printed, and turned into a non-zero exit code.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string_view>

#include "sealion/exe/commands.h"
#include "sealion/util/error.h"
#include "sealion/version.h"

// OpenBLAS's C interface (cblas.h declares it too, but pulls in the whole BLAS API).
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" char* openblas_get_corename();
extern "C" int openblas_get_num_threads();

namespace {

struct Command {
  std::string_view name;
  int (*run)(int argc, char** argv);
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"extract", sealion::RunExtractCommand, "find and classify the dots of TrainDotted photos"},
    {"dedot", sealion::RunDedotCommand, "write dotted photos with their dots removed"},
    {"synth", sealion::RunSynthCommand, "generate a synthetic survey with exact ground truth"},
    {"patches", sealion::RunPatchesCommand, "cut 64x64 thumbnails around the dots, and background"},
    {"train", sealion::RunTrainCommand,
     "train a counter: the tile CNN (thumbnails) or the point network (photos)"},
    {"count", sealion::RunCountCommand, "count sea lions in photos; write a submission"},
    {"score", sealion::RunScoreCommand, "score a submission with the competition's metric"},
    {"report", sealion::RunReportCommand, "write an HTML report of a run"},
    {"overlay", sealion::RunOverlayCommand, "draw what was counted on one photo"},
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

// OpenBLAS's threads fight LibTorch's: hold OpenBLAS to one thread unless the user chose a
// count. That needs no restart: openblas_set_num_threads() takes effect at once.
void ConfigureBlasThreads() {
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
}

// What the libraries found at run time, for `sealion version`. Nothing here names a CPU type:
// OpenBLAS picks its kernel from the CPU it loads on (or from OPENBLAS_CORETYPE, which is left as
// the environment sets it: some environments preset it because OpenBLAS's own detection fails on
// their processors), oneDNN and LibTorch pick their vector code the same way.
void PrintRuntimeChoices() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  fmt::print("cpu: x86-64, avx2 {}, avx512f {}\n", __builtin_cpu_supports("avx2") ? "yes" : "no",
             __builtin_cpu_supports("avx512f") ? "yes" : "no");
#else
  fmt::print("cpu: not x86-64 (untested)\n");
#endif
  const char* preset = std::getenv("OPENBLAS_CORETYPE");
  fmt::print("openblas kernel: {} (OPENBLAS_CORETYPE {}), threads {}\n", openblas_get_corename(),
             preset != nullptr ? preset : "unset", openblas_get_num_threads());
}

}  // namespace

int main(int argc, char** argv) {
  ConfigureBlasThreads();
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
    PrintRuntimeChoices();
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
