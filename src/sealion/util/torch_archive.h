#pragma once
// A check of a LibTorch archive (the weights inside a model file, a TorchScript module) before it
// is handed to LibTorch: LibTorch's reader allocates as many bytes as a record's directory entry
// claims before reading it (fuzz/model_file_fuzz: 4.2 GB from a 1.9 KB file). LibTorch writes
// its archives as a zip of stored records (tensor data) and a few deflated ones (code), so a
// sound record claims what it stores, or, deflated, at most deflate's largest expansion (about
// 1032:1) of it. This reads the zip's central directory and refuses anything else: no directory,
// another compression method, a record that claims more or lies beyond the archive, zip64 sizes.
// What LibTorch can then allocate for a record is bounded by about 1000 times the file's size.
// The pickles among the records (.pkl and .debug_pkl; deflated ones are inflated) are walked opcode
// by opcode: LibTorch's unpickler reserves a string's claimed length before reading it, so no
// opcode may claim more bytes than its record has left; it sizes its memo by the index a PUT
// gives, so memo indices must run from 0 without gaps, as a pickler writes them; opcodes outside
// pickle protocols 0-4 are refused.

#include <string>
#include <string_view>

namespace sealion {

// Throws sealion::Error saying what is wrong (without a file name: callers add theirs).
void CheckTorchArchive(std::string_view archive);

// What LibTorch's reader is given for a model file's weights. Checking an archive is not enough:
// LibTorch also compiles the TorchScript code records of the archive, and its parser crashes on
// some damaged ones (fuzz/model_file_fuzz: a SEGV in ScriptTypeParser::parseClassConstant). A
// sealion model's archive is fully known but for its numbers, so this returns `reference` (the
// archive this sealion writes for the same network) with each tensor data record replaced by the
// same record of `archive`, and the zip checksums of those records updated: LibTorch then parses
// only records it wrote itself. Throws unless both hold the same records in the same order,
// tensor records ("<archive>/data/<n>", stored) of the same sizes, and every other record (pickles,
// code, version) with the same contents.
std::string TensorDataInReference(std::string_view reference, std::string_view archive);

}  // namespace sealion
