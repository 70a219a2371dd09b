#pragma once
// Minimal CSV for the competition's files: comma-separated, no quoting, one header line.
// Errors name the file, the line and what is wrong.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealion {

struct CsvTable {
  std::filesystem::path path;       // where it was read from, for error messages
  std::vector<std::string> header;  // column names
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line_numbers;  // 1-based source line of each row

  // Index of a column; throws naming the file when it is absent.
  int ColumnIndex(const std::string& name) const;
  // Cell of row `row` in column `column`, parsed as an integer or a number; throws naming the
  // file, line and column when it is not one.
  int64_t IntegerAt(size_t row, int column) const;
  double NumberAt(size_t row, int column) const;
};

// Reads a CSV file; every row must have as many cells as the header.
CsvTable ReadCsv(const std::filesystem::path& path);

// Splits one line at commas (no quoting); trailing '\r' is dropped.
std::vector<std::string> SplitCsvLine(const std::string& line);

// The whole of `text` as a decimal integer ("12", "-3"; not "", "12abc", " 12" or "1e3").
std::optional<int64_t> ParseWholeInteger(std::string_view text);

// Throws unless `table.header` equals `expected` exactly.
void RequireHeader(const CsvTable& table, const std::vector<std::string>& expected);

}  // namespace sealion
