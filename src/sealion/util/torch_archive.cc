#include "sealion/util/torch_archive.h"

#include <fmt/format.h>
#include <zlib.h>

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

// The little-endian unsigned number of `width` bytes (at most 8) at `at`.
uint64_t Little(std::string_view bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i)
    value = (value << 8) | static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)]);
  return value;
}

// A deflated record's bytes (Python's torch.jit.save deflates some pickles), at most `claimed`
// of them; the directory check above already bounds `claimed` by deflate's largest expansion.
std::string Inflate(std::string_view deflated, uint64_t claimed, const std::string& name) {
  std::string inflated(claimed, '\0');
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw Error("zlib: cannot start inflating");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
  stream.avail_in = static_cast<uInt>(deflated.size());
  stream.next_out = reinterpret_cast<Bytef*>(inflated.data());
  stream.avail_out = static_cast<uInt>(inflated.size());
  const int status = inflate(&stream, Z_FINISH);
  const uint64_t produced = stream.total_out;
  inflateEnd(&stream);
  if (status != Z_STREAM_END || produced != claimed)
    throw Error(
        fmt::format("corrupt archive: record '{}' does not inflate to the {} bytes it "
                    "claims",
                    name, claimed));
  return inflated;
}

// Walks the opcodes of a pickle (the .pkl records LibTorch's unpickler reads) and throws when
// an opcode's argument runs past the record: LibTorch reserves a string's claimed length before
// reading it (model_file_fuzz: 4 GB for a BINUNICODE in a 265-byte file). Opcodes are those of
// pickle protocols 0-4 (torch/csrc/jit/serialization/pickler.h); anything else is refused.
void CheckPickle(std::string_view pickle, const std::string& name) {
  const auto fail = [&](const std::string& what) {
    return Error(fmt::format("corrupt archive: pickle '{}': {}", name, what));
  };
  size_t at = 0;
  uint64_t memo_size = 0;
  const auto need = [&](uint64_t bytes, char opcode) {
    if (bytes > pickle.size() - at)
      throw fail(fmt::format("opcode 0x{:02x} claims {} bytes, {} are left", opcode & 0xFF, bytes,
                             pickle.size() - at));
  };
  const auto line = [&](char opcode) {
    const size_t end = pickle.find('\n', at);
    if (end == std::string_view::npos)
      throw fail(fmt::format("opcode 0x{:02x} has no end of line", opcode & 0xFF));
    at = end + 1;
  };
  // The opcode's fixed-width argument, read as a little-endian number.
  const auto argument = [&](int width, char opcode) {
    need(static_cast<uint64_t>(width), opcode);
    const uint64_t value = Little(pickle, at, width);
    at += static_cast<size_t>(width);
    return value;
  };
  // An argument of `width` bytes giving the length of the bytes that follow it.
  const auto length = [&](int width, char opcode) {
    const uint64_t value = argument(width, opcode);
    need(value, opcode);
    at += static_cast<size_t>(value);
  };
  while (at < pickle.size()) {
    const char opcode = pickle[at++];
    switch (opcode) {
      case '.':  // STOP
        return;
      case '(':
      case '0':
      case '1':
      case '2':
      case 'N':
      case 'Q':
      case 'R':
      case 'a':
      case 'b':
      case 'd':
      case '}':
      case 'e':
      case 'l':
      case ']':
      case 'o':
      case 's':
      case 't':
      case ')':
      case 'u':
      case '\x81':
      case '\x85':
      case '\x86':
      case '\x87':
      case '\x88':
      case '\x89':
      case '\x8f':
      case '\x90':
      case '\x91':
      case '\x92':
      case '\x93':
        break;  // no argument
      case 'F':
      case 'I':
      case 'L':
      case 'P':
      case 'S':
      case 'V':
      case 'g':
      case 'p':
        line(opcode);
        break;
      case 'c':
      case 'i':  // GLOBAL, INST: module and name lines
        line(opcode);
        line(opcode);
        break;
      case 'h':  // BINGET, BINPUT, LONG_BINGET, LONG_BINPUT: a memo index
      case 'q':
      case 'j':
      case 'r': {
        const uint64_t index = argument(opcode == 'h' || opcode == 'q' ? 1 : 4, opcode);
        // LibTorch sizes its memo by the index it is given (reserving for 2^32 entries on a
        // crafted one); a pickler numbers its memo from 0 without gaps.
        const bool put = opcode == 'q' || opcode == 'r';
        if (put ? index > memo_size : index >= memo_size)
          throw fail(fmt::format("memo index {} of {} entries", index, memo_size));
        if (put && index == memo_size) ++memo_size;
        break;
      }
      case '\x94':  // MEMOIZE
        ++memo_size;
        break;
      case 'K':  // fixed-width arguments: 1, 2, 4 and 8 bytes
      case '\x80':
      case '\x82':
        argument(1, opcode);
        break;
      case 'M':
      case '\x83':
        argument(2, opcode);
        break;
      case 'J':
      case '\x84':
        argument(4, opcode);
        break;
      case 'G':
        argument(8, opcode);
        break;
      case '\x95':  // FRAME: an 8-byte length of the opcodes that follow, which are walked
        need(argument(8, opcode), opcode);
        break;
      case 'U':
      case 'C':
      case '\x8c':
      case '\x8a':  // 1-byte lengths
        length(1, opcode);
        break;
      case 'T':
      case 'X':
      case 'B':
      case '\x8b':  // 4-byte lengths
        length(4, opcode);
        break;
      case '\x8d':
      case '\x8e':  // 8-byte lengths
        length(8, opcode);
        break;
      default:
        throw fail(fmt::format("unknown opcode 0x{:02x} at byte {}", opcode & 0xFF, at - 1));
    }
  }
  throw fail("no STOP opcode");
}

}  // namespace

void CheckTorchArchive(std::string_view archive) {
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
    const size_t name_start = std::min(size, at + kDirectoryEntrySize);
    const std::string_view raw_name = archive.substr(name_start, name_length);
    // The record's name for messages, printable characters only.
    std::string name;
    for (const char c : raw_name.substr(0, 80)) name.push_back(c >= 32 && c < 127 ? c : '?');
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
    const bool pickle = raw_name.size() >= 4 && (raw_name.substr(raw_name.size() - 4) == ".pkl" ||
                                                 raw_name.substr(raw_name.size() - 4) == "_pkl");
    if (pickle && method == 0) CheckPickle(archive.substr(data_start, stored), name);
    if (pickle && method != 0)
      CheckPickle(Inflate(archive.substr(data_start, stored), claimed, name), name);
    at += kDirectoryEntrySize + name_length + extra_length + comment_length;
  }
}

}  // namespace sealion
