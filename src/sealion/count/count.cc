#include "sealion/count/count.h"

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <set>
#include <thread>

#include "sealion/core/classes.h"
#include "sealion/core/counts_csv.h"
#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/count/counting_method.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "sealion/util/output_guard.h"
#include "sealion/util/parallel.h"
#include "sealion/util/progress.h"

namespace sealion {
namespace {

struct DecodedPhoto {
  PhotoInput input;
  cv::Mat rgb;  // empty when reading failed
  std::string error;
};

// A queue of decoded photos with a fixed capacity; the reader blocks when it is full.
class PhotoQueue {
 public:
  explicit PhotoQueue(size_t capacity) : capacity_(capacity) {}
  // Blocks until there is room, so that the reader decodes a photo only when it can hand it over.
  void WaitForRoom() {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_; });
  }
  void Push(DecodedPhoto photo) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_; });
    queue_.push_back(std::move(photo));
    not_empty_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }
  bool Pop(DecodedPhoto* photo) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return false;
    *photo = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return true;
  }

 private:
  size_t capacity_;
  std::deque<DecodedPhoto> queue_;
  bool closed_ = false;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
};

std::filesystem::path JournalPath(const std::filesystem::path& output, const char* suffix) {
  std::filesystem::path path = output;
  path += suffix;
  return path;
}

std::string ModelFingerprint(const std::filesystem::path& model) {
  return fmt::format("# sealion count journal; model {} ({} bytes)",
                     std::filesystem::absolute(model).string(), std::filesystem::file_size(model));
}

Error WriteFailed(const std::filesystem::path& path) {
  return Error(
      fmt::format("{}: write failed (disk full?); the run stops here, and --resume "
                  "continues it once there is room",
                  path.string()));
}

// A photo the journal lists as done: its counts and how many detection rows it wrote.
struct JournalEntry {
  ClassCounts counts{};
  int64_t detection_rows = 0;
};

// Reads the journal of an earlier run: finished photos, their counts and detection row counts.
std::map<int64_t, JournalEntry> ReadJournal(const std::filesystem::path& path,
                                            const std::string& fingerprint) {
  std::map<int64_t, JournalEntry> done;
  std::ifstream in(path);
  if (!in) return done;
  std::string line;
  if (!std::getline(in, line)) return done;
  if (line != fingerprint) {
    throw Error(fmt::format(
        "{}: the journal was written with another model; run without --resume to start over",
        path.string()));
  }
  while (std::getline(in, line)) {
    if (in.eof()) break;  // the last line has no newline: cut by a crash, not done
    const auto cells = SplitCsvLine(line);
    if (cells.size() != 2 + kNumSeaLionClasses) continue;  // a line cut by a crash
    try {
      JournalEntry entry;
      for (int c = 0; c < kNumSeaLionClasses; ++c) entry.counts[c] = std::stoll(cells[c + 1]);
      entry.detection_rows = std::stoll(cells[1 + kNumSeaLionClasses]);
      done[std::stoll(cells[0])] = entry;
    } catch (const std::exception&) {
      continue;
    }
  }
  return done;
}

// Keeps only the detection rows of finished photos (a crash may leave rows of an unfinished one,
// and a cut last row). A finished photo whose rows are not all there (a write that failed) is
// taken out of `done`, to be counted again.
void PruneDetections(const std::filesystem::path& path, std::map<int64_t, JournalEntry>& done) {
  std::ifstream in(path);
  std::map<int64_t, std::string> rows;
  std::map<int64_t, int64_t> row_counts;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: a row cut by a crash
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    try {
      const int64_t id = std::stoll(line.substr(0, comma));
      if (!done.count(id)) continue;
      rows[id] += line + "\n";
      ++row_counts[id];
    } catch (const std::exception&) {
    }
  }
  std::string kept;
  for (auto it = done.begin(); it != done.end();) {
    const int64_t found = row_counts.count(it->first) ? row_counts[it->first] : 0;
    if (found != it->second.detection_rows) {
      spdlog::warn("{}: photo {} has {} of its {} detection rows; counting it again", path.string(),
                   it->first, found, it->second.detection_rows);
      it = done.erase(it);
      continue;
    }
    kept += rows[it->first];
    ++it;
  }
  WriteFileAtomically(path, kept);
}

