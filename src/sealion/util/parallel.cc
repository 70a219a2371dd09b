#include "sealion/util/parallel.h"

#include <fmt/format.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace sealion {

void LowerThisThreadsPriority() {
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
}

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

std::optional<double> BusyCores(int window_ms) {
  const auto before = ReadCoreTimes();
  if (!before) return std::nullopt;
  std::this_thread::sleep_for(std::chrono::milliseconds(window_ms));
  const auto after = ReadCoreTimes();
  if (!after || after->total <= before->total) return std::nullopt;
  return (after->busy - before->busy) / (after->total - before->total) * after->cores;
}

std::string BusyCoresWarning(int requested_threads, int cores, double busy_cores) {
  const int idle_cores = std::max(1, cores - static_cast<int>(std::lround(busy_cores)));
  const int threads = requested_threads <= 0 ? cores : std::min(requested_threads, cores);
  // Less than 3/4 of a core busy is the noise of an idle machine (a shell, a logger).
  if (cores < 2 || busy_cores < 0.75 || threads <= idle_cores) return "";
  return fmt::format(
      "other work keeps about {:.1f} of the {} cores busy: {} threads (--threads {}) will wait "
      "for each other and can run many times slower (a training measured on 2 busy cores: 26 "
      "crops/s with 2 threads, 238 with 1); "
      "pass --threads {} or fewer",
      busy_cores, cores, threads, requested_threads, idle_cores);
}

void WarnIfCoresBusy(int requested_threads) {
  static std::atomic<bool> checked{false};
  if (checked.exchange(true)) return;
  const int cores = AvailableCores();
  if (cores < 2) return;
  if (requested_threads == 1) return;  // one thread waits for nobody
  const auto busy = BusyCores();
  if (!busy) return;
  const std::string warning = BusyCoresWarning(requested_threads, cores, *busy);
  if (!warning.empty()) spdlog::warn("{}", warning);
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
