#include "sealion/util/output_guard.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "sealion/util/error.h"

namespace sealion {
namespace {

std::filesystem::path Resolved(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(path, error);
  if (error) resolved = std::filesystem::absolute(path).lexically_normal();
  // "dir/" and "dir" are the same folder.
  if (!resolved.has_filename() && resolved.has_parent_path()) resolved = resolved.parent_path();
  return resolved;
}

// Whether `inner` is `outer` or lies under it.
bool IsWithin(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto a = inner.begin(), b = outer.begin();
  for (; b != outer.end(); ++a, ++b) {
    if (a == inner.end() || *a != *b) return false;
  }
  return true;
}

}  // namespace

void CheckOutputsAreNotInputs(const std::vector<NamedPath>& inputs,
                              const std::vector<NamedPath>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].path.empty()) continue;
    const auto output = Resolved(outputs[i].path);
    for (const auto& input : inputs) {
      if (input.path.empty()) continue;
      const auto in = Resolved(input.path);
      // An output folder that holds an input file could replace it.
      const bool input_is_file = !std::filesystem::is_directory(in);
      if (output == in || (input_is_file && IsWithin(in, output))) {
        throw Error(fmt::format("{} {} is {} the {} {}: refusing to overwrite an input",
                                outputs[i].name, outputs[i].path.string(),
                                output == in ? "also" : "a folder holding", input.name,
                                input.path.string()));
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (!outputs[j].path.empty() && Resolved(outputs[j].path) == output) {
        throw Error(fmt::format("{} {} and {} {} are the same file: one would replace the other",
                                outputs[j].name, outputs[j].path.string(), outputs[i].name,
                                outputs[i].path.string()));
      }
    }
  }
}

OutputLock::OutputLock(const std::filesystem::path& output) {
  lock_path_ = output;
  lock_path_ += ".lock";
  if (lock_path_.has_parent_path()) std::filesystem::create_directories(lock_path_.parent_path());
  descriptor_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (descriptor_ < 0) {
    throw Error(fmt::format("{}: cannot create the lock file: {}", lock_path_.string(),
                            std::strerror(errno)));
  }
  if (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    std::array<char, 256> owner{};
    const ssize_t length = ::pread(descriptor_, owner.data(), owner.size() - 1, 0);
    ::close(descriptor_);
    descriptor_ = -1;
    if (lock_error == EWOULDBLOCK) {
      std::string holder(owner.data(), length > 0 ? static_cast<size_t>(length) : 0);
      while (!holder.empty() && holder.back() == '\n') holder.pop_back();
      throw Error(fmt::format(
          "{}: another sealion run is writing it ({}); wait for it, or choose another output",
          output.string(), holder.empty() ? "see " + lock_path_.string() : holder));
    }
    throw Error(fmt::format("{}: cannot lock: {}", lock_path_.string(), std::strerror(lock_error)));
  }
  std::array<char, 256> host{};
  ::gethostname(host.data(), host.size() - 1);
  const std::string owner = fmt::format("pid {} on {}\n", ::getpid(), host.data());
  if (::ftruncate(descriptor_, 0) != 0 ||
      ::pwrite(descriptor_, owner.data(), owner.size(), 0) != static_cast<ssize_t>(owner.size())) {
    // The lock holds without its note; only the message of a second run would miss the pid.
  }
}

OutputLock::~OutputLock() {
  if (descriptor_ < 0) return;
  std::error_code ignored;
  std::filesystem::remove(lock_path_, ignored);
  ::close(descriptor_);
}

}  // namespace sealion
