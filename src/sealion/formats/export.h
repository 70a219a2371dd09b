#pragma once
// Detections from `sealion count --detections` (test_id,class,x,y,score) written in the formats
// that annotation and GIS tools read:
// - VIAME CSV, as VIAME and its web annotator DIVE read it (viame_csv.cc says where the layout
//   comes from), to review or correct the animals found;
// - COCO JSON (images, categories in the competition's class order, annotations with a box and
//   the animal's point as a keypoint);
// - GeoJSON points, in pixels or, when each photo has a world file beside it, in map coordinates;
// - per-photo totals, one row per photo and class, zero rows kept.
// Boxes: a point detection is an animal; its box is its class's typical size (kBodyLengthPixels,
// from the real sample's chips: 120, 100, 80, 60 and 40 px) centred on the point. A tile
// detection is one counted 64x64 tile centred on x,y; its box is the tile.
//
// Coordinates are those of coords.csv and the detections: x = column, y = row, in pixels of the
// full photo, (0, 0) the centre of the top-left pixel.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sealion/core/counts_csv.h"
#include "sealion/core/point_match.h"

namespace sealion {

// An ESRI world file (.jgw, .pgw, .wld): six lines A, D, B, E, C, F that place pixel centres on
// the map: x_map = A * col + B * row + C, y_map = D * col + E * row + F, where (C, F) is the
// centre of the top-left pixel.
struct WorldFile {
  std::filesystem::path path;  // for messages
  double a = 1, d = 0, b = 0, e = 1, c = 0, f = 0;

  // Map coordinates of the pixel position (col, row).
  double MapX(double col, double row) const { return a * col + b * row + c; }
  double MapY(double col, double row) const { return d * col + e * row + f; }
};

// Reads a world file; throws naming the file and line for anything but six finite numbers, or
// a transform that flattens the photo (A * E - B * D == 0).
WorldFile ReadWorldFile(const std::filesystem::path& path);

// The world file beside a photo, if there is one: <stem>.jgw or .jpgw for a JPEG, <stem>.pgw or
// .pngw for a PNG, or <stem>.wld.
std::optional<std::filesystem::path> FindWorldFile(const std::filesystem::path& photo);

// One photo of an export.
struct ExportPhoto {
  int64_t id = 0;
  std::string file_name;  // as it is in the photo folder, e.g. "12.jpg"
  int width = 0;          // pixels; 0 when unknown (no photo folder)
  int height = 0;
  std::optional<WorldFile> world_file;
};

// What every writer takes.
struct ExportData {
  std::vector<ExportPhoto> photos;  // by increasing id; photos without detections too
  std::map<int64_t, std::vector<DetectedAnimal>> detections;  // by photo id
  bool tiles = false;  // each detection is a counted 64x64 tile, not an animal
  // Per-photo counts of the submission, when there is one: the totals then come from it.
  std::optional<CountsById> counts;
};

// An animal's box in pixels, clipped to the photo when its size is known (and to x, y >= 0).
struct PixelBox {
  double left = 0, top = 0, right = 0, bottom = 0;
};
PixelBox DetectionBox(const DetectedAnimal& detection, bool tile, const ExportPhoto& photo);

// The tile counter's detections are tile centres: (32, 32) plus multiples of 64.
bool IsTileCentre(double x, double y);
// True when every detection is a tile centre, and there is at least one (the rule `sealion
// overlay --style auto` uses).
bool DetectionsAreTileCentres(const std::map<int64_t, std::vector<DetectedAnimal>>& detections);

// The formatted files. Each throws sealion::Error for what its format cannot hold.
std::string FormatViameCsv(const ExportData& data);
std::string FormatCocoJson(const ExportData& data);  // needs every photo's width and height
// `crs` is "EPSG:<code>": needed when the photos have world files, refused when they have not.
// Every photo with detections must have a world file, or none: the error names the photo.
std::string FormatGeoJson(const ExportData& data, const std::string& crs);
std::string FormatTotalsCsv(const ExportData& data);

enum class ExportFormat { kViameCsv, kCocoJson, kGeoJson, kTotalsCsv };
enum class DetectionStyle { kAuto, kPoints, kTiles };

struct ExportOptions {
  // count --detections: test_id,class,x,y,score.
  std::filesystem::path detections;
  // The file to write.
  std::filesystem::path output;
  ExportFormat format = ExportFormat::kViameCsv;
  // Optional: the submission (test_id,adult_males,...,pups); its ids are the photos exported
  // and its counts the totals. Without it, the photos are the ids of the detections.
  std::filesystem::path submission;
  // Optional: the folder of <id>.jpg (.jpeg, .png), or count's photo list (test_id,photo:
  // `count --ids-from-order` writes one): file names, sizes and world files.
  std::filesystem::path photos_dir;
  // "EPSG:<code>" of the world files' map coordinates (GeoJSON only).
  std::string crs;
  // Whether the detections are animals (points) or counted tiles; auto: tiles when every
  // detection is a tile centre.
  DetectionStyle style = DetectionStyle::kAuto;

  // Throws sealion::Error naming the flag for a bad value (--crs, COCO without --photos).
  void Check() const;
};

struct ExportSummary {
  int64_t photos = 0;
  int64_t detections = 0;
  bool tiles = false;
  bool map_coordinates = false;  // GeoJSON in the world files' coordinates
};

// Reads the inputs, writes options.output atomically. Throws sealion::Error naming the file.
ExportSummary RunExport(const ExportOptions& options);

// Reads the photos of `ids` from `photos_dir`, a folder or a photo list (empty: names <id>.jpg,
// sizes unknown).
std::vector<ExportPhoto> ListExportPhotos(const std::vector<int64_t>& ids,
                                          const std::filesystem::path& photos_dir);

}  // namespace sealion
