#pragma once
// The model file: everything `count` needs to use a trained network without flags.
// Layout: the magic "SEALIONMODEL", a format version (uint32), the length of a JSON header
// (uint64), the JSON (method, architecture, class names in order, input size and scaling, how it
// was trained, and for the point counter its stride and detection settings), then the weights as
// torch::save wrote them. A file of another format version, or not a model at all, is a clear
// error. Version 2 added the point counter; version 1 files (tile models) are still read.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "sealion/nn/point_net.h"
#include "sealion/nn/seed_cnn.h"

namespace sealion {

inline constexpr uint32_t kModelFormatVersion = 2;

// The two counting methods a model file can hold.
inline constexpr const char* kTileMethod = "tiles";    // the seed's 64x64 tile classifier
inline constexpr const char* kPointMethod = "points";  // one point per animal from a heatmap

struct LoadedModel {
  std::string method;               // kTileMethod or kPointMethod
  SeedCnn tile_network{nullptr};    // set for the tile method
  PointNet point_network{nullptr};  // set for the point method, BatchNorm not folded
  nlohmann::json metadata;
};

// `metadata` gains method, architecture, class_names, patch_size, input_scaling, format_version.
void SaveModel(const std::filesystem::path& path, SeedCnn& network, nlohmann::json metadata);
// `metadata` gains method, architecture, class_names, stride, input_scaling, format_version;
// it must hold "detection" (threshold, suppression_fraction).
void SavePointModel(const std::filesystem::path& path, PointNet& network, nlohmann::json metadata);

// Throws naming the file when it is missing, not a model, of another format version, or of an
// architecture or class list this version does not know.
LoadedModel LoadModel(const std::filesystem::path& path);

}  // namespace sealion
