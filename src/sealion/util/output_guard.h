#pragma once
// Guards against losing output: an output that is one of the run's inputs or the same file as
// another output of the run is refused before any work, and a lock beside each output makes a
// second run on the same output refuse clearly instead of overwriting the first run's work.

#include <filesystem>
#include <string>
#include <vector>

namespace sealion {

// A path as the user named it: the flag (or "input") and the path, for messages.
struct NamedPath {
  std::string name;  // e.g. "-o", "--detections", "input"
  std::filesystem::path path;
};

// Throws sealion::Error naming both flags when an output is the same file or folder as an input,
// is a folder that holds an input file, or is the same as another output. Paths are compared after
// resolving symlinks and `..`, whether or not they exist yet. Empty paths are ignored.
void CheckOutputsAreNotInputs(const std::vector<NamedPath>& inputs,
                              const std::vector<NamedPath>& outputs);

// An exclusive lock on `output` for this process, held through OUTPUT.lock (flock: the kernel
// releases it when the process dies, so a killed run never leaves a stale lock; the file holds
// the owner's pid and host for the message). Throws sealion::Error naming the output and the
// running process when another process holds it. The lock file is removed on destruction.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path lock_path_;
  int descriptor_ = -1;
};

}  // namespace sealion
