#pragma once
// Thread settings, passed explicitly (no globals): how many worker threads a command may use.

#include <functional>

namespace sealion {

// Resolves a user's --threads value: 0 means every core of the machine.
int ResolveThreadCount(int requested_threads);

// Gives the calling thread the lowest scheduling priority, so that a helper thread (a photo
// reader, a batch maker) fills the gaps of the compute threads instead of preempting them.
void LowerThisThreadsPriority();

// Runs body(i) for i in [0, count) on up to `threads` threads (oneTBB), each index once.
void ParallelFor(int count, int threads, const std::function<void(int)>& body);

}  // namespace sealion
