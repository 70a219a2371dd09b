#!/usr/bin/env bash
# Does a model find animals by the marks that dot removal leaves? (issue 13) For each fold of a
# `bench/real_cv.sh` run that holds out a photo with a plain copy (42, 44, 50), the fold's point
# model counts the plain copy and the repaired dotted copy, and this prints, for each copy, how
# many animals it found, how many of its detections lie within 3 px of a removed dot's centre, and
# the median distance from a detection to the nearest dot (detections within half a body length
# of one). A model that reads the repair marks finds more animals on the repaired copy and puts
# them on the dots; on the plain copy there is no mark, and its detections sit a few pixels off.
# A third copy, "marked", is the plain copy with the same repair stamped at the dots: if the model
# counts it like the repaired copy, the disc itself is the cue (not what is left of a dot's colour
# around it); if like the plain copy, the dot's remains are.
#
# Each copy's counts per class follow (adult males, subadult males, adult females, juveniles, pups):
# marked minus plain is what the marks alone add; repaired minus marked is what the dotted file
# itself adds (the same repairs on the Kaggle dotted JPEG rather than on the plain one).
#
# Usage: bench/repair_marks.sh CV_DIR...  (each a SEALION_CV_DIR of real_cv.sh, its folds trained)
# Settings (environment): CV_DOT_FILL (telea: the fill the CV was run with, for the marked copy);
# MARKS_THRESHOLD (count --threshold; unset: each fold model's own); MARKS_THREADS (count --threads).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
sealion="${SEALION_BINARY:-$root/build/src/sealion/sealion}"
[ $# -ge 1 ] || { echo "usage: $0 CV_DIR..."; exit 2; }
source "$here/cv_folds.sh"
while read -r fold id <&3; do  # fd 3: the loop's commands may read stdin
  work="$(dirname "$fold")"
  mkdir -p "$fold/plain-$id"; ln -sf "$(readlink -f "$fold/test/$id.jpg")" "$fold/plain-$id/$id.jpg"
  if [ ! -f "$fold/marked-$id/$id.jpg" ]; then
    # dedot reads the photo to repair from TrainDotted/: there, the plain copy.
    mkdir -p "$fold/marked-source/TrainDotted"
    ln -sf "$(readlink -f "$fold/test/$id.jpg")" "$fold/marked-source/TrainDotted/$id.jpg"
    "$sealion" dedot "$fold/marked-source" --coords "$work/extract/coords.csv" --ids "$id" \
      --fill "${CV_DOT_FILL:-telea}" -o "$fold/marked-$id" > /dev/null
  fi
  at=(); tag=""
  if [ -n "${MARKS_THRESHOLD:-}" ]; then at=(--threshold "$MARKS_THRESHOLD"); tag="-at$MARKS_THRESHOLD"; fi
  for copy in plain repaired marked; do
    [ -f "$fold/marks-$copy-$id$tag.csv" ] && continue
    "$sealion" count "$fold/$copy-$id" --model "$fold/points.bin" "${at[@]}" --threads "${MARKS_THREADS:-0}" \
      -o "$fold/marks-$copy-$id$tag-counts.csv" --detections "$fold/marks-$copy-$id$tag.csv.new" \
      > /dev/null 2>&1
    mv "$fold/marks-$copy-$id$tag.csv.new" "$fold/marks-$copy-$id$tag.csv"
  done
  /usr/bin/python3 - "$work/extract/coords.csv" "$id" "$fold" "$(basename "$work")/$(basename "$fold")" "$tag" <<'PY'
import csv, math, statistics, sys
coords, photo, fold, label, tag = sys.argv[1:6]
classes = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
# Body lengths in px, as kBodyLengthPixels in src/sealion/core/point_match.h (score matches by half).
body = {"adult_males": 120, "subadult_males": 100, "adult_females": 80, "juveniles": 60, "pups": 40}
dots = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(open(coords)) if r["train_id"] == photo]
line = f"{label} photo {photo} ({len(dots)} dots):"
for copy in ("plain", "repaired", "marked"):
    detections = list(csv.DictReader(open(f"{fold}/marks-{copy}-{photo}{tag}.csv")))
    per_class = ",".join(str(sum(1 for d in detections if d["class"] == c)) for c in classes)
    near = []
    for d in detections:
        x, y = float(d["x"]), float(d["y"])
        nearest = min((math.hypot(x - a, y - b) for a, b in dots), default=math.inf)
        if nearest <= body[d["class"]] / 2: near.append(nearest)
    on_dot = sum(1 for n in near if n <= 3)
    median = f"{statistics.median(near):.1f}" if near else "-"
    line += f"  {copy} {len(detections)} found ({per_class}), {on_dot} within 3 px of a dot, median {median} px"
print(line)
PY
done 3< <(held_out_plain "$@")
