#pragma once
// Models made elsewhere: a TorchScript module exported from Python (`torch.jit.save`) with a small
// JSON sidecar beside it (MODEL.pt.json, or MODEL.json) that says which counting method it serves,
// how it wants its input and what its outputs mean. `count --model MODEL.pt` uses it like a
// sealion model file.
//
// Sidecar (every field but method and output.channels has the default shown):
//   {"method": "tiles" | "points",
//    "input": {"channel_order": "RGB",        // or "BGR"
//              "mean": [0.5, 0.5, 0.5],       // value = (pixel / 255 - mean) / std, per channel
//                                             // in the module's channel order
//              "std": [1, 1, 1],
//              "tile_size": 64},              // tiles: the side of the square tile it classifies
//    "output": {"channels": [...],            // the name of every output channel, in order
//               "kind": "logits",             // or "probabilities"
//               "stride": 4},                 // points: input pixels per output cell
//    "detection": {"threshold": 0.5, "suppression_fraction": 0.3, "views": 1}}   // points
// tiles: input N x 3 x 64 x 64, output N x 6 with channels naming the six classes (non_seal
// included) in any order. points: input 1 x 3 x H x W (H, W multiples of 32), output
// 1 x 6 x H/stride x W/stride with channels "heatmap" (an animal's centre is in the cell) and the
// five sea lion classes, in any order; the stride divides 32.

#include <torch/script.h>

#include <array>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sealion/core/classes.h"

namespace sealion {

struct ScriptedModelSpec {
  std::string method;  // "tiles" or "points"
  bool bgr = false;
  std::array<double, 3> mean{0.5, 0.5, 0.5}, std{1, 1, 1};
  int tile_size = 64;
  bool probabilities = false;  // outputs are probabilities (sigmoid/softmax applied), not logits
  int stride = 4;
  // The module's output channel of each of this program's outputs: tiles, the six classes in the
  // competition's order (non_seal last); points, the heatmap then the five sea lion classes.
  std::vector<int> channel_of_output;
  nlohmann::json detection = {{"threshold", 0.5}, {"suppression_fraction", 0.3}, {"views", 1}};
};

// A point model's detection settings (a model file's or a sidecar's "detection"), checked:
// threshold in (0, 1), suppression_fraction in [0, 2], views 1, 2, 4 or 8 (1 where absent, as
// models from before views have none), the optional threshold_by_views ({"1": t, ...}: the
// thresholds calibrated for other view counts) and threshold_by_jpeg_quality ({"20": t, ...,
// "95": t}: for harder-compressed photos, keys 1 to 100). Throws Error naming the field that is
// wrong.
nlohmann::json CheckedDetectionSettings(const nlohmann::json& detection);

// Reads and checks a sidecar; throws naming `path` and the field that is wrong.
ScriptedModelSpec ReadScriptedModelSpec(const std::filesystem::path& path);

// The sidecar of a TorchScript file: MODEL.pt.json if it exists, else MODEL.json.
std::filesystem::path SidecarPath(const std::filesystem::path& model_path);

// True when the file at `path` is a zip archive, as torch.jit.save writes.
bool IsTorchScriptFile(const std::filesystem::path& path);

class ScriptedModel {
 public:
  // Loads the module and its sidecar; throws naming the file when either is missing or wrong.
  explicit ScriptedModel(const std::filesystem::path& path);

  const ScriptedModelSpec& spec() const { return spec_; }
  // Runs the module on RGB 8-bit pixels (N x H x W x 3) and returns its outputs in this program's
  // convention: tiles, N x 6 logits in the competition's class order; points, N x 6 x h x w with
  // the heatmap logit in channel 0 and the five class logits after it. Probabilities become
  // logits (log p / (1 - p) for the heatmap, log p for classes). Throws on outputs of the wrong
  // shape.
  torch::Tensor Forward(const torch::Tensor& rgb_uint8_nhwc);

 private:
  std::filesystem::path path_;
  ScriptedModelSpec spec_;
  torch::Tensor mean_, std_;    // 1 x 3 x 1 x 1, made once from the sidecar
  torch::Tensor output_order_;  // the module's output channel of each of ours
  torch::jit::script::Module module_;
};

}  // namespace sealion
