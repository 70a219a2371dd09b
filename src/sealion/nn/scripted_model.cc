#include "sealion/nn/scripted_model.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sealion/nn/point_inference.h"
#include "sealion/nn/seed_cnn.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/json_fields.h"
#include "sealion/util/torch_archive.h"

namespace sealion {
namespace {

using nlohmann::json;

// The names this program's outputs go by, in its order.
std::vector<std::string> OutputNames(const std::string& method) {
  std::vector<std::string> names;
  if (method == "points") names.emplace_back("heatmap");
  const int classes = method == "points" ? kNumSeaLionClasses : kNumClasses;
  for (int c = 0; c < classes; ++c) names.emplace_back(ClassName(c));
  return names;
}

std::array<double, 3> ThreeNumbers(const json& value, const std::string& what) {
  if (!value.is_array() || value.size() != 3)
    throw Error(fmt::format("{} must be a list of three numbers", what));
  std::array<double, 3> numbers{};
  for (size_t i = 0; i < 3; ++i) {
    if (!value[i].is_number()) throw Error(fmt::format("{} must be a list of three numbers", what));
    numbers[i] = value[i].get<double>();
  }
  return numbers;
}

}  // namespace

std::filesystem::path SidecarPath(const std::filesystem::path& model_path) {
  std::filesystem::path beside = model_path;
  beside += ".json";
  if (std::filesystem::exists(beside)) return beside;
  std::filesystem::path replaced = model_path;
  replaced.replace_extension(".json");
  return std::filesystem::exists(replaced) ? replaced : beside;
}

bool IsTorchScriptFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

ScriptedModelSpec ReadScriptedModelSpec(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error(path.string() +
                ": cannot read the TorchScript model's sidecar (a JSON file saying what the "
                "module outputs; see `sealion count --help`)");
  }
  ScriptedModelSpec spec;
  try {
    const json sidecar = json::parse(in);
    if (!sidecar.is_object()) throw Error("not a JSON object");
    spec.method = sidecar.at("method").get<std::string>();
    if (spec.method != "tiles" && spec.method != "points")
      throw Error("method must be \"tiles\" or \"points\", not \"" + spec.method + "\"");
    const json input = sidecar.value("input", json::object());
    const std::string order = input.value("channel_order", "RGB");
    if (order != "RGB" && order != "BGR") throw Error("input.channel_order must be RGB or BGR");
    spec.bgr = order == "BGR";
    if (input.contains("mean")) spec.mean = ThreeNumbers(input.at("mean"), "input.mean");
    if (input.contains("std")) spec.std = ThreeNumbers(input.at("std"), "input.std");
    for (const double s : spec.std) {
      if (!(s > 0)) throw Error("input.std must be positive");
    }
    if (input.contains("tile_size"))
      spec.tile_size = static_cast<int>(JsonInteger(input.at("tile_size"), "input.tile_size"));
    if (spec.method == "tiles" && spec.tile_size != kPatchSize) {
      throw Error(fmt::format("input.tile_size is {}: the tile counter classifies {}x{} tiles",
                              spec.tile_size, kPatchSize, kPatchSize));
    }
    const json& output = sidecar.at("output");
    const std::string kind = output.value("kind", "logits");
    if (kind != "logits" && kind != "probabilities")
      throw Error("output.kind must be logits or probabilities");
    spec.probabilities = kind == "probabilities";
    if (output.contains("stride"))
      spec.stride = static_cast<int>(JsonInteger(output.at("stride"), "output.stride", 1, 32));
    if (32 % spec.stride != 0) throw Error("output.stride must divide 32 (1, 2, 4, 8, 16 or 32)");
    const auto channels = output.at("channels").get<std::vector<std::string>>();
    const std::vector<std::string> wanted = OutputNames(spec.method);
    if (channels.size() != wanted.size()) {
      throw Error(fmt::format("output.channels names {} channels; a {} model has {}: {}",
                              channels.size(), spec.method, wanted.size(),
                              fmt::join(wanted, ", ")));
    }
    for (const auto& name : wanted) {
      const auto found = std::find(channels.begin(), channels.end(), name);
      if (found == channels.end())
        throw Error(fmt::format("output.channels has no \"{}\" (it needs {})", name,
                                fmt::join(wanted, ", ")));
      spec.channel_of_output.push_back(static_cast<int>(found - channels.begin()));
    }
    if (spec.method == "points" && sidecar.contains("detection")) {
      json detection = sidecar.at("detection");
      if (!detection.is_object()) throw Error("detection must be an object");
      for (const auto& [name, fallback] : spec.detection.items()) {
        if (!detection.contains(name)) detection[name] = fallback;
      }
      spec.detection = CheckedDetectionSettings(detection);
    }
  } catch (const json::exception& error) {
    throw Error(fmt::format("{}: bad TorchScript sidecar: {}", path.string(), error.what()));
  } catch (const Error& error) {
    throw Error(fmt::format("{}: bad TorchScript sidecar: {}", path.string(), error.what()));
  }
  return spec;
}

