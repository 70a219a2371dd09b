#include "sealion/util/module_path.h"

#include <system_error>

namespace sealion {

std::filesystem::path ModulePath(const char* name) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error && std::filesystem::exists(self.parent_path() / name, error))
    return self.parent_path() / name;
  return std::filesystem::path(SEALION_MODULE_DIR) / name;
}

}  // namespace sealion
