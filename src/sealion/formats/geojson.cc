// GeoJSON (RFC 7946) FeatureCollection of Point features, one per detection, with the
// properties image (file name), test_id, class and score.
// Without world files the coordinates are the pixel position [x, y] (x right, y down) and there
// is no crs member. With a world file beside every photo they are map coordinates
// (WorldFile::MapX/MapY of the pixel position, whose (0, 0) is the top-left pixel's centre, as
// the world file's C and F are), and the collection names the coordinate system as the 2008
// GeoJSON specification did, which GDAL still reads:
//   "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32602"}}.

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sealion/core/classes.h"
#include "sealion/formats/export.h"
#include "sealion/formats/export_numbers.h"
#include "sealion/util/error.h"

namespace sealion {

std::string FormatGeoJson(const ExportData& data, const std::string& crs) {
  // One coordinate system per file: every photo with detections has a world file, or none has.
  const ExportPhoto* with_world = nullptr;
  const ExportPhoto* without_world = nullptr;
  for (const auto& photo : data.photos) {
    const auto found = data.detections.find(photo.id);
    if (found == data.detections.end() || found->second.empty()) continue;
    if (photo.world_file && with_world == nullptr) with_world = &photo;
    if (!photo.world_file && without_world == nullptr) without_world = &photo;
  }
  if (with_world != nullptr && without_world != nullptr) {
    throw Error(fmt::format(
        "photo {} has no world file but {} has one ({}): a GeoJSON file holds one coordinate "
        "system, so give every photo with detections a world file (.jgw, .pgw or .wld), or none",
        without_world->file_name, with_world->file_name, with_world->world_file->path.string()));
  }
  const bool map_coordinates = with_world != nullptr;
  if (map_coordinates && crs.empty()) {
    throw Error(fmt::format(
        "the photos have world files ({}): pass --crs EPSG:<code>, the coordinate system of "
        "their map coordinates (e.g. EPSG:32602 for UTM zone 2N)",
        with_world->world_file->path.string()));
  }
  if (map_coordinates && crs.rfind("EPSG:", 0) != 0)
    throw Error(fmt::format("--crs must be EPSG:<code>, not '{}'", crs));
  if (!map_coordinates && !crs.empty()) {
    throw Error(fmt::format(
        "--crs {} names the coordinate system of world files, but no photo with detections has "
        "one (<stem>.jgw, .pgw or .wld beside it, found with --photos)",
        crs));
  }
  // One feature a line, for reading and diffs.
  std::string geojson = "{\"type\":\"FeatureCollection\",";
  if (map_coordinates) {
    const nlohmann::json name = {{"name", "urn:ogc:def:crs:EPSG::" + crs.substr(5)}};
    geojson += "\n\"crs\":" + nlohmann::json{{"type", "name"}, {"properties", name}}.dump() + ",";
  }
  geojson += "\n\"features\":[";
  bool first = true;
  for (const auto& photo : data.photos) {
    const auto found = data.detections.find(photo.id);
    if (found == data.detections.end()) continue;
    for (const DetectedAnimal& d : found->second) {
      const nlohmann::json coordinates =
          map_coordinates
              ? nlohmann::json{photo.world_file->MapX(d.x, d.y), photo.world_file->MapY(d.x, d.y)}
              : nlohmann::json{d.x, d.y};
      const nlohmann::json feature = {
          {"type", "Feature"},
          {"geometry", {{"type", "Point"}, {"coordinates", coordinates}}},
          {"properties",
           {{"image", photo.file_name},
            {"test_id", photo.id},
            {"class", std::string(ClassName(d.class_index))},
            {"score", ShortestScore(d.score)}}}};
      geojson += (first ? "\n" : ",\n") + feature.dump();
      first = false;
    }
  }
  return geojson + "\n]}\n";
}

}  // namespace sealion
