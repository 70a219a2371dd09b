#include "sealion/formats/import.h"

#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "sealion/core/classes.h"
#include "sealion/core/image_io.h"
#include "sealion/formats/export_numbers.h"
#include "sealion/util/atomic_file.h"
#include "sealion/util/csv.h"
#include "sealion/util/error.h"
#include "sealion/util/json_fields.h"

namespace sealion {
namespace {

using AnimalsById = std::map<int64_t, std::vector<Animal>>;

double NumberOrThrow(std::string_view text, const std::string& where, std::string_view what) {
  const auto value = ParseFiniteNumber(text);
  if (!value) throw Error(fmt::format("{}: {} is not a finite number: '{}'", where, what, text));
  return *value;
}

// A sea lion class from its name, throwing with `where` for another name or non_seal.
int SeaLionClass(const std::string& name, const std::string& where) {
  const int class_index = WithContext(where, [&] { return ClassIndexFromName(name); });
  if (class_index >= kNumSeaLionClasses) throw Error(where + ": non_seal is not an animal");
  return class_index;
}

int64_t PhotoIdOfImage(const std::string& image_name, const std::string& where) {
  return WithContext(where, [&] { return PhotoIdFromFileName(image_name); });
}

// One VIAME CSV data row (formats/viame_csv.cc has the layout) as the animal it labels.
std::pair<int64_t, Animal> ParseViameRow(const std::string& line, const std::string& where) {
  if (line.find('"') != std::string::npos) {
    throw Error(where +
                ": quoted cells are not supported (an attribute with a comma or a quote in it?)");
  }
  const std::vector<std::string> cells = SplitCsvLine(line);
  if (cells.size() < 9) {
    throw Error(fmt::format(
        "{}: a VIAME CSV row has at least 9 columns (id, image, frame, TL_x, TL_y, BR_x, BR_y, "
        "confidence, length), not {}",
        where, cells.size()));
  }
  const int64_t id = PhotoIdOfImage(cells[1], where);
  const double left = NumberOrThrow(cells[3], where, "TL_x"),
               top = NumberOrThrow(cells[4], where, "TL_y"),
               right = NumberOrThrow(cells[5], where, "BR_x"),
               bottom = NumberOrThrow(cells[6], where, "BR_y");
  // Species,confidence pairs up to the first cell that starts with '(' (DIVE's rule).
  size_t cell = 9;
  std::string best_species;
  double best_confidence = -std::numeric_limits<double>::infinity();
  for (; cell < cells.size() && !cells[cell].empty() && cells[cell][0] != '('; cell += 2) {
    if (cell + 1 >= cells.size())
      throw Error(fmt::format("{}: species '{}' has no confidence", where, cells[cell]));
    const double confidence = NumberOrThrow(cells[cell + 1], where, "the species' confidence");
    if (confidence > best_confidence) {
      best_confidence = confidence;
      best_species = cells[cell];
    }
  }
  if (best_species.empty())
    throw Error(where + ": no species,confidence pair after column 9: the class is unknown");
  Animal animal{(left + right) / 2, (top + bottom) / 2, SeaLionClass(best_species, where)};
  constexpr std::string_view kHead = "(kp) head ";
  for (; cell < cells.size(); ++cell) {
    if (cells[cell].compare(0, kHead.size(), kHead) != 0) continue;
    std::istringstream coordinates(cells[cell].substr(kHead.size()));
    std::string x, y, rest;
    coordinates >> x >> y;
    if (coordinates >> rest || y.empty())
      throw Error(fmt::format("{}: expected '(kp) head X Y', not '{}'", where, cells[cell]));
    animal.x = NumberOrThrow(x, where, "the keypoint's x");
    animal.y = NumberOrThrow(y, where, "the keypoint's y");
    break;
  }
  return {id, animal};
}

AnimalsById ReadViameCsv(const std::filesystem::path& path, const std::string& text) {
  AnimalsById animals;
  std::istringstream lines(text);
  std::string line;
  for (int line_number = 1; std::getline(lines, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') continue;
    const auto [id, animal] = ParseViameRow(line, fmt::format("{}:{}", path.string(), line_number));
    animals[id].push_back(animal);
  }
  return animals;
}

const nlohmann::json& Member(const nlohmann::json& object, const char* key,
                             const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw Error(fmt::format("{}: no '{}'", where, key));
  return object[key];
}

const nlohmann::json& ArrayMember(const nlohmann::json& object, const char* key,
                                  const std::string& where) {
  const nlohmann::json& array = Member(object, key, where);
  if (!array.is_array()) throw Error(fmt::format("{}: '{}' is not an array", where, key));
  return array;
}

// `count` numbers at the start of the array `value`, or an error naming `what`.
std::vector<double> Numbers(const nlohmann::json& value, size_t count, const std::string& where,
                            const char* what) {
  if (!value.is_array() || value.size() < count)
    throw Error(fmt::format("{}: {} must be an array of {} numbers", where, what, count));
  std::vector<double> numbers;
  for (size_t i = 0; i < count; ++i) {
    if (!value[i].is_number() || !std::isfinite(value[i].get<double>()))
      throw Error(fmt::format("{}: {} must be an array of {} numbers", where, what, count));
    numbers.push_back(value[i].get<double>());
  }
  return numbers;
}

AnimalsById ReadCocoJson(const std::filesystem::path& path, const std::string& text) {
  const std::string file = path.string();
  nlohmann::json coco;
  try {
    coco = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("{}: not valid JSON (truncated?): {}", file, error.what()));
  }
  constexpr int64_t kLowest = std::numeric_limits<int64_t>::min();
  constexpr int64_t kHighest = std::numeric_limits<int64_t>::max();
  std::map<int64_t, int> class_of_category;
  const nlohmann::json& categories = ArrayMember(coco, "categories", file);
  for (size_t i = 0; i < categories.size(); ++i) {
    const std::string where = fmt::format("{}: categories[{}]", file, i);
    const int64_t id =
        JsonInteger(Member(categories[i], "id", where), where + ".id", kLowest, kHighest);
    const nlohmann::json& name = Member(categories[i], "name", where);
    if (!name.is_string()) throw Error(where + ": 'name' is not a string");
    if (!class_of_category.emplace(id, SeaLionClass(name.get<std::string>(), where)).second)
      throw Error(fmt::format("{}: category id {} appears twice", where, id));
  }
  AnimalsById animals;
  std::map<int64_t, int64_t> photo_of_image;
  const nlohmann::json& images = ArrayMember(coco, "images", file);
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string where = fmt::format("{}: images[{}]", file, i);
    const int64_t id =
        JsonInteger(Member(images[i], "id", where), where + ".id", kLowest, kHighest);
    const nlohmann::json& name = Member(images[i], "file_name", where);
    if (!name.is_string()) throw Error(where + ": 'file_name' is not a string");
    const int64_t photo_id = PhotoIdOfImage(name.get<std::string>(), where);
    if (!photo_of_image.emplace(id, photo_id).second)
      throw Error(fmt::format("{}: image id {} appears twice", where, id));
    animals[photo_id];  // an image without annotations has no animals
  }
  const nlohmann::json& annotations = ArrayMember(coco, "annotations", file);
  for (size_t i = 0; i < annotations.size(); ++i) {
    const nlohmann::json& annotation = annotations[i];
    const std::string where = fmt::format("{}: annotations[{}]{}", file, i,
                                          annotation.is_object() && annotation.contains("id")
                                              ? " (id " + annotation["id"].dump() + ")"
                                              : "");
    const int64_t image_id =
        JsonInteger(Member(annotation, "image_id", where), where + ".image_id", kLowest, kHighest);
    const int64_t category_id = JsonInteger(Member(annotation, "category_id", where),
                                            where + ".category_id", kLowest, kHighest);
    const auto image = photo_of_image.find(image_id);
    if (image == photo_of_image.end())
      throw Error(fmt::format("{}: image_id {} is not in images", where, image_id));
    const auto category = class_of_category.find(category_id);
    if (category == class_of_category.end())
      throw Error(fmt::format("{}: category_id {} is not in categories", where, category_id));
    Animal animal{0, 0, category->second};
    const bool has_keypoint = annotation.contains("keypoints") &&
                              annotation["keypoints"].is_array() &&
                              annotation["keypoints"].size() >= 3;
    const std::vector<double> keypoint =
        has_keypoint ? Numbers(annotation["keypoints"], 3, where, "keypoints")
                     : std::vector<double>{};
    if (has_keypoint && keypoint[2] > 0) {
      animal.x = keypoint[0];
      animal.y = keypoint[1];
    } else if (annotation.contains("bbox")) {
      const std::vector<double> box = Numbers(annotation["bbox"], 4, where, "bbox");
      animal.x = box[0] + box[2] / 2;
      animal.y = box[1] + box[3] / 2;
    } else {
      throw Error(where + ": neither a labelled keypoint nor a bbox: where is the animal?");
    }
    animals[image->second].push_back(animal);
  }
  return animals;
}

}  // namespace

AnimalsById ReadLabelledAnimals(const std::filesystem::path& path) {
  const std::string text = ReadFileToString(path);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw Error(path.string() + ": empty file");
  if (text[first] == '{') return ReadCocoJson(path, text);
  if (text[first] == '#') return ReadViameCsv(path, text);
  const std::vector<std::string> header = SplitCsvLine(text.substr(0, text.find('\n')));
  if (header.size() >= 4 && header[1] == "class" && header[2] == "x" && header[3] == "y") {
    AnimalsById animals;
    for (const auto& [id, points] : ReadPointsCsv(path)) {
      for (const auto& p : points) animals[id].push_back({p.x, p.y, p.class_index});
    }
    return animals;
  }
  if (header.size() >= 10) return ReadViameCsv(path, text);
  throw Error(path.string() +
              ": neither a coords CSV (train_id or test_id,class,x,y), a VIAME CSV (9 or more "
              "columns, '#' header) nor a COCO JSON");
}

}  // namespace sealion
