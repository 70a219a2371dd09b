// The `sealion` program: a table of subcommands, `help` and `version`. Errors thrown by a
// command are caught here once, printed, and turned into a non-zero exit code.

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
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

// OpenBLAS's threads fight LibTorch's: hold OpenBLAS to one thread unless the user chose a
// count. That needs no restart: openblas_set_num_threads() takes effect at once.
void ConfigureBlasThreads() {
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
}

// OpenBLAS picks its kernels when the library loads, before main(), from OPENBLAS_CORETYPE or,
// without it, from what the CPU reports. Some environments preset OPENBLAS_CORETYPE=Haswell (an
// AVX2 kernel, safe everywhere), which halves its speed on CPUs with AVX-512. Decided here, at run
// time, from the CPU this process runs on: only when the preset is Haswell and the CPU (and the
// operating system) support every AVX-512 subset that OpenBLAS's SkylakeX kernels use, this
// process restarts itself once with OPENBLAS_CORETYPE=SkylakeX. On every other CPU, including one
// without AVX-512 and other architectures, the environment is left exactly as it is.
// SEALION_KEEP_BLAS_CORETYPE=1 keeps the user's setting in every case.
void ConfigureBlasKernels(char** argv) {
#if defined(__x86_64__)
  if (std::getenv("SEALION_BLAS_CONFIGURED") != nullptr) return;
  if (std::getenv("SEALION_KEEP_BLAS_CORETYPE") != nullptr) return;
  const char* preset = std::getenv("OPENBLAS_CORETYPE");
  if (preset == nullptr || std::strcmp(preset, "Haswell") != 0) return;
  const std::string core_type = preset;
  __builtin_cpu_init();
  const bool has_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (!has_avx512) return;
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  setenv("SEALION_BLAS_CONFIGURED", "1", 1);
  execv("/proc/self/exe", argv);  // on failure, carry on with the preset kernel: slower, not wrong
  setenv("OPENBLAS_CORETYPE", core_type.c_str(), 1);
  unsetenv("SEALION_BLAS_CONFIGURED");
#else
  (void)argv;
#endif
}

// What this process chose at run time, for `sealion version` and for benchmarks that give a
// Python baseline the same kernels.
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
  ConfigureBlasKernels(argv);
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
