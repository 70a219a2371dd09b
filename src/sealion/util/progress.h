#pragma once
// Progress of long work: a line with done/total, rate and ETA, redrawn in place on a terminal,
// and a plain log line every few seconds when stderr is not a terminal. Thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace sealion {

class ProgressReporter {
 public:
  // `what` names the work ("extract"), `unit` the items ("images").
  ProgressReporter(std::string what, std::string unit, int64_t total);
  ~ProgressReporter();

  // Records `count` more finished items; `extra` is appended to the line (e.g. "412 tiles/s").
  void Advance(int64_t count = 1, const std::string& extra = "");
  // Prints the final line (called by the destructor if not before).
  void Finish();

  double ElapsedSeconds() const;

 private:
  void Print(bool final_line);

  std::string what_;
  std::string unit_;
  int64_t total_;
  int64_t done_ = 0;
  std::string extra_;
  bool is_terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  std::mutex mutex_;
};

}  // namespace sealion
