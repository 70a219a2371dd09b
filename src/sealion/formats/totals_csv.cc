// Per-photo totals: image,test_id,class,count, one row per photo and class in the competition's
// class order, zero counts kept, so that a table or GIS join finds every photo. The counts are
// the submission's when there is one (photos without detections then appear too), else the
// detections counted per class.

#include <fmt/format.h>

#include <string>

#include "sealion/core/classes.h"
#include "sealion/formats/export.h"
#include "sealion/util/error.h"

namespace sealion {

std::string FormatTotalsCsv(const ExportData& data) {
  std::string csv = "image,test_id,class,count\n";
  for (const ExportPhoto& photo : data.photos) {
    ClassCounts counts{};
    if (data.counts) {
      const auto counted = data.counts->find(photo.id);
      if (counted == data.counts->end())
        throw Error(fmt::format("the submission has no row for photo {}", photo.id));
      counts = counted->second;
    } else if (const auto found = data.detections.find(photo.id); found != data.detections.end()) {
      for (const DetectedAnimal& d : found->second) ++counts[d.class_index];
    }
    for (int c = 0; c < kNumSeaLionClasses; ++c)
      csv += fmt::format("{},{},{},{}\n", photo.file_name, photo.id, ClassName(c), counts[c]);
  }
  return csv;
}

}  // namespace sealion
