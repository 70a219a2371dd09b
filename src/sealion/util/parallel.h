#pragma once
// Thread settings, passed explicitly (no globals): how many worker threads a command may use.

#include <functional>

namespace sealion {

// The cores this process may run on (its CPU affinity, which taskset, cgroups and MPI bindings
// narrow), at least 1.
int AvailableCores();

// Resolves a user's --threads value: 0 means every available core; more than that is capped to
// it, with a warning (once per process): threads beyond the cores only cost memory and switches,
// and a mistyped --threads 100000 must not spawn thousands of threads.
int ResolveThreadCount(int requested_threads);

// Gives the calling thread the lowest scheduling priority, so that a helper thread (a photo
// reader, a batch maker) fills the gaps of the compute threads instead of preempting them.
void LowerThisThreadsPriority();

// Runs body(i) for i in [0, count) on up to `threads` threads (oneTBB), each index once.
void ParallelFor(int count, int threads, const std::function<void(int)>& body);

}  // namespace sealion
