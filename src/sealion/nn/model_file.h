#pragma once
// The model file: everything `count` needs to use a trained network without flags.
// Layout: the magic "SEALIONMODEL", a format version (uint32), the length of a JSON header
// (uint64), the JSON (architecture, class names in order, patch size, input scaling, how it was
// trained), then the weights as torch::save wrote them. A file of another format version, or not
// a model at all, is a clear error.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "sealion/nn/seed_cnn.h"

namespace sealion {

inline constexpr uint32_t kModelFormatVersion = 1;

struct LoadedModel {
  SeedCnn network;
  nlohmann::json metadata;
};

// `metadata` gains architecture, class_names, patch_size, input_scaling and format_version.
void SaveModel(const std::filesystem::path& path, SeedCnn& network, nlohmann::json metadata);

// Throws naming the file when it is missing, not a model, of another format version, or of an
// architecture or class list this version does not know.
LoadedModel LoadModel(const std::filesystem::path& path);

}  // namespace sealion
