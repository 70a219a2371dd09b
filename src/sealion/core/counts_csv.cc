#include "sealion/core/counts_csv.h"

#include <fmt/format.h>

#include "sealion/util/csv.h"
#include "sealion/util/error.h"

namespace sealion {

CountsById ReadCountsCsv(const std::filesystem::path& path) {
  const CsvTable table = ReadCsv(path);
  std::vector<std::string> expected = SplitCsvLine(std::string(kCountColumns));
  expected.insert(expected.begin(), table.header.empty() ? "" : table.header[0]);
  if (table.header.size() != expected.size() || table.header != expected ||
      table.header[0].empty()) {
    throw Error(fmt::format("{}: header '{}' is not '<id>,{}'", path.string(),
                            fmt::join(table.header, ","), kCountColumns));
  }
  CountsById counts;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    const int64_t id = table.IntegerAt(row, 0);
    ClassCounts row_counts{};
    for (int c = 0; c < kNumSeaLionClasses; ++c) {
      row_counts[c] = table.IntegerAt(row, c + 1);
      if (row_counts[c] < 0) {
        throw Error(fmt::format("{}:{}: negative count {} for {}", path.string(),
                                table.line_numbers[row], row_counts[c], ClassName(c)));
      }
    }
    if (!counts.emplace(id, row_counts).second) {
      throw Error(
          fmt::format("{}:{}: id {} appears twice", path.string(), table.line_numbers[row], id));
    }
  }
  return counts;
}

std::string FormatCountsCsv(const std::string& id_column, const CountsById& counts) {
  std::string text = fmt::format("{},{}\n", id_column, kCountColumns);
  for (const auto& [id, row] : counts) {
    text += fmt::format("{},{}\n", id, fmt::join(row, ","));
  }
  return text;
}

}  // namespace sealion
