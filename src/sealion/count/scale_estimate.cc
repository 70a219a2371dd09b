#include "sealion/count/scale_estimate.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <memory>
#include <opencv2/imgproc.hpp>

#include "sealion/core/image_io.h"
#include "sealion/count/count.h"
#include "sealion/count/counting_method.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_inference.h"
#include "sealion/nn/seed_cnn.h"
#include "sealion/util/error.h"
#include "sealion/util/progress.h"

namespace sealion {

void ScaleEstimateOptions::Check() const {
  if (inputs.empty()) throw Error("scale: no input photos");
  if (model_path.empty()) throw Error("scale: --model is required");
  if (photos < 1) throw Error("scale: --photos must be >= 1");
  if (!IsViewCount(views)) throw Error("scale: --views must be 1, 2, 4 or 8");
  if (threads < 0) throw Error("scale: --threads must be >= 0");
  if (threshold != -1 && !(threshold > 0 && threshold < 1))
    throw Error("scale: --threshold must be in (0, 1) (or -1: the model's)");
  if (scales.size() < 2) throw Error("scale: --scales needs at least two scales");
  for (size_t i = 0; i < scales.size(); ++i) {
    if (!(scales[i] >= 0.25 && scales[i] <= 4))
      throw Error(fmt::format("scale: --scales: {} is not in [0.25, 4]", scales[i]));
    if (i > 0 && !(scales[i] > scales[i - 1]))
      throw Error("scale: --scales must be in ascending order, each once");
  }
}

size_t ChooseScale(const std::vector<double>& scales, const std::vector<int64_t>& animals) {
  if (scales.empty() || scales.size() != animals.size())
    throw Error("scale: one count per scale is needed");
  size_t best = 0;
  for (size_t i = 1; i < scales.size(); ++i) {
    const bool more = animals[i] > animals[best];
    const bool nearer_one = animals[i] == animals[best] &&
                            std::abs(std::log(scales[i])) < std::abs(std::log(scales[best]));
    if (more || nearer_one) best = i;
  }
  return best;
}

std::vector<size_t> SpreadEvenly(size_t count, size_t wanted) {
  std::vector<size_t> indices;
  if (wanted >= count) {
    for (size_t i = 0; i < count; ++i) indices.push_back(i);
    return indices;
  }
  if (wanted == 1) return {count / 2};
  for (size_t k = 0; k < wanted; ++k)
    indices.push_back(static_cast<size_t>(
        std::llround(static_cast<double>(k) * static_cast<double>(count - 1) / (wanted - 1))));
  return indices;
}

ScaleEstimate EstimateScale(const ScaleEstimateOptions& options) {
  options.Check();
  ConfigureTorchThreads(options.threads);
  // Ids are not written anywhere: any file name will do.
  const std::vector<PhotoInput> inputs = ResolveCountInputs(options.inputs, true);
  if (inputs.empty())
    throw Error(fmt::format("scale: no photos in {}", fmt::join(options.inputs, ", ")));
  // One counting method per scale, each with its own copy of the network.
  std::vector<std::unique_ptr<CountingMethod>> methods;
  for (const double scale : options.scales) {
    LoadedModel model = LoadModel(options.model_path);
    if (model.method != kPointMethod) {
      throw Error(fmt::format("{}: a {} model; the scale estimate needs a point model",
                              options.model_path.string(), model.method));
    }
    CountingSettings settings;
    settings.views = options.views;
    settings.threshold = options.threshold;
    settings.scale = scale;
    methods.push_back(MakeCountingMethod(std::move(model), settings));
  }
  spdlog::info("estimating the scale with the {}", methods[methods.size() / 2]->Describe());
  ScaleEstimate estimate;
  estimate.scales = options.scales;
  estimate.animals.assign(options.scales.size(), 0);
  const std::vector<size_t> chosen = SpreadEvenly(inputs.size(), options.photos);
  ProgressReporter progress("scale", "photos", static_cast<int64_t>(chosen.size()));
  for (const size_t index : chosen) {
    const std::filesystem::path& path = inputs[index].path;
    cv::Mat rgb;
    std::optional<int> jpeg_quality;
    try {
      ColourImage image = ReadColourImageAndQuality(path);
      cv::cvtColor(image.bgr, rgb, cv::COLOR_BGR2RGB);
      jpeg_quality = image.jpeg_quality;
    } catch (const std::exception& error) {
      spdlog::error("{}", error.what());
      estimate.skipped.push_back(error.what());
      progress.Advance();
      continue;
    }
    for (size_t s = 0; s < methods.size(); ++s) {
      const PhotoCount count = methods[s]->CountPhoto(inputs[index].id, rgb, jpeg_quality);
      for (const int64_t animals : count.counts) estimate.animals[s] += animals;
    }
    estimate.photos.push_back(path);
    progress.Advance();
  }
  progress.Finish();
  if (estimate.photos.empty())
    throw Error(fmt::format("scale: none of the {} photo(s) chosen could be read", chosen.size()));
  const size_t best = ChooseScale(estimate.scales, estimate.animals);
  estimate.scale = estimate.scales[best];
  estimate.at_edge = best == 0 || best + 1 == estimate.scales.size();
  return estimate;
}

}  // namespace sealion
