#pragma once
// Per-photo class counts in the competition's CSV form: `<id column>,adult_males,...,pups`.
// train.csv, test_truth.csv, counts.csv and submission files all share it.

#include <filesystem>
#include <map>
#include <string>

#include "sealion/core/classes.h"

namespace sealion {

using CountsById = std::map<int64_t, ClassCounts>;

// Reads a counts CSV whose first column is an id (train_id, test_id, ...). Throws, naming the
// file and line, on a bad header, a non-integer or negative cell, or a duplicated id.
CountsById ReadCountsCsv(const std::filesystem::path& path);

// Formats counts as CSV with the given id column name, sorted by id.
std::string FormatCountsCsv(const std::string& id_column, const CountsById& counts);

}  // namespace sealion
