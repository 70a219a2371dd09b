#pragma once
// The journal of a resumable job, kept by the writer alone (distrib/work_sharing.h): the single
// source of truth of what is finished. Its first line names what the results depend on (a
// fingerprint: the model, the settings); each further line is one finished item, "id,cells...",
// appended and flushed as the item finishes. A last line without its newline was cut by a crash
// and does not count. A side journal holds an item's rows (detections), "id,...", each item's
// rows written before its journal line, so that --resume can check they are all there.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sealion {

// A file that lines are appended to, each append flushed and checked.
class AppendOnlyFile {
 public:
  explicit AppendOnlyFile(std::filesystem::path path);
  // Appends `text` (whole lines) and flushes it; a failed write (a full disk) throws, naming the
  // file and saying that --resume continues.
  void Append(const std::string& text);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

class Journal {
 public:
  // Opens `path` for appending. With `resume`, an existing journal must carry `fingerprint`
  // (another one is an error that names the file) and its finished items are kept; otherwise,
  // or when there is none, a new journal is started.
  Journal(const std::filesystem::path& path, const std::string& fingerprint, bool resume);

  // The finished items of the earlier run: id -> the cells after the id, for lines of exactly
  // `cells` cells after it with a numeric id (others were cut by a crash). The last line of an
  // id counts.
  std::map<int64_t, std::vector<std::string>> Finished(size_t cells) const;

  // Appends finished items' lines, flushed and checked (AppendOnlyFile).
  void Append(const std::string& text) { out_->Append(text); }

 private:
  std::vector<std::string> earlier_lines_;
  std::optional<AppendOnlyFile> out_;
};

// A side journal of rows whose first cell is an item id (detections). Keeps the rows of the
// items whose rows are all there (`expected_rows`: id -> how many its journal line says) and
// drops every other row (an unfinished item's, a row cut by a crash, the rows of an item some
// of whose rows a failed write lost), rewriting the file. Returns how many rows each item of
// `expected_rows` had: those with fewer are to be done again. Starts an empty side journal when
// `resume` is false.
std::map<int64_t, int64_t> KeepCompleteRows(const std::filesystem::path& path,
                                            const std::map<int64_t, int64_t>& expected_rows,
                                            bool resume);

// The rows of a side journal, by id in increasing order (rows of one id in journal order), for
// the ids in `ids` only.
std::string SortedRows(const std::filesystem::path& path, const std::set<int64_t>& ids);

}  // namespace sealion
