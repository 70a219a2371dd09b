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
// time in /proc/stat over `window_ms`, times their number, less this process's own CPU time over
// the window (the calling thread sleeps meanwhile). nullopt where /proc/stat cannot be read.
std::optional<double> BusyCores(int window_ms = 100);

// The cores other work kept busy over a window of `wall_seconds`, in which `busy_cores` were busy
// in all and this process used `own_cpu_seconds` of CPU time (its own threads are not other work:
// OpenBLAS's thread pool, for one, spins for a while after the program loads it); at least 0.
double OtherWorkCores(double busy_cores, double own_cpu_seconds, double wall_seconds);

// The warning for a --threads value on a machine where other work already keeps `busy_cores` of
// the `cores` busy, or "" when there is none to give: with 0 (every core), or more threads than
// the idle cores, LibTorch's threads spin while they wait for a core that another process holds
// (measured 2026-12-06 on 2 cores beside two other trainings: `train --threads 0` made 26 crops/s,
// --threads 1 238; less since ChooseOpenMpWaitPolicy, below).
std::string BusyCoresWarning(int requested_threads, int cores, double busy_cores);

// Logs BusyCoresWarning for this machine, once per process (LibTorch's commands call it as they
// set their threads), from the load RememberBusyCores was given, or measured now.
void WarnIfCoresBusy(int requested_threads);
void RememberBusyCores(double busy_cores);

// How LibTorch's OpenMP threads (libgomp) wait for each other at a barrier: by default they spin
// first, which beside other work holds a core that the thread they wait for needs. Where other
// work keeps at least 3/4 of a core busy and the environment chooses no policy (neither
// OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set), sets OMP_WAIT_POLICY=passive for this process
// (waiting threads sleep at once) and returns true. libgomp reads it once, as it loads: call this
// before LibTorch is loaded. Measured 2026-12-07 on 2 cores with one kept busy
// (bench/busy_cores.sh): a training at 112-117 crops/s passive against 63-80 spinning,
// counting 1.13-1.16 photos/s against 0.88-0.98; idle, passive cost a training about 17% (180-201
// against 224-243), so it is not set there.
bool ChooseOpenMpWaitPolicy(double busy_cores);

// Runs body(i) for i in [0, count) on up to `threads` threads (oneTBB), each index once.
void ParallelFor(int count, int threads, const std::function<void(int)>& body);

}  // namespace sealion