void ReadPhotos(const std::vector<PhotoInput>& photos, PhotoQueue& queue) {
  // The reader yields to the network's threads: decoding fills the gaps, it must not preempt
  // OpenMP threads that the others wait for at every barrier.
  LowerThisThreadsPriority();
  for (const auto& input : photos) {
    DecodedPhoto photo{input, {}, {}};
    queue.WaitForRoom();
    try {
      photo.rgb = ReadColourImage(input.path);
      cv::cvtColor(photo.rgb, photo.rgb, cv::COLOR_BGR2RGB);
    } catch (const std::exception& error) {
      photo.error = error.what();
    }
    queue.Push(std::move(photo));
  }
  queue.Close();
}

}  // namespace

void CountOptions::Check() const {
  if (inputs.empty()) throw Error("count: no input photos");
  if (model_path.empty()) throw Error("count: --model is required");
  if (output.empty()) throw Error("count: --output is required");
  if (threads < 0) throw Error("count: --threads must be >= 0");
  if (batch_size < 1 || batch_size > 4096) throw Error("count: --batch must be in [1, 4096]");
  if (threshold != -1 && !(threshold > 0 && threshold < 1))
    throw Error("count: --threshold must be in (0, 1) (or -1: the model's)");
  if (suppression > 2 || (suppression < 0 && suppression != -1))
    throw Error("count: --suppression must be in [0, 2] (or -1: the model's)");
}

std::vector<PhotoInput> ResolveCountInputs(const std::vector<std::string>& inputs,
                                           bool ids_from_order) {
  std::vector<std::filesystem::path> paths;
  for (const auto& input : inputs) {
    if (!input.empty() && input[0] == '@') {
      const std::filesystem::path list = input.substr(1);
      std::ifstream in(list);
      if (!in) throw Error(fmt::format("{}: cannot open photo list", list.string()));
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        std::filesystem::path path = line;
        if (path.is_relative()) path = list.parent_path() / path;
        paths.push_back(path);
      }
    } else if (std::filesystem::is_directory(input)) {
      for (const auto& photo : ListPhotos(input)) paths.push_back(photo);
    } else if (std::filesystem::exists(input)) {
      paths.emplace_back(input);
    } else {
      throw Error(fmt::format("{}: no such photo or folder", input));
    }
  }
  std::vector<PhotoInput> photos;
  std::set<int64_t> seen;
  for (size_t i = 0; i < paths.size(); ++i) {
    const int64_t id = ids_from_order ? static_cast<int64_t>(i) : PhotoIdFromFileName(paths[i]);
    if (!seen.insert(id).second)
      throw Error(fmt::format("{}: photo id {} appears twice in the input", paths[i].string(), id));
    photos.push_back({id, paths[i]});
  }
  return photos;
}

std::vector<cv::Point> TileOrigins(cv::Size size) {
  std::vector<cv::Point> origins;
  for (int y = 0; y + kPatchSize <= size.height; y += kPatchSize) {
    for (int x = 0; x + kPatchSize <= size.width; x += kPatchSize) origins.emplace_back(x, y);
  }
  return origins;
}

