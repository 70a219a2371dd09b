// The `sealion` program: a table of subcommands, `help` and `version`. Errors thrown by a
// command are caught here once, printed, and turned into a non-zero exit code.

#include <dlfcn.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "sealion/distrib/work_sharing.h"
#include "sealion/exe/commands.h"
#include "sealion/util/error.h"
#include "sealion/util/parallel.h"
#include "sealion/version.h"

namespace {

constexpr const char* kNetworkModuleName = "sealion-network.so";

// train, count and ensemble live in a module (network_commands.cc) beside this program, loaded only
// when one of them runs: LibTorch takes about 0.6 s to load, which the other commands need not pay.
void* LoadNetworkModule() {
  static void* module = [] {
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    const std::filesystem::path path =
        (error ? std::filesystem::path(".") : self.parent_path()) / kNetworkModuleName;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      throw std::runtime_error(fmt::format(
          "cannot load the network commands from {} (it is built beside the sealion program): {}",
          path.string(), dlerror()));
    }
    return handle;
  }();
  return module;
}

template <typename Function>
Function* NetworkFunction(const char* name) {
  void* symbol = dlsym(LoadNetworkModule(), name);
  if (symbol == nullptr) {
    throw std::runtime_error(fmt::format("{} lacks {}: rebuild sealion", kNetworkModuleName, name));
  }
  return reinterpret_cast<Function*>(symbol);
}

int RunNetworkCommand(const char* name, int argc, char** argv) {
  return NetworkFunction<int(const char*, int, char**)>("SealionRunNetworkCommand")(name, argc,
                                                                                    argv);
}

// train and count measure the machine's load before LibTorch loads, because libgomp reads its
// wait policy only then (sealion::ChooseOpenMpWaitPolicy), and hand the measure on for the
// busy-cores warning.
int RunComputeCommand(const char* name, int argc, char** argv) {
  if (const std::optional<double> busy_cores = sealion::BusyCores()) {
    if (sealion::ChooseOpenMpWaitPolicy(*busy_cores)) {
      spdlog::info(
          "other work keeps about {:.1f} cores busy: LibTorch's threads sleep while they wait "
          "(OMP_WAIT_POLICY=passive)",
          *busy_cores);
    }
    NetworkFunction<void(double)>("SealionRememberBusyCores")(*busy_cores);
  }
  return RunNetworkCommand(name, argc, argv);
}
int RunTrainCommand(int argc, char** argv) { return RunComputeCommand("train", argc, argv); }
int RunCountCommand(int argc, char** argv) { return RunComputeCommand("count", argc, argv); }
int RunEnsembleCommand(int argc, char** argv) { return RunNetworkCommand("ensemble", argc, argv); }

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
    {"train", RunTrainCommand,
     "train a counter: the tile CNN (thumbnails) or the point network (photos)"},
    {"count", RunCountCommand, "count sea lions in photos; write a submission"},
    {"ensemble", RunEnsembleCommand, "combine point models into one whose heatmaps are averaged"},
    {"score", sealion::RunScoreCommand, "score a submission with the competition's metric"},
    {"report", sealion::RunReportCommand, "write an HTML report of a run"},
    {"overlay", sealion::RunOverlayCommand, "draw what was counted on one photo"},
    {"export", sealion::RunExportCommand,
     "write detections as VIAME CSV, COCO JSON, GeoJSON or per-photo totals"},
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

// What the CPU and the libraries offer at run time, for `sealion version`.
void PrintRuntimeChoices() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  fmt::print("cpu: x86-64, avx2 {}, avx512f {}\n", __builtin_cpu_supports("avx2") ? "yes" : "no",
             __builtin_cpu_supports("avx512f") ? "yes" : "no");
#else
  fmt::print("cpu: not x86-64 (untested)\n");
#endif
  NetworkFunction<void()>("SealionPrintNetworkRuntime")();
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer (cmake --preset sanitize): LeakSanitizer's tracer itself crashed at the
// exit of the program once the LibTorch module had run ("Tracer caught signal 11"), failing every
// test that runs `count` or `train`. The program's leaks go unchecked; the unit tests and fuzz
// targets, which run the same library code in-process, keep leak checking.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

int main(int argc, char** argv) {
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
    try {
      PrintRuntimeChoices();
    } catch (const std::exception& error) {
      fmt::print(stderr, "sealion version: error: {}\n", error.what());
      return 1;
    }
    return 0;
  }
  for (const auto& command : kCommands) {
    if (command.name != name) continue;
    try {
      return command.run(argc - 1, argv + 1);
    } catch (const std::exception& error) {
      const std::string where = sealion::WhereFromEnvironment();
      fmt::print(stderr, "sealion {}: error{}: {}\n", name, where.empty() ? "" : " (" + where + ")",
                 error.what());
      // Under mpirun the other processes would wait for this one forever: end the job.
      sealion::AbortOtherProcesses(1);
      return 1;
    }
  }
  fmt::print(stderr, "sealion: unknown command '{}' (try 'sealion help')\n", name);
  return 2;
}
