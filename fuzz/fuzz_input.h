#pragma once
// The readers take paths, not bytes: each fuzz input is written to a temporary regular file, one
// per process and file name extension, rewritten for every input and removed at exit.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <string>

namespace sealion::fuzz {

// Writes `data` to this process's temporary file ending in `extension` (".csv", ".jpg": some
// readers look at it) and returns its path. /dev/shm when there is one: no disk writes.
inline std::filesystem::path WriteInputFile(const uint8_t* data, size_t size,
                                            const std::string& extension) {
  // Removes the files at a normal exit; a crash leaves its one small file behind.
  struct Files {
    std::map<std::string, std::filesystem::path> by_extension;
    ~Files() {
      std::error_code ignored;
      for (const auto& [extension, path] : by_extension) std::filesystem::remove(path, ignored);
    }
  };
  static Files files;
  std::filesystem::path& path = files.by_extension[extension];
  if (path.empty()) {
    const std::filesystem::path folder = std::filesystem::is_directory("/dev/shm")
                                             ? std::filesystem::path("/dev/shm")
                                             : std::filesystem::temp_directory_path();
    path = folder / ("sealion-fuzz-" + std::to_string(getpid()) + extension);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // a full /dev/shm must not pass for a reader's error
  return path;
}

// Runs fn(); a std::exception is the correct outcome for bad input, but running out of memory is
// a bug: a reader must refuse a huge claim before it allocates (libFuzzer's -malloc_limit_mb
// reports most of those first).
template <typename Fn>
void ExpectCleanErrorOnly(Fn&& fn) {
  try {
    fn();
  } catch (const std::bad_alloc&) {
    std::abort();
  } catch (const std::exception& error) {
    // SEALION_FUZZ_VERBOSE=1 prints the messages, to check that each seed reaches the code meant.
    static const bool verbose = std::getenv("SEALION_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "  error: %s\n", error.what());
  }
}

}  // namespace sealion::fuzz
