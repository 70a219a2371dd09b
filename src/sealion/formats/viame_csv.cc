// VIAME CSV, the detection and track format of VIAME and of DIVE, its web annotator.
//
// Layout (VIAME's manual, "Detection File Formats and Conversions", section "VIAME CSV"; and the
// writer and reader DIVE uses, Kitware/dive server/dive_utils/serializers/viame.py):
//   1: detection or track id        2: video or image identifier (here the image file name)
//   3: unique frame id, from 0      4-7: box TL_x, TL_y, BR_x, BR_y (origin: top-left of image)
//   8: detection confidence         9: target length (-1: none)
//   10, 11, ...: species name, confidence pairs (here one: the class and its score)
//   then optional fields, each a cell starting with a tag: "(kp) head X Y" is a keypoint, the
//   one DIVE shows as a point; "(atr) NAME VALUE" an attribute; "(poly) X1 Y1 ..." a polygon.
// Lines starting with '#' are comments: DIVE writes the column header above, then
// "# metadata,key: value,...". Readers stop taking species pairs at the first cell starting
// with '(' (DIVE), so the keypoint goes after the pairs.
// Frame ids count the photos in the order of the export (by test_id), photos without
// detections included, as an image sequence of the photo folder.

#include <fmt/format.h>

#include <string>

#include "sealion/core/classes.h"
#include "sealion/formats/export.h"
#include "sealion/version.h"

namespace sealion {

std::string FormatViameCsv(const ExportData& data) {
  std::string csv =
      "# 1: Detection or Track-id,2: Video or Image Identifier,3: Unique Frame Identifier,"
      "4-7: Img-bbox(TL_x,TL_y,BR_x,BR_y),8: Detection or Length Confidence,"
      "9: Target Length (0 or -1 if invalid),10-11+: Repeated Species,Confidence Pairs or "
      "Attributes\n";
  csv += fmt::format("# metadata,exported_by: \"sealion {}\"\n", kVersion);
  if (data.tiles) {
    csv +=
        "# sealion: each row is one counted 64x64 tile (the tile counter's detections): the box "
        "is the tile and (kp) head its centre\n";
  } else {
    csv += fmt::format(
        "# sealion: each row is one animal; (kp) head is its point and the box is its class's "
        "typical size centred on it (adult_males {} px; subadult_males {} px; adult_females {} "
        "px; juveniles {} px; pups {} px: body lengths from the real sample's chips)\n",
        kBodyLengthPixels[0], kBodyLengthPixels[1], kBodyLengthPixels[2], kBodyLengthPixels[3],
        kBodyLengthPixels[4]);
  }
  int64_t track_id = 0;
  for (size_t frame = 0; frame < data.photos.size(); ++frame) {
    const ExportPhoto& photo = data.photos[frame];
    const auto found = data.detections.find(photo.id);
    if (found == data.detections.end()) continue;
    for (const DetectedAnimal& d : found->second) {
      const PixelBox box = DetectionBox(d, data.tiles, photo);
      // Fixed-point keypoints: DIVE's pattern for them takes digits and a point, no exponent.
      csv +=
          fmt::format("{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{},-1,{},{},(kp) head {:.3f} {:.3f}\n",
                      track_id++, photo.file_name, frame, box.left, box.top, box.right, box.bottom,
                      d.score, ClassName(d.class_index), d.score, d.x, d.y);
    }
  }
  return csv;
}

}  // namespace sealion
