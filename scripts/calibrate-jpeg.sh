#!/usr/bin/env bash
# Calibrates a point model's detection threshold for photos compressed harder than usual.
#
# Survey photos are sometimes recompressed hard (JPEG quality 20-50); the blocks and ringing then
# draw false detections, most of them juveniles and adult females on rock, and the model's
# threshold counts too many. For each quality Q of QUALITIES (default "20 30 50") this re-encodes
# the photos at Q (OpenCV, 4:2:0, as most tools do) and finds the threshold at which the copies
# count as the photos themselves do at the model's own threshold (least squares over every photo
# and class; no truth needed, so any photos of the kind the model is for will do; they should
# be of good quality, above every Q). It prints them, and with --write stores them in the model's
# header as detection.threshold_by_jpeg_quality, with the photos' own quality as the top key:
# `count` then counts a photo whose JPEG quality is below that key at the shifted threshold.
#
# Self-agreement on photos the model trained on finds too small a shift: their recompressed
# copies draw fewer false animals than unseen photos' do (docs/real-photos.md, "Thresholds for hard
# compression"). With JPEG_SHIFT=S nothing is counted: every quality of QUALITIES gets the
# model's threshold + S, the shift the cross-validation measured (make model: 0 since 2026-12-06,
# MODEL_JPEG_SHIFT; 0.05 for the recipes before).
#
# usage: scripts/calibrate-jpeg.sh MODEL PHOTO_DIR WORK_DIR [--write]
# Copies go to WORK_DIR, counts to WORK_DIR/weights-ID, ID a hash of the model's weights (both
# reused when there: a header edit keeps the counts valid, other weights count afresh); the model
# file is rewritten atomically, its weights untouched (their checksum is over the weights alone).
# CALIBRATE_THREADS: count --threads.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
python=/usr/bin/python3
qualities="${QUALITIES:-20 30 50}"
[ $# -ge 3 ] || { sed -n 2,23p "$0" >&2; exit 2; }
model="$1" photos="$2" work="$3" write="${4:-}"
[ -f "$model" ] || { echo "calibrate-jpeg: no model file $model" >&2; exit 1; }
[ -d "$photos" ] || { echo "calibrate-jpeg: no photo folder $photos" >&2; exit 1; }
# Counts made with other weights (another model calibrated from the same folder) never count.
counts="$work/weights-$("$python" "$root/scripts/model_header.py" "$model" weights-id)"
mkdir -p "$counts"
# The header's float32 (0.32499998807907104) as it was chosen (0.325): 6 significant digits
# give back any threshold written with up to 6 (4 made 0.33333 into 0.3333, below count's).
own_threshold=$(printf '%.6g' "$("$python" "$root/scripts/model_header.py" "$model" get detection.threshold)")
# The photos' own quality: the median of their qualities, by the rule `count` reads a photo's
# with (src/sealion/core/image_io.cc, IjgQuality): the IJG quality whose standard luminance table
# is nearest the file's (Pillow gives the table in natural order, as libjpeg keeps it).
reference_quality=$("$python" - "$photos" <<'PY'
import glob, os, statistics, sys
from PIL import Image
STANDARD = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40,
            57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35,
            55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112,
            100, 103, 99]


def ijg_table(quality):
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (v * scale + 50) // 100)) for v in STANDARD]


qualities = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*"))):
    if not path.lower().endswith((".jpg", ".jpeg", ".png")):
        continue
    with Image.open(path) as image:
        tables = getattr(image, "quantization", None)
    if not tables:
        qualities.append(100)  # lossless
        continue
    table = list(tables[0])
    qualities.append(min(range(1, 101), key=lambda q: sum(
        abs(a - b) for a, b in zip(table, ijg_table(q)))))
if not qualities:
    sys.exit(f"calibrate-jpeg: no JPEG or PNG photos in {sys.argv[1]}")
print(round(statistics.median(qualities)))
PY
)
for quality in $qualities; do
  [ "$quality" -lt "$reference_quality" ] || {
    echo "calibrate-jpeg: the photos' quality ($reference_quality) must be above every quality calibrated ($qualities)" >&2; exit 1; }
