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
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <set>
#include <thread>

#include "sealion/core/classes.h"
#include "sealion/core/counts_csv.h"
#include "sealion/core/dataset.h"
#include "sealion/core/image_io.h"
#include "sealion/count/counting_method.h"
#include "sealion/distrib/journal.h"
#include "sealion/distrib/work_sharing.h"
#include "sealion/nn/point_inference.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "sealion/util/output_guard.h"
#include "sealion/util/progress.h"
#include "sealion/util/stable_hash.h"

namespace sealion {
namespace {

struct DecodedPhoto {
  int64_t item = 0;  // the photo's index in the input list
  PhotoInput input;
  cv::Mat rgb;                      // empty when reading failed
  std::optional<int> jpeg_quality;  // nullopt for a PNG
  std::string error;
};

// A queue of decoded photos with a fixed capacity; the reader blocks when it is full.
class PhotoQueue {
 public:
  explicit PhotoQueue(size_t capacity) : capacity_(capacity) {}
  // Blocks until there is room, so that the reader decodes a photo only when it can hand it over.
  // False when the consumer gave up (Cancel).
  bool WaitForRoom() {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_ || cancelled_; });
    return !cancelled_;
  }
  void Push(DecodedPhoto photo) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_ || cancelled_; });
    if (cancelled_) return;
    queue_.push_back(std::move(photo));
    not_empty_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }
  // The consumer stops early (an error): the reader takes no more photos.
  void Cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    queue_.clear();
    not_full_.notify_all();
  }
  // The reader could not go on: Pop() throws this once the queue is empty.
  void Fail(std::string error) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(error);
  }
  bool Pop(DecodedPhoto* photo) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty() && !failure_.empty()) throw Error(failure_);
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
  bool cancelled_ = false;
  std::string failure_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
};

std::filesystem::path JournalPath(const std::filesystem::path& output, const char* suffix) {
  std::filesystem::path path = output;
  path += suffix;
  return path;
}

// The journal's first line: a resumed run must count with the same model and settings (a photo
// counted at another threshold, or with other views, would not add up with the rest).
// The model by path, size and a hash of its header as loaded (`model_header_hash`): a header edit
// that keeps the file's length (another threshold in a table, say) must not resume counts made
// before it, and the header holds the weights' checksum, which loading verified.
std::string JournalHeader(const std::filesystem::path& model, uint64_t model_header_hash,
                          const std::string& method) {
  return fmt::format("# sealion count journal; model {} ({} bytes, header FNV-1a {:016x}); {}",
                     std::filesystem::absolute(model).string(), std::filesystem::file_size(model),
                     model_header_hash, method);
}

// Takes this process's next photos from `sharing` and decodes them, one ahead of the network.
void ReadPhotos(const std::vector<PhotoInput>& photos, WorkSharing& sharing, PhotoQueue& queue) {
  // At normal priority: at the lowest (nice 19, until 2026-12-07) the reader starved beside other
  // work and the network waited for photos (2 busy cores: 0.17-0.24 photos/s, 0.79-0.97 at normal
  // priority; idle, 1.71-1.81 either way).
  try {
    while (true) {
      if (!queue.WaitForRoom()) break;  // take a photo only when it can be handed over at once
      const std::optional<int64_t> item = sharing.Next();
      if (!item) break;
      DecodedPhoto photo{*item, photos.at(*item), {}, {}, {}};
      try {
        ColourImage image = ReadColourImageAndQuality(photo.input.path);
        cv::cvtColor(image.bgr, image.bgr, cv::COLOR_BGR2RGB);  // in place: RGB from here on
        photo.rgb = image.bgr;
        photo.jpeg_quality = image.jpeg_quality;
      } catch (const std::exception& error) {
        photo.error = error.what();
        if (sharing.Ranks() > 1) photo.error += fmt::format(" ({})", sharing.Where());
      }
      queue.Push(std::move(photo));
    }
  } catch (const std::exception& error) {
    queue.Fail(error.what());  // the job cannot go on (an MPI failure)
  }
  queue.Close();
}

