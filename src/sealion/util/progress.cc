#include "sealion/util/progress.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace sealion {

ProgressReporter::ProgressReporter(std::string what, std::string unit, int64_t total)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      is_terminal_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

ProgressReporter::~ProgressReporter() { Finish(); }

double ProgressReporter::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressReporter::Advance(int64_t count, const std::string& extra) {
  std::lock_guard lock(mutex_);
  done_ += count;
  if (!extra.empty()) extra_ = extra;
  const auto now = std::chrono::steady_clock::now();
  const double since_print = std::chrono::duration<double>(now - last_print_).count();
  if (since_print >= (is_terminal_ ? 0.25 : 10.0)) {
    last_print_ = now;
    Print(false);
  }
}

void ProgressReporter::Finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  Print(true);
}

void ProgressReporter::Print(bool final_line) {
  // Quiet below info (SEALION_LOG_LEVEL=warn, or a process of an MPI job that is not the writer).
  if (!spdlog::default_logger_raw()->should_log(spdlog::level::info)) return;
  const double elapsed = ElapsedSeconds();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string line =
      fmt::format("{}: {}/{} {} | {:.2f} {}/s", what_, done_, total_, unit_, rate, unit_);
  if (!extra_.empty()) line += " | " + extra_;
  if (final_line) {
    line += fmt::format(" | done in {:.1f} s", elapsed);
  } else if (rate > 0 && total_ > done_) {
    line += fmt::format(" | ETA {:.0f} s", static_cast<double>(total_ - done_) / rate);
  }
  if (is_terminal_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    spdlog::info("{}", line);
  }
}

}  // namespace sealion
