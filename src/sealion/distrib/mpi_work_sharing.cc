// Work sharing over Open MPI, built as the module sealion-mpi.so (see mpi_module.h).
//
// The writer (rank 0) runs a service thread that answers the others: a request gets the next
// item (or -1: none left), a result goes to the result handler, a "rank done" counts down. The
// writer's own threads take items directly. Every MPI call of a process is made by one thread at
// a time (MPI_THREAD_SERIALIZED): on the writer only the service thread talks during a job; on
// the others a mutex serialises their threads' requests and results.
//
// Waiting is done by polling with a sleep that grows to 1 ms, not in MPI's blocking calls: Open
// MPI's blocking calls spin a core at 100%, which on a 2-core node would take half the machine
// from the counting threads for as long as a process waits.

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "sealion/distrib/mpi_module.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/util/stable_hash.h"

namespace sealion {
namespace {

enum Tag : int { kRequest = 11, kItem = 12, kResult = 13, kRankDone = 14, kJobDone = 15 };
constexpr int64_t kNoMoreItems = -1;

// Sleeps between polls: short right after activity, up to 1 ms when idle.
class Backoff {
 public:
  void Wait() {
    std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    sleep_us_ = std::min(sleep_us_ * 2, 1000);
  }
  void Reset() { sleep_us_ = 20; }

 private:
  int sleep_us_ = 20;
};

void Check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string("MPI ") + what + " failed: " + text);
}

