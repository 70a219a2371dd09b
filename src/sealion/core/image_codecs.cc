#include "sealion/core/image_codecs.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <limits>

#include "sealion/core/image_codecs_module.h"
#include "sealion/util/error.h"
#include "sealion/util/module_path.h"

namespace sealion {
namespace {

struct Codecs {
  DecodeImageFunction* decode = nullptr;
  EncodeImageFunction* encode = nullptr;
};

// Loaded once, on first use, by whichever thread gets there first.
const Codecs& LoadedCodecs() {
  static const Codecs codecs = [] {
    const std::filesystem::path path = ModulePath(kCodecsModuleName);
    void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
      throw Error(fmt::format(
          "cannot load OpenCV's image codecs from {} (it is built beside the sealion program): {}",
          path.string(), dlerror()));
    }
    Codecs loaded{reinterpret_cast<DecodeImageFunction*>(dlsym(module, kDecodeImageSymbol)),
                  reinterpret_cast<EncodeImageFunction*>(dlsym(module, kEncodeImageSymbol))};
    if (loaded.decode == nullptr || loaded.encode == nullptr)
      throw Error(fmt::format("{}: not sealion's codecs module; rebuild sealion", path.string()));
    return loaded;
  }();
  return codecs;
}

}  // namespace

cv::Mat DecodeImage(std::string_view bytes, int flags) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(fmt::format("an image of {} bytes is too large to decode", bytes.size()));
  cv::Mat image;
  std::string error;
  if (!LoadedCodecs().decode(bytes.data(), bytes.size(), flags, &image, &error))
    throw Error("cannot decode image: " + error);
  return image;
}

bool EncodeImage(const std::string& extension, const cv::Mat& image, std::vector<uint8_t>& bytes,
                 const std::vector<int>& parameters) {
  bool encoded = false;
  std::string error;
  if (!LoadedCodecs().encode(&extension, &image, &parameters, &bytes, &encoded, &error))
    throw Error(fmt::format("cannot encode image as '{}': {}", extension, error));
  return encoded;
}

}  // namespace sealion
