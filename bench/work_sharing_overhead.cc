// The cost of sharing work over MPI, per work item: run under `mpirun -np 2` (see
// bench/cluster_projection.sh). Every rank takes items with one thread and hands back a result
// the size of a photo's detection rows; the work itself is a sleep of --work-ms (what a photo's
// counting would take), so the wall time beyond items x work / ranks is the sharing's overhead:
// the request round trip, the result's transfer, the writer's handling. With --work-ms 0 it
// measures the round trip alone. The writer handles each result as `count` does: a detections
// append and a journal line, each flushed (files in the current folder, removed after).
// WRITER_WORKS=0 keeps the writer to its service (no items of its own): with many ranks and no
// work, the items per second it sustains are the writer's capacity.
//
// usage: mpirun -np N sealion_bench_work_sharing [ITEMS=400] [WORK_MS=20] [RESULT_BYTES=4000]
//                                                [WRITER_WORKS=1]

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "sealion/distrib/work_sharing.h"

int main(int argc, char** argv) {
  const int items = argc > 1 ? std::atoi(argv[1]) : 400;
  const double work_ms = argc > 2 ? std::atof(argv[2]) : 20;
  const int result_bytes = argc > 3 ? std::atoi(argv[3]) : 4000;
  const bool writer_works = argc > 4 ? std::atoi(argv[4]) != 0 : true;
  sealion::WorkSharing& sharing = sealion::ProcessWorkSharing();
  int64_t handled = 0;
  const std::string journal_path = fmt::format("bench-journal.{}", ::getpid());
  const std::string detections_path = journal_path + ".detections";
  std::ofstream journal, detections;
  if (sharing.IsWriter()) {
    journal.open(journal_path);
    detections.open(detections_path);
  }
  const auto work = [&](int64_t) {
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(work_ms));
    return std::string(static_cast<size_t>(result_bytes), 'x');
  };
  const auto handle = [&](int64_t item, const std::string& result) {
    detections << result << std::flush;
    journal << fmt::format("{},1,2,3,4,5,{}\n", item, result.size()) << std::flush;
    ++handled;
  };
  const auto start = std::chrono::steady_clock::now();
  if (writer_works || !sharing.IsWriter()) {
    sealion::ShareWork(sharing, sealion::ItemRange(items), "bench", 1, work, handle);
  } else {
    sharing.Begin(sealion::ItemRange(items), "bench", handle);
    sharing.End();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!sharing.IsWriter()) return 0;
  std::remove(journal_path.c_str());
  std::remove(detections_path.c_str());
  const int workers = writer_works ? sharing.Ranks() : sharing.Ranks() - 1;
  const double ideal = items * work_ms / 1000.0 / workers;
  const double overhead_ms = (seconds - ideal) * 1000.0 * workers / items;
  fmt::print(
      "ranks {} (writer works: {}) items {} work {:.1f} ms result {} B: wall {:.3f} s, ideal "
      "{:.3f} s, overhead {:.3f} ms per item, {:.0f} items/s through the writer\n",
      sharing.Ranks(), writer_works ? "yes" : "no", items, work_ms, result_bytes, seconds, ideal,
      overhead_ms, items / seconds);
  return handled == items ? 0 : 1;
}