void WaitPolitely(MPI_Request* request) {
  Backoff backoff;
  int done = 0;
  while (true) {
    Check(MPI_Test(request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return;
    backoff.Wait();
  }
}

class MpiWorkSharing final : public WorkSharing {
 public:
  MpiWorkSharing() {
    int provided = 0;
    Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
    if (provided < MPI_THREAD_SERIALIZED)
      throw std::runtime_error("this MPI library cannot be called from more than one thread");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int length = 0;
    MPI_Get_processor_name(name, &length);
    host_ = name;
  }
  ~MpiWorkSharing() override {
    // Reached at exit after a command returned; an error ends the job with MPI_Abort instead.
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  int Rank() const override { return rank_; }
  int Ranks() const override { return ranks_; }
  std::string HostName() const override { return host_; }

  void Begin(std::vector<int64_t> items, const std::string& inputs_description,
             ResultHandler on_result) override {
    CheckSameInputs(inputs_description);
    std::lock_guard lock(mutex_);
    items_ = std::move(items);
    next_ = 0;
    exhausted_ = false;
    on_result_ = std::move(on_result);
    error_ = nullptr;
    if (IsWriter()) service_ = std::thread([this] { Serve(); });
  }

  std::optional<int64_t> Next() override {
    std::lock_guard lock(mutex_);
    if (IsWriter()) return TakeNextLocked();
    if (exhausted_) return std::nullopt;
    Check(MPI_Send(nullptr, 0, MPI_BYTE, 0, kRequest, MPI_COMM_WORLD), "MPI_Send");
    int64_t item = kNoMoreItems;
    MPI_Request request;
    Check(MPI_Irecv(&item, 1, MPI_INT64_T, 0, kItem, MPI_COMM_WORLD, &request), "MPI_Irecv");
    WaitPolitely(&request);
    if (item == kNoMoreItems) {
      exhausted_ = true;
      return std::nullopt;
    }
    return item;
  }

  void Finish(int64_t item, std::string result) override {
    if (IsWriter()) {
      HandleResult(item, result);
      return;
    }
    std::string message(sizeof(item), '\0');
    std::memcpy(message.data(), &item, sizeof(item));
    message += result;
    std::lock_guard lock(mutex_);
    MPI_Request request;
    Check(MPI_Isend(message.data(), static_cast<int>(message.size()), MPI_BYTE, 0, kResult,
                    MPI_COMM_WORLD, &request),
          "MPI_Isend");
    WaitPolitely(&request);
  }

  void End() override {
    if (IsWriter()) {
      service_.join();
      for (int rank = 1; rank < ranks_; ++rank)
        Check(MPI_Send(nullptr, 0, MPI_BYTE, rank, kJobDone, MPI_COMM_WORLD), "MPI_Send");
      std::lock_guard lock(handler_mutex_);
      if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
      return;
    }
    std::lock_guard lock(mutex_);
    Check(MPI_Send(nullptr, 0, MPI_BYTE, 0, kRankDone, MPI_COMM_WORLD), "MPI_Send");
    // Waits for the writer to finish too (politely), so that nobody spins in MPI_Finalize.
    MPI_Request request;
    Check(MPI_Irecv(nullptr, 0, MPI_BYTE, 0, kJobDone, MPI_COMM_WORLD, &request), "MPI_Irecv");
    WaitPolitely(&request);
  }

  void SumAcrossRanks(float* data, int64_t count) override {
    constexpr int64_t kChunk = int64_t{1} << 30;
    for (int64_t offset = 0; offset < count; offset += kChunk) {
      const int chunk = static_cast<int>(std::min(kChunk, count - offset));
      Check(MPI_Allreduce(MPI_IN_PLACE, data + offset, chunk, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce");
    }
  }

  void BroadcastFromWriter(std::string& bytes) override {
    int64_t size = static_cast<int64_t>(bytes.size());
    Check(MPI_Bcast(&size, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
    bytes.resize(static_cast<size_t>(size));
    Check(MPI_Bcast(bytes.data(), static_cast<int>(size), MPI_BYTE, 0, MPI_COMM_WORLD),
          "MPI_Bcast");
  }

 private:
  void CheckSameInputs(const std::string& description) {
    const uint64_t mine = StableHash(description, 0);
    std::vector<uint64_t> all(static_cast<size_t>(ranks_));
    Check(MPI_Allgather(&mine, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
          "MPI_Allgather");
    std::string differing;
    for (int rank = 1; rank < ranks_; ++rank) {
      if (all[rank] != all[0]) differing += (differing.empty() ? "" : ", ") + std::to_string(rank);
    }
    if (!differing.empty()) {
      throw std::runtime_error(
          "the processes of this job do not see the same inputs: rank(s) " + differing +
          " list other photos than rank 0 (every node must see the same files at the same "
          "paths, e.g. on a shared filesystem)");
    }
  }

  // With mutex_ held.
  std::optional<int64_t> TakeNextLocked() {
    {
      std::lock_guard lock(handler_mutex_);
      if (error_) return std::nullopt;
    }
    if (next_ >= items_.size()) return std::nullopt;
    return items_[next_++];
  }

  void HandleResult(int64_t item, const std::string& result) {
    std::lock_guard lock(handler_mutex_);
    if (error_) return;
    try {
      on_result_(item, result);
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  // The writer's service thread: answers requests and takes results until every other process
  // has said it is done.
  void Serve() {
    try {
      int ranks_done = 0;
      Backoff backoff;
      std::string buffer;
      while (ranks_done < ranks_ - 1) {
        int flag = 0;
        MPI_Status status;
        Check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status),
              "MPI_Iprobe");
        if (!flag) {
          backoff.Wait();
          continue;
        }
        backoff.Reset();
        const int source = status.MPI_SOURCE;
        if (status.MPI_TAG == kRequest) {
          Check(MPI_Recv(nullptr, 0, MPI_BYTE, source, kRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                "MPI_Recv");
          std::optional<int64_t> item;
          {
            std::lock_guard lock(mutex_);
            item = TakeNextLocked();
          }
          const int64_t reply = item.value_or(kNoMoreItems);
          Check(MPI_Send(&reply, 1, MPI_INT64_T, source, kItem, MPI_COMM_WORLD), "MPI_Send");
        } else if (status.MPI_TAG == kResult) {
          int size = 0;
          MPI_Get_count(&status, MPI_BYTE, &size);
          buffer.resize(static_cast<size_t>(size));
          Check(MPI_Recv(buffer.data(), size, MPI_BYTE, source, kResult, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE),
                "MPI_Recv");
          int64_t item = 0;
          std::memcpy(&item, buffer.data(), sizeof(item));
          HandleResult(item, buffer.substr(sizeof(item)));
        } else if (status.MPI_TAG == kRankDone) {
          Check(
              MPI_Recv(nullptr, 0, MPI_BYTE, source, kRankDone, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "MPI_Recv");
          ++ranks_done;
        } else {
          throw std::runtime_error("unexpected MPI message tag " + std::to_string(status.MPI_TAG));
        }
      }
    } catch (...) {
      std::lock_guard lock(handler_mutex_);
      if (!error_) error_ = std::current_exception();
      // The others may wait for an answer that never comes: end the job rather than hang.
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }

  int rank_ = 0;
  int ranks_ = 1;
  std::string host_;
  std::mutex mutex_;          // items and, on non-writers, every MPI call
  std::mutex handler_mutex_;  // the result handler and error_
  std::vector<int64_t> items_;
  size_t next_ = 0;
  bool exhausted_ = false;
  ResultHandler on_result_;
  std::exception_ptr error_;
  std::thread service_;
};

}  // namespace
}  // namespace sealion

extern "C" __attribute__((visibility("default"))) sealion::WorkSharing*
SealionCreateMpiWorkSharing() {
  static sealion::MpiWorkSharing sharing;
  return &sharing;
}

extern "C" __attribute__((visibility("default"))) void SealionAbortMpiJob(int exit_code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, exit_code);
}
