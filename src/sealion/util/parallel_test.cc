#include "sealion/util/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sealion {
namespace {

TEST(BusyCoresWarning, NamesTheIdleCoresWhenEveryCoreIsAskedForOnABusyMachine) {
  const std::string warning = BusyCoresWarning(0, 2, 1.9);
  EXPECT_NE(warning.find("about 1.9 of the 2 cores busy"), std::string::npos) << warning;
  EXPECT_NE(warning.find("pass --threads 1 or fewer"), std::string::npos) << warning;
  // More threads than the idle cores, asked for explicitly (8 cores, 2 busy: 6 idle).
  EXPECT_NE(BusyCoresWarning(8, 8, 2.2).find("pass --threads 6 or fewer"), std::string::npos);
}

TEST(BusyCoresWarning, StaysQuietWhereThreadsFitTheIdleCores) {
  EXPECT_EQ(BusyCoresWarning(0, 2, 0.3), "");  // an idle machine's noise
  EXPECT_EQ(BusyCoresWarning(1, 2, 1.9), "");  // one thread beside the other work
  EXPECT_EQ(BusyCoresWarning(4, 8, 2.2), "");  // 4 threads, 6 idle cores
  EXPECT_EQ(BusyCoresWarning(0, 1, 1.0), "");  // one core: nothing else to choose
}

TEST(BusyCores, MeasuresTheLoadOfAnotherThread) {
  const auto idle = BusyCores(50);
  ASSERT_TRUE(idle.has_value()) << "/proc/stat unreadable";
  EXPECT_GE(*idle, 0.0);
  EXPECT_LE(*idle, AvailableCores() + 0.01);
  if (AvailableCores() < 2) GTEST_SKIP() << "one core: a spinning thread would stall the measure";
  // A thread spinning through the window keeps about one core busy, whatever else runs.
  std::atomic<bool> stop{false};
  std::thread spinner([&] {
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  const auto busy = BusyCores(300);
  stop = true;
  spinner.join();
  ASSERT_TRUE(busy.has_value());
  EXPECT_GE(*busy, 0.75) << "a spinning thread went unseen";
}

}  // namespace
}  // namespace sealion
