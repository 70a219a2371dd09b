#pragma once
// Thread settings, passed explicitly (no globals): how many worker threads a command may use.

#include <functional>
#include <optional>
#include <string>

namespace sealion {

// The cores this process may run on (its CPU affinity, which taskset, cgroups and MPI bindings
// narrow), at least 1.
int AvailableCores();

// Resolves a user's --threads value: 0 means every available core; more than that is capped to
// it, with a warning (once per process): threads beyond the cores only cost memory and switches,
// and a mistyped --threads 100000 must not spawn thousands of threads.
int ResolveThreadCount(int requested_threads);

// How many of this process's available cores other work keeps busy now: the busy share of their
// time in /proc/stat over `window_ms`, times their number (the calling thread sleeps meanwhile).
// nullopt where /proc/stat cannot be read.
std::optional<double> BusyCores(int window_ms = 100);

// The warning for a --threads value on a machine where other work already keeps `busy_cores` of
// the `cores` busy, or "" when there is none to give: with 0 (every core), or more threads than
// the idle cores, LibTorch's threads spin while they wait for a core that another process holds
// (measured 2026-12-06 on 2 cores beside two other trainings: `train --threads 0` made 26 crops/s,
// --threads 1 238).
std::string BusyCoresWarning(int requested_threads, int cores, double busy_cores);

// Logs BusyCoresWarning for this machine now, once per process (LibTorch's commands call it as
// they set their threads).
void WarnIfCoresBusy(int requested_threads);

// Gives the calling thread the lowest scheduling priority, so that a helper thread (a photo
// reader, a batch maker) fills the gaps of the compute threads instead of preempting them.
void LowerThisThreadsPriority();

// Runs body(i) for i in [0, count) on up to `threads` threads (oneTBB), each index once.
void ParallelFor(int count, int threads, const std::function<void(int)>& body);

}  // namespace sealion