// One photo's count as it travels to the writer: counts, detection rows and work, or an error.
std::string SerializeCount(const PhotoCount& count, const std::string& error) {
  return nlohmann::json{{"counts", count.counts},
                        {"rows", count.detection_rows},
                        {"work_items", count.work_items},
                        {"flops", count.flops},
                        {"error", error}}
      .dump();
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
  if (views != -1 && !IsViewCount(views))
    throw Error("count: --views must be 1, 2, 4 or 8 (or -1: the model's)");
  if (!(scale >= 0.25 && scale <= 4)) throw Error("count: --scale must be in [0.25, 4]");
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
    int64_t id = static_cast<int64_t>(i);
    if (!ids_from_order) {
      try {
        id = PhotoIdFromFileName(paths[i]);
      } catch (const Error& error) {
        throw Error(fmt::format(
            "{}; photos named otherwise (DSC_0042.JPG) are counted with --ids-from-order, "
            "which numbers them 0, 1, ... in input order and lists which is which beside the "
            "submission (submission.csv -> submission.photos.csv)",
            error.what()));
      }
    }
    if (!seen.insert(id).second)
      throw Error(fmt::format("{}: photo id {} appears twice in the input", paths[i].string(), id));
    photos.push_back({id, paths[i]});
  }
  if (photos.empty()) {
    throw Error(fmt::format("count: no photos in {} (an empty folder or list is an error)",
                            fmt::join(inputs, ", ")));
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

CountSummary RunCount(const CountOptions& options, WorkSharing& sharing) {
  options.Check();
  ConfigureTorchThreads(options.threads);
  const std::vector<PhotoInput> all_photos =
      ResolveCountInputs(options.inputs, options.ids_from_order);
  const bool writer = sharing.IsWriter();
  std::optional<OutputLock> output_lock, detections_lock;
  if (writer) {
    std::vector<NamedPath> inputs = {{"--model", options.model_path}};
    for (const auto& photo : all_photos) inputs.push_back({"input photo", photo.path});
    CheckOutputsAreNotInputs(inputs,
                             {{"-o", options.output}, {"--detections", options.detections}});
    output_lock.emplace(options.output);
    if (!options.detections.empty()) detections_lock.emplace(options.detections);
  }
  CountingSettings settings;
  settings.tile_batch_size = options.batch_size;
  settings.threshold = options.threshold;
  settings.suppression = options.suppression;
  settings.views = options.views;
  settings.scale = options.scale;
  LoadedModel model = LoadModel(options.model_path);
  const uint64_t model_header_hash = StableHash(model.metadata.dump(), 0);
  const std::unique_ptr<CountingMethod> method = MakeCountingMethod(std::move(model), settings);
  spdlog::info("counting with the {}", method->Describe());

  std::string inputs_description;  // which id is which photo
  for (const auto& photo : all_photos)
    inputs_description += fmt::format("{}={}\n", photo.id, photo.path.string());

  // The writer alone reads and writes the journals and the outputs.
  const auto journal_path = JournalPath(options.output, ".journal");
  const auto detections_journal_path = JournalPath(
      options.detections.empty() ? options.output : options.detections, ".detections.journal");
  CountSummary summary;
  summary.photos = static_cast<int>(all_photos.size());
  CountsById done;
  std::vector<int64_t> to_count;
  std::optional<Journal> journal;
  std::optional<AppendOnlyFile> detections_journal;
  if (writer) {
    if (options.output.has_parent_path())
      std::filesystem::create_directories(options.output.parent_path());
    // A journal line: id, the five counts, and how many detection rows the photo wrote.
    std::string header = JournalHeader(options.model_path, model_header_hash, method->Describe());
    // Ids from input order name photos only with this very input: a resume with photos added,
    // removed or reordered would give old counts to other photos, so the list is part of it.
    if (options.ids_from_order) {
      header += fmt::format("; ids by input order, photo list FNV-1a {:016x}",
                            StableHash(inputs_description, 0));
    }
    journal.emplace(journal_path, header, options.resume);
    std::map<int64_t, int64_t> expected_rows;
    for (const auto& [id, cells] : journal->Finished(kNumSeaLionClasses + 1)) {
      // Each cell a whole non-negative number; a line damaged by a crash ("3x", "") is not
      // trusted: the photo is counted again.
      ClassCounts counts{};
      int64_t rows = 0;
      bool whole = true;
      for (int c = 0; c <= kNumSeaLionClasses && whole; ++c) {
        const std::optional<int64_t> number = ParseWholeInteger(cells[c]);
        whole = number.has_value() && *number >= 0;
        if (whole) (c < kNumSeaLionClasses ? counts[c] : rows) = *number;
      }
      if (!whole) continue;
      done[id] = counts;
      expected_rows[id] = rows;
    }
    if (!options.detections.empty()) {
      // A photo whose detection rows are not all there is counted again.
      const std::map<int64_t, int64_t> found =
          KeepCompleteRows(detections_journal_path, expected_rows, options.resume);
      for (auto it = done.begin(); it != done.end();) {
        const int64_t id = it->first;
        if (found.at(id) == expected_rows.at(id)) {
          ++it;
          continue;
        }
        spdlog::warn("{}: photo {} has {} of its {} detection rows; counting it again",
                     detections_journal_path.string(), id, found.at(id), expected_rows.at(id));
        it = done.erase(it);
      }
      detections_journal.emplace(detections_journal_path);
    }
    for (size_t i = 0; i < all_photos.size(); ++i) {
      if (done.count(all_photos[i].id)) {
        ++summary.resumed;
      } else {
        to_count.push_back(static_cast<int64_t>(i));
      }
    }
    if (summary.resumed > 0)
      spdlog::info("resuming: {} photo(s) already counted, {} to go", summary.resumed,
                   to_count.size());
  }

  ProgressReporter progress("count", "photos", static_cast<int64_t>(to_count.size()));
  // On the writer, for every photo counted by any process: detections first, then the journal
  // line that marks the photo done; it ends with the number of detection rows, which --resume
  // checks. A failed write stops the run.
  auto record = [&](int64_t item, const std::string& message) {
    const PhotoInput& photo = all_photos.at(item);
    const nlohmann::json result = nlohmann::json::parse(message);
    if (const std::string error = result.at("error"); !error.empty()) {
      spdlog::error("{}", error);
      summary.errors.push_back(error);
      ++summary.failed;
      progress.Advance();
      return;
    }
    const auto counts = result.at("counts").get<ClassCounts>();
    const std::string detection_rows = result.at("rows");
    if (detections_journal) detections_journal->Append(detection_rows);
    journal->Append(fmt::format("{},{},{}\n", photo.id, fmt::join(counts, ","),
                                std::count(detection_rows.begin(), detection_rows.end(), '\n')));
    done[photo.id] = counts;
    summary.work_items += result.at("work_items").get<int64_t>();
    summary.flops += result.at("flops").get<double>();
    ++summary.counted;
    progress.Advance(
        1, fmt::format("{:.0f} {}/s, {:.0f} GFLOP/s",
                       static_cast<double>(summary.work_items) / progress.ElapsedSeconds(),
                       method->WorkUnit(), summary.flops / 1e9 / progress.ElapsedSeconds()));
  };
  sharing.Begin(to_count, inputs_description, record);

  PhotoQueue queue(1);  // one photo decoded ahead is enough to hide decoding behind compute
  std::thread reader(ReadPhotos, std::cref(all_photos), std::ref(sharing), std::ref(queue));
  DecodedPhoto photo;
  try {
    while (queue.Pop(&photo)) {
      if (!photo.error.empty()) {
        sharing.Finish(photo.item, SerializeCount({}, photo.error));
        continue;
      }
      const PhotoCount result = method->CountPhoto(photo.input.id, photo.rgb, photo.jpeg_quality);
      photo.rgb.release();
      sharing.Finish(photo.item, SerializeCount(result, ""));
      // Give freed photo-sized buffers back to the system, so that resident memory stays flat
      // however many photos a run counts (glibc otherwise keeps a fragmented heap growing).
      malloc_trim(0);
    }
  } catch (...) {
    queue.Cancel();
    reader.join();
    throw;
  }
  reader.join();
  sharing.End();
  progress.Finish();
  summary.seconds = progress.ElapsedSeconds();
  summary.work_unit = method->WorkUnit();
  if (!writer) return summary;

  // The final files hold every finished photo of this input exactly once, sorted by id.
  std::set<int64_t> input_ids;
  for (const auto& input : all_photos) input_ids.insert(input.id);
  CountsById submission;
  for (const auto& [id, counts] : done) {
    if (input_ids.count(id)) submission[id] = counts;
  }
  WriteFileAtomically(options.output, FormatCountsCsv("test_id", submission));
  if (options.ids_from_order) {
    PhotosById photos;
    for (const auto& input : all_photos) photos[input.id] = std::filesystem::absolute(input.path);
    WriteFileAtomically(PhotoListPath(options.output), FormatPhotoList(photos));
  }
  if (!options.detections.empty()) {
    detections_journal.reset();
    std::set<int64_t> ids;
    for (const auto& entry : submission) ids.insert(entry.first);
    WriteFileAtomically(options.detections,
                        "test_id,class,x,y,score\n" + SortedRows(detections_journal_path, ids));
  }
  return summary;
}

}  // namespace sealion
