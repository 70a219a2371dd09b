#include "sealion/util/parallel.h"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <atomic>
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
