#pragma once
// Training checkpoints: the network, the optimiser and a JSON state (history, fingerprint of the
// data and settings) in one file, written atomically, so that `--resume` continues exactly.

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace sealion {

void SaveCheckpoint(const std::filesystem::path& path, torch::nn::Module& network,
                    torch::optim::Optimizer& optimizer, const nlohmann::json& state);

// Loads into `network` and `optimizer`; returns the state. Throws naming the file.
nlohmann::json LoadCheckpoint(const std::filesystem::path& path, torch::nn::Module& network,
                              torch::optim::Optimizer& optimizer);

}  // namespace sealion
