#pragma once
// The one place that knows whether a run is one process or many (`mpirun -np N sealion ...`).
//
// A job is a list of work items (photos). One process, the writer (rank 0), holds the list,
// hands items out on demand and receives every item's result; it alone reads and writes the
// journal and the outputs. Every process (the writer too) takes items with Next() from any of
// its threads, works on them and hands each result back with Finish(). A fast process simply
// asks more often, so a slow node or a large photo holds nobody up.
//
// A single process is the trivial case (LocalWorkSharing): Next() walks the list, Finish() calls
// the result handler. Under an MPI launcher the processes talk through Open MPI (the module
// sealion-mpi.so, loaded only then: a run without mpirun loads no MPI library and pays nothing).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sealion {

// Called on the writer for every item's result, one call at a time, in the order results
// arrive. An exception thrown here (a failed journal write) stops the job: Next() hands out no
// more items anywhere and End() rethrows it on the writer.
using ResultHandler = std::function<void(int64_t item, const std::string& result)>;

class WorkSharing {
 public:
  virtual ~WorkSharing() = default;

  virtual int Rank() const = 0;              // 0 in a single process
  virtual int Ranks() const = 0;             // 1 in a single process
  virtual std::string HostName() const = 0;  // this process's host, for messages
  bool IsWriter() const { return Rank() == 0; }
  // "rank 2 on node7", for messages that must say where something happened; "" in one process.
  std::string Where() const;

  // Starts a job. `items` counts on the writer only (the other processes pass their own list,
  // which is ignored); `inputs_description` names what the items refer to (the photo paths, in
  // order) and must be the same on every process: items are indices into it, so a process that
  // sees other inputs (another folder, a missing mount) would work on the wrong photos. A
  // mismatch throws on every process, naming the ones that differ.
  virtual void Begin(std::vector<int64_t> items, const std::string& inputs_description,
                     ResultHandler on_result) = 0;
  // Any thread: the next item for this process, or nothing when none are left.
  virtual std::optional<int64_t> Next() = 0;
  // Any thread: the result of an item this process took with Next().
  virtual void Finish(int64_t item, std::string result) = 0;
  // Every process calls it once its threads are done: on the writer it returns when every
  // result of every process has been handled (and rethrows a result handler's exception).
  virtual void End() = 0;

  // Data-parallel training: element-wise sum of `data` over all processes, in place.
  virtual void SumAcrossRanks(float* data, int64_t count) = 0;
  // The writer's `bytes` on every process.
  virtual void BroadcastFromWriter(std::string& bytes) = 0;
};

// The process's work sharing: MPI when launched by mpirun/srun (OMPI_COMM_WORLD_SIZE, PMIX_RANK
// or PMI_RANK in the environment; SEALION_MPI=0 forces one process), otherwise one process.
// Created on first use; under MPI, non-writer processes log warnings and errors only, prefixed
// with their rank and host.
WorkSharing& ProcessWorkSharing();

// True when this process was started by an MPI launcher (see ProcessWorkSharing).
bool LaunchedByMpi();

// After an error that ends this process (main's catch): under MPI, aborts the whole job at once
// (MPI_Abort), so that the other processes do not wait forever for this one; nothing otherwise.
void AbortOtherProcesses(int exit_code);

// "rank 2 on node7" from the launcher's environment (before or without MPI_Init), "" when not
// launched by MPI: for messages printed by main().
std::string WhereFromEnvironment();

// The common shape of a job: `threads` threads on this process take items until none are left;
// `work(item)` returns the result that reaches `on_result` on the writer. An exception from
// `work` stops the job and is rethrown here (results must carry per-item failures instead).
void ShareWork(WorkSharing& sharing, const std::vector<int64_t>& items,
               const std::string& inputs_description, int threads,
               const std::function<std::string(int64_t item)>& work,
               const ResultHandler& on_result);

// 0, 1, ..., count - 1.
std::vector<int64_t> ItemRange(int64_t count);

// For tests and the module: the single-process implementation.
std::unique_ptr<WorkSharing> MakeLocalWorkSharing();

}  // namespace sealion
