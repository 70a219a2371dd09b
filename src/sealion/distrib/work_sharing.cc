#include "sealion/distrib/work_sharing.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "sealion/distrib/mpi_module.h"
#include "sealion/util/error.h"
#include "sealion/util/module_path.h"
#include "sealion/util/parallel.h"

namespace sealion {
namespace {

// One process: the items in list order, results handled at once by the thread that finished.
class LocalWorkSharing final : public WorkSharing {
 public:
  int Rank() const override { return 0; }
  int Ranks() const override { return 1; }
  std::string HostName() const override {
    char name[256] = {};
    gethostname(name, sizeof(name) - 1);
    return name;
  }
  void Begin(std::vector<int64_t> items, const std::string&, ResultHandler on_result) override {
    std::lock_guard lock(mutex_);
    items_ = std::move(items);
    next_ = 0;
    on_result_ = std::move(on_result);
    error_ = nullptr;
  }
  std::optional<int64_t> Next() override {
    std::lock_guard lock(mutex_);
    if (error_ || next_ >= items_.size()) return std::nullopt;
    return items_[next_++];
  }
  void Finish(int64_t item, std::string result) override {
    std::lock_guard lock(mutex_);
    if (error_) return;
    try {
      on_result_(item, result);
    } catch (...) {
      error_ = std::current_exception();  // stops handing out items; End() rethrows
    }
  }
  void End() override {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }
  void SumAcrossRanks(float*, int64_t) override {}
  void BroadcastFromWriter(std::string&) override {}

 private:
  std::mutex mutex_;
  std::vector<int64_t> items_;
  size_t next_ = 0;
  ResultHandler on_result_;
  std::exception_ptr error_;
};

std::filesystem::path MpiModulePath() { return ModulePath(kMpiModuleName); }

WorkSharing* LoadMpiWorkSharing() {
  const std::filesystem::path path = MpiModulePath();
  // RTLD_GLOBAL: Open MPI loads its own plugins, which look for its symbols globally.
  void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (module == nullptr) {
    throw Error(fmt::format(
        "started by an MPI launcher, but the MPI module {} cannot be loaded ({}); run without "
        "mpirun, or set SEALION_MPI=0 to run each process alone",
        path.string(), dlerror()));
  }
  auto* create =
      reinterpret_cast<CreateMpiWorkSharingFunction*>(dlsym(module, kCreateMpiWorkSharingSymbol));
  if (create == nullptr) throw Error(fmt::format("{}: not a sealion MPI module", path.string()));
  return create();
}

}  // namespace

std::string WorkSharing::Where() const {
  return Ranks() == 1 ? std::string() : fmt::format("rank {} on {}", Rank(), HostName());
}

bool LaunchedByMpi() {
  if (const char* forced = std::getenv("SEALION_MPI")) return std::string(forced) != "0";
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("PMI_RANK") != nullptr;
}

WorkSharing& ProcessWorkSharing() {
  static WorkSharing* const sharing = []() -> WorkSharing* {
    if (!LaunchedByMpi()) return MakeLocalWorkSharing().release();
    WorkSharing* mpi = LoadMpiWorkSharing();
    if (!mpi->IsWriter()) {
      // One progress line and one summary per job: the writer's. The others speak up only for
      // what went wrong, saying where.
      spdlog::set_level(spdlog::level::warn);
      spdlog::set_pattern(fmt::format("[%H:%M:%S %^%l%$ {}] %v", mpi->Where()));
    }
    return mpi;
  }();
  return *sharing;
}

void AbortOtherProcesses(int exit_code) {
  void* module = dlopen(MpiModulePath().c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (module == nullptr) return;  // not loaded: a single process
  if (auto* abort = reinterpret_cast<AbortMpiJobFunction*>(dlsym(module, kAbortMpiJobSymbol)))
    abort(exit_code);
}

std::string WhereFromEnvironment() {
  if (!LaunchedByMpi()) return "";
  const char* rank = nullptr;
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if ((rank = std::getenv(name)) != nullptr) break;
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return fmt::format("rank {} on {}", rank != nullptr ? rank : "?", host);
}

std::unique_ptr<WorkSharing> MakeLocalWorkSharing() { return std::make_unique<LocalWorkSharing>(); }

std::vector<int64_t> ItemRange(int64_t count) {
  std::vector<int64_t> items(static_cast<size_t>(std::max<int64_t>(count, 0)));
  for (int64_t i = 0; i < count; ++i) items[i] = i;
  return items;
}

void ShareWork(WorkSharing& sharing, const std::vector<int64_t>& items,
               const std::string& inputs_description, int threads,
               const std::function<std::string(int64_t item)>& work,
               const ResultHandler& on_result) {
  sharing.Begin(items, inputs_description, on_result);
  std::mutex error_mutex;
  std::exception_ptr error;
  auto worker = [&] {
    try {
      while (true) {
        {
          std::lock_guard lock(error_mutex);
          if (error) return;
        }
        const std::optional<int64_t> item = sharing.Next();
        if (!item) return;
        sharing.Finish(*item, work(*item));
      }
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  const int thread_count = ResolveThreadCount(threads);
  for (int t = 1; t < thread_count; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
  sharing.End();
}

}  // namespace sealion
