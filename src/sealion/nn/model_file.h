#pragma once
// The model file: everything `count` needs to use a trained network without flags.
// Layout: the magic "SEALIONMODEL", a format version (uint32), the length of a JSON header
// (uint64), the JSON (method, architecture, class names in order, input size and scaling, how it
// was trained, and for the point counter its stride and detection settings), then the weights as
// torch::save wrote them. A file of another format version, or not a model at all, is a clear
// error. Version 2 added the point counter, version 3 ensembles of point networks, version 4
// point models with smoothed inputs; version 1 files (tile models) are still read.

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sealion/nn/point_net.h"
#include "sealion/nn/scripted_model.h"
#include "sealion/nn/seed_cnn.h"

namespace sealion {

inline constexpr uint32_t kModelFormatVersion = 2;
// Ensembles (SavePointEnsemble) are version 3, so that a sealion from before them refuses one
// clearly; single networks stay version 2, readable by those too.
inline constexpr uint32_t kEnsembleFormatVersion = 3;
inline constexpr size_t kMaxEnsembleMembers = 16;
// Point models (one network or an ensemble) whose inputs are smoothed before the network
// (input_chroma_sigma > 0) are version 4, so that a sealion from before that refuses them by
// name instead of counting unsmoothed photos with them.
inline constexpr uint32_t kSmoothedInputFormatVersion = 4;
// Point models whose photos get their contrast normalised first (input_contrast_sd > 0, smoothed
// chroma or not) are version 5, which a sealion from before that refuses by its version.
inline constexpr uint32_t kNormalisedContrastFormatVersion = 5;

// The two counting methods a model file can hold.
inline constexpr const char* kTileMethod = "tiles";    // the seed's 64x64 tile classifier
inline constexpr const char* kPointMethod = "points";  // one point per animal from a heatmap

struct LoadedModel {
  std::string method;               // kTileMethod or kPointMethod
  SeedCnn tile_network{nullptr};    // set for the tile method
  PointNet point_network{nullptr};  // set for the point method, BatchNorm not folded
  // An ensemble's other members (SavePointEnsemble), of the same architecture: counting averages
  // their outputs with point_network's. Empty for a single network.
  std::vector<PointNet> other_point_networks;
  // Set instead of either network for a TorchScript module (scripted_model.h); `metadata` then
  // holds its method and, for points, its detection settings.
  std::shared_ptr<ScriptedModel> scripted;
  nlohmann::json metadata;
};

// `metadata` gains method, architecture, class_names, patch_size, input_scaling, format_version.
void SaveModel(const std::filesystem::path& path, SeedCnn& network, nlohmann::json metadata);
// `metadata` gains method, architecture, class_names, stride, input_scaling, format_version;
// it must hold "detection" (threshold, suppression_fraction).
void SavePointModel(const std::filesystem::path& path, PointNet& network, nlohmann::json metadata);

// Several point networks in one file, an ensemble: `count` averages their heatmap and class
// logits (their views too), which counts steadier than a typical one of them (networks trained
// alike with different seeds disagree; docs/real-photos.md, "Ensembles of seeds"). All members have
// one architecture; `metadata` is as for SavePointModel and gains ensemble_members (their number).
void SavePointEnsemble(const std::filesystem::path& path, std::vector<PointNet>& members,
                       nlohmann::json metadata);

// A sealion model file, or a TorchScript module with its JSON sidecar (scripted_model.h).
// Throws naming the file when it is missing, not a model, of another format version, or of an
// architecture or class list this version does not know.
LoadedModel LoadModel(const std::filesystem::path& path);

// The chroma smoothing a point model's inputs get before its network (header field
// input_chroma_sigma, point_inference.h: SmoothChroma); 0 for models without it.
double InputChromaSigma(const nlohmann::json& metadata);
// The luma standard deviation a point model's photos are normalised to first (header field
// input_contrast_sd, point_inference.h: NormaliseContrast); 0 for models without it.
double InputContrastSd(const nlohmann::json& metadata);

// Training that starts from a trained model (`train --init`: fine-tuning, or more training
// under a new learning-rate schedule): copies every parameter and BatchNorm statistic of the
// model file into `network`, which must be of the same method (kTileMethod or kPointMethod).
// Returns what to record in the new model's header: the file, its checksum and how it was trained.
nlohmann::json InitialiseFromModel(const std::filesystem::path& path, const std::string& method,
                                   torch::nn::Module& network);

}  // namespace sealion
