#include "sealion/util/torch_archive.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>

#include "sealion/util/error.h"

namespace sealion {
namespace {

void Put(std::string& bytes, uint32_t value, int width) {
  for (int i = 0; i < width; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// A zip of one record as LibTorch writes it (stored), with the sizes and method given.
std::string OneRecordZip(const std::string& name, const std::string& data, uint32_t method = 0,
                         uint32_t claimed = UINT32_MAX) {
  if (claimed == UINT32_MAX) claimed = static_cast<uint32_t>(data.size());
  std::string zip;
  Put(zip, 0x04034b50, 4);
  Put(zip, 20, 2);
  Put(zip, 0, 2);
  Put(zip, method, 2);
  Put(zip, 0, 4);  // time, date
  Put(zip, 0, 4);  // crc
  Put(zip, static_cast<uint32_t>(data.size()), 4);
  Put(zip, claimed, 4);
  Put(zip, static_cast<uint32_t>(name.size()), 2);
  Put(zip, 0, 2);
  zip += name + data;
  const auto directory_start = static_cast<uint32_t>(zip.size());
  Put(zip, 0x02014b50, 4);
  Put(zip, 20, 2);
  Put(zip, 20, 2);
  Put(zip, 0, 2);
  Put(zip, method, 2);
  Put(zip, 0, 4);
  Put(zip, 0, 4);
  Put(zip, static_cast<uint32_t>(data.size()), 4);
  Put(zip, claimed, 4);
  Put(zip, static_cast<uint32_t>(name.size()), 2);
  Put(zip, 0, 2);
  Put(zip, 0, 2);
  Put(zip, 0, 2);
  Put(zip, 0, 2);
  Put(zip, 0, 4);
  Put(zip, 0, 4);  // local header at 0
  zip += name;
  const auto directory_size = static_cast<uint32_t>(zip.size()) - directory_start;
  Put(zip, 0x06054b50, 4);
  Put(zip, 0, 4);
  Put(zip, 1, 2);
  Put(zip, 1, 2);
  Put(zip, directory_size, 4);
  Put(zip, directory_start, 4);
  Put(zip, 0, 2);
  return zip;
}

std::string ErrorOf(const std::string& archive) {
  try {
    CheckTorchArchive(archive);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(TorchArchive, AcceptsStoredRecordsAndRefusesWhatLibTorchWouldOverAllocate) {
  const std::string sound = OneRecordZip("archive/data/0", std::string(64, 'x'));
  EXPECT_EQ(ErrorOf(sound), "");
  // A record claiming 4 GB in a file of 200 bytes: LibTorch would allocate the 4 GB first.
  EXPECT_NE(ErrorOf(OneRecordZip("archive/data/0", "xx", 0, 0xFFFFFFF0)).find("claims"),
            std::string::npos);
  // Deflated records (LibTorch deflates its code records) may claim up to deflate's expansion.
  EXPECT_EQ(ErrorOf(OneRecordZip("archive/code/x.py", "xx", 8, 1000)), "");
  EXPECT_NE(ErrorOf(OneRecordZip("archive/code/x.py", "xx", 8, 1 << 20)).find("claims"),
            std::string::npos);
  EXPECT_NE(ErrorOf(OneRecordZip("archive/data/0", "xx", 12)).find("method 12"), std::string::npos);
  EXPECT_NE(ErrorOf("not a zip at all, but long enough to look").find("no zip directory"),
            std::string::npos);
  EXPECT_NE(ErrorOf("short").find("too short"), std::string::npos);
  // Cut anywhere, the archive is refused, never read out of bounds.
  for (size_t length = 0; length < sound.size(); ++length)
    EXPECT_NE(ErrorOf(sound.substr(0, length)), "") << length;
  // A directory that points past its own end.
  std::string moved = sound;
  moved[moved.size() - 6] = static_cast<char>(0x7F);
  EXPECT_NE(ErrorOf(moved), "");
}

TEST(TorchArchive, PicklesMayNotClaimMoreThanTheirRecordHolds) {
  using namespace std::string_literals;
  // PROTO 2, BINUNICODE "abc", STOP.
  EXPECT_EQ(ErrorOf(OneRecordZip("archive/data.pkl",
                                 "\x80\x02X\x03\x00\x00\x00"
                                 "abc."s)),
            "");
  // The same string claiming 4 GB: LibTorch's unpickler would reserve it before reading.
  EXPECT_NE(ErrorOf(OneRecordZip("archive/data.pkl",
                                 "\x80\x02X\x07\x00\xff\xff"
                                 "abc."s))
                .find("claims 4294901767 bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(OneRecordZip("archive/data.pkl", "\x80\x02\xfe."s)).find("unknown opcode"),
            std::string::npos);
  EXPECT_NE(ErrorOf(OneRecordZip("archive/data.pkl", "\x80\x02N"s)).find("no STOP"),
            std::string::npos);
  EXPECT_NE(ErrorOf(OneRecordZip("archive/x.debug_pkl", "cmodule\nname"s)).find("end of line"),
            std::string::npos);
  // A deflated pickle is inflated and walked: these 2 bytes are no deflate stream of 10 bytes.
  EXPECT_NE(ErrorOf(OneRecordZip("archive/data.pkl", "xx", 8, 10)).find("does not inflate"),
            std::string::npos);
  // A memo index far beyond the entries stored: LibTorch would size its memo by it.
  EXPECT_NE(
      ErrorOf(OneRecordZip("archive/data.pkl", "\x80\x02Nr\xff\xff\xff\x7f."s)).find("memo index"),
      std::string::npos);
  EXPECT_EQ(ErrorOf(OneRecordZip("archive/data.pkl", "\x80\x02Nq\x00h\x00."s)), "");
  // Records that are not pickles are not walked.
  EXPECT_EQ(ErrorOf(OneRecordZip("archive/data/0", "\xfe\xfe"s)), "");
}

std::string RebuildError(const std::string& reference, const std::string& archive) {
  try {
    TensorDataInReference(reference, archive);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(TorchArchive, OnlyTensorDataOfTheFileIsCarriedIntoTheReference) {
  const std::string reference = OneRecordZip("archive/data/0", std::string(64, 'a'));
  const std::string file = OneRecordZip("archive/data/0", std::string(64, 'b'));
  const std::string rebuilt = TensorDataInReference(reference, file);
  EXPECT_EQ(rebuilt.size(), reference.size());
  EXPECT_NE(rebuilt.find(std::string(64, 'b')), std::string::npos);
  EXPECT_EQ(ErrorOf(rebuilt), "");
  // The directory's checksum of the record is the new data's, as miniz may check it.
  const std::string data(64, 'b');
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  std::string crc_bytes;
  Put(crc_bytes, crc, 4);
  EXPECT_NE(rebuilt.find(crc_bytes), std::string::npos);

  // Tensor data of another size, another record, or other contents where the reference has code.
  EXPECT_NE(RebuildError(reference, OneRecordZip("archive/data/0", std::string(60, 'b')))
                .find("holds 60 bytes"),
            std::string::npos);
  EXPECT_NE(RebuildError(reference, OneRecordZip("archive/data/1", std::string(64, 'b')))
                .find("this version's network writes 'archive/data/0'"),
            std::string::npos);
  const std::string code = OneRecordZip("archive/code/__torch__.py", "class Module(Module):");
  EXPECT_EQ(RebuildError(code, code), "");
  EXPECT_NE(RebuildError(code, OneRecordZip("archive/code/__torch__.py", "class Module(Modula):"))
                .find("differs"),
            std::string::npos);
  // Cut anywhere, the file is refused.
  for (size_t length = 0; length < file.size(); ++length)
    EXPECT_NE(RebuildError(reference, file.substr(0, length)), "") << length;
}

}  // namespace
}  // namespace sealion
