#include "sealion/util/parallel.h"

#include <fmt/format.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace sealion {

int AvailableCores() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
    const int count = CPU_COUNT(&cpus);
    if (count > 0) return count;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

int ResolveThreadCount(int requested_threads) {
  const int cores = AvailableCores();
  if (requested_threads <= 0) return cores;
  if (requested_threads > cores) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      spdlog::warn("--threads {} is more than the {} cores available: using {}", requested_threads,
                   cores, cores);
    }
    return cores;
  }
  return requested_threads;
}

namespace {

// Less than 3/4 of a core busy is the noise of an idle machine (a shell, a logger).
constexpr double kBusyCoresNoise = 0.75;

// The load measured when the command started, as RememberBusyCores was told; -1 for none.
std::atomic<double> remembered_busy_cores{-1};

// Busy and total time (in /proc/stat's ticks) of the cores in this process's CPU affinity, and
// how many cores those are.
struct CoreTimes {
  double busy = 0, total = 0;
  int cores = 0;
};

std::optional<CoreTimes> ReadCoreTimes() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const bool have_affinity = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
  std::ifstream stat("/proc/stat");
  if (!stat) return std::nullopt;
  CoreTimes times;
  std::string line;
  while (std::getline(stat, line)) {
    // Per-core lines only: "cpuN user nice system idle iowait irq softirq steal ...".
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    int core = 0;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(fields >> core >> user >> nice >> system >> idle >> iowait >> irq >> softirq)) continue;
    fields >> steal;  // absent on old kernels
    if (have_affinity && (core < 0 || core >= CPU_SETSIZE || !CPU_ISSET(core, &cpus))) continue;
    const double busy = user + nice + system + irq + softirq + steal;
    times.busy += busy;
    times.total += busy + idle + iowait;
    ++times.cores;
  }
  if (times.cores == 0) return std::nullopt;
  return times;
}

}  // namespace

double OtherWorkCores(double busy_cores, double own_cpu_seconds, double wall_seconds) {
  if (wall_seconds <= 0) return std::max(0.0, busy_cores);
  return std::max(0.0, busy_cores - own_cpu_seconds / wall_seconds);
}

std::optional<double> BusyCores(int window_ms) {
  const auto own_cpu_seconds = [] {
    timespec time{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_nsec) * 1e-9;
  };
  const auto wall_start = std::chrono::steady_clock::now();
  const double own_start = own_cpu_seconds();
  const auto before = ReadCoreTimes();
  if (!before) return std::nullopt;
  std::this_thread::sleep_for(std::chrono::milliseconds(window_ms));
  const auto after = ReadCoreTimes();
  const double own = own_cpu_seconds() - own_start;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!after || after->total <= before->total) return std::nullopt;
  const double busy = (after->busy - before->busy) / (after->total - before->total) * after->cores;
  return OtherWorkCores(busy, own, wall);
}

std::string BusyCoresWarning(int requested_threads, int cores, double busy_cores) {
  const int idle_cores = std::max(1, cores - static_cast<int>(std::lround(busy_cores)));
  const int threads = requested_threads <= 0 ? cores : std::min(requested_threads, cores);
  if (cores < 2 || busy_cores < kBusyCoresNoise || threads <= idle_cores) return "";
  return fmt::format(
      "other work keeps about {:.1f} of the {} cores busy: {} threads (--threads {}) will wait "
      "for each other and run slower (a training on 2 cores, one kept busy: 112-117 crops/s with "
      "2 threads waiting passively, 63-80 spinning, 135-138 with 1 thread); pass --threads {} or "
      "fewer",
      busy_cores, cores, threads, requested_threads, idle_cores);
}

void RememberBusyCores(double busy_cores) { remembered_busy_cores = busy_cores; }

void WarnIfCoresBusy(int requested_threads) {
  static std::atomic<bool> checked{false};
  if (checked.exchange(true)) return;
  const int cores = AvailableCores();
  if (cores < 2) return;
  if (requested_threads == 1) return;  // one thread waits for nobody
  const double remembered = remembered_busy_cores;
  const auto busy = remembered >= 0 ? std::optional<double>(remembered) : BusyCores();
  if (!busy) return;
  const std::string warning = BusyCoresWarning(requested_threads, cores, *busy);
  if (!warning.empty()) spdlog::warn("{}", warning);
}

bool ChooseOpenMpWaitPolicy(double busy_cores) {
  if (busy_cores < kBusyCoresNoise) return false;
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return false;
  }
  return setenv("OMP_WAIT_POLICY", "passive", 0) == 0;
}

void ParallelFor(int count, int threads, const std::function<void(int)>& body) {
  tbb::task_arena arena(ResolveThreadCount(threads));
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(0, count, 1),
                      [&](const tbb::blocked_range<int>& range) {
                        for (int i = range.begin(); i != range.end(); ++i) body(i);
                      });
  });
}

}  // namespace sealion
