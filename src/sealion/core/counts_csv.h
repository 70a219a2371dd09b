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

// Which photo file each test_id of a submission is: `test_id,photo`, one line a photo, the path
// the rest of the line (so a comma in it is kept). `count --ids-from-order` writes it beside the
// submission, since its ids (0, 1, ...) do not name the photos; `export --photos` reads it.
using PhotosById = std::map<int64_t, std::filesystem::path>;
std::string FormatPhotoList(const PhotosById& photos);  // throws on a path with a line break
// Throws, naming the file and line, on a bad header or id, an empty path, a duplicated id.
PhotosById ReadPhotoList(const std::filesystem::path& path);
// Where count writes the list for the submission `output`: submission.csv -> submission.photos.csv.
std::filesystem::path PhotoListPath(std::filesystem::path output);

}  // namespace sealion
