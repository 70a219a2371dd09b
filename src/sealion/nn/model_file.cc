#include "sealion/nn/model_file.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <sstream>
#include <string_view>

#include "sealion/core/classes.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"
#include "sealion/util/json_fields.h"
#include "sealion/util/stable_hash.h"
#include "sealion/util/torch_archive.h"

namespace sealion {
namespace {

constexpr char kMagic[] = "SEALIONMODEL";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;

template <typename T>
void Append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

std::vector<std::string> ClassNameList() {
  return std::vector<std::string>(kClassNames.begin(), kClassNames.end());
}

// FNV-1a over the weights' bytes, as 16 hex digits.
std::string WeightsChecksum(std::string_view weights) {
  return fmt::format("{:016x}", StableHash(weights, 0));
}

// The network's parameters and buffers as LibTorch's archive.
std::string SerializeWeights(torch::nn::Module& network) {
  std::ostringstream weights;
  torch::serialize::OutputArchive archive;
  network.save(archive);
  archive.save_to(weights);
  return weights.str();
}

// The archive LibTorch's reader is given for `weights` (util/torch_archive.h): this version's
// archive of `fresh_network` with the file's tensor data. Trained networks are saved with their
// convolutions channels-last, older files with them contiguous: either is accepted.
std::string ArchiveForLibTorch(torch::nn::Module& fresh_network, std::string_view weights) {
  try {
    return TensorDataInReference(SerializeWeights(fresh_network), weights);
  } catch (const Error&) {
    UseChannelsLast(fresh_network);
    return TensorDataInReference(SerializeWeights(fresh_network), weights);
  }
}

// An ensemble's networks as one module for LibTorch's archive: "member0", "member1", ...
class EnsembleModule : public torch::nn::Module {
 public:
  explicit EnsembleModule(const std::vector<PointNet>& members) {
    for (size_t i = 0; i < members.size(); ++i)
      register_module("member" + std::to_string(i), members[i]);
  }
};

// Header and weights into one file, atomically.
void WriteModelFile(const std::filesystem::path& path, torch::nn::Module& network,
                    nlohmann::json metadata, uint32_t format_version = kModelFormatVersion) {
  metadata["format_version"] = format_version;
  metadata["class_names"] = ClassNameList();
  const std::string weights = SerializeWeights(network);
  // Checked on load: a bit flipped on a disk or in a copy must not count silently wrong.
  metadata["weights_bytes"] = weights.size();
  metadata["weights_checksum"] = WeightsChecksum(weights);
  const std::string header = metadata.dump();
  std::string file(kMagic, kMagicSize);
  Append<uint32_t>(file, format_version);
  Append<uint64_t>(file, header.size());
  file += header;
  file += weights;
  WriteFileAtomically(path, file);
}

// What every point model's header says of its network(s), one or an ensemble's.
// Returns the format version to write: `plain_version` unless the inputs are preprocessed.
uint32_t AddPointModelFields(nlohmann::json& metadata, const std::string& architecture,
                             uint32_t plain_version) {
  if (!metadata.contains("detection")) throw Error("a point model needs its detection settings");
  metadata["method"] = kPointMethod;
  metadata["architecture"] = architecture;
  metadata["stride"] = kPointNetStride;
  metadata["input_scaling"] = "x/255 - 0.5, RGB, channels first, sides multiples of 32";
  if (InputContrastSd(metadata) > 0) return kNormalisedContrastFormatVersion;
  return InputChromaSigma(metadata) > 0 ? kSmoothedInputFormatVersion : plain_version;
}

}  // namespace

void SaveModel(const std::filesystem::path& path, SeedCnn& network, nlohmann::json metadata) {
  metadata["method"] = kTileMethod;
  metadata["architecture"] = kSeedCnnArchitecture;
  metadata["patch_size"] = kPatchSize;
  metadata["input_scaling"] = "x/255 - 0.5, RGB, channels first";
  WriteModelFile(path, *network, std::move(metadata));
}

void SavePointModel(const std::filesystem::path& path, PointNet& network, nlohmann::json metadata) {
  const uint32_t version =
      AddPointModelFields(metadata, network->architecture(), kModelFormatVersion);
  // A header taken from an ensemble's file must not describe one network as its members.
  metadata.erase("ensemble_members");
  metadata.erase("ensemble");
  WriteModelFile(path, *network, std::move(metadata), version);
}

void SavePointEnsemble(const std::filesystem::path& path, std::vector<PointNet>& members,
                       nlohmann::json metadata) {
  if (members.size() < 2 || members.size() > kMaxEnsembleMembers) {
    throw Error(fmt::format("an ensemble has 2 to {} networks, not {}", kMaxEnsembleMembers,
                            members.size()));
  }
  for (auto& member : members) {
    if (member->architecture() != members.front()->architecture()) {
      throw Error(fmt::format("an ensemble's networks share one architecture, not {} and {}",
                              members.front()->architecture(), member->architecture()));
    }
  }
  const uint32_t version =
      AddPointModelFields(metadata, members.front()->architecture(), kEnsembleFormatVersion);
  metadata["ensemble_members"] = members.size();
  EnsembleModule ensemble(members);
  WriteModelFile(path, ensemble, std::move(metadata), version);
}

double InputChromaSigma(const nlohmann::json& metadata) {
  const auto sigma = metadata.find("input_chroma_sigma");
  return sigma != metadata.end() && sigma->is_number() ? sigma->get<double>() : 0.0;
}

double InputContrastSd(const nlohmann::json& metadata) {
  const auto sd = metadata.find("input_contrast_sd");
  return sd != metadata.end() && sd->is_number() ? sd->get<double>() : 0.0;
}

LoadedModel LoadModel(const std::filesystem::path& path) {
  if (IsTorchScriptFile(path)) {
    LoadedModel loaded;
    loaded.scripted = std::make_shared<ScriptedModel>(path);
    loaded.method = loaded.scripted->spec().method;
    loaded.metadata = {{"method", loaded.method},
                       {"architecture", "torchscript"},
                       {"sidecar", SidecarPath(path).string()}};
    if (loaded.method == kPointMethod) {
      loaded.metadata["detection"] = loaded.scripted->spec().detection;
      loaded.metadata["stride"] = loaded.scripted->spec().stride;
    }
    return loaded;
  }
  const std::string file = ReadFileToString(path);
  const auto fail = [&](const std::string& what) {
    return Error(fmt::format("{}: {}", path.string(), what));
  };
  if (file.size() < kMagicSize + 12 || std::memcmp(file.data(), kMagic, kMagicSize) != 0) {
    throw fail("not a sealion model file");
  }
  uint32_t version = 0;
  uint64_t header_size = 0;
  std::memcpy(&version, file.data() + kMagicSize, sizeof(version));
  std::memcpy(&header_size, file.data() + kMagicSize + 4, sizeof(header_size));
  if (version < 1 || version > kNormalisedContrastFormatVersion) {
    throw fail(fmt::format(
        "model format version {} is not supported by this sealion (it reads versions 1 to {}); "
        "retrain the model or use the sealion version that wrote it",
        version, kNormalisedContrastFormatVersion));
  }
  const size_t header_start = kMagicSize + 12;
  if (header_size > file.size() - header_start) throw fail("truncated model file");
  LoadedModel loaded;
  try {
    loaded.metadata = nlohmann::json::parse(file.substr(header_start, header_size));
  } catch (const std::exception& error) {
    throw fail(std::string("corrupt model header: ") + error.what());
  }
  const std::string_view weight_bytes = std::string_view(file).substr(header_start + header_size);
  // A header of the wrong shape (not an object, a field of the wrong type or range) is a
  // corrupt file, named like every other.
  try {
    if (!loaded.metadata.is_object()) throw Error("the header is not a JSON object");
    const std::string architecture = loaded.metadata.value("architecture", "");
    loaded.method = loaded.metadata.value("method", kTileMethod);  // version 1: tiles only
    if (loaded.metadata.contains("input_chroma_sigma")) {
      const nlohmann::json& sigma = loaded.metadata.at("input_chroma_sigma");
      if (!sigma.is_number() ||
          !(sigma.get<double>() >= 0 && sigma.get<double>() <= kMaxChromaSigma))
        throw fail(fmt::format("the header's input_chroma_sigma must be a number in [0, {}]",
                               kMaxChromaSigma));
    }
    if (loaded.metadata.contains("input_contrast_sd")) {
      const nlohmann::json& sd = loaded.metadata.at("input_contrast_sd");
      if (!sd.is_number() || !IsContrastSd(sd.get<double>()))
        throw fail(fmt::format("the header's input_contrast_sd must be 0 or a number in [{}, {}]",
                               kMinContrastSd, kMaxContrastSd));
    }
    const bool ensemble = loaded.metadata.contains("ensemble_members");
    const bool preprocessed =
        version == kSmoothedInputFormatVersion || version == kNormalisedContrastFormatVersion;
    if (version == kEnsembleFormatVersion ? !ensemble : ensemble && !preprocessed)
      throw fail(
          "ensemble_members belongs in, and only in, an ensemble's model (format version 3, or 4 "
          "or 5 with preprocessed inputs)");
    if (version >= kEnsembleFormatVersion && loaded.method != kPointMethod)
      throw fail("a version 3, 4 or 5 model holds point networks only");
    if (version == kNormalisedContrastFormatVersion && !(InputContrastSd(loaded.metadata) > 0))
      throw fail("a version 5 model has input_contrast_sd above 0");
    if (InputContrastSd(loaded.metadata) > 0 && version != kNormalisedContrastFormatVersion)
      throw fail("input_contrast_sd above 0 belongs in, and only in, a version 5 model");
    if (version == kSmoothedInputFormatVersion && !(InputChromaSigma(loaded.metadata) > 0))
      throw fail("a version 4 model has input_chroma_sigma above 0");
    if (InputChromaSigma(loaded.metadata) > 0 && !preprocessed)
      throw fail("input_chroma_sigma above 0 belongs in, and only in, a version 4 or 5 model");
    if (architecture == kSeedCnnArchitecture && loaded.method == kTileMethod) {
      loaded.tile_network = SeedCnn();
    } else if (IsPointNetArchitecture(architecture) && loaded.method == kPointMethod) {
      loaded.point_network = PointNet(architecture);
      if (ensemble) {
        const int64_t members =
            JsonInteger(loaded.metadata.at("ensemble_members"), "the header's ensemble_members", 2,
                        static_cast<int64_t>(kMaxEnsembleMembers));
        for (int64_t i = 1; i < members; ++i)
          loaded.other_point_networks.emplace_back(architecture);
      }
      if (!loaded.metadata.contains("stride") ||
          JsonInteger(loaded.metadata.at("stride"), "the header's stride") != kPointNetStride)
        throw fail("the point model's stride differs from this version's network");
      if (!loaded.metadata.contains("detection"))
        throw fail("the point model has no detection settings");
      loaded.metadata["detection"] = CheckedDetectionSettings(loaded.metadata.at("detection"));
    } else {
      throw fail(
          fmt::format("unknown architecture '{}' for method '{}'", architecture, loaded.method));
    }
    if (loaded.metadata.value("class_names", std::vector<std::string>{}) != ClassNameList()) {
      throw fail("the model's class names differ from this version's");
    }
    // Files written before the checksum was added (format 2 of before 2026-12) have none.
    if (loaded.metadata.contains("weights_bytes")) {
      const int64_t expected =
          JsonInteger(loaded.metadata.at("weights_bytes"), "the header's weights_bytes", 0,
                      std::numeric_limits<int64_t>::max());
      if (static_cast<int64_t>(weight_bytes.size()) != expected) {
        throw fail(
            fmt::format("truncated or padded model file: its weights are {} bytes, the "
                        "header says {}",
                        weight_bytes.size(), expected));
      }
    }
    if (loaded.metadata.contains("weights_checksum") &&
        loaded.metadata.at("weights_checksum").get<std::string>() !=
            WeightsChecksum(weight_bytes)) {
      throw fail("corrupt model file: the weights' checksum does not match its header");
    }
    if (loaded.method == kTileMethod && loaded.metadata.contains("patch_size")) {
      const int64_t patch_size =
          JsonInteger(loaded.metadata.at("patch_size"), "the header's patch_size");
      if (patch_size != kPatchSize) {
        throw fail(fmt::format("the tile model's patch size {} differs from this version's {}",
                               patch_size, kPatchSize));
      }
    }
  } catch (const nlohmann::json::exception& error) {
    throw fail(std::string("corrupt model header: ") + error.what());
  } catch (const Error& error) {
    if (std::string_view(error.what()).find(path.string()) != std::string_view::npos) throw;
    throw fail(std::string("corrupt model header: ") + error.what());
  }
  // LibTorch reads only an archive it wrote itself, holding the file's numbers.
  std::vector<PointNet> members;
  if (!loaded.other_point_networks.empty()) {
    members.push_back(loaded.point_network);
    members.insert(members.end(), loaded.other_point_networks.begin(),
                   loaded.other_point_networks.end());
  }
  EnsembleModule ensemble(members);
  torch::nn::Module& network =
      loaded.tile_network ? static_cast<torch::nn::Module&>(*loaded.tile_network)
      : !members.empty()  ? static_cast<torch::nn::Module&>(ensemble)
                          : static_cast<torch::nn::Module&>(*loaded.point_network);
  std::istringstream weights;
  try {
    weights.str(ArchiveForLibTorch(network, weight_bytes));
  } catch (const Error& error) {
    throw fail(std::string("corrupt or incompatible weights: ") + error.what());
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(weights);
    network.load(archive);
  } catch (const c10::Error& error) {  // LibTorch's message without its C++ backtrace
    throw fail(std::string("corrupt or incompatible weights: ") + error.what_without_backtrace());
  } catch (const std::exception& error) {
    throw fail(std::string("corrupt or incompatible weights: ") + error.what());
  }
  if (loaded.tile_network) UseChannelsLast(*loaded.tile_network);
  if (loaded.point_network) UseChannelsLast(*loaded.point_network);
  for (auto& member : loaded.other_point_networks) UseChannelsLast(*member);
  return loaded;
}

nlohmann::json InitialiseFromModel(const std::filesystem::path& path, const std::string& method,
                                   torch::nn::Module& network) {
  LoadedModel loaded = LoadModel(path);
  if (loaded.scripted)
    throw Error(path.string() + ": training cannot start from a TorchScript module");
  if (loaded.method != method) {
    throw Error(fmt::format("{}: a {} model cannot start the training of a {} model", path.string(),
                            loaded.method, method));
  }
  if (!loaded.other_point_networks.empty()) {
    throw Error(fmt::format(
        "{}: an ensemble of {} networks cannot start the training of one; start from one of the "
        "models it was made of",
        path.string(), loaded.other_point_networks.size() + 1));
  }
  const auto* target_points = network.as<PointNetImpl>();
  if (loaded.point_network && target_points != nullptr &&
      loaded.point_network->architecture() != target_points->architecture()) {
    throw Error(fmt::format("{}: a {} network cannot start the training of a {} network",
                            path.string(), loaded.point_network->architecture(),
                            target_points->architecture()));
  }
  torch::nn::Module& source = loaded.tile_network
                                  ? static_cast<torch::nn::Module&>(*loaded.tile_network)
                                  : static_cast<torch::nn::Module&>(*loaded.point_network);
  const auto copy_all = [&](const torch::OrderedDict<std::string, torch::Tensor>& from,
                            torch::OrderedDict<std::string, torch::Tensor> to, const char* what) {
    if (from.size() != to.size()) {
      throw Error(fmt::format("{}: the model has {} {}, this version's network {}", path.string(),
                              from.size(), what, to.size()));
    }
    for (const auto& item : from) {
      torch::Tensor* target = to.find(item.key());
      if (target == nullptr || !target->sizes().equals(item.value().sizes())) {
        throw Error(fmt::format("{}: its {} '{}' does not fit this version's network",
                                path.string(), what, item.key()));
      }
      target->copy_(item.value());
    }
  };
  torch::NoGradGuard no_grad;
  copy_all(source.named_parameters(), network.named_parameters(), "parameters");
  copy_all(source.named_buffers(), network.named_buffers(), "buffers");
  nlohmann::json training = loaded.metadata.value("training", nlohmann::json::object());
  if (training.is_object()) training.erase("history");  // kept short: the file has the rest
  return {{"path", path.string()},
          {"weights_checksum", loaded.metadata.value("weights_checksum", "")},
          {"training", training}};
}

}  // namespace sealion
