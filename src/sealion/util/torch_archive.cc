#include "sealion/util/torch_archive.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

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

// One record of a zip, as its central directory gives it, checked to lie within the archive.
struct ArchiveRecord {
  std::string name;  // printable characters only, for messages
  std::string raw_name;
  uint32_t method = 0;  // 0 stored, 8 deflated
  uint32_t flags = 0;
  uint64_t stored = 0;
  uint64_t claimed = 0;
  size_t directory_entry = 0;  // where its central directory entry starts
  size_t local_header = 0;
  size_t data_start = 0;
};

// The records of a zip, in the directory's order, with the checks the header describes.
std::vector<ArchiveRecord> ListRecords(std::string_view archive) {
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
  std::vector<ArchiveRecord> records;
  size_t at = directory_start;
  for (uint32_t i = 0; i < entries; ++i) {
    if (at + kDirectoryEntrySize > directory_start + directory_size ||
        Little(archive, at, 4) != kDirectoryEntrySignature)
      throw Error(fmt::format("corrupt archive: zip directory entry {} is cut or damaged", i));
    ArchiveRecord record;
    record.directory_entry = at;
    record.flags = Little(archive, at + 8, 2);
    record.method = Little(archive, at + 10, 2);
    record.stored = Little(archive, at + 20, 4);
    record.claimed = Little(archive, at + 24, 4);
    const size_t name_length = Little(archive, at + 28, 2);
    const size_t extra_length = Little(archive, at + 30, 2);
    const size_t comment_length = Little(archive, at + 32, 2);
    record.local_header = Little(archive, at + 42, 4);
    const size_t name_start = std::min(size, at + kDirectoryEntrySize);
    record.raw_name = std::string(archive.substr(name_start, name_length));
    for (const char c : record.raw_name.substr(0, 80))
      record.name.push_back(c >= 32 && c < 127 ? c : '?');
    const std::string& name = record.name;
    // LibTorch stores tensor data uncompressed and deflates some small records (code).
    if (record.method != 0 && record.method != 8)
      throw Error(
          fmt::format("corrupt archive: record '{}' uses compression method {}; LibTorch "
                      "writes stored or deflated records only",
                      name, record.method));
    if (record.claimed == 0xFFFFFFFF || record.stored == 0xFFFFFFFF)
      throw Error(fmt::format("corrupt archive: record '{}' has zip64 sizes", name));
    if (record.method == 0 ? record.claimed != record.stored
                           : record.claimed > kLargestDeflateRatio * record.stored + 64)
      throw Error(fmt::format("corrupt archive: record '{}' claims {} bytes from {} stored", name,
                              record.claimed, record.stored));
    if (record.local_header + kLocalHeaderSize > directory_start ||
        Little(archive, record.local_header, 4) != kLocalHeaderSignature)
      throw Error(
          fmt::format("corrupt archive: record '{}' has no local header where the "
                      "directory says",
                      name));
    record.data_start = record.local_header + kLocalHeaderSize +
                        Little(archive, record.local_header + 26, 2) +
                        Little(archive, record.local_header + 28, 2);
    if (record.data_start + record.stored > directory_start)
      throw Error(
          fmt::format("corrupt archive: record '{}' claims {} stored bytes, more than "
                      "the archive holds",
                      name, record.stored));
    records.push_back(std::move(record));
    at += kDirectoryEntrySize + name_length + extra_length + comment_length;
  }
  return records;
}

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         std::string_view(text).substr(text.size() - suffix.size()) == suffix;
}

// A record's contents, inflated where it is deflated.
std::string Contents(std::string_view archive, const ArchiveRecord& record) {
  const std::string_view stored = archive.substr(record.data_start, record.stored);
  return record.method == 0 ? std::string(stored) : Inflate(stored, record.claimed, record.name);
}

// LibTorch names a tensor's storage "<archive>/data/<number>".
bool IsTensorData(const std::string& name) {
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos || slash + 1 == name.size()) return false;
  for (size_t i = slash + 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return name.substr(0, slash) == "data" || EndsWith(name.substr(0, slash), "/data");
}

void PutLittle(std::string& bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + static_cast<size_t>(i)] = static_cast<char>(value >> (8 * i));
}

}  // namespace

void CheckTorchArchive(std::string_view archive) {
  for (const ArchiveRecord& record : ListRecords(archive)) {
    if (EndsWith(record.raw_name, ".pkl") || EndsWith(record.raw_name, "_pkl"))
      CheckPickle(Contents(archive, record), record.name);
  }
}

std::string TensorDataInReference(std::string_view reference, std::string_view archive) {
  const std::vector<ArchiveRecord> expected = ListRecords(reference);
  const std::vector<ArchiveRecord> found = ListRecords(archive);
  if (found.size() != expected.size())
    throw Error(fmt::format("the archive holds {} records, this version's network {}", found.size(),
                            expected.size()));
  std::string rebuilt(reference);
  for (size_t i = 0; i < found.size(); ++i) {
    const ArchiveRecord& ours = expected[i];
    const ArchiveRecord& theirs = found[i];
    if (theirs.raw_name != ours.raw_name)
      throw Error(fmt::format("record {} is '{}', this version's network writes '{}'", i,
                              theirs.name, ours.name));
    if (!IsTensorData(ours.raw_name)) {
      if (Contents(archive, theirs) != Contents(reference, ours))
        throw Error(fmt::format("record '{}' differs from what this version's network writes",
                                theirs.name));
      continue;
    }
    if (theirs.method != 0 || theirs.stored != ours.stored)
      throw Error(fmt::format("tensor record '{}' holds {} bytes, this version's network {}",
                              theirs.name, theirs.claimed, ours.stored));
    const std::string_view data = archive.substr(theirs.data_start, theirs.stored);
    rebuilt.replace(ours.data_start, ours.stored, data);
    // The zip's checksums of the record, where LibTorch's reader (miniz) may check them.
    const auto crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    PutLittle(rebuilt, ours.directory_entry + 16, crc);
    if ((ours.flags & 0x8) == 0) {
      PutLittle(rebuilt, ours.local_header + 14, crc);
    } else {  // a data descriptor after the data, with or without its signature
      const size_t descriptor = ours.data_start + ours.stored;
      const bool signed_descriptor =
          descriptor + 8 <= rebuilt.size() && Little(rebuilt, descriptor, 4) == 0x08074b50;
      const size_t crc_at = descriptor + (signed_descriptor ? 4 : 0);
      if (crc_at + 4 <= rebuilt.size()) PutLittle(rebuilt, crc_at, crc);
    }
  }
  return rebuilt;
}

}  // namespace sealion
