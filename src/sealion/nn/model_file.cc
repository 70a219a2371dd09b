#include "sealion/nn/model_file.h"

#include <fmt/format.h>

#include <cstring>
#include <sstream>

#include "sealion/core/classes.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"

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

}  // namespace

void SaveModel(const std::filesystem::path& path, SeedCnn& network, nlohmann::json metadata) {
  metadata["format_version"] = kModelFormatVersion;
  metadata["architecture"] = kSeedCnnArchitecture;
  metadata["class_names"] = ClassNameList();
  metadata["patch_size"] = kPatchSize;
  metadata["input_scaling"] = "x/255 - 0.5, RGB, channels first";
  std::ostringstream weights;
  torch::save(network, weights);
  const std::string header = metadata.dump();
  std::string file(kMagic, kMagicSize);
  Append<uint32_t>(file, kModelFormatVersion);
  Append<uint64_t>(file, header.size());
  file += header;
  file += weights.str();
  WriteFileAtomically(path, file);
}

LoadedModel LoadModel(const std::filesystem::path& path) {
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
  if (version != kModelFormatVersion) {
    throw fail(fmt::format(
        "model format version {} is not supported by this sealion (it reads version {}); "
        "retrain the model or use the sealion version that wrote it",
        version, kModelFormatVersion));
  }
  const size_t header_start = kMagicSize + 12;
  if (header_size > file.size() - header_start) throw fail("truncated model file");
  LoadedModel loaded{SeedCnn(), {}};
  try {
    loaded.metadata = nlohmann::json::parse(file.substr(header_start, header_size));
  } catch (const std::exception& error) {
    throw fail(std::string("corrupt model header: ") + error.what());
  }
  if (loaded.metadata.value("architecture", "") != kSeedCnnArchitecture) {
    throw fail(fmt::format("unknown architecture '{}'", loaded.metadata.value("architecture", "")));
  }
  if (loaded.metadata.value("class_names", std::vector<std::string>{}) != ClassNameList()) {
    throw fail("the model's class names differ from this version's");
  }
  std::istringstream weights(file.substr(header_start + header_size));
  try {
    torch::load(loaded.network, weights);
  } catch (const std::exception& error) {
    throw fail(std::string("corrupt or incompatible weights: ") + error.what());
  }
  UseChannelsLast(*loaded.network);
  return loaded;
}

}  // namespace sealion
