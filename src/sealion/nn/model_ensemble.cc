#include "sealion/nn/model_ensemble.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sealion/nn/model_file.h"
#include "sealion/nn/point_inference.h"
#include "sealion/util/error.h"

namespace sealion {

void EnsembleOptions::Check() const {
  if (inputs.size() < 2) throw Error("ensemble: give at least two point models to combine");
  if (output.empty()) throw Error("ensemble: -o/--output is required");
  for (const auto& input : inputs) {
    if (std::filesystem::exists(output) && std::filesystem::exists(input) &&
        std::filesystem::equivalent(input, output))
      throw Error(fmt::format("ensemble: the output would replace its input {}", input.string()));
  }
  if (threshold >= 0 && !(threshold > 0 && threshold < 1))
    throw Error("ensemble: --threshold must be in (0, 1) (or -1: the first model's)");
  if (suppression > 2)
    throw Error("ensemble: --suppression must be in [0, 2] (or -1: the first model's)");
  if (views >= 0 && !IsViewCount(views))
    throw Error("ensemble: --views must be 1, 2, 4 or 8 (or -1: the first model's)");
}

EnsembleSummary MakeEnsemble(const EnsembleOptions& options) {
  options.Check();
  std::vector<PointNet> members;
  nlohmann::json described = nlohmann::json::array();
  nlohmann::json detection;
  EnsembleSummary summary;
  for (const auto& input : options.inputs) {
    LoadedModel model = LoadModel(input);
    if (model.scripted || model.method != kPointMethod) {
      throw Error(fmt::format("{}: an ensemble combines point models of sealion train, not {}",
                              input.string(),
                              model.scripted ? "a TorchScript module" : "a tile model"));
    }
    if (!members.empty() && model.point_network->architecture() != members.front()->architecture())
      throw Error(fmt::format("{}: its network is {}, {}'s {}; an ensemble has one architecture",
                              input.string(), model.point_network->architecture(),
                              options.inputs.front().string(), members.front()->architecture()));
    // The networks read one input: an ensemble prepares each photo once (its contrast, its
    // chroma), as every member was trained.
    const auto one_input = [&](double value, double& kept, const char* preparation) {
      if (!members.empty() && value != kept)
        throw Error(fmt::format(
            "{}: trained with {} {:g}, {} with {:g}; an ensemble's networks read one input",
            input.string(), preparation, value, options.inputs.front().string(), kept));
      kept = value;
    };
    one_input(InputChromaSigma(model.metadata), summary.chroma_sigma, "chroma smoothing (px)");
    one_input(InputContrastSd(model.metadata), summary.contrast_sd,
              "contrast normalisation (0: none)");
    const nlohmann::json& own = model.metadata.at("detection");
    if (detection.is_null()) detection = own;
    summary.dropped_calibrations = summary.dropped_calibrations ||
                                   own.contains("threshold_by_views") ||
                                   own.contains("threshold_by_jpeg_quality");
    nlohmann::json training = model.metadata.value("training", nlohmann::json::object());
    if (training.is_object()) training.erase("history");  // the member's own file keeps it
    // A member that is itself an ensemble contributes each of its networks.
    if (model.metadata.contains("ensemble")) {
      for (const auto& inner : model.metadata.at("ensemble").at("members"))
        described.push_back(inner);
    } else {
      described.push_back({{"path", input.string()},
                           {"weights_checksum", model.metadata.value("weights_checksum", "")},
                           {"training", training}});
    }
    members.push_back(std::move(model.point_network));
    for (auto& other : model.other_point_networks) members.push_back(std::move(other));
  }
  // SavePointEnsemble refuses more than kMaxEnsembleMembers networks in all.
  detection.erase("threshold_by_views");
  detection.erase("threshold_by_jpeg_quality");
  if (options.threshold >= 0) detection["threshold"] = options.threshold;
  if (options.suppression >= 0) detection["suppression_fraction"] = options.suppression;
  if (options.views >= 0) detection["views"] = options.views;
  nlohmann::json metadata = {{"detection", detection}, {"ensemble", {{"members", described}}}};
  if (summary.chroma_sigma > 0) metadata["input_chroma_sigma"] = summary.chroma_sigma;
  if (summary.contrast_sd > 0) metadata["input_contrast_sd"] = summary.contrast_sd;
  SavePointEnsemble(options.output, members, std::move(metadata));
  summary.members = static_cast<int>(members.size());
  summary.architecture = members.front()->architecture();
  summary.threshold = detection.at("threshold").get<float>();
  summary.suppression = detection.at("suppression_fraction").get<double>();
  summary.views = detection.value("views", 1);
  return summary;
}

}  // namespace sealion
