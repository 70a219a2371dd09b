// Fuzzes the journals a resumed run trusts (distrib/journal.h), as `count --resume` reads them:
// the journal (a fingerprint line, then "id,five counts,detection rows" per finished photo) and
// the detections side journal. An input holds both, split at a line "====" (without one, both
// files get the whole input). The journal's own first line is taken as the expected fingerprint,
// so that the lines after it are always read; a second open with another fingerprint must refuse.

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "fuzz/fuzz_input.h"
#include "sealion/distrib/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sealion::fuzz::ExpectCleanErrorOnly;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string separator = "\n====\n";
  const size_t split = input.find(separator);
  const std::string journal_text = split == std::string::npos ? input : input.substr(0, split + 1);
  const std::string side_text =
      split == std::string::npos ? input : input.substr(split + separator.size());
  const std::string fingerprint = journal_text.substr(0, journal_text.find('\n'));
  const auto write = [](const std::string& text, const std::string& extension) {
    return sealion::fuzz::WriteInputFile(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                         extension);
  };

  ExpectCleanErrorOnly([&] {
    sealion::Journal other(write(journal_text, ".journal"), fingerprint + "x", true);
    std::abort();  // another fingerprint must be refused
  });
  ExpectCleanErrorOnly([&] {
    const sealion::Journal journal(write(journal_text, ".journal"), fingerprint, true);
    std::map<int64_t, int64_t> expected_rows;
    for (const auto& [id, cells] : journal.Finished(6)) {
      if (cells.size() != 6) std::abort();
      try {
        expected_rows[id] = std::stoll(cells[5]);
      } catch (const std::exception&) {  // as count does: a damaged line is counted again
      }
    }
    const auto side = write(side_text, ".detections.journal");
    const std::map<int64_t, int64_t> found = sealion::KeepCompleteRows(side, expected_rows, true);
    std::set<int64_t> ids;
    for (const auto& [id, rows] : expected_rows) {
      if (found.count(id) == 0) std::abort();  // count looks up every journalled photo
      ids.insert(id);
    }
    sealion::SortedRows(side, ids);
  });
  return 0;
}
