#include "sealion/distrib/journal.h"

#include <fmt/format.h>

#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

Error WriteFailed(const std::filesystem::path& path) {
  return Error(
      fmt::format("{}: write failed (disk full?); the run stops here, and --resume "
                  "continues it once there is room",
                  path.string()));
}

// The complete lines of a file: a last line without its newline was cut by a crash.
std::vector<std::string> CompleteLines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;
    lines.push_back(line);
  }
  return lines;
}

bool LeadingId(const std::string& line, int64_t* id) {
  const auto comma = line.find(',');
  if (comma == std::string::npos || comma == 0) return false;
  const std::optional<int64_t> number = ParseWholeInteger(std::string_view(line).substr(0, comma));
  if (number) *id = *number;
  return number.has_value();
}

}  // namespace

AppendOnlyFile::AppendOnlyFile(std::filesystem::path path)
    : path_(std::move(path)), out_(path_, std::ios::app) {
  if (!out_) throw Error(fmt::format("{}: cannot open the journal for writing", path_.string()));
}

void AppendOnlyFile::Append(const std::string& text) {
  out_ << text << std::flush;
  if (!out_) throw WriteFailed(path_);
}

Journal::Journal(const std::filesystem::path& path, const std::string& fingerprint, bool resume) {
  if (resume && std::filesystem::exists(path)) {
    earlier_lines_ = CompleteLines(path);
    if (earlier_lines_.empty() || earlier_lines_.front() != fingerprint) {
      throw Error(fmt::format(
          "{}: the journal was written with another model or settings; run without --resume "
          "to start over",
          path.string()));
    }
    earlier_lines_.erase(earlier_lines_.begin());
    // Rewritten without a line cut by the crash, so that the next append starts a line of its
    // own instead of continuing the cut one.
    std::string complete = fingerprint + "\n";
    for (const auto& line : earlier_lines_) complete += line + "\n";
    WriteFileAtomically(path, complete);
  } else {
    WriteFileAtomically(path, fingerprint + "\n");
  }
  out_.emplace(path);
}

std::map<int64_t, std::vector<std::string>> Journal::Finished(size_t cells) const {
  std::map<int64_t, std::vector<std::string>> finished;
  for (const auto& line : earlier_lines_) {
    std::vector<std::string> row = SplitCsvLine(line);
    int64_t id = 0;
    if (row.size() != cells + 1 || !LeadingId(line, &id)) continue;
    row.erase(row.begin());
    finished[id] = std::move(row);
  }
  return finished;
}

std::map<int64_t, int64_t> KeepCompleteRows(const std::filesystem::path& path,
                                            const std::map<int64_t, int64_t>& expected_rows,
                                            bool resume) {
  std::map<int64_t, std::string> rows;
  std::map<int64_t, int64_t> found;
  for (const auto& entry : expected_rows) found[entry.first] = 0;
  if (resume) {
    for (const auto& line : CompleteLines(path)) {
      int64_t id = 0;
      if (!LeadingId(line, &id) || !expected_rows.count(id)) continue;
      rows[id] += line + "\n";
      ++found[id];
    }
  }
  std::string kept;
  for (const auto& [id, expected] : expected_rows) {
    if (found[id] == expected) kept += rows[id];
  }
  WriteFileAtomically(path, kept);
  return found;
}

std::string SortedRows(const std::filesystem::path& path, const std::set<int64_t>& ids) {
  std::multimap<int64_t, std::string> rows;
  for (const auto& line : CompleteLines(path)) {
    int64_t id = 0;
    if (LeadingId(line, &id) && ids.count(id)) rows.emplace(id, line);
  }
  std::string text;
  for (const auto& [id, row] : rows) text += row + "\n";
  return text;
}

}  // namespace sealion
