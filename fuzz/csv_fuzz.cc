// Fuzzes the CSV layer and the readers built on it that check columns: ReadCsv with
// RequireHeader and the typed cells, ReadCountsCsv (train.csv, submissions) and
// ReferenceLayouts::Read (reference_coords.csv).

#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "sealion/core/counts_csv.h"
#include "sealion/synth/layout.h"
#include "sealion/util/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sealion::fuzz::ExpectCleanErrorOnly;
  const auto path = sealion::fuzz::WriteInputFile(data, size, ".csv");
  ExpectCleanErrorOnly([&] {
    const sealion::CsvTable table = sealion::ReadCsv(path);
    ExpectCleanErrorOnly([&] { sealion::RequireHeader(table, {"train_id", "class", "x", "y"}); });
    // Every cell as both kinds, as the readers above ask for them.
    for (size_t row = 0; row < table.rows.size(); ++row) {
      for (size_t column = 0; column < table.header.size(); ++column) {
        ExpectCleanErrorOnly([&] { table.IntegerAt(row, static_cast<int>(column)); });
        ExpectCleanErrorOnly([&] { table.NumberAt(row, static_cast<int>(column)); });
      }
    }
  });
  ExpectCleanErrorOnly([&] { sealion::ReadCountsCsv(path); });
  ExpectCleanErrorOnly([&] {
    const auto layouts = sealion::ReferenceLayouts::Read(path);
    sealion::Rng rng(1, 2, 3);
    layouts.Sample(rng);  // rescales a layout by the frame Read inferred
  });
  return 0;
}
