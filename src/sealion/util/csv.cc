#include "sealion/util/csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <fstream>

#include "sealion/util/error.h"

namespace sealion {

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::string_view text(line);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::vector<std::string> cells;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    cells.emplace_back(
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

CsvTable ReadCsv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open for reading", path.string()));
  CsvTable table;
  table.path = path;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    auto cells = SplitCsvLine(line);
    if (table.header.empty()) {
      table.header = std::move(cells);
      continue;
    }
    if (cells.size() != table.header.size()) {
      throw Error(fmt::format("{}:{}: expected {} cells as in the header, found {}", path.string(),
                              line_number, table.header.size(), cells.size()));
    }
    table.rows.push_back(std::move(cells));
    table.line_numbers.push_back(line_number);
  }
  if (table.header.empty())
    throw Error(fmt::format("{}: empty file, expected a header", path.string()));
  return table;
}

int CsvTable::ColumnIndex(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  throw Error(fmt::format("{}: no column '{}' in header '{}'", path.string(), name,
                          fmt::join(header, ",")));
}

namespace {

// The whole of `text` as a T, or nothing ("", "12abc", " 12").
template <typename T>
std::optional<T> ParseWhole(std::string_view text) {
  T value{};
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || status != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

template <typename T>
T ParseCell(const CsvTable& table, size_t row, int column, const char* kind) {
  const std::string& cell = table.rows.at(row).at(column);
  const std::optional<T> value = ParseWhole<T>(cell);
  if (!value) {
    throw Error(fmt::format("{}:{}: column '{}' is '{}', not {}", table.path.string(),
                            table.line_numbers.at(row), table.header.at(column), cell, kind));
  }
  return *value;
}

}  // namespace

std::optional<int64_t> ParseWholeInteger(std::string_view text) {
  return ParseWhole<int64_t>(text);
}

int64_t CsvTable::IntegerAt(size_t row, int column) const {
  return ParseCell<int64_t>(*this, row, column, "an integer");
}

double CsvTable::NumberAt(size_t row, int column) const {
  return ParseCell<double>(*this, row, column, "a number");
}

void RequireHeader(const CsvTable& table, const std::vector<std::string>& expected) {
  if (table.header != expected) {
    throw Error(fmt::format("{}: header is '{}', expected '{}'", table.path.string(),
                            fmt::join(table.header, ","), fmt::join(expected, ",")));
  }
}

}  // namespace sealion
