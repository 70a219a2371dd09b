#pragma once
// Training checkpoints: the network, the optimiser and a JSON state (history, fingerprint of the
// data and settings) in one file, written atomically, so that `--resume` continues exactly.

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace sealion {

void SaveCheckpoint(const std::filesystem::path& path, torch::nn::Module& network,
                    torch::optim::Optimizer& optimizer, const nlohmann::json& state);

// Loads into `network` and `optimizer`; returns the state. Throws naming the file, and, before
// any weights are read (a checkpoint of another network would fail on a missing tensor),
// `mismatch` after the path when the state's "fingerprint" is not `fingerprint`.
nlohmann::json LoadCheckpoint(const std::filesystem::path& path, torch::nn::Module& network,
                              torch::optim::Optimizer& optimizer, const std::string& fingerprint,
                              const std::string& mismatch);

}  // namespace sealion