CountSummary RunCount(const CountOptions& options) {
  options.Check();
  ConfigureTorchThreads(options.threads);
  const std::vector<PhotoInput> all_photos =
      ResolveCountInputs(options.inputs, options.ids_from_order);
  if (all_photos.empty()) {
    throw Error(fmt::format("count: no photos in {} (an empty folder or list is an error)",
                            fmt::join(options.inputs, ", ")));
  }
  std::vector<NamedPath> inputs = {{"--model", options.model_path}};
  for (const auto& photo : all_photos) inputs.push_back({"input photo", photo.path});
  CheckOutputsAreNotInputs(inputs, {{"-o", options.output}, {"--detections", options.detections}});
  const OutputLock output_lock(options.output);
  std::optional<OutputLock> detections_lock;
  if (!options.detections.empty()) detections_lock.emplace(options.detections);
  CountingSettings settings;
  settings.tile_batch_size = options.batch_size;
  settings.threshold = options.threshold;
  settings.suppression = options.suppression;
  const std::unique_ptr<CountingMethod> method =
      MakeCountingMethod(LoadModel(options.model_path), settings);
  spdlog::info("counting with the {}", method->Describe());

  const auto journal_path = JournalPath(options.output, ".journal");
  const auto detections_journal_path = JournalPath(
      options.detections.empty() ? options.output : options.detections, ".detections.journal");
  const std::string fingerprint = ModelFingerprint(options.model_path);
  std::map<int64_t, JournalEntry> journaled;
  if (options.resume) {
    journaled = ReadJournal(journal_path, fingerprint);
    if (!options.detections.empty()) PruneDetections(detections_journal_path, journaled);
  }
  CountsById done;
  for (const auto& [id, entry] : journaled) done[id] = entry.counts;
  if (options.output.has_parent_path())
    std::filesystem::create_directories(options.output.parent_path());
  if (!options.resume || !std::filesystem::exists(journal_path)) {
    WriteFileAtomically(journal_path, fingerprint + "\n");
    if (!options.detections.empty()) WriteFileAtomically(detections_journal_path, "");
  }
  std::ofstream journal(journal_path, std::ios::app);
  if (!journal)
    throw Error(fmt::format("{}: cannot open the journal for writing", journal_path.string()));
  std::ofstream detections_journal;
  if (!options.detections.empty()) {
    detections_journal.open(detections_journal_path, std::ios::app);
    if (!detections_journal) {
      throw Error(
          fmt::format("{}: cannot open the journal for writing", detections_journal_path.string()));
    }
  }

  CountSummary summary;
  summary.photos = static_cast<int>(all_photos.size());
  std::vector<PhotoInput> to_count;
  std::set<int64_t> input_ids;
  for (const auto& photo : all_photos) {
    input_ids.insert(photo.id);
    if (done.count(photo.id)) {
      ++summary.resumed;
    } else {
      to_count.push_back(photo);
    }
  }
  if (summary.resumed > 0)
    spdlog::info("resuming: {} photo(s) already counted, {} to go", summary.resumed,
                 to_count.size());

  PhotoQueue queue(1);  // one photo decoded ahead is enough to hide decoding behind compute
  std::thread reader(ReadPhotos, std::cref(to_count), std::ref(queue));
  ProgressReporter progress("count", "photos", static_cast<int64_t>(to_count.size()));
  DecodedPhoto photo;
  try {
    while (queue.Pop(&photo)) {
      if (!photo.error.empty()) {
        spdlog::error("{}", photo.error);
        summary.errors.push_back(photo.error);
        ++summary.failed;
        progress.Advance();
        continue;
      }
      const PhotoCount result = method->CountPhoto(photo.input.id, photo.rgb);
      const ClassCounts& counts = result.counts;
      const std::string& detection_rows = result.detection_rows;
      // Detections first, then the journal line that marks the photo done; it ends with the
      // number of detection rows, which --resume checks. A failed write stops the run.
      if (detections_journal.is_open()) {
        detections_journal << detection_rows << std::flush;
        if (!detections_journal) throw WriteFailed(detections_journal_path);
      }
      journal << fmt::format("{},{},{}\n", photo.input.id, fmt::join(counts, ","),
                             std::count(detection_rows.begin(), detection_rows.end(), '\n'))
              << std::flush;
      if (!journal) throw WriteFailed(journal_path);
      done[photo.input.id] = counts;
      // Give freed photo-sized buffers back to the system, so that resident memory stays flat
      // however many photos a run counts (glibc otherwise keeps a fragmented heap growing).
      malloc_trim(0);
      summary.work_items += result.work_items;
      summary.flops += result.flops;
      ++summary.counted;
      progress.Advance(
          1, fmt::format("{:.0f} {}/s, {:.0f} GFLOP/s",
                         static_cast<double>(summary.work_items) / progress.ElapsedSeconds(),
                         method->WorkUnit(), summary.flops / 1e9 / progress.ElapsedSeconds()));
    }
  } catch (...) {
    while (queue.Pop(&photo)) {
    }
    reader.join();
    throw;
  }
  reader.join();
  progress.Finish();
  summary.seconds = progress.ElapsedSeconds();
  summary.work_unit = method->WorkUnit();

  // The final files hold every finished photo of this input exactly once, sorted by id.
  CountsById submission;
  for (const auto& [id, counts] : done) {
    if (input_ids.count(id)) submission[id] = counts;
  }
  WriteFileAtomically(options.output, FormatCountsCsv("test_id", submission));
  if (!options.detections.empty()) {
    detections_journal.close();
    std::multimap<int64_t, std::string> rows;
    std::ifstream in(detections_journal_path);
    std::string line;
    while (std::getline(in, line)) {
      const int64_t id = std::stoll(line.substr(0, line.find(',')));
      if (submission.count(id)) rows.emplace(id, line);
    }
    std::string text = "test_id,class,x,y,score\n";
    for (const auto& [id, row] : rows) text += row + "\n";
    WriteFileAtomically(options.detections, text);
  }
  return summary;
}

}  // namespace sealion
