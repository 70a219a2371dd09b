#include "sealion/nn/checkpoint.h"

#include <sstream>

#include "sealion/util/atomic_file.h"
#include "sealion/util/error.h"

namespace sealion {

void SaveCheckpoint(const std::filesystem::path& path, torch::nn::Module& network,
                    torch::optim::Optimizer& optimizer, const nlohmann::json& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  network.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  const std::string text = state.dump();
  archive.write("state", torch::from_blob(const_cast<char*>(text.data()),
                                          {static_cast<int64_t>(text.size())}, torch::kUInt8)
                             .clone());
  std::ostringstream bytes;
  archive.save_to(bytes);
  WriteFileAtomically(path, bytes.str());
}

nlohmann::json LoadCheckpoint(const std::filesystem::path& path, torch::nn::Module& network,
                              torch::optim::Optimizer& optimizer, const std::string& fingerprint,
                              const std::string& mismatch) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    torch::Tensor state;
    archive.read("state", state);
    const nlohmann::json state_json =
        nlohmann::json::parse(std::string(reinterpret_cast<const char*>(state.data_ptr<uint8_t>()),
                                          static_cast<size_t>(state.numel())));
    if (state_json.value("fingerprint", "") == fingerprint) {
      torch::serialize::InputArchive model_archive, optimizer_archive;
      archive.read("model", model_archive);
      archive.read("optimizer", optimizer_archive);
      network.load(model_archive);
      optimizer.load(optimizer_archive);
      return state_json;
    }
  } catch (const c10::Error& error) {  // LibTorch's message without its C++ backtrace
    throw Error("resuming from " + path.string() + ": " + error.what_without_backtrace());
  } catch (const std::exception& error) {
    throw Error("resuming from " + path.string() + ": " + error.what());
  }
  throw Error(path.string() + ": " + mismatch);
}

}  // namespace sealion
