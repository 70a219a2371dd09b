// The commands that run the network (train, count, ensemble), built as a module that `sealion`
// loads only for them (and for `version`'s report): loading LibTorch takes about 0.6 s, which
// every other command (extract, score, --help, ...) would otherwise pay at start-up. See main.cc.

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>

#include "sealion/exe/commands.h"
#include "sealion/util/parallel.h"

// OpenBLAS's C interface (cblas.h declares it too, but pulls in the whole BLAS API).
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" char* openblas_get_corename();
extern "C" int openblas_get_num_threads();

namespace {

// OpenBLAS's threads fight LibTorch's: hold OpenBLAS to one thread unless the user chose a
// count. That needs no restart: openblas_set_num_threads() takes effect at once.
void ConfigureBlasThreads() {
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
}

}  // namespace

// Runs `name` (train, count or ensemble) with its arguments; returns its exit code, -1 for another
// name. Exceptions propagate to main(), which prints them once.
extern "C" __attribute__((visibility("default"))) int SealionRunNetworkCommand(const char* name,
                                                                               int argc,
                                                                               char** argv) {
  ConfigureBlasThreads();
  const std::string_view command = name;
  if (command == "train") return sealion::RunTrainCommand(argc, argv);
  if (command == "count") return sealion::RunCountCommand(argc, argv);
  if (command == "ensemble") return sealion::RunEnsembleCommand(argc, argv);
  return -1;
}

// The machine's load as `sealion` measured it before loading this module, for the busy-cores
// warning (sealion/util/parallel.h), which would otherwise measure it again.
extern "C" __attribute__((visibility("default"))) void SealionRememberBusyCores(double busy_cores) {
  sealion::RememberBusyCores(busy_cores);
}

// What OpenBLAS found at run time, for `sealion version`. Nothing here names a CPU type: OpenBLAS
// picks its kernel from the CPU it loads on (or from OPENBLAS_CORETYPE, which is left as the
// environment sets it: some environments preset it because OpenBLAS's own detection fails on
// their processors), oneDNN and LibTorch pick their vector code the same way.
extern "C" __attribute__((visibility("default"))) void SealionPrintNetworkRuntime() {
  ConfigureBlasThreads();
  const char* preset = std::getenv("OPENBLAS_CORETYPE");
  fmt::print("openblas kernel: {} (OPENBLAS_CORETYPE {}), threads {}\n", openblas_get_corename(),
             preset != nullptr ? preset : "unset", openblas_get_num_threads());
}
