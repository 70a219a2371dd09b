#pragma once
// The competition's vocabulary, in one place: the five sea lion classes in the order of
// train.csv and the submission file, the background class used by the CNN, and the colour of
// the dot that marks each class in TrainDotted/ (RGB, mean of real dot centres).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sealion {

// Class indices; the order is the competition's and is used everywhere.
enum SeaLionClass : int {
  kAdultMales = 0,
  kSubadultMales = 1,
  kAdultFemales = 2,
  kJuveniles = 3,
  kPups = 4,
  kNonSeal = 5,  // background; only the CNN knows it, it is never counted
};

inline constexpr int kNumSeaLionClasses = 5;  // the counted classes (columns of train.csv)
inline constexpr int kNumClasses = 6;         // with non_seal, the CNN's outputs

inline constexpr std::array<std::string_view, kNumClasses> kClassNames = {
    "adult_males", "subadult_males", "adult_females", "juveniles", "pups", "non_seal"};

struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
};

// Dot colour per sea lion class (index < kNumSeaLionClasses).
inline constexpr std::array<Rgb, kNumSeaLionClasses> kDotColours = {{
    {243, 9, 6},    // adult_males: red
    {245, 9, 242},  // subadult_males: magenta
    {86, 46, 10},   // adult_females: brown
    {26, 58, 176},  // juveniles: blue
    {36, 173, 19},  // pups: green
}};

// The header of train.csv and of the submission, after the id column.
inline constexpr std::string_view kCountColumns =
    "adult_males,subadult_males,adult_females,juveniles,pups";

std::string_view ClassName(int class_index);
// Index of a class name ("pups" -> 4); throws sealion::Error for an unknown name.
int ClassIndexFromName(std::string_view name);

// Per-class counts of the five sea lion classes.
using ClassCounts = std::array<int64_t, kNumSeaLionClasses>;

}  // namespace sealion