done
count() {  # count PHOTOS OUT [count options]: detections to OUT-detections.csv, reused when there
  local in="$1" out="$2"; shift 2
  [ -f "$out-detections.csv" ] && return 0
  "$sealion" count "$in" --model "$model" --threads "${CALIBRATE_THREADS:-0}" "$@" -o "$out-counts.csv" \
    --detections "$out-detections.csv.tmp" > "$out.log" 2>&1 || {
    echo "calibrate-jpeg: counting $in failed, see $out.log" >&2; exit 1; }
  mv "$out-detections.csv.tmp" "$out-detections.csv"
  # Counted afresh when the detections are missing (no --resume): the journals are spent.
  rm -f "$out-counts.csv.journal" "$out-detections.csv.tmp.detections.journal"
}
if [ -z "${JPEG_SHIFT:-}" ]; then  # with a fixed shift there is nothing to count
  # At a low threshold, filtered at the model's own below, so the counts stay valid when it changes.
  echo "calibrate-jpeg: counting $photos (JPEG quality $reference_quality), the reference at the model's threshold $own_threshold"
  count "$photos" "$counts/reference-low" --threshold 0.05
  for quality in $qualities; do
    copies="$work/q$quality"
    if [ ! -f "$copies/.done" ]; then
      mkdir -p "$copies"
      "$python" - "$photos" "$copies" "$quality" <<'PY'
import glob, os, sys
import cv2
source, target, quality = sys.argv[1], sys.argv[2], int(sys.argv[3])
for path in sorted(glob.glob(os.path.join(source, "*"))):
    stem, extension = os.path.splitext(os.path.basename(path))
    if extension.lower() not in (".jpg", ".jpeg", ".png"):
        continue
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        sys.exit(f"calibrate-jpeg: cannot read {path}")
    if not cv2.imwrite(os.path.join(target, stem + ".jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, quality]):
        sys.exit(f"calibrate-jpeg: cannot write {target}/{stem}.jpg")
PY
      touch "$copies/.done"
    fi
    echo "calibrate-jpeg: counting the copies at JPEG quality $quality"
    # A threshold of the user's own turns any existing table off: low, so that higher is a filter.
    count "$copies" "$counts/q$quality" --threshold 0.05
  done
fi
"$python" - "$counts" "$own_threshold" "$reference_quality" "$model" "$write" "$root" "${JPEG_SHIFT:-}" $qualities <<'PY'
import json, sys
sys.path.insert(0, sys.argv[6] + "/scripts")
import model_header
from threshold_match import counts_of, matching_threshold, read_detections
work, reference_quality, model = sys.argv[1], sys.argv[3], sys.argv[4]
own = float(sys.argv[2])
write, shift, qualities = sys.argv[5] == "--write", sys.argv[7], sys.argv[8:]
table = {}
if shift:
    table = {quality: round(own + float(shift), 4) for quality in qualities}
    if not all(0 < t < 1 for t in table.values()):
        sys.exit(f"calibrate-jpeg: JPEG_SHIFT {shift} takes the threshold {own} out of (0, 1)")
    print(f"JPEG qualities {' '.join(qualities)}: threshold {own + float(shift):.3f} "
          f"(the model's {own} + JPEG_SHIFT {shift})")
else:
    reference = counts_of(read_detections(f"{work}/reference-low-detections.csv"), own)
    for quality in qualities:
        threshold, error, total = matching_threshold(
            reference, read_detections(f"{work}/q{quality}-detections.csv"))
        table[quality] = threshold
        print(f"JPEG quality {quality}: threshold {threshold:.3f} (squared count difference "
              f"{error}, {total} animals against {sum(reference.values())} at quality "
              f"{reference_quality})")
table[reference_quality] = own
if write:
    model_header.update(model, {"detection.threshold_by_jpeg_quality": table})
    print(f"calibrate-jpeg: {model}: detection.threshold_by_jpeg_quality = {json.dumps(table)}")
PY
