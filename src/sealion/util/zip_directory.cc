#include "sealion/util/zip_directory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "sealion/util/error.h"

namespace sealion {
namespace {

constexpr uint32_t kEndOfDirectorySignature = 0x06054b50;
constexpr uint32_t kDirectoryEntrySignature = 0x02014b50;
constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr size_t kEndOfDirectorySize = 22;
constexpr size_t kDirectoryEntrySize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kLongestComment = 0xFFFF;
// Deflate expands at most about 1032 to 1: a record claiming more cannot be sound.
constexpr uint64_t kLargestDeflateRatio = 1032;

uint32_t Little(std::string_view bytes, size_t at, int width) {
  uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i)
    value = (value << 8) | static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)]);
  return value;
}

}  // namespace

void CheckStoredZipArchive(std::string_view archive) {
  const size_t size = archive.size();
  if (size < kEndOfDirectorySize) throw Error("not a LibTorch archive: too short for a zip");
  // The end-of-directory record is the last thing in the file, before a comment of at most 64 KB.
  size_t end = std::string_view::npos;
  const size_t earliest = size - kEndOfDirectorySize > kLongestComment
                              ? size - kEndOfDirectorySize - kLongestComment
                              : 0;
  for (size_t at = size - kEndOfDirectorySize + 1; at-- > earliest;) {
    if (Little(archive, at, 4) == kEndOfDirectorySignature &&
        at + kEndOfDirectorySize + Little(archive, at + 20, 2) == size) {
      end = at;
      break;
    }
  }
  if (end == std::string_view::npos) throw Error("not a LibTorch archive: no zip directory");
  const uint32_t entries = Little(archive, end + 10, 2);
  const uint64_t directory_size = Little(archive, end + 12, 4);
  const uint64_t directory_start = Little(archive, end + 16, 4);
  if (directory_start + directory_size > end)
    throw Error("corrupt archive: its zip directory lies outside the file");
  if (entries == 0) throw Error("corrupt archive: no records");
  size_t at = directory_start;
  for (uint32_t i = 0; i < entries; ++i) {
    if (at + kDirectoryEntrySize > directory_start + directory_size ||
        Little(archive, at, 4) != kDirectoryEntrySignature)
      throw Error(fmt::format("corrupt archive: zip directory entry {} is cut or damaged", i));
    const uint32_t method = Little(archive, at + 10, 2);
    const uint64_t stored = Little(archive, at + 20, 4);
    const uint64_t claimed = Little(archive, at + 24, 4);
    const size_t name_length = Little(archive, at + 28, 2);
    const size_t extra_length = Little(archive, at + 30, 2);
    const size_t comment_length = Little(archive, at + 32, 2);
    const uint64_t header = Little(archive, at + 42, 4);
    // The record's name for messages, printable characters only.
    std::string name;
    for (size_t k = at + kDirectoryEntrySize;
         k < std::min(size, at + kDirectoryEntrySize + name_length) && name.size() < 80; ++k)
      name.push_back(archive[k] >= 32 && archive[k] < 127 ? archive[k] : '?');
    // LibTorch stores tensor data uncompressed and deflates some small records (code).
    if (method != 0 && method != 8)
      throw Error(
          fmt::format("corrupt archive: record '{}' uses compression method {}; LibTorch "
                      "writes stored or deflated records only",
                      name, method));
    if (claimed == 0xFFFFFFFF || stored == 0xFFFFFFFF)
      throw Error(fmt::format("corrupt archive: record '{}' has zip64 sizes", name));
    if (method == 0 ? claimed != stored : claimed > kLargestDeflateRatio * stored + 64)
      throw Error(fmt::format("corrupt archive: record '{}' claims {} bytes from {} stored", name,
                              claimed, stored));
    if (header + kLocalHeaderSize > directory_start ||
        Little(archive, header, 4) != kLocalHeaderSignature)
      throw Error(
          fmt::format("corrupt archive: record '{}' has no local header where the "
                      "directory says",
                      name));
    const uint64_t data_start = header + kLocalHeaderSize + Little(archive, header + 26, 2) +
                                Little(archive, header + 28, 2);
    if (data_start + stored > directory_start)
      throw Error(
          fmt::format("corrupt archive: record '{}' claims {} stored bytes, more than "
                      "the archive holds",
                      name, stored));
    at += kDirectoryEntrySize + name_length + extra_length + comment_length;
  }
}

}  // namespace sealion
