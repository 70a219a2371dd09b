#include "sealion/core/counts_csv.h"

#include <fmt/format.h>

#include <fstream>

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

std::string FormatPhotoList(const PhotosById& photos) {
  std::string text = "test_id,photo\n";
  for (const auto& [id, path] : photos) {
    const std::string name = path.string();
    if (name.find_first_of("\r\n") != std::string::npos)
      throw Error(fmt::format("photo {}: a path with a line break cannot be listed", id));
    text += fmt::format("{},{}\n", id, name);
  }
  return text;
}

PhotosById ReadPhotoList(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open the photo list", path.string()));
  std::string line;
  int line_number = 0;
  PhotosById photos;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1) {
      if (line != "test_id,photo")
        throw Error(fmt::format("{}:1: header '{}' is not 'test_id,photo'", path.string(), line));
      continue;
    }
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    const std::optional<int64_t> id = ParseWholeInteger(std::string_view(line).substr(0, comma));
    if (comma == std::string::npos || !id || *id < 0 || comma + 1 == line.size()) {
      throw Error(fmt::format("{}:{}: '{}' is not '<test_id>,<photo path>'", path.string(),
                              line_number, line));
    }
    if (!photos.emplace(*id, line.substr(comma + 1)).second) {
      throw Error(fmt::format("{}:{}: test_id {} appears twice", path.string(), line_number, *id));
    }
  }
  if (line_number == 0) throw Error(fmt::format("{}: empty photo list", path.string()));
  return photos;
}

std::filesystem::path PhotoListPath(std::filesystem::path output) {
  return output.replace_extension(".photos.csv");
}

}  // namespace sealion
