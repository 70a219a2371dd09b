#include "sealion/core/dataset.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>

#include "sealion/core/image_io.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

bool IsPhotoFile(const std::filesystem::path& path) {
  const std::string extension = LowerCaseExtension(path);
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png";
}

// Image formats a survey photo may come in that sealion does not read.
bool IsOtherImageFile(const std::filesystem::path& path) {
  static const std::set<std::string> kExtensions = {
      ".tif", ".tiff", ".webp", ".bmp", ".gif", ".heic", ".heif", ".jp2", ".j2k",
      ".jpf", ".jxl",  ".dng",  ".cr2", ".cr3", ".nef",  ".arw",  ".orf", ".raf"};
  return kExtensions.count(LowerCaseExtension(path)) != 0;
}

}  // namespace

std::vector<std::filesystem::path> ListPhotos(const std::filesystem::path& folder,
                                              std::vector<std::filesystem::path>* other_images) {
  std::vector<std::filesystem::path> photos, others;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    // Whatever is named like a photo, a regular file or not: a FIFO, a folder or a dangling
    // link named 7.jpg then fails photo 7 by name when it is read, instead of being skipped
    // without a word (a count that silently left photo 7 out).
    if (IsPhotoFile(entry.path())) photos.push_back(entry.path());
    if (IsOtherImageFile(entry.path())) others.push_back(entry.path());
  }
  std::sort(photos.begin(), photos.end());
  std::sort(others.begin(), others.end());
  if (other_images != nullptr) {
    *other_images = std::move(others);
  } else if (!others.empty()) {
    std::vector<std::string> names;
    for (size_t i = 0; i < std::min<size_t>(3, others.size()); ++i)
      names.push_back(others[i].filename().string());
    spdlog::warn(
        "{}: {} image(s) of another format left out ({}{}): sealion reads JPEG and PNG "
        "photos only; convert them to use them",
        folder.string(), others.size(), fmt::join(names, ", "),
        others.size() > names.size() ? ", ..." : "");
  }
  return photos;
}

std::set<int64_t> ReadIdList(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open for reading", path.string()));
  std::set<int64_t> ids;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.find_first_not_of("0123456789") != line.npos)) {
      continue;  // header ("train_id") or blank line
    }
    const std::optional<int64_t> id = ParseWholeInteger(line);  // not "12abc", " 5", "+3"
    if (!id || *id < 0)
      throw Error(fmt::format("{}:{}: '{}' is not an id", path.string(), line_number, line));
    ids.insert(*id);
  }
  return ids;
}

TrainDataset TrainDataset::Open(const std::filesystem::path& root) {
  TrainDataset dataset;
  dataset.root = root;
  const auto dotted_folder = root / "TrainDotted";
  if (!std::filesystem::is_directory(dotted_folder)) {
    if (std::filesystem::is_directory(root / "Train")) return dataset;  // plain photos only
    throw Error(
        fmt::format("{}: not a training folder (no TrainDotted/ or Train/ inside)", root.string()));
  }
  for (const auto& photo : ListPhotos(dotted_folder)) {
    try {
      dataset.dotted_ids.push_back(PhotoIdFromFileName(photo));
    } catch (const Error& error) {
      spdlog::warn("skipping {}", error.what());
    }
  }
  std::sort(dataset.dotted_ids.begin(), dataset.dotted_ids.end());
  if (std::filesystem::exists(root / "MismatchedTrainImages.txt")) {
    dataset.mismatched_ids = ReadIdList(root / "MismatchedTrainImages.txt");
  }
  if (std::filesystem::exists(root / "train.csv")) {
    dataset.train_counts = ReadCountsCsv(root / "train.csv");
  }
  return dataset;
}

std::filesystem::path TrainDataset::DottedPath(int64_t id) const {
  return root / "TrainDotted" / fmt::format("{}.jpg", id);
}

std::filesystem::path TrainDataset::PlainPath(int64_t id) const {
  return root / "Train" / fmt::format("{}.jpg", id);
}

bool TrainDataset::HasPlain(int64_t id) const { return std::filesystem::exists(PlainPath(id)); }

}  // namespace sealion
