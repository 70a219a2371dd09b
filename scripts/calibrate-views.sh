#!/usr/bin/env bash
# Calibrates a point model's detection threshold for the views it was not tuned with.
#
# A model's threshold is chosen with a number of views (train --views; the shipped model: 8);
# averaging fewer views gives heatmaps that peak higher, so `count --views 1` at the 8-view
# threshold over-counts. For each other view count V (1, 2, 4, 8), this finds the threshold at
# which V views count the photos as the model's own views do at its own threshold (least squares
# over every photo and class; no truth needed, so any photos of the kind the model is for will
# do), prints them, and with --write stores them in the model's header as
# detection.threshold_by_views, which `count --views V` then uses by default.
#
# usage: scripts/calibrate-views.sh MODEL PHOTO_DIR WORK_DIR [--write]
# Counts go to WORK_DIR/weights-ID, ID a hash of the model's weights (reused when there: a header
# edit keeps them valid, other weights count afresh); the model file is rewritten atomically, its
# weights untouched (their checksum is over the weights alone). CALIBRATE_THREADS: count --threads.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
python=/usr/bin/python3
[ $# -ge 3 ] || { sed -n 2,15p "$0" >&2; exit 2; }
model="$1" photos="$2" work="$3" write="${4:-}"
[ -f "$model" ] || { echo "calibrate-views: no model file $model" >&2; exit 1; }
[ -d "$photos" ] || { echo "calibrate-views: no photo folder $photos" >&2; exit 1; }
# Counts made with other weights (another model calibrated from the same folder) never count.
counts="$work/weights-$("$python" "$root/scripts/model_header.py" "$model" weights-id)"
mkdir -p "$counts"
own_views="$("$python" "$root/scripts/model_header.py" "$model" get detection.views)"
# The header's float32 (0.32499998807907104) as it was chosen (0.325): 6 significant digits
# give back any threshold written with up to 6 (4 made 0.33333 into 0.3333, below count's).
own_threshold=$(printf '%.6g' "$("$python" "$root/scripts/model_header.py" "$model" get detection.threshold)")
for views in 1 2 4 8; do
  # Every view count at a low threshold, from which any higher one is a filter (suppression keeps
  # the stronger of two peaks, and the scores are written in full): the model's own views
  # filtered at its own threshold are the reference, so the counts stay valid when it changes.
  out="$counts/views-$views-low"
  [ -f "$out-detections.csv" ] && continue
  echo "calibrate-views: counting $photos with $views view(s)"
  "$sealion" count "$photos" --model "$model" --views "$views" --threshold 0.05 \
    --threads "${CALIBRATE_THREADS:-0}" \
    -o "$out-counts.csv" --detections "$out-detections.csv.tmp" > "$out.log" 2>&1
  mv "$out-detections.csv.tmp" "$out-detections.csv"
  # Counted afresh when the detections are missing (no --resume): the journals are spent.
  rm -f "$out-counts.csv.journal" "$out-detections.csv.tmp.detections.journal"
done
"$python" - "$counts" "$own_views" "$model" "$write" "$root" "$own_threshold" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[5] + "/scripts")
import model_header
from threshold_match import counts_of, matching_threshold, read_detections
work, own, model, write = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "--write"
reference = counts_of(read_detections(f"{work}/views-{own}-low-detections.csv"), float(sys.argv[6]))
table = {}
for views in (1, 2, 4, 8):
    if views == own:
        continue
    threshold, error, total = matching_threshold(
        reference, read_detections(f"{work}/views-{views}-low-detections.csv"))
    table[str(views)] = threshold
    print(f"{views} view(s): threshold {threshold:.3f} (squared count difference {error}, "
          f"{total} animals against {sum(reference.values())} with {own} views)")
if write:
    model_header.update(model, {"detection.threshold_by_views": table})
    print(f"calibrate-views: {model}: detection.threshold_by_views = {json.dumps(table)}")
PY
