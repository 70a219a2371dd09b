#include "sealion/util/parallel.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

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

// Sets or unsets an environment variable for one test, and puts back what was there.
class ScopedEnvironmentVariable {
 public:
  ScopedEnvironmentVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnvironmentVariable() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "(unset)";
}

TEST(ChooseOpenMpWaitPolicy, MakesWaitingThreadsSleepOnlyWhereOtherWorkHoldsACore) {
  ScopedEnvironmentVariable policy("OMP_WAIT_POLICY", nullptr);
  ScopedEnvironmentVariable spin("GOMP_SPINCOUNT", nullptr);
  EXPECT_FALSE(ChooseOpenMpWaitPolicy(0.3));  // an idle machine keeps libgomp's default
  EXPECT_EQ(Environment("OMP_WAIT_POLICY"), "(unset)");
  EXPECT_TRUE(ChooseOpenMpWaitPolicy(1.1));
  EXPECT_EQ(Environment("OMP_WAIT_POLICY"), "passive");
}

TEST(ChooseOpenMpWaitPolicy, LeavesAPolicyTheUserChoseAlone) {
  {
    ScopedEnvironmentVariable policy("OMP_WAIT_POLICY", "active");
    ScopedEnvironmentVariable spin("GOMP_SPINCOUNT", nullptr);
    EXPECT_FALSE(ChooseOpenMpWaitPolicy(1.9));
    EXPECT_EQ(Environment("OMP_WAIT_POLICY"), "active");
  }
  ScopedEnvironmentVariable policy("OMP_WAIT_POLICY", nullptr);
  ScopedEnvironmentVariable spin("GOMP_SPINCOUNT", "10000");
  EXPECT_FALSE(ChooseOpenMpWaitPolicy(1.9));
  EXPECT_EQ(Environment("OMP_WAIT_POLICY"), "(unset)");
}

TEST(OtherWorkCores, LeavesThisProcesssOwnCpuTimeOut) {
  // 1.6 cores busy over 0.1 s, 0.1 s of it this process's (one core's worth): 0.6 are others'.
  EXPECT_NEAR(OtherWorkCores(1.6, 0.1, 0.1), 0.6, 1e-9);
  EXPECT_NEAR(OtherWorkCores(1.6, 0.0, 0.1), 1.6, 1e-9);
  EXPECT_EQ(OtherWorkCores(0.9, 0.2, 0.1), 0.0);  // clock granularity: never below zero
  EXPECT_EQ(OtherWorkCores(0.5, 0.1, 0.0), 0.5);  // no window: nothing to take away
}

TEST(BusyCores, MeasuresTheLoadOfAnotherProcess) {
  const auto idle = BusyCores(50);
  ASSERT_TRUE(idle.has_value()) << "/proc/stat unreadable";
  EXPECT_GE(*idle, 0.0);
  EXPECT_LE(*idle, AvailableCores() + 0.01);
  if (AvailableCores() < 2) GTEST_SKIP() << "one core: a spinning process would stall the measure";
  // A spinning child process keeps about one core busy, whatever else runs (other work only adds
  // to it; this process sleeps through the window).
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    while (true) {
    }
  }
  const auto busy = BusyCores(300);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(busy.has_value());
  EXPECT_GE(*busy, 0.75) << "a spinning process went unseen";
}

}  // namespace
}  // namespace sealion