json CheckedDetectionSettings(const json& detection) {
  if (!detection.is_object()) throw Error("detection must be an object");
  const double threshold = detection.at("threshold").get<double>();
  const double suppression = detection.at("suppression_fraction").get<double>();
  const int64_t views = JsonInteger(detection.value("views", json(1)), "detection.views", 0, 64);
  if (!(threshold > 0 && threshold < 1)) throw Error("detection.threshold must be in (0, 1)");
  if (!(suppression >= 0 && suppression <= 2))
    throw Error("detection.suppression_fraction must be in [0, 2]");
  if (!IsViewCount(static_cast<int>(views)))
    throw Error(fmt::format("detection.views must be 1, 2, 4 or 8, not {}", views));
  json checked = detection;
  checked["views"] = views;
  // Thresholds for other view counts (scripts/calibrate-views.sh), keyed by the count.
  if (detection.contains("threshold_by_views")) {
    const json& table = detection.at("threshold_by_views");
    if (!table.is_object()) throw Error("detection.threshold_by_views must be an object");
    for (const auto& [key, value] : table.items()) {
      if (!IsViewCount(std::atoi(key.c_str())) || std::to_string(std::atoi(key.c_str())) != key)
        throw Error(fmt::format("detection.threshold_by_views: '{}' is not 1, 2, 4 or 8", key));
      const double view_threshold = value.get<double>();
      if (!(view_threshold > 0 && view_threshold < 1))
        throw Error(fmt::format("detection.threshold_by_views[{}] must be in (0, 1)", key));
    }
  }
  // Thresholds for photos compressed harder than the calibration photos (the highest key;
  // scripts/calibrate-jpeg.sh), keyed by JPEG quality.
  if (detection.contains("threshold_by_jpeg_quality")) {
    const json& table = detection.at("threshold_by_jpeg_quality");
    if (!table.is_object() || table.empty())
      throw Error("detection.threshold_by_jpeg_quality must be an object with at least one entry");
    for (const auto& [key, value] : table.items()) {
      const int quality = std::atoi(key.c_str());
      if (quality < 1 || quality > 100 || std::to_string(quality) != key)
        throw Error(fmt::format(
            "detection.threshold_by_jpeg_quality: '{}' is not a JPEG quality (1 to 100)", key));
      const double quality_threshold = value.get<double>();
      if (!(quality_threshold > 0 && quality_threshold < 1))
        throw Error(fmt::format("detection.threshold_by_jpeg_quality[{}] must be in (0, 1)", key));
    }
  }
  return checked;
}

ScriptedModel::ScriptedModel(const std::filesystem::path& path)
    : path_(path),
      spec_(ReadScriptedModelSpec(SidecarPath(path))),
      // mean and std are in the module's channel order, which Forward's flip gives the pixels.
      mean_(torch::tensor({spec_.mean[0], spec_.mean[1], spec_.mean[2]})
                .to(torch::kFloat32)
                .view({1, 3, 1, 1})),
      std_(torch::tensor({spec_.std[0], spec_.std[1], spec_.std[2]})
               .to(torch::kFloat32)
               .view({1, 3, 1, 1})),
      output_order_(torch::tensor(
          std::vector<int64_t>(spec_.channel_of_output.begin(), spec_.channel_of_output.end()))) {
  // Read once: checked before LibTorch (which trusts record sizes), then handed to it.
  const std::string bytes = ReadFileToString(path);
  try {
    CheckTorchArchive(bytes);
  } catch (const Error& error) {
    throw Error(
        fmt::format("{}: not a loadable TorchScript module: {}", path.string(), error.what()));
  }
  try {
    std::istringstream stream(bytes);
    module_ = torch::jit::load(stream);
  } catch (const c10::Error& error) {  // LibTorch's message without its C++ backtrace
    throw Error(fmt::format("{}: not a loadable TorchScript module: {}", path.string(),
                            error.what_without_backtrace()));
  }
  module_.eval();
}

torch::Tensor ScriptedModel::Forward(const torch::Tensor& rgb_uint8_nhwc) {
  torch::NoGradGuard no_grad;
  torch::Tensor input = rgb_uint8_nhwc.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0);
  if (spec_.bgr) input = input.flip(1);
  input = ((input - mean_) / std_).contiguous();
  torch::Tensor output;
  try {
    output = module_.forward({input}).toTensor();
  } catch (const c10::Error& error) {
    throw Error(fmt::format("{}: the TorchScript module failed on a {}x{} input: {}",
                            path_.string(), input.size(3), input.size(2),
                            error.what_without_backtrace()));
  }
  const int64_t channels = static_cast<int64_t>(spec_.channel_of_output.size());
  const bool tiles = spec_.method == "tiles";
  const bool shape_ok =
      tiles ? output.dim() == 2 && output.size(0) == input.size(0) && output.size(1) == channels
            : output.dim() == 4 && output.size(0) == input.size(0) && output.size(1) == channels &&
                  output.size(2) == input.size(2) / spec_.stride &&
                  output.size(3) == input.size(3) / spec_.stride;
  if (!shape_ok) {
    throw Error(
        fmt::format("{}: the module's output has shape {}; its sidecar says {} ({} "
                    "channels{})",
                    path_.string(), fmt::join(output.sizes(), "x"),
                    tiles ? "N x channels" : "N x channels x H/stride x W/stride", channels,
                    tiles ? "" : fmt::format(", stride {}", spec_.stride)));
  }
  output = output.to(torch::kFloat32).index_select(1, output_order_);
  if (spec_.probabilities) {
    const double tiny = 1e-7;
    if (tiles) {
      output = output.clamp(tiny, 1).log();
    } else {
      const torch::Tensor heat = output.slice(1, 0, 1).clamp(tiny, 1 - tiny);
      output = torch::cat({(heat / (1 - heat)).log(), output.slice(1, 1).clamp(tiny, 1).log()}, 1);
    }
  }
  return output.contiguous();
}

}  // namespace sealion
