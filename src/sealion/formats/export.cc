#include "sealion/formats/export.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <string_view>

#include "sealion/core/counts_csv.h"
#include "sealion/core/image_io.h"
#include "sealion/formats/export_numbers.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"

namespace sealion {
namespace {

constexpr double kTileSide = 64;

// The EPSG code of "EPSG:<digits>", or -1.
int64_t EpsgCode(const std::string& crs) {
  constexpr std::string_view kPrefix = "EPSG:";
  if (crs.size() <= kPrefix.size() || crs.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  int64_t code = -1;
  const char* begin = crs.data() + kPrefix.size();
  const auto [end, status] = std::from_chars(begin, crs.data() + crs.size(), code);
  return status == std::errc() && end == crs.data() + crs.size() && code > 0 ? code : -1;
}

// Refuses detections outside their photo: the photo folder is not the one that was counted.
void CheckDetectionsInsidePhotos(const ExportData& data, const std::filesystem::path& detections) {
  for (const auto& photo : data.photos) {
    const auto found = data.detections.find(photo.id);
    if (photo.width <= 0 || found == data.detections.end()) continue;
    for (const auto& d : found->second) {
      if (d.x < -0.5 || d.y < -0.5 || d.x > photo.width || d.y > photo.height) {
        throw Error(fmt::format(
            "{}: a detection of photo {} at ({}, {}) lies outside {} ({}x{}): is --photos the "
            "folder that was counted?",
            detections.string(), photo.id, d.x, d.y, photo.file_name, photo.width, photo.height));
      }
    }
  }
}

}  // namespace

WorldFile ReadWorldFile(const std::filesystem::path& path) {
  std::istringstream lines(ReadFileToString(path));
  std::vector<double> values;
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto value = ParseFiniteNumber(line);
    if (!value)
      throw Error(fmt::format("{}:{}: not a number: '{}'", path.string(), line_number, line));
    values.push_back(*value);
  }
  if (values.size() != 6) {
    throw Error(fmt::format("{}: a world file has six numbers (A, D, B, E, C, F), not {}",
                            path.string(), values.size()));
  }
  WorldFile world{path, values[0], values[1], values[2], values[3], values[4], values[5]};
  if (world.a * world.e - world.b * world.d == 0)
    throw Error(fmt::format("{}: the transform flattens the photo (A * E = B * D)", path.string()));
  return world;
}

std::optional<std::filesystem::path> FindWorldFile(const std::filesystem::path& photo) {
  const std::string extension = LowerCaseExtension(photo);
  std::vector<std::string> candidates = {".wld"};
  if (extension == ".jpg" || extension == ".jpeg") candidates = {".jgw", ".jpgw", ".wld"};
  if (extension == ".png") candidates = {".pgw", ".pngw", ".wld"};
  for (const auto& candidate : candidates) {
    std::filesystem::path world = photo;
    world.replace_extension(candidate);
    if (std::filesystem::is_regular_file(world)) return world;
  }
  return std::nullopt;
}

PixelBox DetectionBox(const DetectedAnimal& detection, bool tile, const ExportPhoto& photo) {
  const double side = tile ? kTileSide : kBodyLengthPixels.at(detection.class_index);
  PixelBox box{std::max(0.0, detection.x - side / 2), std::max(0.0, detection.y - side / 2),
               detection.x + side / 2, detection.y + side / 2};
  if (photo.width > 0) box.right = std::min<double>(box.right, photo.width);
  if (photo.height > 0) box.bottom = std::min<double>(box.bottom, photo.height);
  return box;
}

bool IsTileCentre(double x, double y) {
  return std::fmod(x, kTileSide) == kTileSide / 2 && std::fmod(y, kTileSide) == kTileSide / 2;
}

bool DetectionsAreTileCentres(const std::map<int64_t, std::vector<DetectedAnimal>>& detections) {
  bool any = false;
  for (const auto& [id, found] : detections) {
    for (const auto& d : found) {
      if (!IsTileCentre(d.x, d.y)) return false;
      any = true;
    }
  }
  return any;
}

void ExportOptions::Check() const {
  if (detections.empty()) throw Error("the detections CSV is required");
  if (output.empty()) throw Error("-o is required");
  if (!crs.empty() && EpsgCode(crs) < 0)
    throw Error(fmt::format("--crs must be EPSG:<code> (e.g. EPSG:32602), not '{}'", crs));
  if (!crs.empty() && format != ExportFormat::kGeoJson)
    throw Error("--crs is for --format geojson only");
  if (format == ExportFormat::kCocoJson && photos_dir.empty()) {
    throw Error(
        "--format coco needs --photos: COCO records every image's width and height, read from "
        "the photos");
  }
}

namespace {

// The file of photo `id`: from count's photo list where there is one, else <id>.jpg (.jpeg,
// .png) in the folder `photos`.
std::filesystem::path PhotoFileOf(int64_t id, const std::filesystem::path& photos,
                                  const std::optional<PhotosById>& photo_list) {
  if (photo_list) {
    const auto found = photo_list->find(id);
    if (found == photo_list->end())
      throw Error(fmt::format("{}: no photo listed for test_id {}", photos.string(), id));
    if (!std::filesystem::exists(found->second)) {
      throw Error(fmt::format("{}: the photo of test_id {}, {}, does not exist", photos.string(),
                              id, found->second.string()));
    }
    return found->second;
  }
  for (const char* extension : {".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"}) {
    const auto candidate = photos / fmt::format("{}{}", id, extension);
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw Error(
      fmt::format("{}: no photo of test_id {} ({}.jpg, .jpeg or .png)", photos.string(), id, id));
}

}  // namespace

std::vector<ExportPhoto> ListExportPhotos(const std::vector<int64_t>& ids,
                                          const std::filesystem::path& photos_dir) {
  std::vector<ExportPhoto> photos;
  // A regular file is count's photo list (test_id,photo); a folder holds <test_id>.jpg.
  std::optional<PhotosById> photo_list;
  if (!photos_dir.empty() && std::filesystem::is_regular_file(photos_dir))
    photo_list = ReadPhotoList(photos_dir);
  for (const int64_t id : ids) {
    ExportPhoto photo;
    photo.id = id;
    photo.file_name = fmt::format("{}.jpg", id);
    if (!photos_dir.empty()) {
      const std::filesystem::path path = PhotoFileOf(id, photos_dir, photo_list);
      photo.file_name = path.filename().string();
      const cv::Size size = ReadImageSize(path);
      photo.width = size.width;
      photo.height = size.height;
      if (const auto world = FindWorldFile(path)) photo.world_file = ReadWorldFile(*world);
    }
    photos.push_back(std::move(photo));
  }
  return photos;
}

ExportSummary RunExport(const ExportOptions& options) {
  options.Check();
  ExportData data;
  data.detections = ReadPointsCsv(options.detections);
  std::vector<int64_t> ids;
  if (!options.submission.empty()) {
    data.counts = ReadCountsCsv(options.submission);
    for (const auto& [id, counts] : *data.counts) ids.push_back(id);
    for (const auto& [id, found] : data.detections) {
      if (data.counts->count(id) == 0) {
        throw Error(fmt::format("{}: detections of photo {}, which the submission {} lacks",
                                options.detections.string(), id, options.submission.string()));
      }
    }
  } else {
    for (const auto& [id, found] : data.detections) ids.push_back(id);
  }
  data.photos = ListExportPhotos(ids, options.photos_dir);
  CheckDetectionsInsidePhotos(data, options.detections);
  data.tiles =
      options.style == DetectionStyle::kTiles ||
      (options.style == DetectionStyle::kAuto && DetectionsAreTileCentres(data.detections));
  ExportSummary summary{static_cast<int64_t>(data.photos.size()), 0, data.tiles, false};
  for (const auto& [id, found] : data.detections)
    summary.detections += static_cast<int64_t>(found.size());
  std::string contents;
  switch (options.format) {
    case ExportFormat::kViameCsv:
      contents = FormatViameCsv(data);
      break;
    case ExportFormat::kCocoJson:
      contents = FormatCocoJson(data);
      break;
    case ExportFormat::kGeoJson:
      contents = FormatGeoJson(data, options.crs);
      summary.map_coordinates = !options.crs.empty();
      break;
    case ExportFormat::kTotalsCsv:
      contents = FormatTotalsCsv(data);
      break;
  }
  WriteFileAtomically(options.output, contents);
  return summary;
}

}  // namespace sealion
