#include "sealion/util/parallel.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <thread>

namespace sealion {

void LowerThisThreadsPriority() {
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
}

int ResolveThreadCount(int requested_threads) {
  if (requested_threads > 0) return requested_threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
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
