#pragma once
// Outputs are written atomically: to a temporary file beside the target, then renamed, so a
// killed run never leaves a half-written CSV or model behind.

#include <filesystem>
#include <string_view>

namespace sealion {

// Writes `contents` to `path` atomically; creates the parent folder. Throws naming the path.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

// Reads a whole file; throws naming the path.
std::string ReadFileToString(const std::filesystem::path& path);

}  // namespace sealion
