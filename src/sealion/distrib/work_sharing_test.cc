// The single-process work sharing: every item once, results on the calling threads, errors stop
// the job. (The MPI path is tested with the real program under mpirun: tests/mpi_test.sh.)

#include "sealion/distrib/work_sharing.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <stdexcept>

namespace sealion {
namespace {

TEST(WorkSharing, OneProcessIsTheWriter) {
  const auto sharing = MakeLocalWorkSharing();
  EXPECT_EQ(sharing->Rank(), 0);
  EXPECT_EQ(sharing->Ranks(), 1);
  EXPECT_TRUE(sharing->IsWriter());
  EXPECT_EQ(sharing->Where(), "") << "one process says nothing about where it runs";
}

TEST(WorkSharing, EveryItemIsWorkedOnceAndItsResultHandledOnce) {
  const auto sharing = MakeLocalWorkSharing();
  const std::vector<int64_t> items = {7, 3, 11, 0, 5, 9, 2};
  std::map<int64_t, std::string> results;
  std::atomic<int> work_calls{0};
  ShareWork(
      *sharing, items, "inputs", 4,
      [&](int64_t item) {
        ++work_calls;
        return "result of " + std::to_string(item);
      },
      [&](int64_t item, const std::string& result) {
        EXPECT_TRUE(results.emplace(item, result).second) << "item " << item << " handled twice";
      });
  EXPECT_EQ(work_calls, static_cast<int>(items.size()));
  ASSERT_EQ(results.size(), items.size());
  for (const int64_t item : items) EXPECT_EQ(results[item], "result of " + std::to_string(item));
}

TEST(WorkSharing, AFailingResultHandlerStopsTheJobAndIsRethrown) {
  const auto sharing = MakeLocalWorkSharing();
  std::atomic<int> handled{0};
  EXPECT_THROW(ShareWork(
                   *sharing, ItemRange(100), "inputs", 1, [](int64_t) { return std::string(); },
                   [&](int64_t item, const std::string&) {
                     ++handled;
                     if (item == 2) throw std::runtime_error("disk full");
                   }),
               std::runtime_error);
  EXPECT_EQ(handled, 3) << "no item may be handed out after the handler failed";
}

TEST(WorkSharing, AFailingWorkerStopsTheJobAndIsRethrown) {
  const auto sharing = MakeLocalWorkSharing();
  EXPECT_THROW(ShareWork(
                   *sharing, ItemRange(10), "inputs", 2,
                   [](int64_t item) -> std::string {
                     if (item == 4) throw std::runtime_error("out of memory");
                     return "";
                   },
                   [](int64_t, const std::string&) {}),
               std::runtime_error);
}

TEST(WorkSharing, AnEmptyJobEndsAtOnce) {
  const auto sharing = MakeLocalWorkSharing();
  int handled = 0;
  ShareWork(
      *sharing, {}, "inputs", 2, [](int64_t) { return std::string(); },
      [&](int64_t, const std::string&) { ++handled; });
  EXPECT_EQ(handled, 0);
}

TEST(WorkSharing, ProcessWorkSharingIsLocalWithoutALauncher) {
  if (LaunchedByMpi()) GTEST_SKIP() << "running under an MPI launcher";
  EXPECT_EQ(ProcessWorkSharing().Ranks(), 1);
  EXPECT_EQ(WhereFromEnvironment(), "");
}

}  // namespace
}  // namespace sealion
