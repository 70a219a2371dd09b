// Fuzzes ReadPointsCsv: coords.csv, test_coords.csv and count's detections (also through
// ReadCoords and ReadDetections of report/overlay.h), then matches the points as `score` does.

#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "sealion/core/point_match.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = sealion::fuzz::WriteInputFile(data, size, ".csv");
  sealion::fuzz::ExpectCleanErrorOnly([&] {
    // Each photo's points against themselves as the truth: NaN or infinite coordinates and
    // scores from the file reach the matching, which must stay defined.
    sealion::MatchTally tally;
    for (const auto& [id, points] : sealion::ReadPointsCsv(path)) {
      std::vector<sealion::Animal> truth;
      for (const auto& point : points) truth.push_back({point.x, point.y, point.class_index});
      sealion::MatchAnimals(points, truth, &tally);
    }
  });
  return 0;
}
